"""Order a rig's findings the way a reviewer reads them, and say what they stand on.

Every finding gets a ``group`` (its root cause: a pair, a family of shapes of one action in one set,
a set, the rig), a ``magnitude`` (its visible effect as a share of the face size) and a ``rank``:
groups with errors and the largest visible effect come first. The text report, the JSON report and
the Blender panel all use this one order; :func:`text_rows` folds it into lines for the text report.
"""

from dataclasses import replace

import numpy as np

from .model import SEVERITIES
from .text import listing

#: rules about a whole shape set (or the whole rig) rather than about the shapes they list
SET_RULES = ("naming.unknown-name", "naming.unrecognised-set", "naming.mixed-conventions",
             "naming.mixed-side-markers")
#: a run of at least this many info findings of one rule is one line in the text report
FOLD_AT = 3


def triage(ctx, findings):
    """``findings`` with group, magnitude and rank set, in rank order (a tuple); a finding on a shape that
    is the sum of others, repeating what its parts' findings of the same rule say, is folded into them."""
    marked = [replace(f, group=group_of(ctx, f), magnitude=_round(magnitude_of(ctx, f)), rank=0)
              for f in without_repeats(ctx, findings)]
    groups = {}
    for finding in marked:
        groups.setdefault(finding.group, []).append(finding)

    def importance(finding):
        return SEVERITIES.index(finding.severity), -finding.magnitude

    ordered = []
    for members in sorted(groups.values(), key=lambda m: (min(importance(f) for f in m), m[0].group)):
        ordered.extend(sorted(members, key=lambda f: (importance(f), f.sort_key())))
    return tuple(replace(f, rank=rank) for rank, f in enumerate(ordered, 1))


def without_repeats(ctx, findings):
    """``findings`` minus those on a sum shape (ctx.sums) whose parts all carry a finding of the same rule;
    the first of those names the sum (message note and ``combined_shapes``)."""
    out = list(findings)
    for finding in findings:
        if len(finding.shapes) != 1 or finding.shapes[0] not in ctx.sums:
            continue
        total = ctx.sums[finding.shapes[0]]
        rest = [f for f in out if f is not finding]
        carriers = [i for i, f in enumerate(rest) if f.rule == finding.rule and set(f.shapes) & set(total.parts)]
        if not set(total.parts) <= {name for i in carriers for name in rest[i].shapes}:
            continue
        carrier = rest[carriers[0]]
        rest[carriers[0]] = replace(
            carrier, message=f"{carrier.message} {total.name} is the sum of {' + '.join(total.parts)} "
                             f"(cosine {total.cosine:.3f}) and repeats this.",
            measures={**carrier.measures,
                      "combined_shapes": list(carrier.measures.get("combined_shapes", [])) + [total.name]})
        out = rest
    return out


def group_of(ctx, finding):
    """The root-cause key of a finding (see model.Finding.group)."""
    shapes = finding.shapes
    if finding.rule == "symmetry.pair-mismatch":
        return "pair:" + "+".join(shapes[:2])
    if finding.rule.startswith("coverage.missing"):
        # what a set lacks for its profile: one root cause per kind of gap (a set built without sides)
        return f"coverage:{finding.measures.get('profile', '')}"
    shape_set = ctx.set_of(shapes[0]) if shapes else None
    if finding.rule in SET_RULES:
        return f"set:{shape_set.prefix}" if shape_set is not None else "rig"
    if shape_set is None:
        return "rig"
    parsed = shape_set.parsed.get(shapes[0])
    if parsed is None:
        return f"shape:{shapes[0]}"
    return f"family:{shape_set.prefix or '-'}/{parsed.au}"


def magnitude_of(ctx, finding):
    """Visible effect as a share of the face size: the visible difference a symmetry finding measured,
    else the motion of the finding's shape at its worst vertex; 0 when it names no vertex."""
    if "visible_difference" in finding.measures:
        return float(finding.measures["visible_difference"])
    if not finding.vertices or not finding.shapes or finding.shapes[0] not in ctx.snapshot.names:
        return 0.0
    row = ctx.snapshot.index(finding.shapes[0])
    return float(ctx.motion[row][finding.vertices[0]]) / ctx.frame.scale


def _round(value):
    return 0.0 if value == 0 or not np.isfinite(value) else float(f"{value:.4g}")


def context(ctx):
    """What the findings stand on: how well the mesh mirrors and which sets each profile covers."""
    out = {"sets": {}}
    for shape_set in ctx.sets:
        holder = shape_set.profile.name if shape_set.profile is not None else ""
        out["sets"].setdefault(holder, []).append(shape_set.prefix)
    frame = ctx.frame
    moving = frame.active
    if int(moving.sum()) == 0:
        return out
    matched = moving & ctx.mirror_map.matched
    offsets = ctx.mirror_noise.offset[matched] / frame.scale if matched.any() else np.zeros(1)
    mirror = {"moving_vertices": int(moving.sum()), "unmatched": int((moving & ~ctx.mirror_map.matched).sum()),
              "partner_offset_p90": _round(float(np.percentile(offsets, 90))),
              "partner_offset_max": _round(float(offsets.max())),
              "visible_minor": ctx.threshold("symmetry_visible_minor"),
              "visible_warning": ctx.threshold("symmetry_visible_warning")}
    if ctx.millimetres is not None:
        mirror["face_size_mm"] = _round(frame.scale * ctx.millimetres)
    out["mirror"] = mirror
    return out


def context_lines(report):
    """Text lines for a report's context, before its findings."""
    info = report.context or {}
    lines = []
    sets = {s.prefix: s for s in report.sets}
    held = info.get("sets", {})
    parts = []
    for profile in sorted(held, key=lambda p: (p == "", p)):
        names = ", ".join(_set_words(sets.get(prefix), prefix) for prefix in held[profile])
        parts.append(f"{profile} covers {names}" if profile else f"no convention reads {names}")
    if parts and len(report.sets) > 1:
        lines.append("sets: " + "; ".join(parts))
    mirror = info.get("mirror")
    if mirror:
        size = mirror.get("face_size_mm")

        def length(share):
            return f"{share * size:.1f} mm" if size else f"{share:.2%} of the face size"

        lines.append(
            f"mirror: partners of the {mirror['moving_vertices']} moving vertices sit up to "
            f"{length(mirror['partner_offset_max'])} off each other's mirror image ({length(mirror['partner_offset_p90'])} "
            f"at the 90th percentile, {mirror['unmatched']} without a partner); left/right differences count "
            f"beyond the noise this makes, from {length(mirror['visible_minor'])} (info) and "
            f"{length(mirror['visible_warning'])} (warning)")
    return lines


def _set_words(info, prefix):
    name = f"{prefix}_" if prefix else "(no prefix)"
    if info is None:
        return name
    if not info.convention:
        return f"{name} ({info.shapes} shape{'s' if info.shapes != 1 else ''})"
    return f"{name} ({info.convention}, {info.recognised} of {info.shapes} read)"


def text_rows(report, verbose=False):
    """Lines of the text report: (severity, rule, text, findings), in rank order.

    Findings of one rule in one group are one line (the first one's message, naming the others). Without
    ``verbose``, minor findings (info) of one rule are one summary line when there are FOLD_AT or more,
    or any number of minor left/right differences; so are warnings of one rule in one shape set,
    FOLD_AT or more (each listed with its size). With ``verbose`` every finding is its own line.
    """
    rows, where = [], {}
    for finding in report.findings:
        key = (finding.group, finding.rule)
        if not verbose and key in where:
            rows[where[key]][3].append(finding)
            continue
        where[key] = len(rows)
        rows.append([finding.severity, finding.rule, None, [finding]])
    folds = {}
    if not verbose:
        prefixes = sorted((s.prefix for s in report.sets if s.prefix), key=len, reverse=True)
        for row in rows:
            severity, rule, _, found = row
            if severity == "info":
                folds.setdefault(("info", rule, ""), []).append(row)
            elif severity == "warning" and found[0].shapes and not rule.startswith("coverage.missing"):
                folds.setdefault(("warning", rule, _prefix_of(found[0].shapes[0], prefixes)), []).append(row)
    folded = {}
    for key, members in folds.items():
        found = [f for row in members for f in row[3]]
        if len(members) >= FOLD_AT or (key[0] == "info" and len(found) > 1 and "visible_difference" in found[0].measures):
            for row in members:
                folded[id(row)] = key
    out, placed = [], set()
    for row in rows:
        severity, rule, _, found = row
        key = folded.get(id(row))
        if key is None:
            out.append((severity, rule, _merged_text(found), found))
        elif key not in placed:
            placed.add(key)
            members = [f for r in folds[key] for f in r[3]]
            out.append((severity, rule, _fold_text(report, key, members), members))
    return out


def _prefix_of(name, prefixes):
    """The set prefix a shape name starts with (longest first), '' for none."""
    upper = name.upper()
    return next((p for p in prefixes if upper.startswith(p.upper())), "")


def _merged_text(found):
    first = found[0]
    if len(found) > 1 and first.rule in _COVERAGE_WORDS:
        what = [" ".join(filter(None, ("/".join(f.aus), f.measures.get("variant", ""),
                                      _side_words(f.measures.get("sides", ""))))) for f in found]
        return (f"{_COVERAGE_WORDS[first.rule].format(n=len(found))} required by "
                f"{first.measures.get('profile', 'the profile')}: {listing(what, most=30)}.")
    others = list(dict.fromkeys(s for f in found[1:] for s in f.shapes if s not in first.shapes))
    if not others:
        return first.message
    return f"{first.message} Also: {listing(others)}."


_COVERAGE_WORDS = {"coverage.missing-au": "Missing {n} actions",
                   "coverage.missing-side": "Missing sides of {n} actions",
                   "coverage.missing-variant": "Missing variants of {n} actions"}


def _side_words(sides):
    words = {"L": "left", "R": "right"}
    return " and ".join(words[s] for s in sides if s in words)


#: words for a folded line of one rule: (what the findings are about, what they say)
_FOLD_WORDS = {"symmetry.pair-mismatch": ("pairs", "are not mirror images"),
               "symmetry.bilateral-asymmetric": ("bilateral shapes", "are lopsided"),
               "region.leakage": ("shapes", "move regions their action may not move"),
               "symmetry.side-crossover": ("one-sided shapes", "cross the midline")}


def _fold_text(report, key, found):
    severity, rule, prefix = key
    size = (report.context or {}).get("mirror", {}).get("face_size_mm")

    def length(share):
        return f"{share * size:.1f} mm" if size else f"{share:.1%} of the face size"

    names = ["/".join(f.shapes[:2]) if f.rule == "symmetry.pair-mismatch" else f.shapes[0] for f in found]
    where = f" in set {prefix}_" if prefix else ""
    if severity == "info" and "visible_difference" in found[0].measures:
        limit = found[0].measures.get("visible_threshold", 0.0)
        kind = "pairs differ" if rule == "symmetry.pair-mismatch" else "bilateral shapes are lopsided"
        return (f"{len(found)} {kind} by under {length(limit)} beyond the mirror noise: {listing(names)} "
                f"(--verbose lists them).")
    subject, verb = _FOLD_WORDS.get(rule, ("findings", "of this kind"))
    sized = [f"{name} ({length(f.magnitude)})" if f.magnitude else name for name, f in zip(names, found)]
    span = [f.magnitude for f in found if f.magnitude]
    extent = f", {length(min(span))} to {length(max(span))}" if len(span) > 1 else ""
    return f"{len(found)} {subject}{where} {verb}{extent}: {listing(sized)} (--verbose lists each)."
