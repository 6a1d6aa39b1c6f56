"""Markdown for a pull-request comment: a summary table, the top findings grouped by root cause, and
everything else collapsed in a ``<details>`` block, kept under the comment size limits of code hosts.
"""

from .model import SEVERITIES
from .report import failing, totals

#: root causes shown in full at the top
TOP_GROUPS = 10
#: GitHub rejects comments over 65,536 characters; the collapsed rows stop well before
MAX_CHARS = 60000


def to_markdown(batch, fail_on):
    reports = batch.reports
    fails = [[failing(f, fail_on, r, batch.baseline, batch.waivers) for f in r.findings] for r in reports]
    gate_fails = bool(batch.input_errors) or any(any(row) for row in fails)
    counts = totals(reports)
    head = ", ".join(f"{counts[s]} {s}{'s' if counts[s] != 1 and s != 'info' else ''}" for s in SEVERITIES)
    verdict = "fails the gate" if gate_fails else "passes the gate"
    lines = [f"### facs-audit: {verdict}", "",
             f"{len(reports)} rig(s) audited: {head}"
             + (f"; {len(batch.input_errors)} file(s) could not be audited" if batch.input_errors else "")
             + f" (fail on: {fail_on})" + _marks(batch), ""]
    lines += ["| rig | object | profile | shapes | errors | warnings | info | gate |",
              "|---|---|---|---:|---:|---:|---:|---|"]
    for report, row in zip(reports, fails):
        c = report.counts()
        lines.append(f"| {_code(report.file)} | {_cell(report.object)} | {_cell(report.profile or '-')} | "
                     f"{report.shapes} | {c['error']} | {c['warning']} | {c['info']} | "
                     f"{'fails' if any(row) else 'passes'} |")
    for file, message in batch.input_errors:
        lines.append(f"| {_code(file)} | | | | | | | error: {_cell(message)} |")
    lines.append("")

    groups = _groups(batch, fails)
    top = [g for g in groups if g["open"]][:TOP_GROUPS]
    if top:
        lines += ["#### Top findings", ""]
        for number, group in enumerate(top, 1):
            (report, first), *related = group["items"]
            lines.append(f"{number}. {_item(report, first, batch)}")
            lines += [f"   - {_item(r, f, batch)}" for r, f in related]
        lines.append("")
    shown = {id(f) for g in top for _, f in g["items"]}
    rest = [(r, f) for g in groups for r, f in g["items"] if id(f) not in shown]
    if rest:
        lines += [f"<details><summary>{len(rest)} more finding(s)</summary>", "",
                  "| severity | rule | rig | shapes | message |", "|---|---|---|---|---|"]
        budget = MAX_CHARS - sum(len(line) + 1 for line in lines) - 200
        for index, (report, finding) in enumerate(rest):
            row = (f"| {finding.severity} | {_code(finding.rule)} | {_code(_rig(report))} | "
                   f"{_cell(', '.join(finding.shapes))} | {_cell(finding.message)}{_cell(_mark(report, finding, batch))} |")
            budget -= len(row) + 1
            if budget < 0:
                lines.append(f"| | | | | ... and {len(rest) - index} more: see the JSON or SARIF report |")
                break
            lines.append(row)
        lines += ["", "</details>", ""]
    notes = batch.waivers.notes()
    if notes:
        lines += ["#### Waivers to look at", ""] + [f"- {_cell(note)}" for note in notes] + [""]
    return "\n".join(lines).rstrip("\n") + "\n"


def _groups(batch, fails):
    """Findings grouped by root cause (``Finding.group``; alone when it has none), most important first.

    A group is ``open`` when one of its findings fails the gate or is new and unwaived at warning or above.
    """
    groups, order = {}, []
    for rig_index, (report, row) in enumerate(zip(batch.reports, fails)):
        for position, (finding, fails_gate) in enumerate(zip(report.findings, row)):
            name = getattr(finding, "group", "") or f"#{position}"
            key = (rig_index, name)
            if key not in groups:
                groups[key] = {"items": [], "open": False, "severity": len(SEVERITIES), "rank": 1 << 30}
                order.append(key)
            group = groups[key]
            group["items"].append((report, finding))
            settled = batch.baseline.known(report, finding) or batch.waivers.silences(report, finding)
            group["open"] |= fails_gate or (not settled and finding.severity != "info")
            group["severity"] = min(group["severity"], SEVERITIES.index(finding.severity))
            rank = getattr(finding, "rank", 0) or position + 1
            group["rank"] = min(group["rank"], rank)
    for group in groups.values():  # the worst finding of a group speaks for it
        group["items"].sort(key=lambda item: SEVERITIES.index(item[1].severity))
    return [groups[key] for key in sorted(order, key=lambda k: (groups[k]["severity"], k[0], groups[k]["rank"]))]


def _item(report, finding, batch):
    shapes = ", ".join(_code(s) for s in finding.shapes)
    where = _code(_rig(report)) + (f" {shapes}" if shapes else "")
    return (f"**{finding.severity}** {_code(finding.rule)} in {where}: {_cell(finding.message)}"
            f"{_cell(_mark(report, finding, batch))}")


def _mark(report, finding, batch):
    hit = batch.waivers.match(report, finding)
    if hit and hit[1]:
        return f" (waived until {hit[0].expires.isoformat()}: {hit[0].reason})"
    marks = []
    if hit:
        marks.append(f"waiver {hit[0].index} expired on {hit[0].expires.isoformat()}")
    if batch.baseline.known(report, finding):
        marks.append("known")
    elif batch.baseline_used:
        marks.append("new")
    return f" ({', '.join(marks)})" if marks else ""


def _marks(batch):
    parts = []
    if batch.waivers:
        parts.append(f"{sum(totals(batch.reports, batch.waivers.silences).values())} waived")
    if batch.baseline_used:
        parts.append(f"{sum(totals(batch.reports, lambda r, f: not batch.baseline.known(r, f)).values())} new")
    return f"; {', '.join(parts)}" if parts else ""


def _rig(report):
    return f"{report.file} › {report.object}"


def _cell(text):
    """Text safe inside a table cell or list item (no pipes, no line breaks, no HTML)."""
    return (str(text).replace("\\", "\\\\").replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")
            .replace("\r", " ").replace("\n", " "))


def _code(text):
    text = str(text).replace("`", "'").replace("|", "\\|").replace("\n", " ")
    return f"`{text}`"
