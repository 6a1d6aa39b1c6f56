"""Fixes for findings: new shape-key data computed from the audit's own measures (numpy only).

A fix reads the AuditContext a finding came from (its mirror map, face frame, regions and name
reader) and returns a :class:`FixPlan`: new deltas for named keys (world orientation, relative to
each key's relative key, like ``RigSnapshot.deltas``), new keys, renames and deletions, as plain
data. The Blender adapter (``blender/fix_ops.py``) writes a plan into a mesh; :func:`apply_plan`
applies it to a snapshot, so every fix is testable without Blender.

Which fixes a rule offers is data: ``fixes = [...]`` in ``rules/findings.toml``.
"""

import re
import weakref
from dataclasses import dataclass, field, replace

import numpy as np

from .errors import AuditError
from .mirror import reflect_points
from .model import OTHER_SIDE


class FixError(AuditError):
    """A fix cannot be applied to a finding (one line, like every AuditError)."""


@dataclass(frozen=True)
class FixSpec:
    id: str
    summary: str
    #: applied by the ``fix`` command without ``--only`` (it changes motion the audit proved wrong
    #: and never renames, deletes or adds a key)
    safe: bool


FIXES = {spec.id: spec for spec in (
    FixSpec("mirror-left-to-right", "Replace the right shape of a pair with the mirror image of the left one", True),
    FixSpec("mirror-right-to-left", "Replace the left shape of a pair with the mirror image of the right one", True),
    FixSpec("symmetrize-left-to-right", "Make a bilateral shape symmetric: its left half mirrored onto the right",
            True),
    FixSpec("symmetrize-right-to-left", "Make a bilateral shape symmetric: its right half mirrored onto the left",
            True),
    FixSpec("zero-nonfinite", "Set the NaN or infinite vertex offsets of a shape to zero", True),
    FixSpec("create-missing-side", "Add the missing side as the mirror image of the existing one", False),
    FixSpec("split-sides", "Add left and right shapes split from a bilateral one, with a smooth midline fall-off",
            False),
    FixSpec("clip-to-side", "Remove the motion a one-sided shape has beyond the midline fall-off band", False),
    FixSpec("remove-outside-regions", "Remove the motion outside the regions the action may move (smooth mask)",
            False),
    FixSpec("rename", "Rename shapes to the side markers most of their set uses", False),
    FixSpec("delete-duplicate", "Delete the duplicates, keeping the first shape listed", False),
)}

#: Mirrored partners blended for a vertex without an exact mirror partner (inverse-distance weights).
NEIGHBOURS = 4
#: remove-outside-regions keeps a vertex's motion in full where the allowed regions hold at least
#: this much of its membership, and removes it where they hold at most LOW (smoothstep between).
KEEP_HIGH = 0.75
KEEP_LOW = 0.25


@dataclass(frozen=True)
class FixPlan:
    """What a fix changes, as plain data.

    deltas : dict of str -> (n, 3) float32
        New deltas of existing keys (world orientation, relative to each key's relative key).
    created : dict of str -> (n, 3) float32
        New keys and their deltas, relative to the basis.
    renamed : dict of str -> str
        Old name -> new name.
    deleted : tuple of str
    changes : tuple of str
        One line per change, for people.
    """

    fix: str
    deltas: dict = field(default_factory=dict)
    created: dict = field(default_factory=dict)
    renamed: dict = field(default_factory=dict)
    deleted: tuple = ()
    changes: tuple = ()


# -- which fixes apply --------------------------------------------------------------------------
def fixes_for(finding, rulebook):
    """The fix ids (from the rule's ``fixes`` in findings.toml) that can apply to ``finding``."""
    spec = rulebook.findings.get(finding.rule)
    if spec is None:
        return ()
    return tuple(fix for fix in getattr(spec, "fixes", ()) if _applies(fix, finding))


def _applies(fix, finding):
    count = len(finding.shapes)
    if fix.startswith("mirror-"):
        # a pair, and the shapes that are its sum (a bilateral AU12 = AU12_L + AU12_R, named by the finding)
        return count - len(finding.measures.get("combined_shapes", ())) == 2
    if fix == "create-missing-side":
        return count >= 1 and finding.side in ("L", "R")
    if fix == "split-sides":
        return count >= 1 and finding.side == "LR"
    if fix == "delete-duplicate":
        return count >= 2
    if fix == "rename":
        return count >= 1
    return count == 1


def plan_fix(ctx, finding, fix):
    """The FixPlan of ``fix`` for ``finding`` (a finding of the audit ``ctx`` describes).

    Raises FixError (one line) when the fix is unknown, does not apply, or cannot be computed.
    """
    if fix not in FIXES:
        raise FixError(f"unknown fix '{fix}' (known: {', '.join(FIXES)})")
    if fix not in fixes_for(finding, ctx.rulebook):
        raise FixError(f"{fix} does not apply to {finding.rule} ({', '.join(finding.shapes) or 'no shape'})")
    for name in finding.shapes:
        if name not in ctx.snapshot.names:
            raise FixError(f"{ctx.snapshot.name}: no shape key named '{name}'")
    return _PLANNERS[fix.split("-")[0] if fix.startswith(("mirror-", "symmetrize-")) else fix](ctx, finding, fix)


def preferred_fix(ctx, finding, allowed, findings=()):
    """The one fix of ``allowed`` (ids) the ``fix`` command applies to ``finding``, or None.

    When both directions of a mirror or symmetrize fix are allowed, the reference side is chosen:
    for a pair, the side with fewer findings of its own in ``findings`` (copying a shape that leaks
    or crosses the midline copies its problems), then the stronger one (a weak side is usually an
    unfinished or damped copy), then the left; for a bilateral shape, its stronger half, then the left.
    """
    fixes = [fix for fix in fixes_for(finding, ctx.rulebook) if fix in allowed]
    if not fixes:
        return None
    if any(fix.startswith("mirror-") for fix in fixes):
        left, right = _pair(ctx, finding)
        own = {name: sum(1 for f in findings if name in f.shapes and f.rule != finding.rule)
               for name in (left, right)}
        energy = {name: float(np.square(_delta(ctx, name), dtype=np.float64).sum()) for name in (left, right)}
        from_left = (own[left], -energy[left]) <= (own[right], -energy[right])
        wanted = "mirror-left-to-right" if from_left else "mirror-right-to-left"
        return wanted if wanted in fixes else fixes[0]
    if any(fix.startswith("symmetrize-") for fix in fixes):
        delta = _delta(ctx, finding.shapes[0])
        lateral = _lateral(ctx)
        energy = np.square(delta, dtype=np.float64).sum(axis=1)
        from_left = float(energy[lateral > 0].sum()) >= float(energy[lateral < 0].sum())
        wanted = "symmetrize-left-to-right" if from_left else "symmetrize-right-to-left"
        return wanted if wanted in fixes else fixes[0]
    return fixes[0]


# -- shared geometry ----------------------------------------------------------------------------
def mirror_field(ctx, delta):
    """(n, 3) float32: ``delta`` seen in the face's mirror, defined on every vertex.

    Vertices with a mirror partner (the audit's own mirror map) take their partner's reflected
    motion, exactly what the symmetry checks compare; the others blend the reflected motion of the
    NEIGHBOURS vertices nearest their mirrored position, with inverse-distance weights, so no vertex
    is left out where the topology is not symmetric.
    """
    mirror = ctx.mirror_map
    out = mirror.mirror_deltas(delta)
    rows, neighbours, weights = _lonely_weights(ctx)
    if rows.size:
        blended = np.einsum("mk,mkj->mj", weights, delta[neighbours].astype(np.float64))
        out[rows] = (blended @ mirror.reflect).astype(np.float32)
    return out


#: id(mirror map) -> (weak reference to it, interpolation): contexts of one rig's re-audits share a map
_LONELY = {}


def _lonely_weights(ctx):
    """(rows, neighbours (m, k), weights (m, k)) for the vertices without a mirror partner."""
    mirror = ctx.mirror_map
    cached = _LONELY.get(id(mirror))
    if cached is not None and cached[0]() is mirror:
        return cached[1]
    rows = np.flatnonzero(mirror.partner < 0)
    basis = ctx.snapshot.basis
    if rows.size == 0:
        result = rows, np.zeros((0, 1), np.int64), np.zeros((0, 1))
    else:
        frame = ctx.frame
        queries = reflect_points(basis[rows], frame.normal, frame.offset)
        neighbours, distance = k_nearest(queries, basis, NEIGHBOURS)
        tiny = 1e-6 * frame.scale
        weights = 1.0 / np.maximum(distance, tiny) ** 2
        exact = distance[:, 0] <= tiny
        weights[exact] = 0.0
        weights[exact, 0] = 1.0
        result = rows, neighbours, weights / weights.sum(axis=1, keepdims=True)
    for key in [key for key, (ref, _) in _LONELY.items() if ref() is None]:
        del _LONELY[key]
    _LONELY[id(mirror)] = (weakref.ref(mirror), result)
    return result


def k_nearest(queries, points, k):
    """The ``k`` points nearest each query, nearest first (exhaustive, in blocks of queries).

    Parameters
    ----------
    queries : (m, 3) float
    points : (n, 3) float
    k : int

    Returns
    -------
    index : (m, k) int64
    distance : (m, k) float64
    """
    points = np.asarray(points, dtype=np.float64)
    queries = np.asarray(queries, dtype=np.float64)
    k = min(k, len(points))
    squared = np.einsum("ij,ij->i", points, points)
    block = max(1, (1 << 22) // max(1, len(points)))  # ~32 MB of distances per block
    index = np.empty((len(queries), k), dtype=np.int64)
    distance = np.empty((len(queries), k))
    for start in range(0, len(queries), block):
        q = queries[start:start + block]
        d2 = np.einsum("ij,ij->i", q, q)[:, None] - 2.0 * (q @ points.T) + squared[None, :]
        near = np.argpartition(d2, k - 1, axis=1)[:, :k] if k < len(points) else np.tile(np.arange(k), (len(q), 1))
        near_d2 = np.take_along_axis(d2, near, axis=1)
        order = np.argsort(near_d2, axis=1, kind="stable")
        index[start:start + len(q)] = np.take_along_axis(near, order, axis=1)
        distance[start:start + len(q)] = np.sqrt(np.maximum(np.take_along_axis(near_d2, order, axis=1), 0.0))
    return index, distance


def smoothstep(edge0, edge1, x):
    """0 at or below ``edge0``, 1 at or above ``edge1``, smooth (C1) in between; (n,) float64."""
    t = np.clip((np.asarray(x, dtype=np.float64) - edge0) / (edge1 - edge0), 0.0, 1.0)
    return t * t * (3.0 - 2.0 * t)


def _lateral(ctx):
    """(n,) distance of each basis vertex from the mirror plane (+ = the character's left)."""
    return ctx.basis_local[:, 0].astype(np.float64)


def _band(ctx, name):
    return ctx.threshold("midline_falloff", name) * ctx.frame.width


def _delta(ctx, name):
    if name in ctx.invalid:
        raise FixError(f"{name} holds NaN or infinite coordinates: zero them first (zero-nonfinite)")
    return ctx.snapshot.deltas[ctx.snapshot.index(name)]


def _pair(ctx, finding):
    """(left, right) names of a pair finding: by the side each name carries, else as listed."""
    first, second = finding.shapes[:2]
    parsed = ctx.parsed(first) if ctx.set_of(first) else None
    other = ctx.parsed(second) if ctx.set_of(second) else None
    if (parsed is not None and parsed.side == "R") or (other is not None and other.side == "L"):
        return second, first
    return first, second


def _weighted(delta, weight):
    return (delta * weight[:, None]).astype(np.float32)


# -- the fixes ----------------------------------------------------------------------------------
def _mirror(ctx, finding, fix):
    left, right = _pair(ctx, finding)
    source, target = (left, right) if fix == "mirror-left-to-right" else (right, left)
    new = mirror_field(ctx, _delta(ctx, source))
    deltas, changes = {target: new}, [f"{target}: replaced by the mirror image of {source}"]
    for total in finding.measures.get("combined_shapes", ()):  # a shape that is the pair's sum stays its sum
        deltas[total] = (_delta(ctx, source) + new).astype(np.float32)
        changes.append(f"{total}: rebuilt as {left} + {right}")
    return FixPlan(fix, deltas=deltas, changes=tuple(changes))


def _symmetrize(ctx, finding, fix):
    """Keep one half, mirror it onto the other; a smooth blend across the midline band.

    With ``w`` rising from 0 to 1 across the band (``w(-x) = 1 - w(x)``), ``w d + (1 - w) mirror(d)``
    is its own mirror image wherever the mirror map pairs vertices both ways.
    """
    name = finding.shapes[0]
    delta = _delta(ctx, name)
    band = _band(ctx, name)
    sign = 1.0 if fix == "symmetrize-left-to-right" else -1.0
    keep = smoothstep(-band, band, sign * _lateral(ctx))
    new = (_weighted(delta, keep) + _weighted(mirror_field(ctx, delta), 1.0 - keep)).astype(np.float32)
    side = "left" if sign > 0 else "right"
    return FixPlan(fix, deltas={name: new}, changes=(f"{name}: symmetrized from its {side} half",))


def _zero_nonfinite(ctx, finding, fix):
    name = finding.shapes[0]
    delta = ctx.snapshot.deltas[ctx.snapshot.index(name)]
    bad = ~np.isfinite(delta).all(axis=1)
    new = np.where(bad[:, None], np.float32(0.0), delta).astype(np.float32)
    return FixPlan(fix, deltas={name: new},
                   changes=(f"{name}: {int(bad.sum())} vertex offset(s) with NaN or infinite values set to zero",))


def _clip_to_side(ctx, finding, fix):
    name = finding.shapes[0]
    parsed = ctx.parsed(name)
    if parsed is None or parsed.side not in ("L", "R"):
        raise FixError(f"{name} is not a one-sided shape")
    sign = 1.0 if parsed.side == "L" else -1.0
    # full motion on its own side and at the midline, none beyond the band the check allows
    keep = smoothstep(-_band(ctx, name), 0.0, sign * _lateral(ctx))
    return FixPlan(fix, deltas={name: _weighted(_delta(ctx, name), keep)},
                   changes=(f"{name}: motion beyond the midline fall-off band removed",))


def _remove_outside_regions(ctx, finding, fix):
    name = finding.shapes[0]
    delta = _delta(ctx, name)
    parsed = ctx.parsed(name) if ctx.set_of(name) else None
    masks = ctx.region_masks
    if finding.rule == "region.leakage":
        if masks is None or parsed is None:
            raise FixError(f"{name}: no face regions to keep its motion in")
        allowed = masks.weights[masks.allowed(ctx.action(parsed.au).regions)].sum(axis=0)
        keep = smoothstep(KEEP_LOW, KEEP_HIGH, allowed)
        what = f"motion outside the regions {parsed.au} may move removed"
    else:  # a finding that names the stray vertices themselves (a detached island)
        if not finding.vertices:
            raise FixError(f"{finding.rule}: the finding names no vertices to clear")
        keep = np.ones(len(delta))
        keep[np.asarray(finding.vertices, dtype=np.int64)] = 0.0
        what = f"motion of {len(finding.vertices)} stray vertices removed"
    return FixPlan(fix, deltas={name: _weighted(delta, keep)}, changes=(f"{name}: {what}",))


def _create_missing_side(ctx, finding, fix):
    if finding.rule == "coverage.missing-twin":
        source, wanted = finding.shapes[0], OTHER_SIDE[finding.side]
    else:
        wanted = finding.side
        source = next((n for n in finding.shapes if ctx.set_of(n) and ctx.parsed(n) is not None
                       and ctx.parsed(n).side == OTHER_SIDE[wanted]), None)
        if source is None:
            raise FixError(f"no {OTHER_SIDE[wanted]} shape to mirror for the missing side")
    parsed = ctx.parsed(source)
    name = sided_name(ctx, source, parsed, wanted)
    return FixPlan(fix, created={name: mirror_field(ctx, _delta(ctx, source))},
                   changes=(f"{name}: created as the mirror image of {source}",))


def _split_sides(ctx, finding, fix):
    source = next((n for n in finding.shapes if ctx.set_of(n) and ctx.parsed(n) is not None
                   and ctx.parsed(n).side == "B"), None)
    if source is None:
        raise FixError("no bilateral shape to split")
    parsed = ctx.parsed(source)
    delta = _delta(ctx, source)
    band = _band(ctx, source)
    left = smoothstep(-band, band, _lateral(ctx))
    names = {side: sided_name(ctx, source, parsed, side) for side in ("L", "R")}
    created = {names["L"]: _weighted(delta, left), names["R"]: _weighted(delta, 1.0 - left)}
    return FixPlan(fix, created=created,
                   changes=tuple(f"{n}: created from the {w} half of {source}" for n, w in
                                 ((names["L"], "left"), (names["R"], "right"))))


def _rename(ctx, finding, fix):

    shape_set = ctx.set_of(finding.shapes[0])
    styles = {}
    for parsed in shape_set.parsed.values():
        if parsed.side_style:
            styles.setdefault(ctx.rulebook.naming.sides.marker_style(parsed.side_style), []).append(parsed)
    if len(styles) < 2:
        raise FixError("the set writes its side markers one way already")
    dominant, members = sorted(styles.items(), key=lambda item: (-len(item[1]), item[0]))[0]
    renamed, taken = {}, set(ctx.snapshot.names)
    for name in finding.shapes:
        parsed = shape_set.parsed.get(name)
        if parsed is None or not parsed.side_style or ctx.rulebook.naming.sides.marker_style(parsed.side_style) == dominant:
            continue
        template = next((p for p in members if p.side == parsed.side), members[0])
        new = _renamed(ctx, parsed, template, dominant, taken)
        renamed[name] = new
        taken.add(new)
    if not renamed:
        raise FixError("no shape to rename")
    return FixPlan(fix, renamed=renamed, changes=tuple(f"{old}: renamed to {new}" for old, new in renamed.items()))


def _delete_duplicate(ctx, finding, fix):
    keep, *drop = finding.shapes
    return FixPlan(fix, deleted=tuple(drop), changes=tuple(f"{name}: deleted (duplicate of {keep})" for name in drop))


_PLANNERS = {
    "mirror": _mirror, "symmetrize": _symmetrize, "zero-nonfinite": _zero_nonfinite, "clip-to-side": _clip_to_side,
    "remove-outside-regions": _remove_outside_regions, "create-missing-side": _create_missing_side,
    "split-sides": _split_sides, "rename": _rename, "delete-duplicate": _delete_duplicate,
}


# -- names --------------------------------------------------------------------------------------
_READERS = weakref.WeakKeyDictionary()


def _reader(ctx):
    from .names import NameReader
    reader = _READERS.get(ctx)
    if reader is None:
        rules = ctx.rulebook
        reader = _READERS[ctx] = NameReader(rules.catalog, rules.conventions, rules.naming)
    return reader


def _side_word(word, side, naming):
    """``word`` (a side word such as ``L``, ``Left``, ``l``) turned to ``side``, keeping its case."""
    lower = word.lower()
    pairs = dict(zip(naming.left, naming.right)) | dict(zip(naming.right, naming.left))
    own = lower in (naming.left if side == "L" else naming.right)
    new = lower if own else pairs.get(lower, lower)
    if word.isupper():
        return new.upper()
    if word[:1].isupper():
        return new.capitalize()
    return new


def _restyled(style, side, naming):
    """A side marker (``_L``, ``Left``, ``l_``) for ``side``, written the same way."""
    match = re.search(r"[A-Za-z]+", style)
    if not match:
        return style
    return style[:match.start()] + _side_word(match.group(0), side, naming) + style[match.end():]


def _occurrences(text, part):
    return [m.start() for m in re.finditer(re.escape(part), text)] if part else []


def _boundaries(name, separators):
    """Places a side marker can go: the end, the start, and every run of separators."""
    runs = [m.start() for m in re.finditer(f"[{re.escape(separators)}]+", name)]
    return [len(name), 0] + runs


def _preferred_place(template, style, separators):
    """Where ``template`` carries its marker: 'end', 'start' or the index of the separator run."""
    if template.endswith(style):
        return "end"
    at = template.find(style)
    if at <= 0:
        return "start"
    return len(re.findall(f"[{re.escape(separators)}]+", template[:at]))


def _insertions(stem, marker, place, separators):
    runs = [m.start() for m in re.finditer(f"[{re.escape(separators)}]+", stem)]
    first = []
    if place == "end":
        first = [len(stem)]
    elif place == "start":
        first = [0]
    elif isinstance(place, int) and place < len(runs):
        first = [runs[place]]
    for at in first + _boundaries(stem, separators):
        yield stem[:at] + marker + stem[at:]


def _accept(ctx, convention, candidate, key, taken, style=None):
    if candidate in taken or not candidate:
        return False
    parsed = _reader(ctx).parse_with(ctx.rulebook.conventions[convention], candidate)
    if parsed is None or parsed.key != key:
        return False
    if style is not None:
            return bool(parsed.side_style) and ctx.rulebook.naming.sides.marker_style(parsed.side_style) == style
    return True


def sided_name(ctx, source, parsed, side):
    """A name for ``source``'s action on ``side``, written like the source (or its set), not yet taken.

    A sided source has its marker turned to ``side`` in place (``AU12_L`` -> ``AU12_R``); a bilateral
    source gets the marker its set's sided names carry, in the same place (``AU_04_BrowLowerer`` ->
    ``AU_04_L_BrowLowerer`` beside ``AU_12_L_LipCornerPuller``). Every candidate is read back with
    the set's convention and must mean the wanted action, side and variant.
    """
    naming = ctx.rulebook.naming
    key = (parsed.au, side, parsed.variant)
    taken = set(ctx.snapshot.names)
    if parsed.side in ("L", "R") and parsed.side_style:
        new_style = _restyled(parsed.side_style, side, naming)
        for at in reversed(_occurrences(source, parsed.side_style)):
            candidate = source[:at] + new_style + source[at + len(parsed.side_style):]
            if _accept(ctx, parsed.convention, candidate, key, taken):
                return candidate
    else:
        shape_set = ctx.set_of(source)
        templates = [p for p in shape_set.parsed.values() if p.side in ("L", "R") and p.side_style]
        templates.sort(key=lambda p: p.side != side)
        fallback = {"L": "_L", "R": "_R"}[side]
        for template in templates[:8] or [None]:
            if template is None:
                marker, place = fallback, "end"
            else:
                marker = _restyled(template.side_style, side, naming)
                place = _preferred_place(template.name, template.side_style, naming.separators)
            for candidate in _insertions(source, marker, place, naming.separators):
                if _accept(ctx, parsed.convention, candidate, key, taken):
                    return candidate
    raise FixError(f"cannot name the {'left' if side == 'L' else 'right'} side of {source} in its convention")


def _renamed(ctx, parsed, template, dominant, taken):
    naming = ctx.rulebook.naming
    marker = _restyled(template.side_style, parsed.side, naming)
    place = _preferred_place(template.name, template.side_style, naming.separators)
    name = parsed.name
    for at in reversed(_occurrences(name, parsed.side_style)):
        stem = name[:at] + name[at + len(parsed.side_style):]
        for candidate in _insertions(stem, marker, place, naming.separators):
            if _accept(ctx, parsed.convention, candidate, parsed.key, taken, dominant):
                return candidate
    raise FixError(f"cannot rename {name} to the '{dominant}' side markers of its set")


# -- applying a plan to a snapshot --------------------------------------------------------------
def apply_plan(snapshot, plan):
    """A new RigSnapshot with ``plan`` applied (the input is left as it was)."""
    names = list(snapshot.names)
    deltas = snapshot.deltas.copy()
    for name, delta in plan.deltas.items():
        deltas[names.index(name)] = delta
    per_shape = {"relative_keys": list(snapshot.relative_keys), "muted": list(snapshot.muted)}
    if plan.created:
        deltas = np.concatenate([deltas, np.stack(list(plan.created.values())).astype(np.float32)])
        names += list(plan.created)
        for key, default in (("relative_keys", snapshot.basis_name), ("muted", False)):
            per_shape[key] += [default] * len(plan.created)
    rename = dict(plan.renamed)
    names = [rename.get(n, n) for n in names]
    per_shape["relative_keys"] = [rename.get(n, n) for n in per_shape["relative_keys"]]
    keep = [i for i, n in enumerate(names) if n not in {rename.get(d, d) for d in plan.deleted}]
    drivers = tuple(replace(d, shape=rename.get(d.shape, d.shape)) for d in snapshot.drivers
                    if d.shape not in plan.deleted)
    animation = {rename.get(k, k): v for k, v in snapshot.animation.items() if k not in plan.deleted}
    return replace(snapshot, names=tuple(names[i] for i in keep), deltas=deltas[keep],
                   drivers=drivers, animation=animation,
                   **{key: tuple(values[i] for i in keep) for key, values in per_shape.items()})
