"""The audit results the panel shows: reports mirrored into WindowManager properties, and what is visible.

Kept apart from the operators so the panel, the operators and the handlers share one code path, and so
the filtering (which Blender only runs while drawing) is a plain function tests can call.
"""

import json

#: order of severities in counts and filters
SEVERITIES = ("error", "warning", "info")

#: set while results are written, so the list's active-index callback does not select anything
_quiet = []


def _fixes_for(finding, rulebook):
    """Fix ids that apply to ``finding`` (core.fixes, when that module exists)."""
    try:
        from ..core.fixes import fixes_for
    except ImportError:
        return tuple(getattr(finding, "fixes", ()) or ())
    try:
        return tuple(fixes_for(finding, rulebook))
    except Exception:  # a fix catalogue problem must not hide the findings
        return ()


def finding_key(item):
    """What identifies a finding across re-audits: object, rule, shapes and side."""
    return (item.object, item.rule, tuple(s.name for s in item.shapes), item.side)


def _set_prefix(shapes, prefixes):
    if not shapes:
        return ""
    return max((p for p in prefixes if shapes[0].startswith(p)), key=len, default="")


def store_reports(results, entries, rulebook):
    """Mirror ``[(obj, report), ...]`` into ``results`` (the WindowManager's facs_audit).

    The list keeps its place: the finding that was active stays active when it is still reported.
    Returns the severity counts over every report.
    """
    old_key = finding_key(results.findings[results.active_index]) \
        if 0 <= results.active_index < len(results.findings) else None
    old_index = results.active_index
    _quiet.append(True)
    try:
        results.findings.clear()
        results.rigs.clear()
        totals = dict.fromkeys(SEVERITIES, 0)
        for obj, report in entries:
            _store_rig(results, obj, report, rulebook, totals)
        first_obj, first = entries[0]
        results.object_name = first_obj.name
        results.vertex_count = len(first_obj.data.vertices)
        results.profile = first.profile
        results.convention = first.convention
        results.errors, results.warnings, results.infos = (totals[s] for s in SEVERITIES)
        keys = [finding_key(item) for item in results.findings]
        if old_key in keys:
            results.active_index = keys.index(old_key)
        else:
            results.active_index = min(max(old_index, 0), max(len(keys) - 1, 0))
    finally:
        _quiet.pop()
    return totals


def _store_rig(results, obj, report, rulebook, totals):
    rig = results.rigs.add()
    rig.name = obj.name
    rig.profile, rig.convention = report.profile, report.convention
    rig.vertex_count = len(obj.data.vertices)
    counts = report.counts()
    rig.errors, rig.warnings, rig.infos = (counts[s] for s in SEVERITIES)
    for severity in SEVERITIES:
        totals[severity] += counts[severity]
    prefixes = [info.prefix for info in report.sets]
    for info in report.sets:
        item = rig.sets.add()
        item.name = info.prefix
        item.convention, item.profile = info.convention, info.profile
        item.shapes, item.recognised = info.shapes, info.recognised
    findings = sorted(report.findings, key=lambda f: getattr(f, "rank", 0) or 0) \
        if any(getattr(f, "rank", 0) for f in report.findings) else list(report.findings)
    seen_groups = set()
    for finding in findings:
        item = results.findings.add()
        item.name = finding.rule
        item.object = obj.name
        item.rule, item.category, item.severity, item.message = (
            finding.rule, finding.category, finding.severity, finding.message)
        item.side = finding.side
        for shape in finding.shapes:
            item.shapes.add().name = shape
        item.vertices = ",".join(str(int(v)) for v in finding.vertices)
        item.measures = json.dumps(finding.measures, sort_keys=True)
        spec = rulebook.findings.get(finding.rule)
        item.why = spec.why if spec is not None else ""
        item.group = getattr(finding, "group", "") or ""
        item.rank = int(getattr(finding, "rank", 0) or 0)
        item.magnitude = float(getattr(finding, "magnitude", 0.0) or 0.0)
        group = (obj.name, item.group or f"{finding.rule}:{finding.shapes}")
        item.group_first = group not in seen_groups
        seen_groups.add(group)
        item.shape_set = _set_prefix(finding.shapes, prefixes)
        item.fixes = ",".join(_fixes_for(finding, rulebook))


def clear_results(results):
    _quiet.append(True)
    try:
        results.findings.clear()
        results.rigs.clear()
        results.object_name = ""
        results.vertex_count = -1
        results.profile = results.convention = results.status = ""
        results.errors = results.warnings = results.infos = 0
        results.active_index = 0
    finally:
        _quiet.pop()


def visible(results):
    """Indices of the findings the list shows, in display order, under the panel's filters.

    Severity toggles, categories (none ticked: all), shape set and object (empty: all), a search in
    shape names (and the rule id), and the grouped view (findings of one root cause together, groups
    in the order of their best-ranked finding; otherwise report order).
    """
    shown = {s for s in SEVERITIES if getattr(results, f"show_{s}s" if s != "info" else "show_infos")}
    categories = set(results.filter_categories)
    search = results.search.strip().lower()
    out = []
    for i, item in enumerate(results.findings):
        if item.severity not in shown:
            continue
        if categories and item.category not in categories:
            continue
        if results.filter_set and item.shape_set != results.filter_set:
            continue
        if results.filter_object and item.object != results.filter_object:
            continue
        if search and not (any(search in s.name.lower() for s in item.shapes) or search in item.rule.lower()):
            continue
        out.append(i)
    if results.grouped:
        findings = results.findings
        first, order = {}, {}
        for position, i in enumerate(out):
            first.setdefault(_group_of(findings[i]), position)
            order[i] = position
        out.sort(key=lambda i: (first[_group_of(findings[i])], order[i]))
    return out


def _group_of(item):
    return (item.object, item.group or f"{item.rule}:{[s.name for s in item.shapes]}")


def measures_of(item):
    """The finding's measures as (name, text) pairs, for the details box."""
    try:
        values = json.loads(item.measures) if item.measures else {}
    except ValueError:
        return []
    out = []
    for name, value in values.items():
        if isinstance(value, float):
            text = f"{value:.4g}"
        elif isinstance(value, list):
            text = ", ".join(str(v) for v in value)
        else:
            text = str(value)
        out.append((name.replace("_", " "), text))
    return out
