"""Geometry the checks and the shared measures use: worst vertices, the region holding most of a
per-vertex value, rigid fits of the whole head."""

import numpy as np

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
