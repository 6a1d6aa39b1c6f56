"""Symmetry: left/right pairs that do not mirror, lopsided bilateral shapes, one-sided shapes that
cross the midline or sit on the wrong side, and vertices without a mirror partner.

Every comparison works on the vertices that have a mirror partner (see mirror.py): asymmetric
topology is reported once (rig.unmatched-mirror) and the rest of the face is still audited.
"""

import numpy as np

from ..model import OTHER_SIDE
from ..text import SIDE_WORDS
from .region import escalate, region_words, worst_vertices



def check_unmatched(ctx):
    """rig.unmatched-mirror: too many moving vertices without a mirror partner."""
    active = ctx.frame.active
    moving = int(active.sum())
    if moving == 0:
        return
    lonely = active & ~ctx.mirror_map.matched
    share = lonely.sum() / moving
    limit = ctx.threshold("unmatched_mirror")
    if share > limit:
        indices = np.nonzero(lonely)[0]
        yield ctx.finding(
            "rig.unmatched-mirror",
            f"{share:.0%} of the vertices the shapes move ({lonely.sum()} of {moving}) have no mirror partner "
            f"across the face's mirror plane: the topology is not symmetric there, and symmetry checks skip them.",
            measures={"share": share, "count": int(lonely.sum()), "moving": moving, "threshold": limit,
                      "tolerance": ctx.threshold("mirror_tolerance")},
            vertices=indices[:200])


def mirror_key(action, key):
    """The (au, side, variant) a shape's mirror image is named with."""
    au, side, variant = key
    return (action.mirror or au, OTHER_SIDE[side], action.mirror_variants.get(variant, variant))


def check_symmetry(ctx):
    """Pairs, bilateral self-symmetry, and one-sided shapes, set by set."""
    lateral = ctx.frame.local(ctx.snapshot.basis)[:, 0]
    for shape_set in ctx.sets:
        entries = {}
        for name, parsed in shape_set.parsed.items():
            if name not in ctx.invalid and parsed.key not in entries:
                entries[parsed.key] = (ctx.snapshot.index(name), name, parsed)
        done = set()
        for key, (i, name, parsed) in entries.items():
            action = ctx.action(parsed.au)
            twin = mirror_key(action, key)
            if not ctx.touches(name, entries.get(twin, (0, name))[1]) or _empty(ctx, i, name):
                continue
            if twin == key:
                if action.laterality != "unilateral":
                    yield _self_symmetry(ctx, i, name, parsed, lateral)
            elif twin in entries and twin not in done:
                j, other, other_parsed = entries[twin]
                if not _empty(ctx, j, other):
                    # Compare left against right: the left one (or the first) is the reference.
                    first, second = ((i, name, parsed), entries[twin])
                    if parsed.side == "R":
                        first, second = second, first
                    yield _pair(ctx, first, second)
            done.add(key)
            if parsed.side in ("L", "R"):
                yield _one_side(ctx, i, name, parsed, lateral)


def _what(ctx, name, parsed):
    """``AU_12_L_LipCornerPuller (AU12 left)``, or just the name when it is the label (AU12_L)."""
    return name if parsed.label == name else f"{name} ({ctx.label(parsed)})"


def _empty(ctx, i, name):
    return float(ctx.max_motion[i]) < ctx.threshold("empty_shape", name) * ctx.frame.scale


def _mirror_error(ctx, i, j):
    """Relative RMS difference between shape ``i`` and shape ``j`` seen in the mirror, on matched vertices.

    Returns (error, per-vertex squared difference (n,) float32, strength ratio |j| / |i|). The error is
    |a - mirror(b)| / max(|a|, |mirror(b)|): 0 for a perfect mirror, |1 - s| / max(1, s) for a mirrored
    copy scaled by s. Only vertices where either shape moves are computed: the others add nothing, and
    most shapes move a small part of the face.
    """
    partner = ctx.mirror_map.partner
    deltas, motion = ctx.snapshot.deltas, ctx.motion
    has = partner >= 0
    support = np.flatnonzero(has & ((motion[i] > 0) | (motion[j][np.maximum(partner, 0)] > 0)))
    a = deltas[i][support]
    mirrored = deltas[j][partner[support]] @ ctx.mirror_map.reflect
    diff = a - mirrored
    squared = np.zeros(len(partner), dtype=np.float32)
    squared[support] = np.einsum("ij,ij->i", diff, diff)
    norm_a = float(np.sqrt(np.einsum("ij,ij->", a, a)))
    norm_b = float(np.sqrt(np.einsum("ij,ij->", mirrored, mirrored)))
    scale = max(norm_a, norm_b)
    if scale <= 0:
        return 0.0, squared, 1.0
    return float(np.sqrt(squared.sum(dtype=np.float64))) / scale, squared, norm_b / norm_a if norm_a > 0 else np.inf


def _pair(ctx, first, second):
    (i, name, parsed), (j, other, other_parsed) = first, second
    error, squared, ratio = _mirror_error(ctx, i, j)
    warning, limit = ctx.threshold("symmetry_warning", name), ctx.threshold("symmetry_error", name)
    if error < warning:
        return None
    region, share = region_words(ctx, squared)
    strength = f"{other} is {ratio:.0%} as strong" if abs(ratio - 1) > 0.1 else "they differ in shape or place"
    finding = ctx.finding(
        "symmetry.pair-mismatch",
        f"{name} and {other} are not mirror images: {error:.0%} relative difference, worst in the {region} "
        f"({share:.0%} of the difference); {strength}.",
        shapes=(name, other), aus=tuple(dict.fromkeys((parsed.au, other_parsed.au))),
        measures={"error": error, "threshold": warning, "error_threshold": limit, "strength_ratio": ratio,
                  "worst_region": region, "worst_region_share": share},
        vertices=worst_vertices(squared))
    return escalate(finding, error >= limit)


def _self_symmetry(ctx, i, name, parsed, lateral):
    error, squared, _ = _mirror_error(ctx, i, i)
    warning, limit = ctx.threshold("symmetry_warning", name), ctx.threshold("symmetry_error", name)
    if error < warning:
        return None
    energy = ctx.motion[i].astype(np.float64) ** 2
    left, right = float(energy[lateral > 0].sum()), float(energy[lateral < 0].sum())
    sides = (left + right) or 1.0  # all motion exactly on the midline
    heavy = "left" if left >= right else "right"
    region, share = region_words(ctx, squared)
    finding = ctx.finding(
        "symmetry.bilateral-asymmetric",
        f"{_what(ctx, name, parsed)} is bilateral but lopsided: {error:.0%} relative difference from its mirror "
        f"image, worst in the {region}; the {heavy} side carries {max(left, right) / sides:.0%} "
        f"of its motion.",
        shapes=(name,), aus=(parsed.au,), side="B",
        measures={"error": error, "threshold": warning, "error_threshold": limit,
                  "left_share": left / sides, "worst_region": region, "worst_region_share": share},
        vertices=worst_vertices(squared))
    return escalate(finding, error >= limit)


def _one_side(ctx, i, name, parsed, lateral):
    """A left shape moves +X (the character's left), a right shape -X; allow a band at the midline."""
    energy = np.square(ctx.motion[i])
    total = float(energy.sum(dtype=np.float64))
    if total <= 0:
        return None
    band = ctx.threshold("midline_falloff", name) * ctx.frame.width
    sign = 1.0 if parsed.side == "L" else -1.0
    wrong = sign * lateral < -band
    own = sign * lateral > band
    wrong_share = float(energy.sum(where=wrong, dtype=np.float64)) / total
    own_share = float(energy.sum(where=own, dtype=np.float64)) / total
    own_word, other_word = SIDE_WORDS[parsed.side], SIDE_WORDS[OTHER_SIDE[parsed.side]]
    if wrong_share < min(ctx.threshold("crossover_warning", name), ctx.threshold("swapped_share", name)):
        return None
    misplaced = np.where(wrong, energy, 0.0)
    region, _ = region_words(ctx, misplaced)
    measures = {"wrong_side_share": wrong_share, "own_side_share": own_share, "band": band / ctx.frame.width,
                "worst_region": region}
    # Swapped: most motion on the other side and little left on its own (else it is a two-sided mess).
    if (wrong_share >= ctx.threshold("swapped_share", name)
            and own_share < ctx.threshold("crossover_error", name)):
        measures["threshold"] = ctx.threshold("swapped_share", name)
        return ctx.finding(
            "symmetry.sides-swapped",
            f"{name} is named {own_word} but {wrong_share:.0%} of its motion is on the character's {other_word} "
            f"({'+X' if sign < 0 else '-X'}), mostly the {region}: its sides look swapped.",
            shapes=(name,), aus=(parsed.au,), side=parsed.side, measures=measures,
            vertices=worst_vertices(misplaced))
    warning, limit = ctx.threshold("crossover_warning", name), ctx.threshold("crossover_error", name)
    if wrong_share < warning:
        return None
    measures.update(threshold=warning, error_threshold=limit)
    finding = ctx.finding(
        "symmetry.side-crossover",
        f"{_what(ctx, name, parsed)} is one-sided but {wrong_share:.0%} of its motion crosses the midline into the "
        f"{region}, beyond the {band / ctx.frame.width:.0%}-of-face-width fall-off band.",
        shapes=(name,), aus=(parsed.au,), side=parsed.side, measures=measures,
        vertices=worst_vertices(misplaced))
    return escalate(finding, wrong_share >= limit)
