"""Identify what each shape is from its geometry alone: the likely actions, side and variant, scored.

The name of a shape is never read here. A shape is described by where it moves the face and which
way (per face region: share of the motion energy and mean direction: up, out from the midline,
forward, sideways); each action in ``rules/identify.toml`` has such a description, and a shape's
score for an action is the cosine between the two (0 to 1). See docs/identify.md.

The face regions hang off the eye and mouth lines, which an audit finds from named eye and lip
shapes; here they come from where the rig's motion gathers (landmarks_from_motion).
"""

from dataclasses import dataclass, field, replace

import numpy as np

from .context import AuditContext, ShapeSet
from .errors import RigInputError
from .regions import face_coordinates
from .tomldoc import _Doc

DIRECTIONS = ("up", "out", "fwd", "across", "pitch", "yaw")
UPPER_FACE = ("forehead", "brows_inner", "brows_outer", "upper_lids", "lower_lids", "eyes")
LOWER_FACE = ("upper_lip", "lower_lip", "lip_corners", "chin", "jaw", "mouth_interior")
SETTINGS = ("brow_split", "one_sided_share", "min_score", "single_action_score", "combination_share",
            "confident_score", "confident_margin", "empty_share")
#: candidates listed per shape, best first
MOST = 3
#: moving vertices describe() reads at most (a stride over denser meshes)
SAMPLE = 8000


@dataclass(frozen=True)
class Reference:
    name: str
    #: action code, or {side: code} when the side decides the action
    action: object
    #: (p, regions x directions) unit vectors: the hand-written description, then one per rig it was
    #: fitted from (rules/identify_fitted.toml); a shape's score is its best match among them
    vectors: np.ndarray
    actions_by_across: dict = field(default_factory=dict)
    variants_by_across: dict = field(default_factory=dict)
    variant: str = ""


@dataclass(frozen=True)
class IdentifyRules:
    settings: dict
    regions: tuple
    references: tuple
    #: code -> the code geometry names for that pose (AU43 -> AU45)
    same_pose: dict


@dataclass(frozen=True)
class Candidate:
    action: str
    side: str
    variant: str
    score: float
    why: dict

    @property
    def label(self):
        text = self.action + (f":{self.variant}" if self.variant else "")
        return text + ("" if self.side == "B" else f"_{self.side}")


@dataclass(frozen=True)
class Identity:
    name: str
    candidates: tuple
    #: why there are no candidates, or what else to know ('' when the best candidate says it all)
    reason: str = ""
    #: actions a combination shape resembles, upper face then lower face
    resembles: tuple = ()


# -- rules -----------------------------------------------------------------------------------------

def load_identify_rules(rulebook, path=None, fitted=None):
    """Parse ``rules/identify.toml`` and the fitted regions of ``rules/identify_fitted.toml`` (validated
    like every rule file: one error naming the file and the key)."""
    from pathlib import Path
    root = Path(rulebook.root)
    doc = _Doc(path or root / "identify.toml")
    doc.only(doc.data, {"settings", "same_pose", "references"}, "")
    table = doc.get(doc.data, "settings", dict, "", required=True)
    doc.only(table, set(SETTINGS), "settings")
    settings = {key: float(doc.get(table, key, (int, float), "settings", required=True)) for key in SETTINGS}
    same_pose = {}
    for i, group in enumerate(doc.get(doc.data, "same_pose", list, "", default=[])):
        if not isinstance(group, list) or not all(isinstance(code, str) and code in rulebook.catalog for code in group):
            doc.fail(f"same_pose[{i}]", "expected a list of catalog action codes")
        same_pose.update({code: group[0] for code in group})
    specs = {name: _reference_spec(doc, name, spec, rulebook.catalog)
             for name, spec in doc.get(doc.data, "references", dict, "", required=True).items()}
    fitted_path = Path(fitted) if fitted else root / "identify_fitted.toml"
    if fitted_path.is_file():
        fit = _Doc(fitted_path)
        fit.only(fit.data, {"references"}, "")
        for name, spec in fit.get(fit.data, "references", dict, "", required=True).items():
            if name not in specs:
                fit.fail(f"references.{name}", "no such reference in identify.toml")
            fit.only(spec, {"prototypes"}, f"references.{name}")
            for i, prototype in enumerate(fit.get(spec, "prototypes", list, f"references.{name}", required=True)):
                where = f"references.{name}.prototypes[{i}]"
                if not isinstance(prototype, dict):
                    fit.fail(where, "expected a table")
                fit.only(prototype, {"rig", "shapes", "regions"}, where)
                specs[name]["prototypes"].append((fit, fit.get(prototype, "regions", dict, where, required=True), where))
    bases = set(rulebook.regions.regions) if rulebook.regions else set()
    known = (bases - {"brows"}) | {"brows_inner", "brows_outer"}
    regions = sorted({region for spec in specs.values() for _, table, _ in spec["prototypes"] for region in table})
    references = []
    for name, spec in specs.items():
        vectors = [_vector(source, table, f"{where}.regions", regions, known) for source, table, where in spec["prototypes"]]
        references.append(Reference(name, spec["action"], np.array(vectors), spec["actions_by_across"],
                                    spec["variants_by_across"], spec["variant"]))
    return IdentifyRules(settings, tuple(regions), tuple(references), same_pose)


def _vector(source, table, where, regions, known):
    """A (regions x directions,) unit vector from a ``region -> {direction: value}`` table."""
    vector = np.zeros((len(regions), len(DIRECTIONS)))
    for region, directions in table.items():
        if region not in known:
            source.fail(f"{where}.{region}", f"unknown region (known: {', '.join(sorted(known))})")
        if not isinstance(directions, dict):
            source.fail(f"{where}.{region}", "expected a table of directions")
        source.only(directions, set(DIRECTIONS), f"{where}.{region}")
        for direction in directions:
            vector[regions.index(region), DIRECTIONS.index(direction)] = float(
                source.get(directions, direction, (int, float), f"{where}.{region}"))
    norm = np.linalg.norm(vector)
    if norm == 0:
        source.fail(where, "gives no direction")
    return (vector / norm).ravel()


def _reference_spec(doc, name, spec, catalog):
    where = f"references.{name}"
    if not isinstance(spec, dict):
        doc.fail(where, "expected a table")
    doc.only(spec, {"action", "variant", "regions", "actions_by_across", "variants_by_across"}, where)
    action = spec.get("action", "")
    codes = [action] if isinstance(action, str) else list(action.values()) if isinstance(action, dict) else None
    by_across = doc.get(spec, "actions_by_across", dict, where, default={})
    if codes is None or not (action or by_across):
        doc.fail(f"{where}.action", "expected an action code or a { L = ..., R = ... } table")
    for code in [c for c in codes if c] + list(by_across.values()):
        if code not in catalog:
            doc.fail(f"{where}.action", f"unknown action '{code}' (not in catalog.toml)")
    variant = doc.get(spec, "variant", str, where, default="")
    for code in [c for c in codes if c] if variant else ():
        if variant not in catalog[code].variants:
            doc.fail(f"{where}.variant", f"'{code}' has no variant '{variant}'")
    return {"action": action, "actions_by_across": by_across, "variant": variant,
            "variants_by_across": doc.get(spec, "variants_by_across", dict, where, default={}),
            "prototypes": [(doc, doc.get(spec, "regions", dict, where, required=True), where)]}


def reference_for(rules, au, side, variant=""):
    """The name of the reference that identifies (au, side, variant), or None (tools and tests)."""
    au = rules.same_pose.get(au, au)
    fits = [r for r in rules.references if au in _actions_of(r, side)]
    exact = [r for r in fits if r.variant == variant]
    chosen = exact or [r for r in fits if not r.variant]
    return chosen[0].name if chosen else None


def _actions_of(reference, side):
    if reference.actions_by_across:
        return set(reference.actions_by_across.values()) if side == "B" else set()
    if isinstance(reference.action, dict):
        return {reference.action.get(side, "")}
    return {reference.action}


# -- describing shapes -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Description:
    """Where and which way every shape moves the face.

    features : (k, r * 4) float64
        Per region (``regions``) and direction (DIRECTIONS): sqrt(energy share) x mean direction.
    shares : (k, r) float64
        Share of each shape's motion energy in each region (the rest is outside them).
    left : (k,) float64
        Share of the motion energy on the character's left.
    side : tuple of k str
        L, R or B.
    across : (k,) float64
        Net sideways shift of the shape's motion, as a share of it (+ toward the character's left).
    """

    features: np.ndarray
    shares: np.ndarray
    left: np.ndarray
    side: tuple
    across: np.ndarray


def describe(ctx, rules, rows=None):
    """The Description of the shapes of ``ctx`` (an AuditContext; ``rows``: only these shape indices)
    in the regions of ``rules``.

    A shape's description depends on its deltas and the face alone (up to the float32 rounding of the
    products, which may differ in the last bits with the batch of shapes described together): the
    context keeps each one (``ctx.described``; a re-audit keeps those of the shapes that did not change),
    so a shape the naming check and the conflation check both read, or a re-audit's unchanged twin, is
    described once.
    """
    count = len(ctx.snapshot.names)
    wanted = range(count) if rows is None else rows
    held = ctx.described.setdefault(id(rules), (rules, {}))[1]
    missing = [row for row in dict.fromkeys(wanted) if row not in held]
    if missing:
        fresh = _describe(ctx, rules, None if len(missing) == count else missing)
        for d, row in enumerate(missing):
            held[row] = (fresh.features[d], fresh.shares[d], fresh.left[d], fresh.side[d], fresh.across[d])
    parts = [held[row] for row in wanted]
    r = len(rules.regions)
    return Description(np.array([p[0] for p in parts]).reshape(len(parts), r * len(DIRECTIONS)),
                       np.array([p[1] for p in parts]).reshape(len(parts), r),
                       np.array([p[2] for p in parts], dtype=np.float64), tuple(p[3] for p in parts),
                       np.array([p[4] for p in parts], dtype=np.float64))


def _describe(ctx, rules, rows):
    """describe() computed afresh. Every sum is a (shapes x vertices) @ (vertices x regions) product over
    the vertices the shapes move, in float32 over the sampled moving vertices only, with no per-shape loop."""
    frame = ctx.frame
    sampled = _sampled_face(ctx, rules)
    active, coords, lateral = sampled.active, sampled.coords, sampled.lateral
    picked = _pick(ctx.snapshot.deltas, rows, active)
    k = len(picked)
    # motion along the frame's axes: lateral (+ character's left), up, forward; (k, n) each, from one
    # (3, 3) x (3, k*n) product (a (k*n, 3) x (3, 3) product is three times slower in numpy's matmul)
    along = list((frame.axes.astype(np.float32) @ picked.reshape(-1, 3).T).reshape(3, k, len(active)))
    del picked
    motion = _pick(ctx.motion, rows, active)
    outward = along[0] * lateral
    r = len(rules.regions)

    def per_region(values, columns):
        product = (values @ sampled.columns[columns]).astype(np.float64)
        return [product[:, i * r:(i + 1) * r] for i in range(len(columns))]

    energy = np.square(motion)
    total = energy.sum(axis=1, dtype=np.float64)
    total[total == 0] = 1.0
    shares = per_region(energy, ("plain",))[0] / total[:, None]
    moved, moved_depth, moved_depth2 = per_region(motion, ("plain", "deep", "deeper"))
    moved[moved == 0] = 1.0
    side_x, = per_region(along[0], ("plain",))
    up, up_depth = per_region(along[1], ("plain", "deep"))
    forward, = per_region(along[2], ("plain",))
    out, out_depth = per_region(outward, ("plain", "deep"))
    # rotations (an eyeball turning, a jaw hinging) move the front of a region one way and its back the
    # other: their mean motion is small, the covariance of depth and motion (about the motion-weighted
    # mean depth, so a translation gives none) is not
    mean_depth = moved_depth / moved
    reach = np.sqrt(np.maximum(moved_depth2 / moved - mean_depth ** 2, 0.0)) * moved
    reach[reach == 0] = 1.0
    pitch = np.clip((up_depth - up * mean_depth) / reach, -1.0, 1.0)
    yaw = np.clip((out_depth - out * mean_depth) / reach, -1.0, 1.0)
    sided = energy * (np.abs(coords[:, 0]) > 0.05)
    left_energy = (sided * (lateral > 0)).sum(axis=1, dtype=np.float64)
    sides_energy = sided.sum(axis=1, dtype=np.float64)
    left = np.divide(left_energy, sides_energy, out=np.full_like(left_energy, 0.5), where=sides_energy > 0)
    one_sided = rules.settings["one_sided_share"]
    side = tuple("L" if share >= one_sided else "R" if share <= 1 - one_sided else "B" for share in left)
    # the size of a sideways shift, not its sign: the sign picks the variant (jaw left or right)
    direction = np.stack([up / moved, out / moved, forward / moved, np.abs(side_x) / moved, pitch, yaw], axis=2)
    one = np.array([s != "B" for s in side])
    direction[one, :, 3] = 0.0  # a one-sided shape's outward motion is its sideways motion
    features = (np.sqrt(shares)[:, :, None] * direction).reshape(len(side), -1)
    net = motion.sum(axis=1, dtype=np.float64)
    net[net == 0] = 1.0
    across = along[0].sum(axis=1, dtype=np.float64) / net
    return Description(features, shares, left, side, across)


def _pick(values, rows, columns):
    """``values[rows][:, columns]`` (all rows when ``rows`` is None), gathering the smaller side first."""
    if rows is None:
        return np.take(values, columns, axis=1)
    if 2 * len(rows) > len(values):
        return np.take(values, columns, axis=1)[rows]
    return np.take(values[rows], columns, axis=1)


@dataclass(frozen=True)
class _SampledFace:
    """What describe reads of the face besides the shapes: the sampled moving vertices, their
    coordinates, and per-region weight columns ((n, r) each, joined side by side as describe multiplies)."""

    active: np.ndarray
    coords: np.ndarray
    lateral: np.ndarray
    columns: dict


def _sampled_face(ctx, rules):
    """The _SampledFace of ``ctx`` under ``rules``: whole-face, so kept on the context (a re-audit holds it)."""
    held = ctx.sampled_faces.get(id(rules))
    if held is not None and held[0] is rules:
        return held[1]
    frame, masks = ctx.frame, ctx.region_masks
    active = np.flatnonzero(frame.active)
    # a region's share and mean direction need no more than a few thousand of its vertices: a fixed
    # stride over dense meshes (30k moving vertices: every 4th) keeps identify within the audit's time
    active = active[::max(1, -(-len(active) // SAMPLE))]
    coords = face_coordinates(masks.layout, frame.local(ctx.snapshot.basis[active]))
    weights = _region_weights(masks, active, coords[:, 0], rules).astype(np.float32)  # (r, n)
    lateral = np.sign(coords[:, 0]).astype(np.float32)
    depth = coords[:, 3].astype(np.float32)
    plain, deep, deeper = weights.T, (weights * depth).T, (weights * depth ** 2).T  # (n, r) each
    parts = {"plain": plain, "deep": deep, "deeper": deeper}
    columns = {key: np.concatenate([parts[p] for p in key], axis=1)
               for key in (("plain",), ("plain", "deep"), ("plain", "deep", "deeper"))}
    sampled = _SampledFace(active, coords, lateral, columns)
    ctx.sampled_faces[id(rules)] = (rules, sampled)
    return sampled


def _region_weights(masks, active, lateral, rules):
    """(r, n_active) float64 membership of each rules region (brows split into inner and outer)."""
    rows = []
    split = np.abs(lateral) < rules.settings["brow_split"]
    for region in rules.regions:
        base = "brows" if region.startswith("brows_") else region
        weight = np.zeros(len(active))
        for i, name in enumerate(masks.bases):
            if name == base:
                weight += masks.weights[i, active]
        if region == "brows_inner":
            weight *= split
        elif region == "brows_outer":
            weight *= ~split
        rows.append(weight)
    return np.array(rows)


# -- identifying -----------------------------------------------------------------------------------

def identify(snapshot, rulebook, rules=None):
    """An Identity per shape of ``snapshot`` (a RigSnapshot), from its geometry alone."""
    rules = rules or load_identify_rules(rulebook)
    return _identities(identify_context(snapshot, rulebook), rules)


def identify_context(snapshot, rulebook):
    """The AuditContext identify works in: no name is read, the face frame and regions come from the
    geometry, the eye and mouth lines from where the rig's motion gathers (landmarks_from_motion)."""
    if not np.isfinite(snapshot.basis).all():
        raise RigInputError(f"{snapshot.name}: the basis holds NaN or infinite coordinates")
    return _context(snapshot, rulebook)


def _context(snapshot, rulebook):
    shape_set = ShapeSet(prefix="", names=list(snapshot.names), unknown=list(snapshot.names))
    ctx = AuditContext(snapshot, rulebook, [shape_set], rulebook.profile("generic"))
    eye, mouth = landmarks_from_motion(ctx)
    ctx.__dict__["frame"] = replace(ctx.frame, eye=eye, mouth=mouth)
    return ctx


#: landmark search: histogram bins over the face box height, the band the mouth peak lies in, the
#: least gap between mouth and eye peaks (box heights), and the half-width of the window averaged
LANDMARK_BINS = 40
MOUTH_BAND = (0.15, 0.65)
EYE_GAP = 0.2
WINDOW = 0.05
#: the eye peak must hold at least this share of the mouth peak's motion density
EYE_PEAK_SHARE = 0.03


def landmarks_from_motion(ctx):
    """(eye, mouth) landmarks, (3,) local coordinates each or None, from where the shapes move.

    Every shape counts alike (its motion energy shared out over the vertices it moves, so a compact
    shape weighs as much as a broad one): the lips and the lids are where most shapes move, so this
    density over the face height has a mouth peak and, above it, an eye peak. Checked on the sample
    face and the three shared real rigs against their named landmarks (docs/identify.md).
    """
    frame = ctx.frame
    active = np.flatnonzero(frame.active)
    if len(active) == 0:
        return None, None
    local = frame.local(ctx.snapshot.basis[active])
    span = float(frame.high[1] - frame.low[1]) or 1.0
    height = (local[:, 1] - frame.low[1]) / span
    energy = np.square(ctx.motion[:, active])
    totals = energy.sum(axis=1, keepdims=True, dtype=np.float64).astype(np.float32)
    density = (energy / np.where(totals > 0, totals, 1.0)).sum(axis=0, dtype=np.float64)
    hist, edges = np.histogram(height, bins=LANDMARK_BINS, range=(0.0, 1.0), weights=density)
    hist = np.convolve(hist, [0.25, 0.5, 0.25], mode="same")
    centres = (edges[:-1] + edges[1:]) / 2

    def peak(low, high):
        inside = (centres >= low) & (centres <= high)
        if not inside.any() or hist[inside].max() <= 0:
            return None, 0.0
        at = centres[inside][np.argmax(hist[inside])]
        near = np.abs(height - at) <= WINDOW
        weights = np.square(density[near])  # the most-moved vertices: lid margins, lips
        if weights.sum() <= 0:
            return None, 0.0
        return (local[near] * weights[:, None]).sum(axis=0) / weights.sum(), float(hist[inside].max())

    mouth, mouth_level = peak(*MOUTH_BAND)
    if mouth is None:
        return None, None
    mouth_h = (mouth[1] - frame.low[1]) / span
    eye, eye_level = peak(mouth_h + EYE_GAP, 1.0)
    if eye is None or eye_level < EYE_PEAK_SHARE * mouth_level:
        eye = None
    return (None if eye is None else eye.astype(np.float32)), mouth.astype(np.float32)


def _identities(ctx, rules):
    description = describe(ctx, rules)
    return identities_of(ctx, rules, description, reference_scores(description, rules))


def identities_of(ctx, rules, description, scores, rows=None):
    """An Identity per shape of ``ctx`` (or per ``rows``) from their Description and reference scores."""
    peak = float(ctx.max_motion.max()) if len(ctx.max_motion) else 0.0
    upper = [i for i, region in enumerate(rules.regions) if region in UPPER_FACE]
    lower = [i for i, region in enumerate(rules.regions) if region in LOWER_FACE]
    out = []
    upper_shares, lower_shares = description.shares[:, upper].sum(axis=1), description.shares[:, lower].sum(axis=1)
    # d: the shape's row in the description, i: its index in the rig
    for d, i in enumerate(range(len(ctx.snapshot.names)) if rows is None else rows):
        name = ctx.snapshot.names[i]
        if name in ctx.invalid:
            out.append(Identity(name, (), "holds NaN or infinite deltas"))
            continue
        if peak == 0 or float(ctx.max_motion[i]) < rules.settings["empty_share"] * peak:
            out.append(Identity(name, (), "moves nothing"))
            continue
        candidates = _candidates(ctx, rules, description, d, scores[d])
        upper_share, lower_share = upper_shares[d], lower_shares[d]
        limit = rules.settings["combination_share"]
        if upper_share >= limit and lower_share >= limit:
            out.append(Identity(name, (), "moves both the upper and the lower face: a combination of actions or "
                                          "an expression", _resembles(ctx, rules, description, d, scores[d], upper, lower)))
            continue
        if not candidates or candidates[0].score < rules.settings["single_action_score"]:
            best = f" (closest: {candidates[0].label} at {candidates[0].score:.2f})" if candidates else ""
            out.append(Identity(name, (), "looks like no single action" + best))
            continue
        out.append(Identity(name, tuple(candidates)))
    return out


def reference_scores(description, rules):
    """(k, references) float64: each shape's best cosine with each reference's descriptions, 0 to 1."""
    matrix = np.concatenate([reference.vectors for reference in rules.references])
    owners = np.repeat(np.arange(len(rules.references)), [len(r.vectors) for r in rules.references])
    norms = np.linalg.norm(description.features, axis=1)
    norms[norms == 0] = 1.0
    every = description.features / norms[:, None] @ matrix.T
    starts = np.flatnonzero(np.r_[True, owners[1:] != owners[:-1]])
    return np.clip(np.maximum.reduceat(every, starts, axis=1), 0.0, 1.0)


def _candidates(ctx, rules, description, i, row):
    seen, out = set(), []
    regions = _top_regions(rules, description, i)
    for j in np.argsort(-row, kind="stable"):
        if row[j] < rules.settings["min_score"] or len(out) == MOST:
            break
        candidate = _resolve(ctx, rules, description, i, rules.references[j], float(row[j]), regions)
        if candidate is not None and (candidate.action, candidate.side, candidate.variant) not in seen:
            seen.add((candidate.action, candidate.side, candidate.variant))
            out.append(candidate)
    return out


def _top_regions(rules, description, i):
    """{region: energy share} of shape i's three largest regions (a Candidate's ``why``)."""
    top = np.argsort(-description.shares[i], kind="stable")[:3]
    return {rules.regions[r]: round(float(description.shares[i, r]), 3) for r in top}


def _resolve(ctx, rules, description, i, reference, score, regions=None):
    """The Candidate a reference gives for shape i (None when the reference does not apply); ``regions``:
    its _top_regions, when the caller has them."""
    side, across = description.side[i], float(description.across[i])
    sign = "+" if across >= 0 else "-"
    if reference.actions_by_across:
        if side != "B":
            return None
        action = reference.actions_by_across.get(sign, "")
    elif isinstance(reference.action, dict):
        action = reference.action.get(side, "")
    else:
        action = reference.action
    if not action:
        return None
    action = rules.same_pose.get(action, action)
    variant = reference.variant or (reference.variants_by_across.get(sign, "") if side == "B" else "")
    if ctx.rulebook.catalog[action].laterality == "bilateral" and side != "B":
        side = "B"  # a midline action: a lopsided one is still that action (the audit reports the asymmetry)
    why = {"regions": dict(regions) if regions is not None else _top_regions(rules, description, i),
           "left_share": round(float(description.left[i]), 3)}
    if reference.actions_by_across or reference.variants_by_across:
        why["across"] = round(across, 3)
    return Candidate(action, side, variant, round(score, 3), why)


def _resembles(ctx, rules, description, i, row, upper, lower):
    """The best upper-face and lower-face actions of a combination shape."""
    out = []
    for part in (upper, lower):
        keep = np.zeros((len(rules.regions), len(DIRECTIONS)), dtype=bool)
        keep[part] = True
        features = description.features[i] * keep.ravel()
        norm = np.linalg.norm(features)
        if norm == 0:
            continue
        scores = [(float((r.vectors @ (features / norm)).max()), r) for r in rules.references]
        score, reference = max(scores, key=lambda item: item[0])
        candidate = _resolve(ctx, rules, description, i, reference, max(score, 0.0))
        if candidate is not None:
            out.append(candidate.label)
    return tuple(out)


def confident(identity, rules):
    """The best Candidate when it is clear: a high score and a margin over any other action, else None."""
    if not identity.candidates:
        return None
    best = identity.candidates[0]
    others = [c.score for c in identity.candidates[1:] if c.action != best.action]
    margin = best.score - (others[0] if others else 0.0)
    settings = rules.settings
    if best.score >= settings["confident_score"] and margin >= settings["confident_margin"]:
        return best
    return None
