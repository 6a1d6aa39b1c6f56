"""What a viewer sees of a left/right difference, and the part of it the mirror map makes by itself.

The mirror map pairs each vertex with the vertex nearest its mirror image (mirror.py). On a
hand-built mesh the two do not coincide (Rocketbox's male head: up to 0.8 mm apart), so a perfectly
mirrored pair still differs where its motion changes fast: by about the partner offset times the
motion's slope there. That is the noise floor of every symmetry comparison on the rig; a difference
counts only by how far it rises above it, and is judged in lengths a viewer sees (mm, share of the
face size), not as a share of the shape's own motion.
"""

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from .geometry import mirror_pairs, row_lengths, runs
from .mirror import nearest_within, reflect_points


@dataclass(frozen=True)
class MirrorNoise:
    """How far each vertex's mirror partner is from its exact mirror image, and its neighbours.

    offset : (n,) float32
        Distance between a vertex and the mirror image of its partner (0 for exact partners and
        vertices without one), rig units.
    neighbour : (n,) int64
        For vertices with an offset, the nearest other vertex (-1 elsewhere or when none is near):
        how fast a shape's motion changes there is read along it. Mesh edges are used instead when the
        snapshot carries them.
    """

    offset: np.ndarray
    neighbour: np.ndarray
    #: (n, 3) float32 basis positions
    basis: np.ndarray
    #: (e, 2) mesh edges, or None
    edges: object = None

    def slopes(self, delta, rows):
        """(len(rows),) float32: largest change of ``delta`` per unit length from each vertex of ``rows``
        to a neighbour (0 where none is known)."""
        rows = np.asarray(rows, dtype=np.int64)
        if self.edges is not None and len(self.edges):
            return _edge_slopes(self.edges, delta, rows, self.edge_lengths, *self.incident_edges)
        out = np.zeros(len(rows), dtype=np.float32)
        near = self.neighbour[rows]
        has = near >= 0
        if has.any():
            change = row_lengths(delta[rows[has]] - delta[near[has]])
            length = row_lengths(self.basis[rows[has]] - self.basis[near[has]])
            out[has] = change / np.maximum(length, 1e-12)
        return out

    @cached_property
    def incident_edges(self):
        """((n + 1,) int64 starts, (2e,) int64 edge ids): the edges at vertex v are
        ``ids[starts[v]:starts[v + 1]]`` (edges known only)."""
        ends = self.edges.ravel()  # edge i's two vertices at 2i and 2i + 1
        order = np.argsort(ends, kind="stable")
        starts = np.searchsorted(ends[order], np.arange(len(self.basis) + 1))
        return starts, order // 2

    @cached_property
    def edge_lengths(self):
        """(e,) float32 rest length of every mesh edge (edges known only)."""
        return row_lengths(self.basis[self.edges[:, 0]] - self.basis[self.edges[:, 1]])

    def floor(self, first, second, support, partner):
        """(len(support),) float32: the difference the map alone makes when ``second`` is compared in the
        mirror with ``first`` on vertices ``support`` (their partners are ``partner[support]``)."""
        offset = self.offset[support]
        out = np.zeros(len(support), dtype=np.float32)
        moved = np.flatnonzero(offset > 0)
        if len(moved):
            rows = support[moved]
            slope = np.maximum(self.slopes(first, rows), self.slopes(second, partner[rows]))
            out[moved] = offset[moved] * slope
        return out


#: Partner offsets under this share of the face size are taken as exact: at a motion slope of 1 they
#: make 0.01% of the face size (0.025 mm on a 25 cm face), far below anything reported.
EXACT = 1e-4


def mirror_noise(basis, partner, normal, offset, scale, radius, active, edges=None):
    """MirrorNoise of a mirror map (``partner`` from mirror.py) across the plane ``normal . p = offset``.

    scale : float
        Face size (rig units).
    radius : float
        How far (rig units) to look for a vertex's nearest neighbour when the mesh edges are unknown.
    active : (n,) bool
        Vertices the shapes move: the only ones whose offsets matter, and the neighbours looked at.
    """
    has = np.flatnonzero((partner >= 0) & active)
    gaps = np.zeros(len(partner), dtype=np.float32)
    if len(has):
        mirrored = reflect_points(basis[partner[has]], normal, offset)
        gaps[has] = np.linalg.norm(mirrored - basis[has], axis=1)
    gaps[gaps <= EXACT * scale] = 0.0
    neighbour = np.full(len(partner), -1, dtype=np.int64)
    off = np.flatnonzero(gaps > 0)
    if len(off) and edges is None:
        moving = np.flatnonzero(active)
        found, _ = nearest_within(basis[off], basis[moving], radius, exclude_within=EXACT * scale)
        neighbour[off] = np.where(found >= 0, moving[np.maximum(found, 0)], -1)
    return MirrorNoise(offset=gaps, neighbour=neighbour, basis=basis, edges=edges)


def _edge_slopes(edges, delta, rows, lengths, starts, ids):
    """Largest change of ``delta`` per unit length along the edges at each vertex of ``rows``
    (``lengths``: every edge's rest length; ``starts``, ``ids``: MirrorNoise.incident_edges). Only the
    edges at ``rows`` are measured, found through the incident lists: scanning every edge of the mesh
    for each comparison cost ~10% of the Rocketbox male's audit."""
    first, counts = starts[rows], starts[rows + 1] - starts[rows]
    out = np.zeros(len(rows), dtype=np.float32)
    if not counts.any():
        return out
    at = ids[runs(first, counts)]  # the incident edge ids of every row, one run per row
    slope = row_lengths(delta[edges[at, 0]] - delta[edges[at, 1]]) / np.maximum(lengths[at], 1e-12)
    has = counts > 0
    out[has] = np.maximum.reduceat(slope, (np.cumsum(counts) - counts)[has])
    return out


def millimetres(scale, smallest_face):
    """Millimetres per rig unit, or None when the face size fits no metric unit.

    A human face box (the vertices the shapes move) is ``smallest_face`` to ten times that in metres;
    the unit is the power of ten (m, dm, cm, mm) that puts the rig's ``scale`` in that range: Rocketbox
    0.25 (metres), MakeHuman 2.8 (decimetres), ICT FaceKit 40 (centimetres).
    """
    if not scale > 0:
        return None
    for metres in (1.0, 0.1, 0.01, 0.001):
        if smallest_face <= scale * metres < 10 * smallest_face:
            return metres * 1000.0
    return None


def length_words(value, scale, per_mm):
    """``2.8 mm`` when the unit is known, else ``1.1% of the face size``."""
    if per_mm is not None:
        return f"{value * per_mm:.1f} mm"
    return f"{value / scale:.1%} of the face size"


@dataclass(frozen=True)
class Comparison:
    """Shape ``i`` against shape ``j`` seen in the mirror, on matched vertices (see :func:`compare`).

    error : relative RMS difference |a - mirror(b)| / max(|a|, |mirror(b)|)
    squared : (n,) float32 per-vertex squared difference beyond the mirror noise, on ``i``'s vertices
    ratio : RMS strength |j| / |i|
    visible : largest difference beyond the mirror noise (rig units)
    worst : vertex of ``i`` where it is
    largest : largest raw difference (rig units); floor: the mirror noise at the worst vertex
    peak_ratio : largest motion of ``j`` / largest motion of ``i``
    centroid_shift : distance between the centres of motion of ``i`` and of mirrored ``j`` (rig units)
    """

    error: float
    squared: np.ndarray
    ratio: float
    visible: float = 0.0
    worst: int = -1
    largest: float = 0.0
    floor: float = 0.0
    peak_ratio: float = 1.0
    centroid_shift: float = 0.0


def compare(ctx, i, j, at_least=0.0):
    """Shape ``i`` against shape ``j`` seen in the mirror. Only vertices where either shape moves are
    computed: the others add nothing, and most shapes move a small part of the face. Below a relative
    difference of ``at_least`` only the relative difference and strength ratio are measured."""
    mirror = ctx.mirror_map
    partner = mirror.partner
    deltas, motion = ctx.snapshot.deltas, ctx.motion
    support, raw, error, ratio = mirror_pairs(deltas[i], deltas[j], motion[i], motion[j], partner, mirror.reflect,
                                              mirror.matched, mirror.gather)
    squared = np.zeros(len(partner), dtype=np.float32)
    if error is None:
        return Comparison(0.0, squared, 1.0)
    if error < at_least:
        return Comparison(error, squared, ratio)
    length = np.sqrt(raw)
    floor = ctx.mirror_noise.floor(deltas[i], deltas[j], support, partner)
    excess = np.maximum(length - floor, 0.0)
    squared[support] = np.square(excess)
    at = int(np.argmax(excess))
    peak_i, peak_j = float(motion[i][support].max()), float(motion[j][partner[support]].max())
    # centres of motion (weighted by motion energy), the second one seen in the mirror
    points = ctx.snapshot.basis[support]
    weight_a, weight_b = motion[i][support] ** 2, motion[j][partner[support]] ** 2
    centre_a = weight_a @ points / max(float(weight_a.sum()), 1e-30)
    centre_b = weight_b @ points / max(float(weight_b.sum()), 1e-30)
    shift = float(np.linalg.norm(centre_a - centre_b))
    return Comparison(error, squared, ratio, visible=float(excess[at]), worst=int(support[at]),
                      largest=float(length.max()), floor=float(floor[at]),
                      peak_ratio=peak_j / peak_i if peak_i > 0 else np.inf, centroid_shift=shift)
