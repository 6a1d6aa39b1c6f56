"""Geometry the checks and the shared measures use: worst vertices, the region holding most of a
per-vertex value, mirror differences, rigid fits of the whole head. Arrays in, arrays out: no
AuditContext needed."""

from typing import NamedTuple, Optional

import numpy as np

#: Vertex indices a finding carries for selection in Blender.
MAX_VERTICES = 200

#: The head around the face: the box of the moving vertices grown by this share of its size on every
#: side (a whole body far below stays out; the still cranium behind the face is in).
HEAD_MARGIN = 0.25

#: A rigid move of the head moves nearly every vertex: a shape is fitted only when at least this share
#: of the (sampled) head vertices moves by more than ``MOVING_SHARE_OF_PEAK`` of the shape's peak motion.
RIGID_MOVING_SHARE = 0.8
MOVING_SHARE_OF_PEAK = 0.1

#: every RIGID_SAMPLE-th head vertex is plenty to tell "moves nearly everything" from "moves a part"
RIGID_SAMPLE = 7


def same_array(a, b):
    """Whether ``a`` and ``b`` (arrays or array-likes, or None) are both None or equal in shape and values."""
    return (a is None) == (b is None) and (a is None or np.array_equal(a, b))


def row_squares(vectors):
    """(m,) squared lengths of the rows of an (m, 3) array, in its dtype.

    Written out per component: the same sums in the same order as ``(vectors ** 2).sum(axis=1)``,
    which numpy 1.26 reduces over a length-3 axis about ten times slower.
    """
    x, y, z = vectors[:, 0], vectors[:, 1], vectors[:, 2]
    return x * x + y * y + z * z


def row_lengths(vectors):
    """(m,) lengths of the rows of an (m, 3) array: ``np.linalg.norm(vectors, axis=1)``, the same sums."""
    return np.sqrt(row_squares(vectors))


def row_norms(rows):
    """(k,) float64 lengths of the rows of a (k, m) float64 array: ``np.linalg.norm(rows, axis=1)``'s sums,
    bit for bit, squared into one row-sized buffer. The norm's two whole-array temporaries (``conj()``
    copies a real array) cost more in fresh pages than the sums on a rig's flattened deltas."""
    squares, out = np.empty(rows.shape[1]), np.empty(len(rows))
    for i, row in enumerate(rows):
        out[i] = np.add.reduce(np.multiply(row, row, out=squares))
    return np.sqrt(out)


def runs(starts, sizes):
    """(sizes.sum(),) int64: ``starts[i], starts[i] + 1, ..., starts[i] + sizes[i] - 1`` for each i, one
    after the other (the slots of variable-length runs: a polygon's loops, a vertex's incident edges)."""
    sizes = np.asarray(sizes, dtype=np.int64)
    offsets = np.cumsum(sizes) - sizes
    return np.repeat(np.asarray(starts, dtype=np.int64) - offsets, sizes) + np.arange(int(sizes.sum()))


def columns(points):
    """(3, m) contiguous copy of (m, 3) points: numpy reduces and combines the columns of an (m, 3)
    array about ten times slower than the rows of this copy."""
    return np.ascontiguousarray(np.asarray(points).T)


def worst_vertices(score, limit=MAX_VERTICES):
    """Indices of the largest positive entries of ``score``, worst first.

    Parameters
    ----------
    score : (n,) array of float
        Badness per vertex; entries <= 0 are never returned.
    limit : int
        At most this many indices.

    Returns
    -------
    (m,) int64 array with m <= limit, or an empty tuple when no entry is positive.
    """
    score = np.asarray(score)
    count = min(limit, int((score > 0).sum()))
    if count == 0:
        return ()
    top = np.argpartition(-score, count - 1)[:count]
    return top[np.argsort(-score[top], kind="stable")]


def region_words(masks, energy, rows=None):
    """The region holding most of a per-vertex value, for a message.

    Parameters
    ----------
    masks : regions.RegionMasks or None
        The face's regions (None: the rulebook has none, the whole face is one region).
    energy : (n,) array of float
        Per-vertex values (motion energy, squared difference, ...).
    rows : (m,) bool array, optional
        Only consider these region rows (the share is still of the whole energy).

    Returns
    -------
    (label, share): the region's label (``"left brow"``) and its share of ``energy`` (float).
    """
    if masks is None:
        return "face", 1.0
    shares = masks.shares(np.asarray(energy, dtype=np.float32))
    if rows is not None:
        shares = np.where(rows, shares, 0.0)
    best = int(np.argmax(shares))
    return masks.labels[best], float(shares[best])


def mirror_difference(a, b, motion_a, motion_b, partner, reflect):
    """Relative RMS difference between shape ``a`` and shape ``b`` seen in the mirror, on matched vertices.

    The error is |a - mirror(b)| / max(|a|, |mirror(b)|): 0 for a perfect mirror, |1 - s| / max(1, s)
    for a mirrored copy scaled by s.

    Parameters
    ----------
    a, b : (n, 3) float32 arrays
        The two shapes' deltas (``a is b`` for a shape's self-symmetry).
    motion_a, motion_b : (n,) float32 arrays
        Their per-vertex motion lengths.
    partner : (n,) int array
        Each vertex's mirror partner, -1 where it has none (see mirror.MirrorMap).
    reflect : (3, 3) float32 array
        The reflection across the mirror plane (deltas are row vectors: ``delta @ reflect``).

    Returns
    -------
    (error, squared, ratio): the relative difference (float), the per-vertex squared difference
    ((n,) float32, 0 where not computed) and the strength ratio |b| / |a| (float, inf when ``a`` is empty).
    """
    pairs = mirror_pairs(a, b, motion_a, motion_b, partner, reflect)
    squared = np.zeros(len(partner), dtype=np.float32)
    squared[pairs.support] = pairs.squared
    return (0.0, squared, 1.0) if pairs.error is None else (pairs.error, squared, pairs.ratio)


class MirrorPairs(NamedTuple):
    """Shape ``a`` against shape ``b`` seen in the mirror, on the vertices where either moves."""

    #: (m,) int64: matched vertices where ``a`` or ``b`` (at the partner) moves
    support: np.ndarray
    #: (m,) float32: squared length of ``a`` minus ``b`` seen in the mirror there
    squared: np.ndarray
    #: |a - mirror(b)| / max(|a|, |mirror(b)|), None when neither moves
    error: Optional[float]
    #: |mirror(b)| / |a| (inf when ``a`` is empty), 1.0 when neither moves
    ratio: float


def mirror_pairs(a, b, motion_a, motion_b, partner, reflect, matched=None, gather=None):
    """The comparison ``mirror_difference`` and the symmetry checks share (arguments as there).

    Only vertices where either shape moves are computed: the others add nothing, and most shapes move a
    small part of the face. ``matched`` (``partner >= 0``) and ``gather`` (``partner`` with 0 for -1)
    may be given precomputed (``MirrorMap`` keeps them).
    """
    matched = partner >= 0 if matched is None else matched
    gather = np.maximum(partner, 0) if gather is None else gather
    support = np.flatnonzero(matched & ((motion_a > 0) | (motion_b[gather] > 0)))
    moved = a[support]
    mirrored = b[partner[support]] @ reflect
    diff = moved - mirrored
    squared = np.einsum("ij,ij->i", diff, diff)
    norm_a = float(np.sqrt(np.einsum("ij,ij->", moved, moved)))
    norm_b = float(np.sqrt(np.einsum("ij,ij->", mirrored, mirrored)))
    scale = max(norm_a, norm_b)
    if scale <= 0:
        return MirrorPairs(support, squared, None, 1.0)
    return MirrorPairs(support, squared, float(np.sqrt(squared.sum(dtype=np.float64))) / scale,
                       norm_b / norm_a if norm_a > 0 else np.inf)


def rigid_domain(local, low, high):
    """The head around the face.

    Parameters
    ----------
    local : (n, 3) float array
        Basis positions in the face frame.
    low, high : (3,) float arrays
        Corners of the box of the moving vertices, in the face frame.

    Returns
    -------
    (n,) bool array: vertices inside the box grown by ``HEAD_MARGIN`` of its size on every side.
    """
    margin = HEAD_MARGIN * (high - low)
    return np.all((local >= low - margin) & (local <= high + margin), axis=1)


def rigid_shares(basis, deltas, motion, peak, domain, skip=None, rows=None):
    """Share of each shape's motion that one rigid transform of the head explains.

    The fit covers the whole head around the face, so a jaw drop (a rigid move of the jaw only)
    explains little while a head move explains everything. A rigid move of the head moves nearly
    every vertex, so shapes that leave part of it still are not fitted at all (share 0).

    Parameters
    ----------
    basis : (n, 3) float32 array
        Basis positions.
    deltas : (k, n, 3) float32 array
        Each shape's offsets from the basis.
    motion : (k, n) float32 array
        Each shape's per-vertex motion length.
    peak : (k,) float32 array
        Each shape's largest vertex motion (``motion.max(axis=1)``).
    domain : (n,) bool array
        The head vertices to fit (see ``rigid_domain``).
    skip : (k,) bool array, optional
        Shapes not to fit (deltas with NaN).
    rows : (r,) int array, optional
        Compute these shapes only (the others are 0); default every shape.

    Returns
    -------
    (k,) float64 array in [0, 1].
    """
    out = np.zeros(len(deltas))
    if int(domain.sum()) < 4:
        return out
    centred = None  # the head's points about their centroid: made for the first shape that is fitted
    sample = np.flatnonzero(domain)[::RIGID_SAMPLE]
    moving = np.zeros(len(out))
    if rows is None:
        rows = np.arange(len(out))
        sampled = motion[:, sample]  # sample the columns: indexing rows first would copy all of (k, n)
    else:
        rows = np.asarray(rows, dtype=np.int64)
        sampled = motion[np.ix_(rows, sample)]  # only the rows asked for (a re-audit: a few)
    moving[rows] = (sampled > MOVING_SHARE_OF_PEAK * peak[rows][:, None]).mean(axis=1)
    for i in rows:
        if (skip is not None and skip[i]) or moving[i] < RIGID_MOVING_SHARE or not peak[i] > 0:
            continue
        if centred is None:
            points = basis[domain].astype(np.float64)
            centred = points - points.mean(axis=0)
        out[i] = rigid_fit(centred, deltas[i][domain].astype(np.float64))[0]
    return out


def rigid_fit(centred, delta):
    """Best rigid transform taking ``centred`` points to ``centred + delta`` (Kabsch).

    Parameters
    ----------
    centred : (m, 3) float64 array
        Points minus their centroid.
    delta : (m, 3) float64 array
        Their offsets.

    Returns
    -------
    (explained, rotation (3, 3) float64, translation (3,) float64): ``explained`` is the share of the
    motion energy the rigid transform accounts for (1 - residual / total), in [0, 1].
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
