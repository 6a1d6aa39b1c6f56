"""The HTML report: one self-contained page (styles inline, pictures as data: URIs, no links out).

Same content and order as the text report: a summary, then per rig its findings grouped by root
cause (``Finding.group``) and ranked (``Finding.rank``; before ranks exist, severity then rule), each
group with pictures of its shapes: the neutral face beside the face at 1.0, heat-mapped by motion,
offending vertices in blue (see blender/thumbnails.py). Deterministic like the other formats.
"""

import base64
from html import escape

from .version import __version__
from .model import SEVERITIES
from .report import NO_BASELINE, _waiver_note, totals
from .waivers import NO_WAIVERS

#: badge colours per severity (the screenshot test looks for them)
COLOURS = {"error": "#c62828", "warning": "#e67700", "info": "#1565c0"}

_STYLE = """
body{font:14px/1.45 system-ui,sans-serif;margin:24px;color:#222;background:#fff}
h1{font-size:22px;margin:0 0 12px}h2{font-size:17px;margin:28px 0 6px}
table.summary{border-collapse:collapse;margin:8px 0 16px}
table.summary td,table.summary th{border:1px solid #ccc;padding:4px 10px;text-align:right}
table.summary th:first-child,table.summary td:first-child{text-align:left}
.badge{display:inline-block;min-width:58px;padding:2px 8px;border-radius:4px;color:#fff;font-weight:600;
 text-align:center;font-size:12px}
""" + "".join(f".badge.{s}{{background:{c}}}\n" for s, c in COLOURS.items()) + """
.meta{color:#555}
.group{border:1px solid #ddd;border-left:6px solid #999;border-radius:4px;margin:10px 0;padding:8px 12px}
""" + "".join(f".group.{s}{{border-left-color:{c}}}\n" for s, c in COLOURS.items()) + """
.finding{margin:4px 0}.rule{font-family:monospace;font-weight:600}.known{color:#777}
.shapes{display:flex;flex-wrap:wrap;gap:12px;margin-top:8px}
figure{margin:0;border:1px solid #e3e3e3;border-radius:4px;padding:4px;background:#fafafa}
figure img,figure .neutral{width:192px;height:192px;display:inline-block;vertical-align:top;
 background-size:contain}
figcaption{font-family:monospace;font-size:12px;text-align:center}
.legend{color:#555;font-size:12px}.errors li{color:#c62828}
"""


def to_html(reports, input_errors=(), baseline=NO_BASELINE, pictures=None, waivers=NO_WAIVERS):
    """The page as a string (findings marked known and waived as in the text report).

    pictures : dict, optional
        ``{(file, object): (neutral png bytes, {shape: png bytes})}`` (see pictures.PictureJob).
    """
    pictures = pictures or {}
    counts = totals(reports)
    out = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
           "<title>facs-audit report</title>", f"<style>{_STYLE}"]
    out += [f".n{i}{{background-image:url(data:image/png;base64,{_b64(pictures[key][0])})}}"
            for i, key in enumerate(sorted(pictures))]
    out += ["</style></head><body>", "<h1>facs-audit report</h1>",
            f'<p class="meta">facs-audit {escape(__version__)}: {len(reports)} rig(s) audited'
            + (f", {len(input_errors)} file(s) could not be audited" if input_errors else "") + "</p>",
            _summary(reports, counts)]
    if waivers.notes():
        out.append('<ul class="waivers">' + "".join(f"<li>{escape(line)}</li>" for line in waivers.notes()) + "</ul>")
    if input_errors:
        out.append('<ul class="errors">' + "".join(f"<li>{escape(f)}: error: {escape(m)}</li>"
                                                   for f, m in input_errors) + "</ul>")
    if pictures:
        out.append('<p class="legend">Pictures: the neutral face beside the shape at 1.0, front view (the '
                   "character's left on the right); red where the shape moves most, blue at the vertices "
                   "a finding points at.</p>")
    neutral_class = {key: f"n{i}" for i, key in enumerate(sorted(pictures))}
    for index, report in enumerate(reports):
        out += _rig(index, report, baseline, waivers, pictures.get((report.file, report.object)),
                    neutral_class.get((report.file, report.object)))
    out.append("</body></html>")
    return "\n".join(out) + "\n"


def _summary(reports, counts):
    head = "<tr><th>rig</th>" + "".join(f'<th><span class="badge {s}">{s}</span></th>' for s in SEVERITIES) + "</tr>"
    rows = []
    for i, report in enumerate(reports):
        c = report.counts()
        rows.append(f'<tr><td><a href="#rig{i}">{escape(report.file)}: {escape(report.object)}</a></td>'
                    + "".join(f"<td>{c[s]}</td>" for s in SEVERITIES) + "</tr>")
    rows.append("<tr><th>total</th>" + "".join(f"<th>{counts[s]}</th>" for s in SEVERITIES) + "</tr>")
    return f'<table class="summary">{head}{"".join(rows)}</table>'


def grouped(findings):
    """Findings in report order, in root-cause groups: ``[[finding, ...], ...]`` (first group first)."""
    def key(finding):
        rank = getattr(finding, "rank", 0) or float("inf")
        return (rank, SEVERITIES.index(finding.severity), finding.rule, finding.shapes, finding.message)
    groups = {}
    for i, finding in enumerate(sorted(findings, key=key)):
        groups.setdefault(getattr(finding, "group", "") or i, []).append(finding)
    return list(groups.values())


def _rig(index, report, baseline, waivers, pictures, neutral_class):
    shapes = pictures[1] if pictures else {}
    out = [f"<section id=\"rig{index}\"><h2>{escape(report.file)}: {escape(report.object)}</h2>",
           f'<p class="meta">profile {escape(report.profile or "-")}, convention '
           f"{escape(report.convention or 'unknown')}, {report.shapes} shapes, {report.vertices} vertices</p>"]
    if not report.findings:
        out.append("<p>no findings</p>")
    shown = set()
    for group in grouped(report.findings):
        worst = min((f.severity for f in group), key=SEVERITIES.index)
        out.append(f'<div class="group {worst}">')
        for finding in group:
            note = (" (known)" if baseline.known(report, finding) else "") + _waiver_note(waivers.match(report, finding))
            known = f' <span class="known">{escape(note.strip())}</span>' if note else ""
            out.append(f'<div class="finding"><span class="badge {finding.severity}">{finding.severity}</span> '
                       f'<span class="rule">{escape(finding.rule)}</span> {escape(finding.message)}{known}</div>')
        figures = []
        for shape in dict.fromkeys(s for f in group for s in f.shapes):
            if shape in shapes and shape not in shown:
                shown.add(shape)
                figures.append(f'<figure><div class="neutral {neutral_class}" role="img" '
                               f'aria-label="neutral"></div><img alt="{escape(shape)} at 1.0" '
                               f'src="data:image/png;base64,{_b64(shapes[shape])}">'
                               f"<figcaption>neutral | {escape(shape)}</figcaption></figure>")
        if figures:
            out.append('<div class="shapes">' + "".join(figures) + "</div>")
        out.append("</div>")
    unpictured = {s for f in report.findings for s in f.shapes} - set(shapes)
    if pictures and unpictured:
        out.append(f'<p class="meta">{len(unpictured)} flagged shape(s) not pictured (past the first 40 of a '
                   "rig, not in the mesh, or with broken deltas)</p>")
    out.append("</section>")
    return out


def _b64(data):
    return base64.b64encode(data).decode("ascii")
