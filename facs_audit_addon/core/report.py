"""Turn rig reports into text, JSON or JUnit XML, and into an exit code.

Output is deterministic: findings are sorted, numbers rounded when findings are made, no clock or
machine data is written, so the same input gives a byte-identical report.
"""

import json
from pathlib import PurePath

from .. import __version__
from .errors import AuditError
from .model import SEVERITIES
from .waivers import NO_WAIVERS

FAIL_ON = ("error", "warning", "never")


class Baseline:
    """Findings of an earlier JSON report: known problems that no longer fail the gate.

    A finding is known when the baseline has one for the same file name, object, rule, shapes and
    side; its message and numbers may differ (a sculpt fix changes them without fixing the problem).
    A finding that lists several gaps (``measures["gaps"]``: several missing actions in one line) is
    known when each of its gaps is, as a line of its own or inside such a list.
    """

    def __init__(self, keys=(), listed=()):
        self.keys = frozenset(keys)
        #: gaps known from inside a list (measures["gaps"]) of the baseline
        self.listed = frozenset(listed)

    @classmethod
    def load(cls, path):
        try:
            with open(path, encoding="utf-8") as handle:
                document = json.load(handle)
            keys, listed = [], []
            for rig in document["rigs"]:
                for f in rig["findings"]:
                    gaps = f.get("measures", {}).get("gaps")
                    keys.append(_key(rig["file"], rig["object"], f["rule"], f["shapes"], f["side"]))
                    (listed if gaps else keys).extend(
                        _gap_keys(rig["file"], rig["object"], f["rule"], f["aus"], f["side"], gaps))
            return cls(keys, listed)
        except OSError as error:
            raise AuditError(f"{path}: cannot read the baseline ({error.strerror})") from None
        except (ValueError, KeyError, TypeError) as error:
            raise AuditError(f"{path}: not a facs-audit JSON report ({type(error).__name__}: {error})") from None

    def known(self, report, finding):
        gaps = finding.measures.get("gaps")
        if gaps:
            return all(key in self.keys or key in self.listed
                       for key in _gap_keys(report.file, report.object, finding.rule, (), "", gaps))
        if _key(report.file, report.object, finding.rule, finding.shapes, finding.side) in self.keys:
            return True
        return _gap_keys(report.file, report.object, finding.rule, finding.aus, finding.side)[0] in self.listed


def _key(file, obj, rule, shapes, side):
    return (PurePath(file).name, obj, rule, tuple(shapes), side)


def _gap_keys(file, obj, rule, aus, side, gaps=None):
    """Keys of a finding's gaps: ``gaps`` ([actions joined by '+', side] each), else the finding as one gap."""
    return [(PurePath(file).name, obj, rule, "gap", code, gap_side) for code, gap_side in gaps or [("+".join(aus), side)]]


NO_BASELINE = Baseline()


def failing(finding, fail_on, report=None, baseline=NO_BASELINE, waivers=NO_WAIVERS):
    """Whether a finding is at or above the ``--fail-on`` level, not known from the baseline and not
    silenced by an unexpired waiver."""
    if fail_on == "never" or (report is not None and (baseline.known(report, finding)
                                                      or waivers.silences(report, finding))):
        return False
    return SEVERITIES.index(finding.severity) <= SEVERITIES.index(fail_on)


def exit_code(reports, fail_on, input_errors=(), baseline=NO_BASELINE, waivers=NO_WAIVERS):
    """0: nothing new or unwaived at or above fail_on; 1: such findings; 2: an input could not be audited."""
    if input_errors:
        return 2
    return int(any(failing(f, fail_on, report, baseline, waivers) for report in reports for f in report.findings))


def totals(reports, keep=None):
    """Findings per severity over all reports (only those ``keep(report, finding)`` accepts)."""
    counts = {severity: 0 for severity in SEVERITIES}
    for report in reports:
        for finding in report.findings:
            if keep is None or keep(report, finding):
                counts[finding.severity] += 1
    return counts


def finding_dict(finding, known=None, waiver=None):
    out = {"rule": finding.rule, "category": finding.category, "severity": finding.severity,
           "aus": list(finding.aus), "shapes": list(finding.shapes), "side": finding.side,
           "message": finding.message, "measures": dict(sorted(finding.measures.items()))}
    if finding.vertices:
        out["vertices"] = list(finding.vertices)
    out["fixes"] = list(getattr(finding, "fixes", ()))
    if known is not None:
        out["known"] = known
    if waiver is not None:  # (Waiver, active) or False: waivers are in use and none matches
        out["waived"] = bool(waiver and waiver[1])
        if waiver:
            out["waiver"] = {"index": waiver[0].index, "reason": waiver[0].reason,
                             "expires": waiver[0].expires.isoformat(), **({} if waiver[1] else {"expired": True})}
    return out


def rig_dict(report, baseline=None, waivers=NO_WAIVERS):
    return {
        "file": report.file, "object": report.object, "profile": report.profile, "convention": report.convention,
        "vertices": report.vertices, "shapes": report.shapes,
        "sets": [{"prefix": s.prefix, "convention": s.convention, "profile": s.profile, "shapes": s.shapes,
                  "recognised": s.recognised} for s in report.sets],
        "findings": [finding_dict(f, None if baseline is None else baseline.known(report, f),
                                  (waivers.match(report, f) or False) if waivers else None)
                     for f in report.findings],
        "summary": report.counts(),
    }


def to_json(reports, input_errors=(), baseline=None, waivers=NO_WAIVERS, extra=None):
    """The JSON report; with a baseline, each finding says whether it is ``known`` and the summary
    counts the ``new`` ones; with waivers, whether it is ``waived``, and the report lists the waivers
    with their status. ``extra``: more top-level keys (a shard report's ``shard``)."""
    document = {
        "tool": "facs-audit",
        "version": __version__,
        "rigs": [rig_dict(r, baseline, waivers) for r in reports],
        "errors": [{"file": file, "message": message} for file, message in input_errors],
        "summary": {"rigs": len(reports), **totals(reports), "input_errors": len(input_errors)},
    }
    if baseline is not None:
        document["summary"]["new"] = totals(reports, lambda r, f: not baseline.known(r, f))
    if waivers:
        document["summary"]["waived"] = totals(reports, waivers.silences)
        document["waivers"] = waivers.summary()
    document.update(extra or {})
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def to_text(reports, input_errors=(), baseline=NO_BASELINE, waivers=NO_WAIVERS):
    lines = []
    for report in reports:
        lines.append(f"{report.file}: {report.object}: profile {report.profile or '-'}, convention "
                     f"{report.convention or 'unknown'}, {report.shapes} shapes, {report.vertices} vertices")
        for extra in report.sets:
            if len(report.sets) > 1:
                lines.append(f"  set {extra.prefix or '(no prefix)'}: {extra.shapes} shapes, {extra.recognised} "
                             f"recognised, convention {extra.convention or 'unknown'}, profile {extra.profile or '-'}")
        width = max((len(f.rule) for f in report.findings), default=0)
        for finding in report.findings:
            known = " (known)" if baseline.known(report, finding) else ""
            lines.append(f"  {finding.severity:<7} {finding.rule:<{width}}  {finding.message}{known}"
                         f"{_waiver_note(waivers.match(report, finding))}")
        counts = report.counts()
        lines.append("  " + _count_text(counts) if report.findings else "  no findings")
        lines.append("")
    for file, message in input_errors:
        lines.append(f"{file}: error: {message}")
    lines.extend(waivers.notes())
    counts = totals(reports)
    waived = sum(totals(reports, waivers.silences).values()) if waivers else 0
    lines.append(f"{len(reports)} rig(s) audited: {_count_text(counts)}"
                 + (f" ({waived} waived)" if waived else "")
                 + (f", {len(input_errors)} file(s) could not be audited" if input_errors else ""))
    return "\n".join(lines) + "\n"


def _waiver_note(hit):
    if not hit:
        return ""
    waiver, active = hit
    if active:
        return f" (waived until {waiver.expires.isoformat()}: {waiver.reason})"
    return f" (waiver {waiver.index} expired on {waiver.expires.isoformat()})"


def _count_text(counts):
    return ", ".join(f"{counts[s]} {s}{'s' if counts[s] != 1 and s != 'info' else ''}" for s in SEVERITIES)


def to_junit(reports, rule_ids, fail_on, input_errors=(), baseline=NO_BASELINE, waivers=NO_WAIVERS):
    """One test suite per rig, one test case per rule; a rule with findings at or above fail_on fails."""
    from xml.sax.saxutils import escape, quoteattr  # imported here: it pulls in urllib (16 ms at start-up)

    suites, total_tests, total_failures = [], 0, 0
    for report in reports:
        by_rule = {}
        for finding in report.findings:
            by_rule.setdefault(finding.rule, []).append(finding)
        cases, failures = [], 0
        for rule in sorted(rule_ids):
            found = by_rule.get(rule, [])
            bad = [f for f in found if failing(f, fail_on, report, baseline, waivers)]
            category = rule.split(".")[0]
            body = ""
            if bad:
                failures += 1
                text = "\n".join(f"[{f.severity}] {f.message}" for f in found)
                body = (f"<failure message={quoteattr(bad[0].message)} type={quoteattr(bad[0].severity)}>"
                        f"{escape(text)}</failure>")
            elif found:
                body = "<system-out>" + escape("\n".join(f"[{f.severity}] {f.message}" for f in found)) + "</system-out>"
            cases.append(f'    <testcase classname={quoteattr("facs_audit." + category)} name={quoteattr(rule)}>'
                         f"{body}</testcase>" if body else
                         f'    <testcase classname={quoteattr("facs_audit." + category)} name={quoteattr(rule)}/>')
        total_tests += len(cases)
        total_failures += failures
        name = f"{report.file}:{report.object}"
        suites.append(f"  <testsuite name={quoteattr(name)} tests=\"{len(cases)}\" failures=\"{failures}\" "
                      f"errors=\"0\">\n" + "\n".join(cases) + "\n  </testsuite>")
    for file, message in input_errors:
        total_tests += 1
        suites.append(f"  <testsuite name={quoteattr(file)} tests=\"1\" failures=\"0\" errors=\"1\">\n"
                      f"    <testcase classname=\"facs_audit.input\" name=\"load\">"
                      f"<error message={quoteattr(message)}/></testcase>\n  </testsuite>")
    errors = len(input_errors)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<testsuites name="facs-audit" tests="{total_tests}" failures="{total_failures}" errors="{errors}">\n'
            + "\n".join(suites) + "\n</testsuites>\n")
