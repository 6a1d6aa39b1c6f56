"""Regional influence: motion outside the regions an action may move, and shapes that are one
rigid transform of the whole face (a head move baked into an expression).

Also holds small helpers the geometric checks share (worst vertices, region words, escalation).
"""

from dataclasses import replace

import numpy as np

from ..text import listing

#: Vertex indices a finding carries for selection in Blender.
MAX_VERTICES = 200


def worst_vertices(score, limit=MAX_VERTICES):
    """Indices of the ``limit`` largest positive entries of ``score`` ((n,) array), worst first."""
    score = np.asarray(score)
    count = min(limit, int((score > 0).sum()))
    if count == 0:
        return ()
    top = np.argpartition(-score, count - 1)[:count]
    return top[np.argsort(-score[top], kind="stable")]


def region_words(ctx, energy, rows=None):
    """(label, share) of the region row holding most of ``energy`` ((n,) per-vertex values).

    rows : (m,) bool, optional
        Only consider these region rows (share is still of the whole energy).
    """
    masks = ctx.region_masks
    if masks is None:
        return "face", 1.0
    shares = masks.shares(np.asarray(energy, dtype=np.float32))
    if rows is not None:
        shares = np.where(rows, shares, 0.0)
    best = int(np.argmax(shares))
    return masks.labels[best], float(shares[best])


def escalate(finding, to_error):
    """A warning becomes an error above the error threshold (a profile's "off" stays off)."""
    if finding is not None and to_error and finding.severity == "warning":
        return replace(finding, severity="error")
    return finding


def check_regions(ctx):
    """region.leakage: motion outside the regions a mapped shape's action may move.

    Two measures: the share of the motion energy outside the allowed regions (broad fall-offs into
    neighbouring regions are normal, so this threshold is loose), and the share in *remote* regions,
    those that touch no allowed region (an AU26 that drags the forehead), held to a tight threshold.
    """
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
        shares = _by_side(masks, ctx.region_energy[i] / total, parsed.side)
        outside, far = float(shares[~allowed].sum()), float(shares[remote].sum())
        levels = ((outside, ctx.threshold("leakage_warning", name), ctx.threshold("leakage_error", name)),
                  (far, ctx.threshold("remote_leakage_warning", name), ctx.threshold("remote_leakage_error", name)))
        if all(value < warning for value, warning, _ in levels):
            continue
        rows = ~allowed if outside >= levels[0][1] else remote
        worst = int(np.argmax(np.where(rows, shares, -1.0)))
        label = _label(masks, worst, parsed.side)
        leaked = {_label(masks, r, parsed.side): float(shares[r]) for r in np.argsort(-shares)
                  if not allowed[r] and shares[r] >= 0.01}
        energy = ctx.motion[i].astype(np.float32) ** 2
        off_limits = energy * masks.weights[rows].sum(axis=0)
        what = f"{name} ({ctx.label(parsed)})" if parsed.label != name else name
        finding = ctx.finding(
            "region.leakage",
            f"{what} moves the {label}: {shares[worst]:.0%} of its motion; {outside:.0%} in all falls outside "
            f"the regions {parsed.au} may move ({listing(action.regions)}).",
            shapes=(name,), aus=(parsed.au,), side=parsed.side,
            measures={"share": outside, "remote_share": far, "threshold": levels[0][1],
                      "error_threshold": levels[0][2], "remote_threshold": levels[1][1],
                      "worst_region": label, "worst_region_share": float(shares[worst]), "regions": leaked,
                      "landmarks": masks.layout.from_landmarks},
            vertices=worst_vertices(off_limits))
        yield escalate(finding, any(value >= limit for value, _, limit in levels))


def _by_side(masks, shares, side):
    """For a bilateral shape, left and right halves of a region count as one (named without a side)."""
    if side in ("L", "R"):
        return shares
    out = np.zeros_like(shares)
    first = {}
    for r, base in enumerate(masks.bases):
        first.setdefault(base, r)
        out[first[base]] += shares[r]
    return out


def _label(masks, row, side):
    if side in ("L", "R") or masks.names[row] == masks.bases[row]:
        return masks.labels[row]
    return masks.labels[row].split(" ", 1)[1]


def rigid_domain(ctx):
    """(n,) bool: the head around the face: vertices inside the box of the moving vertices grown by a
    quarter on every side (a whole body far below stays out; the still cranium behind the face is in)."""
    frame = ctx.frame
    local = frame.local(ctx.snapshot.basis)
    margin = 0.25 * (frame.high - frame.low)
    return np.all((local >= frame.low - margin) & (local <= frame.high + margin), axis=1)


def rigid_shares(ctx, rows=None):
    """(k,) float64: rigid-fit explained share per shape (0 where the fit is not tried).

    The fit covers the whole head around the face, so a jaw drop (a rigid move of the jaw only)
    explains little while a head move explains everything. A rigid move of the head moves nearly
    every vertex, so shapes that leave part of it still (under 10% of their peak on more than a
    fifth of it) are not fitted at all.
    """
    out = np.zeros(len(ctx.snapshot.names))
    domain = rigid_domain(ctx)
    if int(domain.sum()) < 4:
        return out
    points = ctx.snapshot.basis[domain].astype(np.float64)
    centred = points - points.mean(axis=0)
    # every 7th head vertex is plenty to tell "moves nearly everything" from "moves a part"
    sample = np.flatnonzero(domain)[::7]
    rows = np.arange(len(out)) if rows is None else np.asarray(rows, dtype=np.int64)
    moving = np.zeros(len(out))
    # sample the columns first: indexing the rows first would copy the whole (k, n) motion array
    moving[rows] = (ctx.motion[:, sample][rows] > 0.1 * ctx.max_motion[rows][:, None]).mean(axis=1)
    for i in rows:
        name = ctx.snapshot.names[i]
        if name in ctx.invalid or moving[i] < 0.8 or not ctx.max_motion[i] > 0:
            continue
        out[i] = rigid_fit(centred, ctx.snapshot.deltas[i][domain].astype(np.float64))[0]
    return out


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
            domain = rigid_domain(ctx)
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


def rigid_fit(centred, delta):
    """Best rigid transform taking ``centred`` points to ``centred + delta`` (Kabsch).

    centred : (m, 3) float64, points minus their centroid; delta : (m, 3) float64.

    Returns (explained, rotation (3, 3), translation (3,)): ``explained`` is the share of the motion
    energy the rigid transform accounts for (1 - residual / total), in [0, 1].
    """
    total = float(np.einsum("ij,ij->", delta, delta))
    if total <= 0:
        return 0.0, np.eye(3), np.zeros(3)
    shift = delta.mean(axis=0)
    target = centred + delta - shift
    u, _, vt = np.linalg.svd(centred.T @ target)
    d = np.sign(np.linalg.det(u @ vt)) or 1.0
    rotation = u @ np.diag([1.0, 1.0, d]) @ vt
    residual = target - centred @ rotation
    explained = 1.0 - float(np.einsum("ij,ij->", residual, residual)) / total
    return max(0.0, explained), rotation.T, shift
