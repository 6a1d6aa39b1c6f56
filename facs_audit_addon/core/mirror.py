"""Left/right vertex correspondence: which vertex is each vertex's mirror image.

Pure numpy (no scipy): a hash grid of cells twice the tolerance wide, searched in the 8 cells
nearest each query, finds each mirrored vertex's nearest partner. Vertices duplicated at the same position (UV
seams split by exporters, as in ICT FaceKit) simply find one of their twins.
"""

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from .geometry import columns
from .kept import kept

#: Most vertices looked at per grid cell. Dense stacks of coincident vertices (collapsed helper
#: geometry) beyond this are skipped rather than letting one cell cost O(n^2).
MAX_PER_CELL = 64

#: Rounding margin on the skip test (float32 distances against float64 wall distances): a cell is
#: skipped only when it is clearly farther than the best point found.
_SLACK = 1.0 + 1e-4

_CORNERS = np.array([(i, j, k) for i in (0, 1) for j in (0, 1) for k in (0, 1)], dtype=np.int64)


def reflection(normal):
    """(3, 3) float32 matrix reflecting vectors across the plane with unit ``normal`` (row vectors)."""
    normal = np.asarray(normal, dtype=np.float64)
    length = np.linalg.norm(normal)
    # a degenerate rig (a flat grid, one moving vertex) gives no plane: fall back to X=0
    normal = normal / length if np.isfinite(length) and length > 0 else np.array([1.0, 0.0, 0.0])
    return (np.eye(3) - 2.0 * np.outer(normal, normal)).astype(np.float32)


def reflect_points(points, normal, offset):
    """Mirror (m, 3) points across the plane ``normal . p = offset``; returns (m, 3) float32."""
    normal = np.asarray(normal, dtype=np.float32)
    points = np.asarray(points, dtype=np.float32)
    side = points @ normal - np.float32(offset)
    return points - 2.0 * side[:, None] * normal


def nearest_within(queries, points, radius, exclude_within=-1.0):
    """Nearest point of ``points`` to each query, searched within ``radius``.

    Parameters
    ----------
    queries : (m, 3) float32
    points : (n, 3) float32
    radius : float
        Search radius (same units as the points); also the grid cell size.
    exclude_within : float, optional
        Skip points this close or closer (a query's own vertex and its seam twins).

    Returns
    -------
    index : (m,) int64
        Index into ``points`` of the nearest point, -1 when none lies within ``radius``.
    distance : (m,) float32
        Distance to it (inf when none).
    """
    queries = np.asarray(queries, dtype=np.float32)
    points = np.asarray(points, dtype=np.float32)
    m = queries.shape[0]
    index = np.full(m, -1, dtype=np.int64)
    best = np.full(m, np.inf, dtype=np.float32)
    if m == 0 or points.shape[0] == 0 or not radius > 0:
        return index, best
    # Cells twice the radius wide: a query's neighbours within the radius lie in its own cell or
    # in the adjacent cell toward its nearer wall, on each axis: 8 cells to visit instead of 27.
    cell = 2.0 * radius
    # cell arithmetic on (3, n) copies (geometry.columns)
    p_cols, q_cols = columns(points), columns(queries)
    origin = (np.minimum(p_cols.min(axis=1), q_cols.min(axis=1)) - cell)[:, None]
    cells_p = np.floor((p_cols - origin) / cell).astype(np.int64)
    where_q = (q_cols - origin) / cell
    cells_q = np.floor(where_q).astype(np.int64)
    toward = np.where(where_q - cells_q < 0.5, -1, 1).astype(np.int64)
    dims = np.maximum(cells_p.max(axis=1), cells_q.max(axis=1)) + 3

    def key(cells):
        return (cells[0] * dims[1] + cells[1]) * dims[2] + cells[2]

    keys_p = key(cells_p)
    order = np.argsort(keys_p, kind="stable")
    # each occupied cell once: where its points start in ``order`` and how many there are
    cells, first, counts = np.unique(keys_p[order], return_index=True, return_counts=True)
    # queries in cell order: the binary searches below then walk the table forwards
    by_cell = np.argsort(key(cells_q), kind="stable")
    queries, cells_q, toward = queries[by_cell], cells_q[:, by_cell], toward[:, by_cell]
    found = np.full(m, -1, dtype=np.int64)
    # how far each query is from the wall it looks across, per axis: a cell across walls farther than
    # the best distance found so far (or than the radius) cannot hold a nearer point and is not visited,
    # so nearly every query (its partner found in its own cell) visits one cell; the answer is unchanged
    fraction = where_q[:, by_cell] - cells_q
    wall = np.square(np.where(toward < 0, fraction, 1.0 - fraction) * cell)
    for corner in _CORNERS:
        reach = corner @ wall  # squared distance to the corner's cell (0 for the query's own cell)
        rows_c = np.nonzero(reach <= np.minimum(np.square(best.astype(np.float64)), radius * radius) * _SLACK)[0] \
            if corner.any() else np.arange(m)
        if len(rows_c) == 0:
            continue
        keys = key(cells_q[:, rows_c] + toward[:, rows_c] * corner[:, None])
        at = np.minimum(np.searchsorted(cells, keys), len(cells) - 1)
        count = np.where(cells[at] == keys, counts[at], 0)
        start = first[at]
        for rank in range(min(int(count.max()), MAX_PER_CELL)):
            pick = np.nonzero(count > rank)[0]
            rows = rows_c[pick]
            candidates = order[start[pick] + rank]
            diff = queries[rows] - points[candidates]
            dist = np.sqrt(np.einsum("ij,ij->i", diff, diff))
            better = (dist < best[rows]) & (dist > exclude_within)
            found[rows[better]] = candidates[better]
            best[rows[better]] = dist[better]
    index[by_cell], best[by_cell] = found, best.copy()
    far = best > radius
    index[far] = -1
    best[far] = np.inf
    return index, best


@dataclass(frozen=True)
class MirrorMap:
    """Each vertex's mirror partner across the face's mirror plane.

    partner : (n,) int64
        Index of the vertex at this vertex's mirrored position, -1 when none within tolerance
        (midline vertices are their own partners).
    reflect : (3, 3) float32
        Reflection of delta vectors (row vectors: ``mirrored = delta @ reflect``).
    tolerance : float
        Match radius in rig units.
    """

    partner: np.ndarray
    reflect: np.ndarray
    tolerance: float

    @cached_property
    def matched(self):
        """(n,) bool: vertices that have a partner."""
        return self.partner >= 0

    @cached_property
    def gather(self):
        """(n,) int64: ``partner`` with 0 for vertices without one, an index safe to gather with (mask
        the result with ``matched``)."""
        return np.maximum(self.partner, 0)

    def mirror_deltas(self, delta):
        """(n, 3) float32: ``delta`` seen in the mirror, placed on each vertex's partner (0 when unmatched).

        Row ``i`` holds the reflected motion of vertex ``partner[i]``: the motion a perfectly mirrored
        twin shape would give vertex ``i``.
        """
        out = np.zeros_like(delta, dtype=np.float32)
        has = self.partner >= 0
        out[has] = delta[self.partner[has]] @ self.reflect
        return out


@kept
def build_mirror_map(basis, normal, offset, tolerance):
    """Partner of every basis vertex across the plane ``normal . p = offset`` (see :class:`MirrorMap`).

    basis : (n, 3) float32; normal : (3,) unit vector; offset : float; tolerance : float (rig units).
    """
    mirrored = reflect_points(basis, normal, offset)
    partner, _ = nearest_within(mirrored, basis, tolerance)
    return MirrorMap(partner=partner, reflect=reflection(normal), tolerance=float(tolerance))
