"""Regional influence: motion outside the regions an action may move, and shapes that are one
rigid transform of the whole face (a head move baked into an expression)."""

import numpy as np

from ..geometry import rigid_fit, worst_vertices
from ..regions import by_side, region_label
from ..text import listing

#: regions outside the allowed ones are listed in a leakage finding's measures from this share of the
#: shape's motion energy up (smaller ones are the normal fall-off of a sculpt)
LISTED_SHARE = 0.01


def check_regions(ctx):
    """region.leakage: motion outside the regions a mapped shape's action may move.

    Two measures: the share of the motion energy outside the allowed regions (broad fall-offs into
    neighbouring regions are normal, so this threshold is loose), and the share in *remote* regions,
    those that touch no allowed region (an AU26 that drags the forehead), held to a tight threshold.
    Motion that merely falls off the allowed motion (skin dragged along, see islands.py) counts in
    neither. A shape under both thresholds may still carry a detached bump (region.detached-island).
    """
    from .islands import beyond_falloff, detached_island

    masks = ctx.region_masks
    # Without any eye or mouth landmark shape the regions are bounding-box guesses: too rough to
    # blame a sculpt on (the rig still gets every other check).
    if masks is None or (ctx.frame.eye is None and ctx.frame.mouth is None):
        return
    adjacent = masks.adjacent
    rigid = ctx.rigid_explained
    for i, name, parsed in ctx.focused_shapes():
        total = float(ctx.region_energy[i].sum())
        if total <= 0 or float(ctx.max_motion[i]) < ctx.threshold("empty_shape", name) * ctx.frame.scale:
            continue
        if rigid[i] >= ctx.threshold("rigid_share", name):
            continue  # reported as region.rigid-motion: a moved head lands everywhere
        action = ctx.action(parsed.au)
        allowed = masks.allowed(action.regions)
        remote = ~allowed & ~adjacent[:, allowed].any(axis=1)
        levels = _leakage_levels(ctx, name, by_side(masks, ctx.region_energy[i] / total, parsed.side),
                                 allowed, remote)
        kept = None
        if _leaks(levels):  # the finer measures only ever lower the shares: run them when it matters
            remote = ~allowed & ~ctx.region_adjacency[:, allowed].any(axis=1)
            kept = beyond_falloff(ctx, i, masks.inside(allowed), ctx.threshold("falloff_reach", name))
            levels = _leakage_levels(ctx, name, by_side(masks, (masks.weights @ kept) / total, parsed.side),
                                     allowed, remote)
        if not _leaks(levels):
            yield detached_island(ctx, i, name, parsed, allowed)
            continue
        shares, (outside, warning, error), (far, remote_warning, _) = levels
        rows = ~allowed if outside >= warning else remote
        worst = int(np.argmax(np.where(rows, shares, -1.0)))
        label = region_label(masks, worst, parsed.side)
        leaked = {region_label(masks, r, parsed.side): float(shares[r]) for r in np.argsort(-shares)
                  if not allowed[r] and shares[r] >= LISTED_SHARE}
        what = f"{name} ({ctx.label(parsed)})" if parsed.label != name else name
        yield ctx.finding(
            "region.leakage",
            f"{what} moves the {label}: {shares[worst]:.0%} of its motion; {outside:.0%} in all falls outside "
            f"the regions {parsed.au} may move ({listing(action.regions)}).",
            shapes=(name,), aus=(parsed.au,), side=parsed.side,
            measures={"share": outside, "remote_share": far, "threshold": warning,
                      "error_threshold": error, "remote_threshold": remote_warning,
                      "worst_region": label, "worst_region_share": float(shares[worst]), "regions": leaked,
                      "landmarks": masks.layout.from_landmarks},
            vertices=worst_vertices(kept * masks.weights[rows].sum(axis=0)),
            to_error=any(value >= limit for value, _, limit in levels[1:]))


def _leakage_levels(ctx, name, shares, allowed, remote):
    """(shares, (outside, warning, error), (remote, warning, error)) of one shape's region shares."""
    return (shares,
            (float(shares[~allowed].sum()), ctx.threshold("leakage_warning", name), ctx.threshold("leakage_error", name)),
            (float(shares[remote].sum()), ctx.threshold("remote_leakage_warning", name),
             ctx.threshold("remote_leakage_error", name)))


def _leaks(levels):
    return any(value >= warning for value, warning, _ in levels[1:])


def check_rigid(ctx):
    """region.rigid-motion: a shape that one rigid transform of the whole head mostly explains."""
    frame = ctx.frame
    domain = centred = None
    for i, name in enumerate(ctx.snapshot.names):
        if not ctx.touches(name):
            continue
        explained = float(ctx.rigid_explained[i])
        limit = ctx.threshold("rigid_share", name)
        if explained < limit or float(ctx.max_motion[i]) < ctx.threshold("empty_shape", name) * frame.scale:
            continue
        if domain is None:
            domain = ctx.rigid_domain
            points = ctx.snapshot.basis[domain].astype(np.float64)
            centred = points - points.mean(axis=0)
        _, rotation, translation = rigid_fit(centred, ctx.snapshot.deltas[i][domain].astype(np.float64))
        angle = float(np.degrees(np.arccos(np.clip((np.trace(rotation) - 1) / 2, -1.0, 1.0))))
        shift = float(np.linalg.norm(translation)) / frame.scale
        parsed = ctx.parsed(name)
        yield ctx.finding(
            "region.rigid-motion",
            f"{name} is {explained:.0%} one rigid move of the whole head (rotation {angle:.1f} degrees, "
            f"shift {shift:.1%} of the face size): a head or mesh transform baked into the shape.",
            shapes=(name,), aus=(parsed.au,) if parsed else (), side=parsed.side if parsed else "",
            measures={"explained": explained, "threshold": limit, "rotation_degrees": angle, "shift": shift},
            vertices=np.nonzero(domain)[0][worst_vertices(ctx.motion[i][domain])])
