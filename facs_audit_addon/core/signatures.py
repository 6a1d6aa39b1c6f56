"""Geometric signatures of mouth, jaw, nose and lid shapes: the numbers conflation rules compare.

Where the mouth and the eyes are is read from the shapes themselves (no region masks needed):
the lip corners are where the corner-pulling actions (AU12, AU20, AU18, ...) move the most, the lip
line runs between them, and the upper lid is where the closures (AU43/45/46, AU5) move the most.
The jaw drop (AU26 or AU27), when present, tells the lower lip (it moves with the jaw) from the
upper lip (it does not). Zones are then boxes around those anchors, in units of the mouth
half-width ``W`` (about 2.5 cm on an adult), so the rig's units and size do not matter.

Most measures are *direction cosines weighted by motion*: ``sum(|d| * d.axis) / sum(|d|**2)`` over
a zone. A shape moving every zone vertex straight forward scores 1, straight back -1. They ignore
the shape's intensity and the rig's scale, and the export noise of real scans (tiny deltas over
thousands of vertices) weighs almost nothing.
"""

from dataclasses import dataclass

import numpy as np

from .geometry import same_array

#: measure name -> message text (value formatted in). Rules name these in rules/coactivation.toml.
MEASURES = {
    "lip_protrusion": "the lips move {:.2f} of their motion forward",
    "lip_aperture": "the lips open by {:.2f} of their motion (upper lip up, lower lip down)",
    "lip_flare": "both lips turn out: the lesser of upper-lip rise and lower-lip drop is {:.2f} of their motion",
    "mouth_narrowing": "the corners move {:.2f} of their motion toward the midline",
    "corner_raise": "the corners move {:.2f} of their motion up",
    "corner_pull_in": "the corners move {:.2f} of their motion back and inward",
    "lip_tightening_axis": "horizontal minus vertical tightening is {:.2f}",
    "jaw_share": "the chin moves {:.2f} of the lower lip's motion",
    "chin_drop": "the chin drops {:.3g} of the face size",
    "chin_raise": "the chin moves {:.2f} of its motion up",
    "lower_lip_drop": "the lower lip moves {:.2f} of its motion down",
    "nose_bridge_share": "{:.2f} of the motion is on the nose bridge",
    "below_eye": "the motion is centred {:.2f} eye spacings below the upper lid",
    "peak_rise": "the most-moved vertices move {:.2f} of their motion up",
    "cheek_puff": "the cheeks move {:.2f} of the shape's motion outward",
    "chin_sideways": "the chin moves {:+.2f} of its motion toward the character's left",
}

#: the head's half-width in mouth half-widths: the cheek's outward direction turns from forward to
#: sideways over it (an adult head is about 15 cm wide, the mouth about 5 cm)
HEAD_HALF_WIDTH = 3.0

#: fewest anchor peaks (shapes x sides) to trust an anchor, and how far (in anchor half-spacings) the
#: typical peak may lie from their median
MIN_ANCHORS = 3
MAX_ANCHOR_SPREAD = 0.35

#: a zone holding less than this share of a shape's motion energy gives no measure (NaN)
MIN_ZONE_ENERGY = 0.02


@dataclass(frozen=True)
class Box:
    """A zone around the mouth, in mouth half-widths W from the middle of the lip line: ``side`` bounds
    |u| (sideways), ``up`` bounds v (up), ``front`` is the lowest f (forward, toward the viewer; negative
    is behind the lip line). Bounds are open; None is no bound."""

    side: tuple
    up: tuple
    front: float

    def mask(self, u, v, f):
        """(n,) bool: which of the points with coordinates ``u``, ``v``, ``f`` ((n,) each) are inside."""
        inside = f > self.front
        for values, (low, high) in ((np.abs(u), self.side), (v, self.up)):
            if low is not None:
                inside &= values > low
            if high is not None:
                inside &= values < high
        return inside


# Mouth zones, in mouth half-widths W (see Box).
#: both lips: a little past the corners, three fifths of W above and below the lip line
LIPS = Box(side=(None, 1.15), up=(-0.6, 0.6), front=-0.3)
#: a lip vertex this close to the lip line (in W) belongs to neither lip
LIP_SEAM = 0.05
#: the jaw shape's motion on the lips is compared with this percentile of it ...
JAW_REFERENCE_PERCENTILE = 95
#: ... the lower lip rides on the jaw (moves above this share of the reference), the upper lip does not
#: (moves below this share, and sits above UPPER_LIP_LOWEST, in W)
LOWER_LIP_ON_JAW = 0.45
UPPER_LIP_OFF_JAW = 0.15
UPPER_LIP_LOWEST = -0.3
#: the lip corners
CORNERS = Box(side=(0.7, 1.3), up=(-0.35, 0.35), front=-0.5)
#: the middle of each lip (|u| below this, in W): opening and pressing show there, corner pulls do not
LIP_CENTRE = 0.6
#: the chin boss, below the lower lip
CHIN = Box(side=(None, 0.55), up=(-2.0, -0.9), front=-0.8)
#: above the nostrils and below the eyes: AU9 wrinkles it, AU10 leaves it alone
NOSE_BRIDGE = Box(side=(None, 0.9), up=(1.5, 2.8), front=-1.5)
#: beside the mouth, from below the lip line to the cheekbone: where a puff inflates the face
CHEEKS = Box(side=(1.1, 2.8), up=(-1.0, 2.0), front=-2.5)

# Around each upper-lid peak, in eye half-spacings: where below_eye looks for a shape's motion.
#: sideways from the lid peak
BELOW_EYE_SIDE = 1.0
#: above the lid peak, and below it
BELOW_EYE_ABOVE = 0.6
BELOW_EYE_BELOW = 2.0

#: peak_rise reads the vertices that move at least this share of the shape's largest motion
PEAK_SHARE = 0.5


@dataclass(frozen=True)
class FaceGeometry:
    """Anchors and zones (boolean vertex masks) found from the rig's own shapes.

    ``mouth_width`` is the mouth half-width W; zone masks are None when their anchor is missing.
    """

    local: np.ndarray
    mouth_width: float = 0.0
    lips: object = None
    upper_lip: object = None
    lower_lip: object = None
    corners: object = None
    upper_center: object = None
    lower_center: object = None
    chin: object = None
    nose_bridge: object = None
    cheeks: object = None
    #: (n, 3) outward direction (lateral, up, forward) of the face surface at each cheek vertex
    outward: object = None
    #: side ('L'/'R') -> (lateral, up) of the upper-lid peak
    eyes: object = None
    eye_spacing: float = 0.0
    #: what the zones were found from: (corner peaks, jaw shape row, lid peaks); a re-audit compares them
    cues: tuple = None


def face_geometry(ctx, held=None, changed=()):
    """Find the mouth, jaw and eye anchors of the audited rig (see the module docstring).

    held, changed : FaceGeometry, set of row indices
        The geometry before shapes ``changed`` were edited (same basis and frame): returned as it is
        when the anchors found are the same and the jaw shape is not one of ``changed`` (the zones are
        made from nothing else).
    """
    local = ctx.basis_local
    by_au = {}
    for i, name, parsed in ctx.mapped_shapes():
        if ctx.max_motion[i] > 0:
            by_au.setdefault(parsed.au, []).append((i, parsed))
    geometry = {"local": local}
    # the actions that anchor the geometry (where they move most) are data: coactivation.toml [anchors]
    anchors = ctx.rulebook.coactivation.anchors
    halves = tuple((side, ctx.side_vertices(side)) for side in ("L", "R"))
    corners = _side_peaks(ctx, local, halves, by_au, anchors["corners"])
    jaw = next((by_au[au][0][0] for au in anchors["jaw"] if au in by_au), None) if corners else None
    eyes = _side_peaks(ctx, local, halves, by_au, anchors["lids"])
    cues = (corners, jaw, eyes)
    if held is not None and held.cues is not None and jaw not in changed and _same_cues(held.cues, cues):
        return held
    geometry["cues"] = cues
    if corners:
        geometry.update(_mouth_zones(ctx, local, corners, jaw))
    if eyes:
        spacing = abs(eyes["L"][0] - eyes["R"][0]) / 2
        geometry.update(eyes={side: point[:2] for side, point in eyes.items()}, eye_spacing=float(spacing))
    return FaceGeometry(**geometry)


def _side_peaks(ctx, local, halves, by_au, actions):
    """Median position, per side, of where ``actions`` move the most; mirrored if one side lacks any.
    ``halves``: (side, its vertex indices) for L and R."""
    found = {"L": [], "R": []}
    for au in actions:
        for i, parsed in by_au.get(au, ()):
            motion = ctx.motion[i]
            for side, half in halves:
                if parsed.side in (side, "B") and half.size:
                    found[side].append(local[half[np.argmax(motion[half])]])
    if len(found["L"]) + len(found["R"]) < MIN_ANCHORS:
        return None
    peaks = {side: np.median(points, axis=0) if points else None for side, points in found.items()}
    for side, other in (("L", "R"), ("R", "L")):
        if peaks[side] is None:
            peaks[side] = peaks[other] * np.array([-1, 1, 1], dtype=np.float32)
    half = abs(peaks["L"][0] - peaks["R"][0]) / 2
    if half <= 0:
        return None
    # the shapes must agree on where the anchor is, or the zones would be guesses
    spread = max((np.median(np.linalg.norm(np.asarray(points) - peaks[side], axis=1)) for side, points in found.items()
                  if points), default=0.0)
    if spread > MAX_ANCHOR_SPREAD * half or abs(peaks["L"][1] - peaks["R"][1]) > MAX_ANCHOR_SPREAD * half:
        return None
    return peaks


def _same_cues(a, b):
    """Whether two geometries' cues (see FaceGeometry.cues) are the same."""
    (corners_a, jaw_a, eyes_a), (corners_b, jaw_b, eyes_b) = a, b
    return jaw_a == jaw_b and all(
        (x is None) == (y is None) and (x is None or all(same_array(x[side], y[side]) for side in ("L", "R")))
        for x, y in ((corners_a, corners_b), (eyes_a, eyes_b)))


def _mouth_zones(ctx, local, corners, jaw):
    width = float(abs(corners["L"][0] - corners["R"][0]) / 2)
    line = (corners["L"] + corners["R"]) / 2
    u = local[:, 0] / width
    v = (local[:, 1] - line[1]) / width
    f = (local[:, 2] - line[2]) / width
    lips = LIPS.mask(u, v, f)
    upper, lower = lips & (v > LIP_SEAM), lips & (v < -LIP_SEAM)
    if jaw is not None and lips.any():
        # the lower lip rides on the jaw, the upper lip does not: truer than the height at a curved seam
        moved = ctx.motion[jaw]
        reference = float(np.percentile(moved[lips], JAW_REFERENCE_PERCENTILE))
        if reference > 0:
            lower = lips & (moved > LOWER_LIP_ON_JAW * reference)
            upper = lips & (moved < UPPER_LIP_OFF_JAW * reference) & (v > UPPER_LIP_LOWEST)
    return {
        "mouth_width": width, "lips": lips, "upper_lip": upper, "lower_lip": lower,
        "corners": CORNERS.mask(u, v, f),
        "upper_center": upper & (np.abs(u) < LIP_CENTRE),
        "lower_center": lower & (np.abs(u) < LIP_CENTRE),
        "chin": CHIN.mask(u, v, f),
        "nose_bridge": NOSE_BRIDGE.mask(u, v, f),
        "cheeks": CHEEKS.mask(u, v, f),
        "outward": _outward(u),
    }


def _outward(u):
    """(n, 3) unit vectors (lateral, up, forward): forward at the midline, turning sideways toward the ears."""
    s = np.clip(np.abs(u) / HEAD_HALF_WIDTH, 0.0, 0.95)
    return np.stack([np.sign(u) * s, np.zeros_like(s), np.sqrt(1.0 - s * s)], axis=1).astype(np.float32)


class Signatures:
    """Measures of one rig's shapes, computed on demand and cached (``sig.measure(i, name)``)."""

    def __init__(self, ctx, geometry=None):
        self.ctx = ctx
        self.geometry = geometry or face_geometry(ctx)
        self._cache = {}
        self._energy = {}

    def measure(self, i, name):
        """The value of measure ``name`` for shape ``i``, or NaN when it cannot be measured."""
        key = (i, name)
        if key not in self._cache:
            self._cache[key] = float(getattr(self, "_" + name)(i))
        return self._cache[key]

    def describe(self, name, value):
        return MEASURES[name].format(value)

    # -- helpers ----------------------------------------------------------------------------------
    def _total_energy(self, i):
        if i not in self._energy:
            motion = self.ctx.motion[i]
            self._energy[i] = float(np.dot(motion, motion))
        return self._energy[i]

    def _zone(self, i, mask, side=True):
        """Local deltas (m, 3), their lengths, and basis positions over ``mask`` (on the shape's side)."""
        if mask is None:
            return None
        if side:
            parsed = self.ctx.parsed(self.ctx.snapshot.names[i])
            if parsed is not None and parsed.side in ("L", "R"):
                lateral = self.geometry.local[:, 0]
                mask = mask & ((lateral > 0) if parsed.side == "L" else (lateral < 0))
        index = np.flatnonzero(mask)
        if index.size == 0:
            return None
        lengths = self.ctx.motion[i][index]
        energy = float(np.dot(lengths, lengths))
        total = self._total_energy(i)
        if total <= 0 or energy < MIN_ZONE_ENERGY * total:
            return None
        deltas = self.ctx.frame.local_vectors(self.ctx.snapshot.deltas[i][index])
        return deltas, lengths, energy, self.geometry.local[index], index

    @staticmethod
    def _cosine(zone, component):
        _, lengths, energy, _, _ = zone
        return float(np.dot(lengths, component)) / energy

    # -- measures ---------------------------------------------------------------------------------
    def _lip_protrusion(self, i):
        zone = self._zone(i, self.geometry.lips)
        return np.nan if zone is None else self._cosine(zone, zone[0][:, 2])

    def _lip_aperture(self, i):
        g = self.geometry
        if g.upper_center is None:
            return np.nan
        zone = self._zone(i, g.upper_center | g.lower_center)
        if zone is None:
            return np.nan
        # +1 on the upper lip, -1 on the lower one: opening lips score positive
        sign = np.where(g.upper_center[zone[4]], 1.0, -1.0)
        return self._cosine(zone, zone[0][:, 1] * sign)

    def _lip_flare(self, i):
        # a funnel opens both lips at once; a pucker may lift one lip a little, never both
        upper = self._zone(i, self.geometry.upper_center)
        lower = self._zone(i, self.geometry.lower_center)
        if upper is None or lower is None:
            return np.nan
        return min(self._cosine(upper, upper[0][:, 1]), -self._cosine(lower, lower[0][:, 1]))

    def _corner_components(self, i):
        """(outward, up, forward) direction cosines at the lip corners, or None."""
        zone = self._zone(i, self.geometry.corners)
        if zone is None:
            return None
        deltas, _, _, points, _ = zone
        outward = deltas[:, 0] * np.sign(points[:, 0])
        return (self._cosine(zone, outward), self._cosine(zone, deltas[:, 1]), self._cosine(zone, deltas[:, 2]))

    def _mouth_narrowing(self, i):
        parts = self._corner_components(i)
        return np.nan if parts is None else -parts[0]

    def _corner_raise(self, i):
        parts = self._corner_components(i)
        return np.nan if parts is None else parts[1]

    def _corner_pull_in(self, i):
        parts = self._corner_components(i)
        return np.nan if parts is None else (-parts[0] - parts[2]) / np.sqrt(2)

    def _lip_tightening_axis(self, i):
        return self.measure(i, "mouth_narrowing") + self.measure(i, "lip_aperture")

    def _jaw_share(self, i):
        chin = self._zone(i, self.geometry.chin)
        lip = self._zone(i, self.geometry.lower_center)
        if lip is None:
            return np.nan
        if chin is None:
            return 0.0 if self.geometry.chin is not None and self.geometry.chin.any() else np.nan
        return float(np.sqrt(np.mean(chin[1] ** 2) / np.mean(lip[1] ** 2)))

    def _chin_drop(self, i):
        mask = self.geometry.chin
        if mask is None or not mask.any():
            return np.nan
        deltas = self.ctx.frame.local_vectors(self.ctx.snapshot.deltas[i][mask])
        return float(-deltas[:, 1].mean()) / self.ctx.frame.scale

    def _chin_raise(self, i):
        zone = self._zone(i, self.geometry.chin)
        return np.nan if zone is None else self._cosine(zone, zone[0][:, 1])

    def _lower_lip_drop(self, i):
        zone = self._zone(i, self.geometry.lower_center)
        return np.nan if zone is None else -self._cosine(zone, zone[0][:, 1])

    def _nose_bridge_share(self, i):
        mask = self.geometry.nose_bridge
        total = self._total_energy(i)
        if mask is None or not mask.any() or total <= 0:
            return np.nan
        lengths = self.ctx.motion[i][mask]
        return float(np.dot(lengths, lengths)) / total

    def _below_eye(self, i):
        g = self.geometry
        if g.eyes is None or g.eye_spacing <= 0:
            return np.nan
        parsed = self.ctx.parsed(self.ctx.snapshot.names[i])
        sides = (parsed.side,) if parsed is not None and parsed.side in ("L", "R") else ("L", "R")
        motion = self.ctx.motion[i]
        heights, weights = [], []
        for side in sides:
            lateral, up = g.eyes[side]
            window = ((np.abs(g.local[:, 0] - lateral) < BELOW_EYE_SIDE * g.eye_spacing)
                      & (g.local[:, 1] < up + BELOW_EYE_ABOVE * g.eye_spacing)
                      & (g.local[:, 1] > up - BELOW_EYE_BELOW * g.eye_spacing))
            energy = motion[window] ** 2
            if energy.sum() > 0:
                heights.append((up - float(np.dot(energy, g.local[window, 1]) / energy.sum())) / g.eye_spacing)
                weights.append(float(energy.sum()))
        total = self._total_energy(i)
        if not weights or sum(weights) < MIN_ZONE_ENERGY * total:
            return np.nan
        return float(np.average(heights, weights=weights))

    def _cheek_puff(self, i):
        # share of the whole shape's motion that pushes the cheeks out: a puff scores high, a corner pull
        # that drags the cheek up scores near 0
        g = self.geometry
        if g.cheeks is None:
            return np.nan
        zone = self._zone(i, g.cheeks)
        total = self._total_energy(i)
        if zone is None or total <= 0:
            return 0.0 if total > 0 else np.nan
        deltas, lengths, _, _, index = zone
        return float(np.dot(lengths, np.einsum("ij,ij->i", deltas, g.outward[index]))) / total

    def _chin_sideways(self, i):
        zone = self._zone(i, self.geometry.chin, side=False)
        return np.nan if zone is None else self._cosine(zone, zone[0][:, 0])

    def _peak_rise(self, i):
        motion = self.ctx.motion[i]
        top = float(self.ctx.max_motion[i])
        if top <= 0:
            return np.nan
        index = np.flatnonzero(motion >= PEAK_SHARE * top)
        deltas = self.ctx.frame.local_vectors(self.ctx.snapshot.deltas[i][index])
        lengths = motion[index]
        return float(np.dot(lengths, deltas[:, 1]) / np.dot(lengths, lengths))
