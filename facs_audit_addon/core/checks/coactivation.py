"""Co-activation: forbidden or opposing action pairs (rules/coactivation.toml [[pair]]) found in one
shape's geometry, in combination names, in drivers and in keyed animation.

Each finding takes its pair's severity, unless the profile's [severity] table sets the rule's.
"""

from dataclasses import replace
from itertools import combinations

import numpy as np

#: tokens that show a driver expression clamping its control to one direction (joystick halves)
DIRECTIONAL = ("max(", "min(", "clamp", "<", ">", "abs(")


def _finding(ctx, pair, rule, message, *, shapes, **kwargs):
    finding = ctx.finding(rule, message, shapes=shapes, **kwargs)
    if finding is None:
        return None
    profile = ctx.profile_of(shapes[0]) if shapes else ctx.primary_profile
    return finding if rule in profile.severity else replace(finding, severity=pair.severity)


def _parsed(ctx, name):
    return ctx.parsed(name) if ctx.set_of(name) is not None and name not in ctx.invalid else None


def check_baked_pairs(ctx):
    """A shape named for one member of a pair whose geometry shows the other member's signature."""
    rules = ctx.rulebook.coactivation
    if rules is None:
        return
    signatures = ctx.signatures
    for pair in rules.pairs_for("geometry"):
        for baked in pair.baked:
            other = pair.second if baked.au == pair.first else pair.first
            for i, name, parsed in ctx.focused_shapes():
                if not baked.au.matches(parsed):
                    continue
                value = signatures.measure(i, baked.bound.measure)
                if baked.bound.hit(value):
                    yield _finding(
                        ctx, pair, "coactivation.baked-pair",
                        f"{name} ({ctx.label(parsed)}) {baked.says} ({other}): "
                        f"{signatures.describe(baked.bound.measure, value)}. {pair.reason}",
                        shapes=(name,), aus=(parsed.au, other.code), side=parsed.side,
                        measures={baked.bound.measure: value, "pair": pair.label})


def check_combination_names(ctx):
    """Combination (corrective) shapes whose parts form a pair, unless listed as a legitimate corrective."""
    rules = ctx.rulebook.coactivation
    if rules is None:
        return
    for shape_set in ctx.sets:
        for name, combination in shape_set.combinations.items():
            if not ctx.touches(name):
                continue  # a finding names its shape only: a re-audit keeps the others
            parts = combination.parts
            if rules.is_corrective(p.au for p in parts):
                continue
            for p, q in combinations(parts, 2):
                pair = rules.pair_between(p, q, "names")
                if pair is not None:
                    yield _finding(ctx, pair, "coactivation.combination-name",
                                   f"{name} combines {ctx.label(p)} with {ctx.label(q)}: {pair.reason}",
                                   shapes=(name,), aus=(p.au, q.au), measures={"pair": pair.label})


def check_shared_drivers(ctx):
    """One driver target (id + data path) driving both members of a pair."""
    rules = ctx.rulebook.coactivation
    drivers = [d for d in ctx.snapshot.drivers if _parsed(ctx, d.shape) is not None]
    if rules is None or len(drivers) < 2:
        return
    for first, second in combinations(drivers, 2):
        if first.shape == second.shape:
            continue
        p, q = _parsed(ctx, first.shape), _parsed(ctx, second.shape)
        pair = rules.pair_between(p, q, "drivers")
        if pair is None:
            continue
        common = sorted(set(map(tuple, first.targets)) & set(map(tuple, second.targets)))
        if not common or _split_by_direction(first.expression, second.expression):
            continue
        controls = ", ".join(f"{target[0]}: {target[1]}" if len(target) > 1 else str(target[0]) for target in common)
        yield _finding(ctx, pair, "coactivation.shared-driver",
                       f"{first.shape} ({ctx.label(p)}) and {second.shape} ({ctx.label(q)}) are driven by the same control "
                       f"({controls}): {pair.reason}",
                       shapes=(first.shape, second.shape), aus=(p.au, q.au),
                       measures={"targets": [list(t) for t in common], "pair": pair.label})


def _split_by_direction(a, b):
    """Different expressions that clamp the control (``max(0, var)`` / ``max(0, -var)``): one side each."""
    a, b = (a or "").replace(" ", ""), (b or "").replace(" ", "")
    return a != b and any(token in text for token in DIRECTIONAL for text in (a, b))


def check_animation_overlap(ctx):
    """Frame ranges where both members of a pair are keyed above the profile's coactivation_value."""
    rules = ctx.rulebook.coactivation
    curves = {name: curve for name, curve in ctx.snapshot.animation.items() if _parsed(ctx, name) is not None}
    if rules is None or len(curves) < 2:
        return
    for a, b in combinations(curves, 2):
        p, q = _parsed(ctx, a), _parsed(ctx, b)
        pair = rules.pair_between(p, q, "animation")
        if pair is None:
            continue
        limit = ctx.threshold("coactivation_value", a)
        ranges = overlap_ranges(curves[a], curves[b], limit)
        if not ranges:
            continue
        text = ", ".join(f"{_frame(lo)}-{_frame(hi)}" if hi != lo else _frame(lo) for lo, hi in ranges)
        count = len(ranges)
        yield _finding(ctx, pair, "coactivation.animation-overlap",
                       f"{a} ({ctx.label(p)}) and {b} ({ctx.label(q)}) are both above {limit:g} on "
                       f"frame{'s' if count > 1 or ranges[0][0] != ranges[0][1] else ''} {text}: {pair.reason}",
                       shapes=(a, b), aus=(p.au, q.au),
                       measures={"frames": [[lo, hi] for lo, hi in ranges], "threshold": limit, "pair": pair.label})


def overlap_ranges(first, second, limit):
    """[(start, end)] frame ranges where both curves ``(frames, values)`` exceed ``limit``.

    Curves are read at every whole frame between the first and last key (linear between keys, held
    flat outside them, as the snapshot samples them); a spans longer than 20000 frames is read at the
    keys only.
    """
    frames = [np.asarray(curve[0], dtype=np.float64) for curve in (first, second)]
    values = [np.asarray(curve[1], dtype=np.float64) for curve in (first, second)]
    if any(f.size == 0 for f in frames):
        return []
    low = min(f.min() for f in frames)
    high = max(f.max() for f in frames)
    if high - low <= 20000:
        grid = np.arange(np.ceil(low), np.floor(high) + 1)
        grid = np.union1d(grid, np.concatenate(frames)) if grid.size == 0 else grid
    else:
        grid = np.union1d(*frames)
    order = [np.argsort(f) for f in frames]
    both = np.ones(grid.size, dtype=bool)
    for f, v, o in zip(frames, values, order):
        both &= np.interp(grid, f[o], v[o]) > limit
    if not both.any():
        return []
    # runs of True: starts where it switches on, ends where it switches off
    edges = np.diff(np.concatenate(([0], both.astype(np.int8), [0])))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1) - 1
    return [(float(grid[s]), float(grid[e])) for s, e in zip(starts, ends)]


def _frame(value):
    return str(int(value)) if float(value).is_integer() else f"{value:g}"
