"""What shapes are from their geometry alone (core/identify.py), inside the audit.

- naming.identified-as: one line per set no convention reads, with each shape's best candidate.
- conflation.identified-as-other: a named shape that confidently looks like another action while its
  own action does not even make the list. A shape another conflation or co-activation finding already
  names is left to that finding (engine.drop_shadowed): one root cause, one line.
"""

from ..identify import confident, describe, identities_of, reference_scores
from ..text import listing


def check_identified(ctx):
    rules = ctx.rulebook.identify
    if rules is None:
        return
    share = ctx.rulebook.naming.min_recognised_share
    unread = [s for s in ctx.sets if len(s.unknown) > (1 - share) * len(s.names) and ctx.touches(*s.unknown)]
    named = [(name, parsed) for _, name, parsed in ctx.focused_shapes() if not ctx.action(parsed.au).ambiguous]
    wanted = [n for s in unread for n in s.unknown] + [name for name, _ in named]
    if not wanted:
        return
    rows = [ctx.snapshot.index(name) for name in wanted]  # only these shapes are described
    description = describe(ctx, rules, rows)
    scores = reference_scores(description, rules)
    found = {i.name: (i, row) for i, row in zip(identities_of(ctx, rules, description, scores, rows), scores)}
    for shape_set in unread:
        yield _identified(ctx, shape_set, [found[n][0] for n in shape_set.unknown])
    for name, parsed in named:
        yield _other(ctx, rules, parsed, *found[name])


def _identified(ctx, shape_set, found):
    labelled = [(i.name, i.candidates[0]) for i in found if i.candidates]
    if not labelled:
        return None
    where = f" in set {shape_set.prefix}_" if shape_set.prefix else ""
    rest = len(found) - len(labelled)
    words = listing([f"{name} {c.label} ({c.score:.2f})" for name, c in labelled], 6)
    return ctx.finding(
        "naming.identified-as",
        f"From their geometry, {len(labelled)} of the {len(found)} shapes{where} no convention reads look like "
        f"single actions: {words}" + (f"; {rest} look like no single action" if rest else "") + ".",
        # every shape of the set: a re-audit of any of them replaces this line
        shapes=tuple(i.name for i in found), aus=tuple(dict.fromkeys(c.action for _, c in labelled)),
        measures={name: f"{c.label} {c.score:.2f}" for name, c in labelled})


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
