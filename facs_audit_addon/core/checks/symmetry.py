"""Symmetry: left/right pairs that do not mirror, lopsided bilateral shapes, one-sided shapes that
cross the midline or sit on the wrong side, and vertices without a mirror partner.

Every comparison works on the vertices that have a mirror partner (see mirror.py): asymmetric
topology is reported once (rig.unmatched-mirror) and the rest of the face is still audited.
"""

from dataclasses import replace

import numpy as np

from ..model import OTHER_SIDE
from ..visible import compare, length_words
from ..text import SIDE_WORDS
from ..geometry import region_words, worst_vertices


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
    lateral = ctx.basis_local[:, 0]
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
                # a bilateral shape that is its L + R pair has the pair's asymmetry: reported on the pair
                if action.laterality != "unilateral" and name not in ctx.sums:
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


def _level(ctx, name, found):
    """Severity a mirror difference earns by what a viewer sees, or None below notice.

    Relative difference and visible difference (beyond the mirror noise, share of the face size) must
    both pass: a large relative difference of a tiny motion and a small one of a big motion are not seen.
    """
    visible = found.visible / ctx.frame.scale
    if found.error < ctx.threshold("symmetry_warning", name) or visible < ctx.threshold("symmetry_visible_minor", name):
        return None
    if visible < ctx.threshold("symmetry_visible_warning", name):
        return "info"
    if found.error >= ctx.threshold("symmetry_error", name) and visible >= ctx.threshold("symmetry_visible_error", name):
        return "error"
    return "warning"


def _visible_measures(ctx, name, found):
    scale = ctx.frame.scale
    out = {"visible_difference": found.visible / scale, "largest_difference": found.largest / scale,
           "noise_floor": found.floor / scale, "peak_ratio": found.peak_ratio,
           "centroid_shift": found.centroid_shift / scale,
           "visible_threshold": ctx.threshold("symmetry_visible_warning", name),
           "visible_error_threshold": ctx.threshold("symmetry_visible_error", name)}
    if ctx.millimetres is not None:
        out["visible_difference_mm"] = found.visible * ctx.millimetres
        out["centroid_shift_mm"] = found.centroid_shift * ctx.millimetres
    return out


def _length(ctx, value):
    return length_words(value, ctx.frame.scale, ctx.millimetres)


def _apart(ctx, visible):
    """``2.8 mm beyond the mirror noise, 1.1% of the face size`` (no mm when the unit is unclear)."""
    share = f"{visible / ctx.frame.scale:.1%} of the face size"
    if ctx.millimetres is None:
        return f"{share} beyond the mirror noise"
    return f"{_length(ctx, visible)} beyond the mirror noise, {share}"


def _motion_words(ctx, region, here, region_other, there, found):
    """How far each side moves at the worst point, and the difference a viewer sees there."""
    apart = f"a difference of {_apart(ctx, found.visible)}"
    if abs(here - there) < 0.5 * found.visible:  # about as far, in another direction
        return (f"the {region} and the {region_other} move {_length(ctx, here)} and {_length(ctx, there)} in "
                f"different directions ({apart})")
    return f"the {region} moves {_length(ctx, here)} where the {region_other} moves {_length(ctx, there)} ({apart})"


def _pair(ctx, first, second):
    (i, name, parsed), (j, other, other_parsed) = first, second
    found = compare(ctx, i, j, ctx.threshold("symmetry_warning", name))
    level = _level(ctx, name, found)
    if level is None:
        return None
    v = found.worst
    w = int(ctx.mirror_map.partner[v])
    here, there = float(ctx.motion[i][v]), float(ctx.motion[j][w])
    # The difference sits at vertex v (first shape) and its partner w (second shape). Which side carries
    # it: in a region the action moves, the side that moves less there (a weak twin); elsewhere the side
    # that moves more (motion that does not belong).
    region_first, region_second, own = _pair_regions(ctx, parsed.au, found.squared)
    second_is_defect = (there < here) if own else (there > here)
    sides = ((other, region_second, there), (name, region_first, here))
    if not second_is_defect:
        sides = sides[::-1]
    (defect, region, moves), (_, region_other, moves_other) = sides
    strength = f"{other} is {found.ratio:.0%} as strong" if abs(found.ratio - 1) > 0.1 else "they differ in shape or place"
    combined = sorted(total.name for total in ctx.sums.values() if set(total.parts) == {name, other})
    note = "".join(f" {total} is their sum (cosine {ctx.sums[total].cosine:.3f}) and repeats this difference."
                   for total in combined)
    extra = {"combined_shapes": combined} if combined else {}
    finding = ctx.finding(
        "symmetry.pair-mismatch",
        f"{name} and {other} are not mirror images: "
        f"{_motion_words(ctx, region, moves, region_other, moves_other, found)}; {strength}, "
        f"{found.error:.0%} relative difference.{note}",
        shapes=(name, other, *combined), aus=tuple(dict.fromkeys((parsed.au, other_parsed.au))),
        measures={"error": found.error, "threshold": ctx.threshold("symmetry_warning", name),
                  "error_threshold": ctx.threshold("symmetry_error", name), "strength_ratio": found.ratio,
                  "worst_region": region, "defect_shape": defect, **_visible_measures(ctx, name, found), **extra},
        vertices=worst_vertices(found.squared))
    return _with_level(finding, level)


def _pair_regions(ctx, au, energy):
    """(region on the first shape's side, the same region on the other side, whether it is one the action
    may move) of the region row holding most of ``energy`` (per vertex, on the first shape's side)."""
    masks = ctx.region_masks
    if masks is None:
        return "face", "face", True
    shares = masks.shares(np.asarray(energy, dtype=np.float32))
    best = int(np.argmax(shares))
    name = masks.names[best]
    base, _, side = name.partition(":")
    twin = masks.names.index(f"{base}:{OTHER_SIDE[side]}") if side in ("L", "R") else best
    own = float(shares[masks.allowed(ctx.action(au).regions)].sum()) >= 0.5
    return masks.labels[best], masks.labels[twin], own


def _with_level(finding, level):
    """Set a finding's severity from the measured level (a profile's "off" stays off; a profile that
    raised the rule to error keeps it)."""
    if finding is None or finding.severity == "error":
        return finding
    if level == "info":
        return replace(finding, severity="info")
    return replace(finding, severity="error") if level == "error" and finding.severity == "warning" else finding


def _self_symmetry(ctx, i, name, parsed, lateral):
    found = compare(ctx, i, i, ctx.threshold("symmetry_warning", name))
    level = _level(ctx, name, found)
    if level is None:
        return None
    energy = ctx.motion[i].astype(np.float64) ** 2
    left, right = float(energy[lateral > 0].sum()), float(energy[lateral < 0].sum())
    sides = (left + right) or 1.0  # all motion exactly on the midline
    heavy = "left" if left >= right else "right"
    # The difference of a shape with its own mirror image is the same on both halves: name both, with
    # how far each moves at the worst point, the half that carries the defect first (as for pairs).
    v = found.worst
    w = int(ctx.mirror_map.partner[v])
    half = np.where(np.sign(lateral) == np.sign(lateral[v]), found.squared, 0.0)
    region, region_other, own = _pair_regions(ctx, parsed.au, half)
    share = region_words(ctx.region_masks, found.squared)[1]
    here, there = float(ctx.motion[i][v]), float(ctx.motion[i][w])
    if (there < here) if own else (there > here):
        (region, here), (region_other, there) = (region_other, there), (region, here)
    finding = ctx.finding(
        "symmetry.bilateral-asymmetric",
        f"{_what(ctx, name, parsed)} is bilateral but lopsided: {_motion_words(ctx, region, here, region_other, there, found)}; "
        f"the {heavy} side carries {max(left, right) / sides:.0%} of its motion.",
        shapes=(name,), aus=(parsed.au,), side="B",
        measures={"error": found.error, "threshold": ctx.threshold("symmetry_warning", name),
                  "error_threshold": ctx.threshold("symmetry_error", name),
                  "left_share": left / sides, "worst_region": region, "worst_region_share": share,
                  **_visible_measures(ctx, name, found)},
        vertices=worst_vertices(found.squared))
    return _with_level(finding, level)


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
    # the vertices picked, then summed: a reduction with where= runs ~15x slower on 22k vertices
    wrong_share = float(energy[wrong].sum(dtype=np.float64)) / total
    own_share = float(energy[own].sum(dtype=np.float64)) / total
    own_word, other_word = SIDE_WORDS[parsed.side], SIDE_WORDS[OTHER_SIDE[parsed.side]]
    if wrong_share < min(ctx.threshold("crossover_warning", name), ctx.threshold("swapped_share", name)):
        return None
    misplaced = np.where(wrong, energy, 0.0)
    region, _ = region_words(ctx.region_masks, misplaced)
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
    return ctx.finding(
        "symmetry.side-crossover",
        f"{_what(ctx, name, parsed)} is one-sided but {wrong_share:.0%} of its motion crosses the midline into the "
        f"{region}, beyond the {band / ctx.frame.width:.0%}-of-face-width fall-off band.",
        shapes=(name,), aus=(parsed.au,), side=parsed.side, measures=measures,
        vertices=worst_vertices(misplaced), to_error=wrong_share >= limit)
