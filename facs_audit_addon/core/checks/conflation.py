"""Conflation: shapes that duplicate each other, and shapes named for one action that look like another.

The pairs, bounds and reasons come from ``rules/coactivation.toml``; the measures from
``core/signatures.py``.
"""

import numpy as np


def check_duplicates(ctx):
    """Near-identical deltas (cosine and size), whatever the names, within one shape set."""
    names = ctx.snapshot.names
    empty = np.array([ctx.threshold("empty_shape", name) for name in names]) * ctx.frame.scale
    valid = np.array([name not in ctx.invalid for name in names], dtype=bool)
    live = np.flatnonzero(valid & (ctx.max_motion >= empty)).tolist()
    if len(live) < 2:
        return
    cosines = ctx.shape_cosines
    norms = cosines.norms
    rules = ctx.rulebook.coactivation
    limit = min(ctx.threshold("duplicate_cosine", names[i]) for i in live)
    # a re-audit measures only the pairs holding a focus shape (it keeps the other findings)
    among = None if ctx.focus is None else [i for i in live if names[i] in ctx.focus]
    for i, j, value in cosines.pairs_above(live, limit, among):
        first, second = names[i], names[j]
        if ctx.set_of(first) is not ctx.set_of(second):
            continue  # one set per convention on one mesh (Rocketbox): the same pose in each is intended
        if value <= ctx.threshold("duplicate_cosine", first):
            continue
        ratio = min(norms[i], norms[j]) / max(norms[i], norms[j])
        if ratio < ctx.threshold("duplicate_magnitude", first):
            continue
        p, q = ctx.parsed(first), ctx.parsed(second)
        if p is not None and q is not None and rules is not None:
            group = rules.interchangeable_group(p.au, q.au)
            if group is not None and not _wants_distinct(ctx.profile_of(first), p.au, q.au):
                continue
        labels = [f"{n} ({ctx.label(x)})" if x else n for n, x in ((first, p), (second, q))]
        yield ctx.finding(
            "conflation.duplicate-shapes",
            f"{labels[0]} and {labels[1]} are near-identical (cosine {value:.3f}, size ratio {ratio:.2f}).",
            shapes=(first, second), aus=tuple(x.au for x in (p, q) if x),
            measures={"cosine": value, "size_ratio": ratio,
                      "threshold": ctx.threshold("duplicate_cosine", first)})


def _wants_distinct(profile, a, b):
    """True when ``profile`` requires actions ``a`` and ``b`` each on its own (facs-film: AU43 and AU45)."""
    alone = [set(r.aus) for r in profile.requirements]
    return any(a in s and b not in s for s in alone) and any(b in s and a not in s for s in alone)


def check_conflations(ctx):
    """Shapes whose signature disagrees with their name (rules/coactivation.toml [[conflation]])."""
    rules = ctx.rulebook.coactivation
    if rules is None or not rules.conflations:
        return
    from .former import former_meaning
    hits = {}
    for i, name, parsed in ctx.focused_shapes():
        if former_meaning(ctx, name, parsed) is not None:
            continue  # named for an earlier FACS meaning: naming.former-meaning says what the shape is
        for rule, value in conflation_hits(ctx, i, name, parsed):
            hits.setdefault((name, rule.rule, rule.looks_like), []).append((rule, value))
    for (name, rule_id, looks_like), found in hits.items():
        parsed = ctx.parsed(name)
        parts = [f"{rule.says}: {describe_hit(ctx, name, parsed, rule, value)}" for rule, value in found]
        yield ctx.finding(
            rule_id, f"{name} ({ctx.label(parsed)}) looks like {looks_like}: {'; '.join(parts)}.",
            shapes=(name,), aus=(parsed.au, looks_like), side=parsed.side,
            measures={"looks_like": looks_like,
                      **{rule.bound.measure + (f"_{rule.relative}" if rule.relative_to else ""): value for rule, value in found}})


def conflation_hits(ctx, i, name, parsed):
    """(ConflationRule, value) of every [[conflation]] rule shape ``i`` (``name``) breaks."""
    signatures = ctx.signatures
    for rule in ctx.rulebook.coactivation.conflations:
        if not rule.au.matches(parsed) or (parsed.variant and not rule.au.variant):
            continue  # a half action (AU22 upper lip only) is not held to the whole action's signature
        value = signatures.measure(i, rule.bound.measure)
        if rule.relative_to:
            other = _partner(ctx, name, parsed, rule.relative_to)
            base = signatures.measure(other, rule.bound.measure) if other is not None else np.nan
            if rule.relative == "difference":
                value = value - base
            elif np.isfinite(base) and base > 1e-6:
                value = value / base
            else:
                continue  # a ratio to nothing (or to an opposite motion) says nothing
        if rule.bound.hit(value):
            yield rule, value


def describe_hit(ctx, name, parsed, rule, value):
    """The measured value of a broken conflation rule, in words."""
    if not rule.relative_to:
        return ctx.signatures.describe(rule.bound.measure, value)
    other = _partner_label(ctx, name, parsed, rule.relative_to)
    return (f"{rule.bound.measure} is {value:.2f} times {other}'s" if rule.relative == "ratio"
            else f"{rule.bound.measure} is {value:+.2f} against {other}'s")


def measured_variant(ctx, i, rule):
    """(value, variant) of shape ``i`` under a [[variants]] rule: the variant its measure shows, '' if neither."""
    value = ctx.signatures.measure(i, rule.measure)
    first, second = rule.variants
    return value, (first if value > rule.split else second if value < -rule.split else "")


def check_distinct(ctx):
    """Two actions that must differ (AU18 vs AU22) built as near-identical shapes."""
    rules = ctx.rulebook.coactivation
    if rules is None:
        return
    cosines = ctx.shape_cosines
    for first, second, rule_id, reason in rules.distinct:
        for (i, a, p), (j, b, q) in _pairs_of(ctx, first, second):
            value = cosines.cosine(i, j)
            if value > ctx.threshold("conflation_cosine", a):
                yield ctx.finding(rule_id, f"{a} ({ctx.label(p)}) and {b} ({ctx.label(q)}) are near-identical "
                                           f"(cosine {value:.2f}): {reason}",
                                  shapes=(a, b), aus=(p.au, q.au), measures={"cosine": value})


def check_variants(ctx):
    """Variants that must look different (AU23 horizontal/vertical) built as the same shape twice.

    A shape named without a variant is typed by its measure in coverage (checks/coverage.py).
    """
    rules = ctx.rulebook.coactivation
    if rules is None:
        return
    cosines = ctx.shape_cosines
    for rule in rules.variants:
        first, second = rule.variants
        shapes = [(i, name, parsed) for i, name, parsed in ctx.mapped_shapes() if parsed.au == rule.au]
        typed = {variant: [s for s in shapes if s[2].variant == variant] for variant in rule.variants}

        def kind(i):
            return measured_variant(ctx, i, rule)

        for (i, a, p) in typed[first]:
            for (j, b, q) in typed[second]:
                if not (p.side == q.side or "B" in (p.side, q.side)):
                    continue
                (va, ka), (vb, kb) = kind(i), kind(j)
                value = cosines.cosine(i, j)
                if value > ctx.threshold("conflation_cosine", a):
                    why = f"near-identical (cosine {value:.2f})"
                elif ka and ka == kb:
                    why = f"both {rule.names[rule.variants.index(ka)]} ({rule.measure} {va:.2f} and {vb:.2f})"
                else:
                    continue
                yield ctx.finding("conflation.variants-indistinct",
                                  f"{a} ({ctx.label(p)}) and {b} ({ctx.label(q)}) are {why}: {rule.reason}",
                                  shapes=(a, b), aus=(rule.au,), side=p.side if p.side == q.side else "B",
                                  measures={"cosine": value, rule.measure: [va, vb]})


def _pairs_of(ctx, first, second):
    """(shape of ``first``, shape of ``second``) in the same set and on compatible sides."""
    shapes = list(ctx.mapped_shapes())
    for i, a, p in shapes:
        if p.au != first:
            continue
        for j, b, q in shapes:
            if q.au == second and ctx.set_of(a) is ctx.set_of(b) and (p.side == q.side or "B" in (p.side, q.side)):
                yield (i, a, p), (j, b, q)


def _partner(ctx, name, parsed, code):
    """Index of the ``code`` shape to compare ``name`` with: same set, same side if there is one."""
    best = None
    for i, other, q in ctx.mapped_shapes():
        if q.au != code or q.variant or ctx.set_of(other) is not ctx.set_of(name):
            continue
        if q.side == parsed.side:
            return i
        if best is None and "B" in (q.side, parsed.side):
            best = i
    return best


def _partner_label(ctx, name, parsed, code):
    i = _partner(ctx, name, parsed, code)
    return ctx.snapshot.names[i] if i is not None else code

