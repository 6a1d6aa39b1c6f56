"""Face regions from ``rules/regions.toml``: which part of the face each vertex belongs to.

Regions are boxes in normalised face coordinates (lateral distance from the mirror plane, height
with the mouth line at 0 and the eye line at 1, depth from the lips or eyelids), all in units of the
eye-to-mouth distance. The landmarks come from the shapes themselves (where eye-closure and lip
shapes move), which is sturdier than fixed fractions of a bounding box: a head with a neck, a full
body or a tongue has the same eye-to-mouth geometry. Without landmark shapes the rule file's
fallback proportions of the face box are used.

A rigger overrides any region with a vertex group ``facs_region_<region>`` (the prefix is set in
the rule file); its weights replace the computed region and take those vertices out of the others.
"""

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from .kept import kept
from .text import SIDE_WORDS

AXES = ("lateral", "height", "depth")
ANCHORS = ("mouth", "eyes")
OUTSIDE = "outside"


@dataclass(frozen=True)
class Box:
    lateral: tuple
    height: tuple
    depth: tuple
    anchor: str = "mouth"


@dataclass(frozen=True)
class Region:
    name: str
    label: str
    boxes: tuple
    sided: bool = True
    #: action codes whose shapes must move a vertex (more than the not_moved_by ones) for it to count
    moved_by: tuple = ()
    not_moved_by: tuple = ()


@dataclass(frozen=True)
class RegionRules:
    """Parsed ``regions.toml``."""

    regions: dict
    feather: float
    side_feather: float
    override_prefix: str
    #: "eyes" / "mouth" -> tuple of action codes whose shapes locate that landmark
    landmarks: dict
    #: fallback proportions (eye_height, mouth_height, unit, mouth_depth, eye_depth)
    fallback: dict


def parse_regions(doc, catalog):
    """Validate ``regions.toml`` (a rulebook ``_Doc``) strictly and return :class:`RegionRules`."""
    data = doc.data
    doc.only(data, {"settings", "landmarks", "fallback", "regions"}, "")
    settings = doc.get(data, "settings", dict, "", required=True)
    doc.only(settings, {"feather", "side_feather", "override_prefix"}, "settings")
    feather = _positive(doc, settings, "feather", "settings")
    side_feather = _positive(doc, settings, "side_feather", "settings")
    prefix = doc.get(settings, "override_prefix", str, "settings", required=True)

    landmarks_table = doc.get(data, "landmarks", dict, "", required=True)
    doc.only(landmarks_table, set(("eyes", "mouth")), "landmarks")
    landmarks = {}
    for key in ("eyes", "mouth"):
        codes = doc.strings(landmarks_table, key, "landmarks", required=True)
        for i, code in enumerate(codes):
            if code not in catalog:
                doc.fail(f"landmarks.{key}[{i}]", f"unknown action '{code}' (not in catalog.toml)")
        landmarks[key] = codes

    fallback_table = doc.get(data, "fallback", dict, "", required=True)
    fallback_keys = ("eye_height", "mouth_height", "unit", "mouth_depth", "eye_depth")
    doc.only(fallback_table, set(fallback_keys), "fallback")
    fallback = {key: float(doc.get(fallback_table, key, (int, float), "fallback", required=True))
                for key in fallback_keys}
    if not 0 <= fallback["mouth_height"] < fallback["eye_height"] <= 1:
        doc.fail("fallback.eye_height", "need 0 <= mouth_height < eye_height <= 1")

    regions = {}
    for name, entry in doc.get(data, "regions", dict, "", required=True).items():
        where = f"regions.{name}"
        if not isinstance(entry, dict):
            doc.fail(where, "expected a table")
        doc.only(entry, {"label", "boxes", "sided", "moved_by", "not_moved_by"}, where)
        motion = {}
        for key in ("moved_by", "not_moved_by"):
            motion[key] = doc.strings(entry, key, where)
            for i, code in enumerate(motion[key]):
                if code not in catalog:
                    doc.fail(f"{where}.{key}[{i}]", f"unknown action '{code}' (not in catalog.toml)")
        boxes = []
        for i, box in enumerate(doc.get(entry, "boxes", list, where, required=True)):
            key = f"{where}.boxes[{i}]"
            if not isinstance(box, dict):
                doc.fail(key, "expected a table like { lateral = [0, 1], height = [0, 1], depth = [-1, 1] }")
            doc.only(box, set(AXES) | {"anchor"}, key)
            ranges = {axis: _range(doc, box, axis, key) for axis in AXES}
            anchor = doc.get(box, "anchor", str, key, default="mouth")
            if anchor not in ANCHORS:
                doc.fail(f"{key}.anchor", f"must be one of {', '.join(ANCHORS)}")
            if ranges["lateral"][0] < 0:
                doc.fail(f"{key}.lateral", "lateral ranges are distances from the midline (>= 0)")
            boxes.append(Box(anchor=anchor, **ranges))
        if not boxes:
            doc.fail(f"{where}.boxes", "a region needs at least one box")
        regions[name] = Region(name=name, label=doc.get(entry, "label", str, where, default=name.replace("_", " ")),
                               boxes=tuple(boxes), sided=doc.get(entry, "sided", bool, where, default=True),
                               **motion)
    for code, action in catalog.items():
        for region in action.regions:
            if region not in regions:
                doc.fail("regions", f"catalog action {code} names region '{region}', which is not defined here")
    return RegionRules(regions=regions, feather=feather, side_feather=side_feather, override_prefix=prefix,
                       landmarks=landmarks, fallback=fallback)


def _positive(doc, table, key, where):
    value = doc.get(table, key, (int, float), where, required=True)
    if value <= 0:
        doc.fail(f"{where}.{key}", "must be positive")
    return float(value)


def _range(doc, box, axis, key):
    value = doc.get(box, axis, list, key, required=True)
    ok = (len(value) == 2 and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value)
          and value[0] < value[1])
    if not ok:
        doc.fail(f"{key}.{axis}", "expected [low, high] numbers with low < high")
    return (float(value[0]), float(value[1]))


# -- face coordinates -----------------------------------------------------------------------------
@dataclass(frozen=True)
class FaceLayout:
    """Where the eye and mouth lines are, in the frame's local coordinates (rig units)."""

    unit: float
    mouth_height: float
    mouth_depth: float
    eye_depth: float
    from_landmarks: bool


def face_layout(rules, frame):
    """The eye/mouth layout of ``frame``: from landmark shapes when mapped, else fallback proportions."""
    fallback = rules.fallback
    low, high = frame.low, frame.high
    height = float(high[1] - low[1]) or frame.scale
    if frame.eye is not None and frame.mouth is not None and frame.eye[1] - frame.mouth[1] > 0:
        return FaceLayout(unit=float(frame.eye[1] - frame.mouth[1]), mouth_height=float(frame.mouth[1]),
                          mouth_depth=float(frame.mouth[2]), eye_depth=float(frame.eye[2]), from_landmarks=True)
    unit = fallback["unit"] * height
    if frame.mouth is not None:  # one landmark: keep it, take the other from proportions
        mouth_height, mouth_depth = float(frame.mouth[1]), float(frame.mouth[2])
    else:
        mouth_height = float(low[1] + fallback["mouth_height"] * height)
        mouth_depth = float(high[2] - fallback["mouth_depth"] * unit)
    if frame.eye is not None:
        unit = max(float(frame.eye[1]) - mouth_height, 1e-6 * frame.scale) if frame.mouth is not None else unit
        eye_depth = float(frame.eye[2])
        if frame.mouth is None:
            mouth_height = float(frame.eye[1]) - unit
    else:
        eye_depth = float(high[2] - fallback["eye_depth"] * unit)
    return FaceLayout(unit=unit, mouth_height=mouth_height, mouth_depth=mouth_depth, eye_depth=eye_depth,
                      from_landmarks=False)


def face_coordinates(layout, local):
    """Normalised coordinates of (n, 3) local points.

    Returns
    -------
    coords : (n, 4) float32
        signed lateral, height, depth from the lips, depth from the eyelids; eye-to-mouth units.
    """
    out = np.empty((local.shape[0], 4), dtype=np.float32)
    out[:, 0] = local[:, 0] / layout.unit
    out[:, 1] = (local[:, 1] - layout.mouth_height) / layout.unit
    out[:, 2] = (local[:, 2] - layout.mouth_depth) / layout.unit
    out[:, 3] = (local[:, 2] - layout.eye_depth) / layout.unit
    return out


# -- region weights -------------------------------------------------------------------------------
#: Two region rows are adjacent when their memberships overlap by more than this many vertices' worth
#: (about one vertex shared half-and-half).
ADJACENT_OVERLAP = 0.5

# The motion gate of a region with moved_by / not_moved_by shapes (eyes: gaze moves the eyeball, lids
# do not), each group's motion normalised to its own peak. An eyeball turns well under gaze (above ~10%
# of the gaze peak) and not at all under a blink (below ~5% of the lid peak); lid skin moves under both.
#: the moved_by motion ramps in from GATE_MOVED_FROM of its peak, over GATE_MOVED_RAMP
GATE_MOVED_FROM = 0.05
GATE_MOVED_RAMP = 0.1
#: the not_moved_by motion ramps the gate out, fully shut at GATE_STILL_UNTIL of its peak, over GATE_STILL_RAMP
GATE_STILL_UNTIL = 0.1
GATE_STILL_RAMP = 0.05

@dataclass(frozen=True)
class RegionMasks:
    """Soft region membership of every vertex.

    names : tuple of m str
        ``brows:L``, ``brows:R``, ``mouth_interior`` ..., and ``outside`` last.
    bases : tuple of m str
        The catalog region of each row (``brows``), ``outside`` for the last.
    labels : tuple of m str
        Words for messages (``left brow``, ``outside the face regions``).
    weights : (m, n) float32
        Membership; each column sums to 1.
    overridden : tuple of str
        Regions replaced by a vertex group.
    """

    names: tuple
    bases: tuple
    labels: tuple
    weights: np.ndarray
    layout: FaceLayout = None
    overridden: tuple = ()
    #: (n, 3) float32 signed lateral, height, depth from the lips of every vertex, eye-to-mouth units
    points: np.ndarray = None

    @cached_property
    def adjacent(self):
        """(m, m) bool, read-only: rows that share vertices (their soft edges overlap); "outside" borders
        everything. Cached: an (m, n) x (n, m) product, and a re-audit holds the masks."""
        overlap = self.weights @ self.weights.T
        adjacent = overlap > ADJACENT_OVERLAP
        adjacent[-1, :] = adjacent[:, -1] = True
        adjacent.flags.writeable = False
        return adjacent

    def allowed(self, regions):
        """(m,) bool: rows whose catalog region is in ``regions``."""
        regions = set(regions)
        return np.array([base in regions for base in self.bases], dtype=bool)

    def inside(self, allowed):
        """(n,) float32: each vertex's membership in the ``allowed`` rows ((m,) bool), cached per row set."""
        key = allowed.tobytes()
        if key not in self._inside:
            self._inside[key] = self.weights[allowed].sum(axis=0)
        return self._inside[key]

    def mostly_in(self, allowed, index):
        """(len(index),) bool: whether vertices ``index`` lie at least half in the ``allowed`` rows.

        Read from the row holding most of each vertex; only vertices no row holds half of are summed.
        """
        dominant = self.dominant[index]
        out = np.append(allowed, False)[dominant]
        mixed = np.flatnonzero(dominant == len(self.names))
        if len(mixed):
            out[mixed] = allowed.astype(np.float32) @ self.weights[:, np.asarray(index)[mixed]] >= 0.5
        return out

    @cached_property
    def _inside(self):
        return {}

    @cached_property
    def dominant(self):
        """(n,) int64: the row holding at least half of each vertex (len(names) where none does)."""
        return np.where(self.weights.max(axis=0) >= 0.5, self.weights.argmax(axis=0), len(self.names))

    def shares(self, energy):
        """(m,) float64 share of a per-vertex ``energy`` ((n,) array) in each row (zeros if no energy)."""
        total = float(energy.sum())
        if total <= 0:
            return np.zeros(len(self.names))
        return (self.weights @ energy).astype(np.float64) / total


def _ramp(values, low, high, feather):
    """Membership along one axis: 1 inside [low, high], linear ramps ``feather`` wide centred on the edges."""
    return np.clip(np.minimum(values - low, high - values) / feather + 0.5, 0.0, 1.0)


def motion_gate(peak_moved, peak_not):
    """(n,) float32 in [0, 1]: where the ``moved_by`` shapes dominate the ``not_moved_by`` ones.

    peak_moved, peak_not : (n,) float32 or None
        Largest motion per vertex over each group of shapes (None when the group has no shape).
    """
    if peak_moved is None or not peak_moved.max() > 0:
        return None
    moved = peak_moved / peak_moved.max()
    other = np.zeros_like(moved) if peak_not is None or not peak_not.max() > 0 else peak_not / peak_not.max()
    return (np.clip((moved - GATE_MOVED_FROM) / GATE_MOVED_RAMP, 0.0, 1.0)
            * np.clip((GATE_STILL_UNTIL - other) / GATE_STILL_RAMP, 0.0, 1.0)).astype(np.float32)


@kept
def region_masks(rules, frame, basis, vertex_groups=None, gates=None):
    """RegionMasks for ``basis`` ((n, 3) float32) in ``frame``, with vertex-group overrides applied.

    gates : dict, optional
        Region name -> (n,) float32 from :func:`motion_gate`; a region with ``moved_by`` and no gate
        is empty.
    """
    gates = gates or {}
    layout = face_layout(rules, frame)
    coords = face_coordinates(layout, frame.local(basis))
    lateral = np.abs(coords[:, 0])
    feather = rules.feather
    left = np.clip(coords[:, 0] / rules.side_feather + 0.5, 0.0, 1.0)
    groups = vertex_groups or {}
    overrides = {name: np.clip(np.asarray(groups[rules.override_prefix + name], dtype=np.float32), 0, 1)
                 for name in rules.regions if rules.override_prefix + name in groups}
    taken = np.zeros(basis.shape[0], dtype=np.float32)
    for weights in overrides.values():
        taken = np.maximum(taken, weights)

    names, bases, labels, rows = [], [], [], []
    for name, region in rules.regions.items():
        if name in overrides:
            member = overrides[name]
        else:
            member = np.zeros(basis.shape[0], dtype=np.float32)
            for box in region.boxes:
                depth = coords[:, 2] if box.anchor == "mouth" else coords[:, 3]
                # lateral is a distance from the midline: a range from 0 has no edge to feather there
                near = box.lateral[0] if box.lateral[0] > 0 else -np.inf
                inside = (_ramp(lateral, near, box.lateral[1], feather) * _ramp(coords[:, 1], *box.height, feather)
                          * _ramp(depth, *box.depth, feather))
                member = np.maximum(member, inside)
            if region.moved_by:
                gate = gates.get(name)
                member = member * gate if gate is not None else np.zeros_like(member)
            member *= 1.0 - taken
        if region.sided:
            for side, part in (("L", left), ("R", 1.0 - left)):
                names.append(f"{name}:{side}")
                bases.append(name)
                labels.append(f"{SIDE_WORDS[side]} {region.label}")
                rows.append(member * part)
        else:
            names.append(name)
            bases.append(name)
            labels.append(region.label)
            rows.append(member)
    weights = np.array(rows, dtype=np.float32).reshape(len(rows), basis.shape[0])
    total = weights.sum(axis=0)
    over = total > 1.0
    weights[:, over] /= total[over]
    outside = np.clip(1.0 - weights.sum(axis=0), 0.0, 1.0)
    return RegionMasks(names=tuple(names) + (OUTSIDE,), bases=tuple(bases) + (OUTSIDE,),
                       labels=tuple(labels) + ("rest of the mesh (outside the face regions)",),
                       weights=np.vstack([weights, outside[None]]).astype(np.float32), layout=layout,
                       overridden=tuple(overrides), points=coords[:, :3])


def by_side(masks, shares, side):
    """For a bilateral shape, left and right halves of a region count as one (named without a side)."""
    if side in ("L", "R"):
        return shares
    out = np.zeros_like(shares)
    first = {}
    for r, base in enumerate(masks.bases):
        first.setdefault(base, r)
        out[first[base]] += shares[r]
    return out


def region_label(masks, row, side):
    """Words for region row ``row`` in a message: without its side for a bilateral shape."""
    if side in ("L", "R") or masks.names[row] == masks.bases[row]:
        return masks.labels[row]
    return masks.labels[row].split(" ", 1)[1]
