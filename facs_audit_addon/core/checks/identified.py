"""What shapes are from their geometry alone (core/identify.py), inside the audit.

- identified_words: for a set no convention reads, each shape's best candidate; check_naming folds it
  into that set's one naming line (``naming.identified-as`` for a vendor set, appended to the
  ``naming.unknown-name`` warning otherwise): one root cause, one line.
- conflation.identified-as-other: a named shape that confidently looks like another action while its
  own action does not even make the list. A shape another conflation, co-activation or earlier-meaning
  finding already names is left to that finding (engine.drop_shadowed).
"""

from ..identify import confident, describe, identities_of, reference_scores
from ..text import listing


def _identities(ctx, names):
    """{name: (Identity, reference scores row)} for ``names`` (only those shapes are described)."""
    rules = ctx.rulebook.identify
    rows = [ctx.snapshot.index(name) for name in names]
    description = describe(ctx, rules, rows)
    scores = reference_scores(description, rules)
    return {i.name: (i, row) for i, row in zip(identities_of(ctx, rules, description, scores, rows), scores)}


def identified_words(ctx, names):
    """(sentence, {name: "label score"}, actions) for unread shapes ``names``, or None (nothing single)."""
    if ctx.rulebook.identify is None or not names:
        return None
    found = [identity for identity, _ in _identities(ctx, names).values()]
    labelled = [(i.name, i.candidates[0]) for i in found if i.candidates]
    if not labelled:
        return None
    rest = len(found) - len(labelled)
    words = listing([f"{name} {c.label} ({c.score:.2f})" for name, c in labelled], 6)
    text = (f"From their geometry, {len(labelled)} look like single actions: {words}"
            + (f"; {rest} like no single action" if rest else "") + " (identify --draft-convention drafts names).")
    return (text, {name: f"{c.label} {c.score:.2f}" for name, c in labelled},
            tuple(dict.fromkeys(c.action for _, c in labelled)))


def check_identified(ctx):
    rules = ctx.rulebook.identify
    if rules is None:
        return
    named = [(name, parsed) for _, name, parsed in ctx.focused_shapes() if not ctx.action(parsed.au).ambiguous]
    if not named:
        return
    found = _identities(ctx, [name for name, _ in named])
    for name, parsed in named:
        yield _other(ctx, rules, parsed, *found[name])


def _other(ctx, rules, parsed, identity, row):
    best = confident(identity, rules)
    code = rules.same_pose.get(parsed.au, parsed.au)  # AU43 and AU46 are AU45's pose
    if best is None or best.action == code:
        return None
    own = max((float(row[j]) for j, r in enumerate(rules.references) if code in _codes(r)), default=0.0)
    if own >= rules.settings["min_score"]:
        return None  # its own action is still a fair reading
    name = identity.name
    what = name if parsed.label == name else f"{name} ({parsed.label})"
    return ctx.finding(
        "conflation.identified-as-other",
        f"{what} moves the face like {best.label} ({ctx.action(best.action).name}), not like {parsed.au}: "
        f"{best.score:.2f} against {own:.2f} for its own action.",
        shapes=(name,), aus=(parsed.au, best.action), side=parsed.side,
        measures={"identified": best.label, "score": best.score, "own_score": own,
                  "threshold": rules.settings["confident_score"]})


def _codes(reference):
    codes = set(reference.actions_by_across.values())
    codes |= set(reference.action.values()) if isinstance(reference.action, dict) else {reference.action}
    return codes
