"""The face frame: where the face is, how big, and which way is left, up and forward.

The adapter hands over snapshots in world orientation, which for well-behaved rigs is Blender's
front view (the face looks along -Y, Z up, the character's left is +X, mirror plane X=0). That
default is *verified*, not assumed: the mirror plane is checked by matching each face vertex with
its mirror image, and up / forward are checked against cues the rig itself gives:

- up: the eye landmark (where eye-closure shapes move) lies above the mouth landmark (where lip and
  jaw shapes move); without named landmark shapes, the face's long in-plane axis, signed by Z;
- forward: the face front is where the motion is (the moving vertices sit in front of the rest of
  the head they belong to);
- left (lateral) = up x forward, so the sides come from the geometry, never from shape names (a rig
  whose ``_L`` shapes move -X is then reported, not silently re-labelled).

When the default fails (a head off-centre, tilted, or imported with a rotation baked into the mesh),
the mirror plane and axes are estimated and ``frame.notes`` says so.

API other modules rely on:
- ``frame.scale``: float, face size in rig units (diagonal of the box around the moving vertices).
- ``frame.center``: (3,) float32, centre of the face box, on the mirror plane.
- ``frame.active``: (n,) bool, vertices that some shape moves noticeably.
- ``frame.axes``: (3, 3) float32 rows = lateral (+ = character's left), up, forward (toward the viewer).
- ``frame.normal`` / ``frame.offset``: the mirror plane ``normal . p = offset`` (normal = axes[0]).
- ``frame.width``: float, lateral extent of the face (moving vertices, robust), rig units.
- ``frame.eye`` / ``frame.mouth``: (3,) float32 local coordinates of the eye and mouth landmarks, or
  None when no landmark shape is mapped (regions then fall back to proportions of the face box).
- ``frame.low`` / ``frame.high``: (3,) float32 local coordinates of the face box corners.
- ``frame.local(points)``: (m, 3) -> (m, 3) coordinates (lateral, up, forward), origin on the mirror plane
  at the face centre, not normalised.
- ``frame.local_vectors(vectors)``: rotate (..., 3) delta vectors into (lateral, up, forward).
- ``frame.notes``: tuple of str, what was estimated rather than taken as given.
"""

from dataclasses import dataclass, field

import numpy as np

from .geometry import same_array
from .kept import kept
from .mirror import nearest_within, reflect_points

BLENDER_AXES = np.array([[1, 0, 0], [0, 0, 1], [0, -1, 0]], dtype=np.float32)

#: A vertex moves "noticeably" above this share of the largest motion anywhere: export noise (ICT's
#: tiny deltas over thousands of vertices) stays out, every real shape gets in.
ACTIVE_SHARE = 0.02
#: The verified default must match at least this share of the vertices an estimated plane matches.
KEEP_DEFAULT = 0.98
#: A cue more than this many degrees away from the default axis overrides it.
CUE_ANGLE = 45.0
#: Coarse plane search: search radius (face sizes) and how many vertices it samples.
COARSE_RADIUS = 0.03
COARSE_SAMPLES = 1500
#: Shapes needed to place a landmark (their median position).
MIN_LANDMARK_SHAPES = 2
#: Vertices whose mirror images verify a plane (a sample: the full map is built once, in mirror.py).
VERIFY_SAMPLES = 3000


@dataclass(frozen=True)
class Frame:
    scale: float
    center: np.ndarray
    active: np.ndarray
    axes: np.ndarray = field(default_factory=lambda: BLENDER_AXES.copy())
    width: float = 0.0
    low: np.ndarray = None
    high: np.ndarray = None
    eye: np.ndarray = None
    mouth: np.ndarray = None
    #: share of the face's vertices with a mirror partner across the plane
    matched: float = 1.0
    notes: tuple = ()
    #: the mirror plane as found: (normal, offset, matched, notes, tolerance); a re-audit reuses it (see estimate_frame)
    plane: tuple = None
    #: what up and forward were found from: (eye, mouth (raw landmarks), up, notes on up, forward before the
    #: motion's side is checked, head depth, head spread, flipped); a re-audit reuses it (see estimate_frame)
    cues: tuple = None

    @property
    def normal(self):
        return self.axes[0]

    @property
    def offset(self):
        return float(self.center @ self.axes[0])

    def local(self, points):
        return (np.asarray(points, dtype=np.float32) - self.center) @ self.axes.T

    def local_vectors(self, vectors):
        return np.asarray(vectors, dtype=np.float32) @ self.axes.T


def estimate_frame(ctx, mirror_tolerance=None, held=None):
    """The Frame of ``ctx.snapshot`` (see the module docstring for what is verified and estimated).

    mirror_tolerance : float, optional
        Match radius for the mirror plane, relative to the face size (default: the profile's).
    held : Frame, optional
        An earlier frame of the same basis and tolerance. The mirror plane depends only on the basis
        and the moving vertices; when those are the same, the held plane is reused instead of searched
        again (the costly part), so the result is what a fresh estimate gives. When the landmarks are
        the same too, so is everything but the side the motion is on; when that is too, ``held`` itself
        is returned (every value of it is what this estimate would compute).
    """
    basis = ctx.snapshot.basis
    n = basis.shape[0]
    if hasattr(ctx, "peak_motion"):
        peak = ctx.peak_motion[0]
    else:
        peak = ctx.motion.max(axis=0) if ctx.motion.shape[0] else np.zeros(n, dtype=np.float32)
    if mirror_tolerance is None:
        mirror_tolerance = ctx.threshold("mirror_tolerance")
    eye, mouth = (_landmark(ctx, basis, codes) for codes in _landmark_codes(ctx))
    if held is None:
        return _fresh_frame(basis, peak, mirror_tolerance, eye, mouth)
    return _frame(basis, peak, mirror_tolerance, eye, mouth, held)


@kept
def _fresh_frame(basis, peak, mirror_tolerance, eye, mouth):
    """The frame without a held one: a pure function of the basis, the per-vertex peak motion, the
    tolerance and the landmarks, so kept across audits of one head (core/kept.py)."""
    return _frame(basis, peak, mirror_tolerance, eye, mouth, None)


def _frame(basis, peak, mirror_tolerance, eye, mouth, held):
    """estimate_frame once the landmarks are placed (``held``: as there)."""
    n = basis.shape[0]
    top = float(peak.max()) if peak.size else 0.0
    active = peak > ACTIVE_SHARE * top if top > 0 else np.ones(n, dtype=bool)
    points = basis[active]
    scale = _diagonal(points)
    if not np.isfinite(scale) or scale <= 0:
        active = np.ones(n, dtype=bool)
        points = basis
        scale = _diagonal(points) or 1.0
    tolerance = mirror_tolerance * scale
    notes = []

    # The mirror plane is a property of the head's topology, not of where the shapes happen to move:
    # match every vertex near the moving ones (a body stays out). A ball about their centroid clips a
    # symmetric head symmetrically however it is turned; an axis-aligned box would not.
    if (held is not None and held.plane is not None and held.plane[4] == tolerance
            and np.array_equal(held.active, active)):
        normal, offset, matched, plane_notes, _ = held.plane
        notes.extend(plane_notes)
    else:
        held = None
        reach = np.linalg.norm(basis - points.mean(axis=0), axis=1)
        head = basis[reach <= 0.625 * scale]
        normal, offset, matched, plane_notes = _mirror_plane(points, head, tolerance, scale)
        notes.extend(plane_notes)
    plane = (normal, offset, matched, tuple(notes), tolerance)
    weights = peak[active].astype(np.float64) ** 2
    if held is not None and held.cues is not None and same_array(held.cues[0], eye) and same_array(held.cues[1], mouth):
        # same moving vertices, plane and landmarks: up and the head's depth are the held ones
        up, up_notes, forward, head_depth, spread = held.cues[2:7]
    else:
        held = None
        up_notes = []
        up = _up_axis(points, normal, eye, mouth, up_notes)
        forward, head_depth, spread = _head_depth(basis, points, normal, up)
    notes.extend(up_notes)
    flipped = _motion_behind(points, weights, forward, head_depth, spread)
    if held is not None and flipped == held.cues[7]:
        return held
    cues = (eye, mouth, up, tuple(up_notes), forward, head_depth, spread, flipped)
    if flipped:
        notes.append("forward axis flipped: the moving part of the mesh faces +Y")
        forward = -forward
    lateral = np.cross(up, forward)
    axes = np.stack([lateral, up, forward]).astype(np.float32)
    if np.dot(lateral, normal) < 0:
        offset = -offset

    # The face box in the new axes; its centre is moved onto the mirror plane.
    coords = points.astype(np.float64) @ axes.T.astype(np.float64)
    low, high = coords.min(axis=0), coords.max(axis=0)
    middle = (low + high) / 2
    middle[0] = offset
    center = (middle @ axes.astype(np.float64)).astype(np.float32)
    frame = Frame(scale=float(scale), center=center, active=active, axes=axes)
    local = frame.local(points)
    lateral_extent = np.percentile(np.abs(local[:, 0]), 98) * 2 if len(local) else 0.0
    return Frame(scale=float(scale), center=center, active=active, axes=axes,
                 width=float(lateral_extent) or float(scale), low=local.min(axis=0), high=local.max(axis=0),
                 eye=None if eye is None else frame.local(eye[None])[0],
                 mouth=None if mouth is None else frame.local(mouth[None])[0],
                 matched=matched, notes=tuple(notes), plane=plane, cues=cues)


def same_frame(a, b):
    """Whether two frames are identical in every value a check reads (the held plane aside).

    Of the eye and mouth landmarks only height and depth count: the region layout reads nothing else,
    and their lateral coordinate is numerical noise about the mirror plane (1e-19 on the benchmark rig)
    that would otherwise turn every edit of a mouth shape into a full audit.
    """
    for name in ("scale", "center", "active", "axes", "width", "low", "high", "eye", "mouth", "matched", "notes"):
        x, y = getattr(a, name), getattr(b, name)
        if (x is None) != (y is None):
            return False
        if name in ("eye", "mouth") and x is not None:
            x, y = x[1:], y[1:]
        if x is not None and not np.array_equal(np.asarray(x), np.asarray(y)):
            return False
    return True


def _diagonal(points):
    if len(points) == 0:
        return 0.0
    return float(np.linalg.norm(points.max(axis=0) - points.min(axis=0)))


def _unit(vector):
    vector = np.asarray(vector, dtype=np.float64)
    length = np.linalg.norm(vector)
    return vector / length if length > 0 else vector


# -- mirror plane ---------------------------------------------------------------------------------
def _match_share(points, normal, offset, tolerance):
    """Share of (a sample of) ``points`` whose mirror image lands on a point within ``tolerance``."""
    if not len(points):
        return 1.0
    sample = points[::max(1, len(points) // VERIFY_SAMPLES)]
    index, _ = nearest_within(reflect_points(sample, normal, offset), points, tolerance)
    return float((index >= 0).mean())


@kept
def _mirror_plane(face, points, tolerance, scale):
    """(normal, offset, matched share, notes): X=0 when it holds, else the best estimated plane.

    X=0 holds when it mirrors the moving vertices (``face``) or the head around them (``points``):
    hair, clothing or a body can be asymmetric where the face is not, and the moving set can be
    lopsided (a one-sided shape) where the mesh is not. Estimation works on the head.
    """
    default = np.array([1.0, 0.0, 0.0])
    share = _match_share(points, default, 0.0, tolerance)
    if share >= 0.9 or len(points) < 8 or _match_share(face, default, 0.0, tolerance) >= 0.9:
        return default, 0.0, share, ()
    best = (default, 0.0, share)
    for normal in _plane_candidates(points):
        normal, offset = _refine_plane(points, normal, scale, tolerance)
        candidate = _match_share(points, normal, offset, tolerance)
        if candidate > best[2]:
            best = (normal, offset, candidate)
    if best[2] * KEEP_DEFAULT <= share:
        return default, 0.0, share, ()
    normal, offset, matched = best
    return normal, offset, matched, (
        f"mirror plane estimated (normal {np.round(normal, 3).tolist()}, offset {offset:.4g}): "
        f"X=0 matched {share:.0%} of the face vertices, this plane {matched:.0%}",)


def _plane_candidates(points):
    """Principal axes of the face vertices and the coordinate axes: a symmetric body's mirror normal
    is one of its principal axes."""
    centred = points - points.mean(axis=0)
    _, vectors = np.linalg.eigh(centred.T.astype(np.float64) @ centred)
    return list(vectors.T) + list(np.eye(3))


def _refine_plane(points, normal, scale, tolerance):
    """Improve a rough mirror plane: partners differ along the normal; their midpoints lie on the plane."""
    step = max(1, len(points) // COARSE_SAMPLES)
    sample = points[::step].astype(np.float64)
    normal = _unit(normal)
    offset = float(np.median(sample @ normal))
    for radius in (COARSE_RADIUS * scale, COARSE_RADIUS * scale / 3, tolerance * 2):
        for _ in range(2):
            index, _ = nearest_within(reflect_points(sample, normal, offset), sample, radius)
            ok = index >= 0
            if ok.sum() < 8:
                break
            a, b = sample[ok], sample[index[ok]]
            across = a - b
            far = np.linalg.norm(across, axis=1) > 2 * radius  # midline points carry no direction
            if far.sum() < 8:
                break
            across = across[far] * np.sign(across[far] @ normal)[:, None]
            _, vectors = np.linalg.eigh(across.T @ across)
            new = vectors[:, -1] * np.sign(vectors[:, -1] @ normal)
            normal = _unit(new)
            offset = float(np.median(((a + b) / 2) @ normal))
    return normal, offset


# -- up and forward -------------------------------------------------------------------------------
def _landmark_codes(ctx):
    regions = ctx.rulebook.regions
    landmarks = getattr(regions, "landmarks", None) or {}
    return landmarks.get("eyes", ()), landmarks.get("mouth", ())


def _landmark(ctx, basis, codes):
    """Where the mapped shapes of ``codes`` move most: (3,) float64, or None when none is mapped.

    Each shape votes with the weighted centroid of its strongly moving vertices (at least half its
    peak motion); the median over shapes keeps one odd shape from dragging the landmark. None with
    fewer than MIN_LANDMARK_SHAPES votes.
    """
    if not codes:
        return None
    votes = []
    # a shape's vote depends on that shape alone: a context may keep them (a re-audit re-counts only the
    # shapes that changed)
    cache = getattr(ctx, "landmark_votes", None)
    basis64 = None  # the float64 basis every vote multiplies: converted once, not per shape
    for i, _, parsed in ctx.mapped_shapes():
        peak = float(ctx.max_motion[i])
        if parsed.au in codes and peak > 0:
            vote = cache.get(i) if cache is not None else None
            if vote is None:
                if basis64 is None:
                    basis64 = basis.astype(np.float64)
                w = ctx.motion[i].astype(np.float64)
                w = np.where(w >= 0.5 * peak, w * w, 0.0)
                vote = (w @ basis64) / w.sum()
                if cache is not None:
                    cache[i] = vote
            votes.append(vote)
    # One shape alone would define the landmark it is then judged against.
    return np.median(np.array(votes), axis=0) if len(votes) >= MIN_LANDMARK_SHAPES else None


def _in_plane(vector, normal):
    return _unit(vector - np.dot(vector, normal) * normal)


def _angle(a, b):
    return float(np.degrees(np.arccos(np.clip(np.dot(_unit(a), _unit(b)), -1.0, 1.0))))


def _up_axis(points, normal, eye, mouth, notes):
    """Up, in the mirror plane: the default Z unless the rig's cue clearly disagrees."""
    default = _in_plane(np.array([0.0, 0.0, 1.0]), normal)
    if eye is not None and mouth is not None and np.linalg.norm(eye - mouth) > 0:
        cue, source = _in_plane(eye - mouth, normal), "eyes above the mouth"
    else:
        # The face is taller than it is deep: its long in-plane axis is vertical (sign: toward +Z).
        centred = points - points.mean(axis=0)
        flat = centred - np.outer(centred @ normal, normal)
        _, vectors = np.linalg.eigh(flat.T.astype(np.float64) @ flat)
        cue = vectors[:, -1]
        cue = cue if np.dot(cue, [0, 0, 1]) >= 0 else -cue
        source = "the face's long axis"
        # Only trust geometry alone when Z is clearly not in the plane's long direction.
        if np.linalg.norm(default) == 0 or _angle(cue, default) < 60:
            cue = default
    if np.linalg.norm(default) == 0 or _angle(cue, default) > CUE_ANGLE:
        notes.append(f"up axis estimated from {source}: {np.round(cue, 3).tolist()}")
        return _unit(cue)
    return default


def _head_depth(basis, points, normal, up):
    """(forward, head depth, spread): forward perpendicular to up in the mirror plane, toward -Y, and the
    mean and range of depth along it of the head the face belongs to (see _motion_behind)."""
    forward = np.cross(normal, up)  # either sign; fixed below
    default = np.array([0.0, -1.0, 0.0])
    if np.dot(forward, default) < 0:
        forward = -forward
    # The head the face belongs to: every vertex within the face's lateral and vertical span.
    coords = basis.astype(np.float64)
    face_up = points @ up
    face_side = points @ normal
    heights, sides = coords @ up, coords @ normal  # each product once: 30k-vertex heads
    near = ((heights >= face_up.min()) & (heights <= face_up.max())
            & (sides >= face_side.min()) & (sides <= face_side.max()))
    depths = coords[near] @ forward if near.any() else None
    head_depth = float(np.mean(depths)) if depths is not None else 0.0
    spread = float(np.ptp(depths)) if depths is not None else 0.0
    return forward, head_depth, spread


def _motion_behind(points, weights, forward, head_depth, spread):
    """Whether forward must be flipped: the motion (``weights`` on ``points``) sits clearly behind the
    head's middle. Only a clear signal flips the default."""
    motion_depth = float((weights @ (points @ forward)) / weights.sum()) if weights.sum() > 0 else head_depth
    return motion_depth < head_depth - 0.05 * spread
