"""Mesh geometry for motion that is not part of a shape's main motion.

- ``mesh_graph``: the mesh edges plus links between coincident vertices (exporters split vertices
  along UV seams; the skin is still one surface).
- ``apart_levels``: pieces of a per-vertex level along those edges as a cut-off falls (a coarse merge
  tree). A shape's motion divided by its peak gives every vertex a level in [0, 1]. Cutting at a
  level keeps the vertices at or above it, which fall into pieces connected along the edges; as the
  cut-off falls the pieces grow and join. Motion that fades out of the main motion joins it at about
  its own level; a bump elsewhere stays a piece of its own until the cut-off is far below its peak.
- ``within_reach``: which points lie near a set of source points (a voxel sketch of the sources).

Unions run over whole arrays of edges at once; nothing loops over vertices in Python.
"""

import itertools

import numpy as np

from .geometry import columns, row_squares
from .kept import kept

#: Coincident vertices: closer than this share of the face size.
WELD_SHARE = 1e-6


def polygon_edges(faces):
    """(e, 2) int64 unique undirected edges of polygons given as sequences of vertex indices."""
    lengths = np.fromiter(map(len, faces), dtype=np.int64)
    corners = np.fromiter(itertools.chain.from_iterable(faces), dtype=np.int64, count=int(lengths.sum()))
    if not corners.size:
        return np.zeros((0, 2), dtype=np.int64)
    # each corner joins the next corner of its polygon; the last one wraps to the polygon's first
    following = np.arange(1, corners.size + 1)
    ends = np.cumsum(lengths)[lengths > 0]
    following[ends - 1] = ends - lengths[lengths > 0]
    edges = np.sort(np.stack([corners, corners[following]], axis=1), axis=1)
    # unique rows, in row order, through one integer key per edge (np.unique(axis=0) is ~5x slower)
    count = int(corners.max()) + 1
    keys = np.unique(edges[:, 0] * count + edges[:, 1])
    return np.stack([keys // count, keys % count], axis=1)


def weld_pairs(points, tolerance):
    """(w, 2) int64: pairs of coincident vertices (each linked to one twin).

    Points share a cell of a grid ``tolerance`` wide: exact twins always do (what exporters make when
    they split a vertex along a seam); near twins may straddle a cell border and stay apart. Cells are
    sorted by a hash of their indices and equal neighbours are compared cell index by cell index, so a
    hash collision never links two distant vertices.
    """
    keys = np.floor(np.asarray(points, dtype=np.float64) / tolerance).astype(np.int64)
    hashed = keys[:, 0] * np.int64(73856093) ^ keys[:, 1] * np.int64(19349663) ^ keys[:, 2] * np.int64(83492791)
    order = np.argsort(hashed)
    ordered = keys[order]
    same = np.flatnonzero((ordered[1:] == ordered[:-1]).all(axis=1))
    return np.stack([order[same], order[same + 1]], axis=1)


@kept
def mesh_graph(edges, points, scale):
    """(e, 2) int64 vertex pairs joined along the surface: ``edges`` plus coincident-vertex links.

    Returns None when ``edges`` is None (a snapshot without topology).
    """
    if edges is None:
        return None
    welds = weld_pairs(points, WELD_SHARE * scale) if scale > 0 else np.zeros((0, 2), dtype=np.int64)
    return np.concatenate([np.asarray(edges, dtype=np.int64).reshape(-1, 2), welds])


def union_edges(parent, a, b):
    """Join the sets holding ``a[i]`` and ``b[i]`` in the union-find forest ``parent``, in place.

    parent : (m,) int64
        Every entry points at its set's root on entry (a root points at itself); so it does on return.
    a, b : (e,) int64
        Edge ends.

    Roots are hooked onto smaller roots (no cycles), then every pointer jumps to its root; each round
    hooks every root that still has an edge to another set, so a few rounds suffice.
    """
    while len(a):
        ra, rb = parent[a], parent[b]
        apart = ra != rb
        if not apart.any():
            return
        a, b, ra, rb = a[apart], b[apart], ra[apart], rb[apart]
        parent[np.maximum(ra, rb)] = np.minimum(ra, rb)
        while True:
            jumped = parent[parent]
            if np.array_equal(jumped, parent):
                break
            parent[:] = jumped


def apart_levels(level, graph, main, cutoffs, watch=None):
    """Pieces that stay apart from the main motion as the cut-off falls.

    level : (n,) float32
        Per-vertex level (motion / peak).
    graph : (e, 2) int
        Vertex pairs joined along the surface (see ``mesh_graph``).
    main : (n,) bool
        The main motion: a piece holding any of these vertices is part of it.
    cutoffs : sequence of float
        Falling cut-offs; vertices below the last one are ignored.
    watch : (w,) int, optional
        Stop as soon as all these vertices lie in the main motion (what is left below cannot change
        where they joined it); the other vertices' values are then those of that cut-off.

    Returns
    -------
    piece : (n,) int64
        For every vertex outside the main motion at some cut-off: one id per piece, taken at the lowest
        cut-off at which that piece was still apart (the vertices of one island share it); -1 otherwise.
    apart : (n,) float32
        That lowest cut-off (the piece joins the main motion somewhere below it, or never); 0 where
        ``piece`` is -1.
    """
    n = len(level)
    piece = np.full(n, -1, dtype=np.int64)
    apart = np.zeros(n, dtype=np.float32)
    kept = np.flatnonzero(level >= cutoffs[-1])
    if not len(kept) or graph is None:
        return piece, apart
    # Renumber the kept vertices by falling level: the vertices at or above a cut-off are the first
    # `count`, and an edge exists from the cut-off of its lower end (its larger number).
    kept = kept[np.argsort(-level[kept], kind="stable")]
    levels = level[kept]
    local = np.full(n, -1, dtype=np.int64)
    local[kept] = np.arange(len(kept))
    ends = local[graph]
    ends = ends[(ends >= 0).all(axis=1)]
    opens = ends.max(axis=1)
    order = np.argsort(opens, kind="stable")
    ends, opens = ends[order], opens[order]
    parent = np.arange(len(kept), dtype=np.int64)
    is_main = np.zeros(len(kept), dtype=bool)
    seeds = main[kept]
    watched = None if watch is None else local[np.asarray(watch)]
    done = 0
    for cutoff in cutoffs:
        count = int(np.searchsorted(-levels, -cutoff, side="right"))
        stop = int(np.searchsorted(opens, count))
        union_edges(parent, ends[done:stop, 0], ends[done:stop, 1])
        done = stop
        roots = parent[:count]
        is_main[:] = False
        is_main[roots[seeds[:count]]] = True
        out = ~is_main[roots]
        piece[kept[:count][out]] = kept[roots[out]]
        apart[kept[:count][out]] = cutoff
        if watched is not None and (watched >= 0).all() and (watched < count).all() \
                and is_main[roots[watched]].all():
            break
    return piece, apart


def surely_within(points, sources, reach):
    """(m,) bool: points that certainly lie within ``reach`` of some source (False: maybe not).

    A grid ``reach / (2 sqrt 3)`` wide: two points in the same or neighbouring cells are never
    further apart than ``reach``. Much cheaper than ``within_reach``; a quick test to rule work out.
    """
    cell = reach / (2 * np.sqrt(3))
    points, sources = columns(points), columns(sources)
    low = np.minimum(points.min(axis=1), sources.min(axis=1))[:, None]
    src = np.floor((sources - low) / cell).astype(np.int64) + 1
    pts = np.floor((points - low) / cell).astype(np.int64) + 1
    near = _CellSet(src, pts)
    near.add(_code(src, near.span))
    return near.holds(_code(pts, near.span))


def reached_by_level(points, levels, sources, source_levels, bounds, reach):
    """(m,) bool: which points lie within ``reach`` of a source at least as high as their own band.

    points, sources : (m, 3), (s, 3) positions; levels, source_levels : (m,), (s,) their levels.
    bounds : falling band edges (``inf`` first): a point in [b[k+1], b[k]) needs a source at or above
    b[k+1]. Sources are added band by band to a set of grid cells that surely lie within reach (see
    ``surely_within``); only the points outside those cells are measured (``within_reach``).
    """
    out = np.zeros(len(points), dtype=bool)
    if not len(points) or not len(sources):
        return out
    cell = reach / (2 * np.sqrt(3))
    point_cols, source_cols = columns(points), columns(sources)
    low = np.minimum(point_cols.min(axis=1), source_cols.min(axis=1))[:, None] - cell
    point_cells = np.floor((point_cols - low) / cell).astype(np.int64)
    source_cells = np.floor((source_cols - low) / cell).astype(np.int64)
    near = _CellSet(point_cells, source_cells)
    point_codes, source_codes = _code(point_cells, near.span), _code(source_cells, near.span)
    for high, floor in zip(bounds[:-1], bounds[1:]):
        added = (source_levels >= floor) & (source_levels < high)
        if added.any():
            near.add(source_codes[added])
        band = np.flatnonzero((levels >= floor) & (levels < high))
        if not len(band) or near.empty:
            continue
        sure = near.holds(point_codes[band])
        out[band[sure]] = True
        rest = band[~sure]
        if len(rest):
            out[rest] = within_reach(points[rest], sources[source_levels >= floor], reach)
    return out


#: Grids of up to this many cells keep their marked cells in a flat bool array (8 MB); larger ones in
#: a sorted array of cell codes. The same cells either way.
DENSE_CELLS = 1 << 23

_STEPS = np.array([-1, 0, 1])


def _code(cells, span):
    """(m,) int64 code of (3, m) grid cells in a grid ``span`` cells wide."""
    return (cells[0] * span[1] + cells[1]) * span[2] + cells[2]


class _CellSet:
    """Cells of a grid that surely lie within reach: every cell added and its 26 neighbours.

    Built over (3, m) cell arrays numbered from 1, so every neighbour of theirs has a code.
    """

    def __init__(self, *cells):
        self.span = np.max([c.max(axis=1) for c in cells], axis=0) + 2
        offsets = (_STEPS[:, None, None] * self.span[1] + _STEPS[None, :, None]) * self.span[2] + _STEPS[None, None, :]
        self.offsets = offsets.ravel()
        size = int(np.prod(self.span))
        self.marked = np.zeros(size, dtype=bool) if size <= DENSE_CELLS else None
        self.codes = np.zeros(0, dtype=np.int64)
        self.empty = True

    def add(self, codes):
        near = (np.unique(codes)[:, None] + self.offsets[None]).ravel()
        if self.marked is not None:
            self.marked[near] = True
        else:
            self.codes = np.union1d(self.codes, near)
        self.empty = False

    def holds(self, codes):
        """(m,) bool: whether each code's cell is marked."""
        return self.marked[codes] if self.marked is not None else np.isin(codes, self.codes)


def within_reach(points, sources, reach):
    """(m,) bool: which of ``points`` ((m, 3)) lie within about ``reach`` of any of ``sources`` ((s, 3)).

    The sources are sketched by the centroids of their occupied cells of a grid ``reach / 4`` wide
    (a surface of thousands of vertices becomes a few hundred points), so the distance is exact to
    about a tenth of ``reach``.
    """
    out = np.zeros(len(points), dtype=bool)
    if not len(points) or not len(sources):
        return out
    cell = reach / 4
    source_cols = columns(sources)
    keys = np.floor(source_cols.astype(np.float64) / cell).astype(np.int64)
    keys -= keys.min(axis=1)[:, None]
    _, inverse, counts = np.unique(_code(keys, keys.max(axis=1) + 1), return_inverse=True, return_counts=True)
    sketch = np.stack([np.bincount(inverse, weights=column, minlength=len(counts)) for column in source_cols],
                      axis=1) / counts[:, None]
    limit = reach * reach
    points = np.asarray(points, dtype=np.float64)
    norms = row_squares(sketch)
    block = max(1, 2 ** 18 // len(sketch))  # distance blocks of ~256k entries
    for start in range(0, len(points), block):
        chunk = points[start:start + block]
        # |p - s|^2 = |p|^2 + |s|^2 - 2 p.s, one matrix product per block
        nearest = (row_squares(chunk)[:, None] + norms[None] - 2 * chunk @ sketch.T).min(axis=1)
        out[start:start + block] = nearest <= limit
    return out


def touching_rows(dominant, rows, graph):
    """(rows, rows) bool: region rows joined by a surface link between vertices mostly in each.

    dominant : (n,) int
        The row holding at least half of each vertex, ``rows`` where none does (regions.RegionMasks).
    On a coarse mesh two neighbouring regions may share no vertex in their soft edges, yet an edge runs
    from one to the other.
    """
    side = rows + 1
    if graph is None or not len(graph):
        return np.zeros((rows, rows), dtype=bool)
    counts = np.bincount(dominant[graph[:, 0]] * side + dominant[graph[:, 1]], minlength=side * side)
    out = (counts > 0).reshape(side, side)[:rows, :rows]
    return out | out.T
