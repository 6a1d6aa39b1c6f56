"""Turn rig reports into text, JSON or JUnit XML, and into an exit code.

Output is deterministic: findings are sorted, numbers rounded when findings are made, no clock or
machine data is written, so the same input gives a byte-identical report.
"""

import json
from pathlib import PurePath

from .errors import AuditError
from .model import SEVERITIES
from .version import __version__

FAIL_ON = ("error", "warning", "never")


class Baseline:
    """Findings of an earlier JSON report: known problems that no longer fail the gate.

    A finding is known when the baseline has one for the same file name, object, rule, shapes and
    side; its message and numbers may differ (a sculpt fix changes them without fixing the problem).
    """

    def __init__(self, keys=()):
        self.keys = frozenset(keys)

    @classmethod
    def load(cls, path):
        try:
            with open(path, encoding="utf-8") as handle:
                document = json.load(handle)
            return cls(_key(rig["file"], rig["object"], f["rule"], f["shapes"], f["side"])
                       for rig in document["rigs"] for f in rig["findings"])
        except OSError as error:
            raise AuditError(f"{path}: cannot read the baseline ({error.strerror})") from None
        except (ValueError, KeyError, TypeError) as error:
            raise AuditError(f"{path}: not a facs-audit JSON report ({type(error).__name__}: {error})") from None

    def known(self, report, finding):
        return _key(report.file, report.object, finding.rule, finding.shapes, finding.side) in self.keys


def _key(file, obj, rule, shapes, side):
    return (PurePath(file).name, obj, rule, tuple(shapes), side)


NO_BASELINE = Baseline()


def failing(finding, fail_on, report=None, baseline=NO_BASELINE):
    """Whether a finding is at or above the ``--fail-on`` level and not known from the baseline."""
    if fail_on == "never" or (report is not None and baseline.known(report, finding)):
        return False
    return SEVERITIES.index(finding.severity) <= SEVERITIES.index(fail_on)


def exit_code(reports, fail_on, input_errors=(), baseline=NO_BASELINE):
    """0: nothing new at or above fail_on; 1: such findings; 2: an input could not be audited."""
    if input_errors:
        return 2
    return int(any(failing(f, fail_on, report, baseline) for report in reports for f in report.findings))


def totals(reports, keep=None):
    """Findings per severity over all reports (only those ``keep(report, finding)`` accepts)."""
    counts = {severity: 0 for severity in SEVERITIES}
    for report in reports:
        for finding in report.findings:
            if keep is None or keep(report, finding):
                counts[finding.severity] += 1
    return counts


def finding_dict(finding, known=None):
    out = {"rule": finding.rule, "category": finding.category, "severity": finding.severity,
           "aus": list(finding.aus), "shapes": list(finding.shapes), "side": finding.side,
           "message": finding.message, "measures": dict(sorted(finding.measures.items()))}
    if finding.vertices:
        out["vertices"] = list(finding.vertices)
    if known is not None:
        out["known"] = known
    return out


def rig_dict(report, baseline=None):
    return {
        "file": report.file, "object": report.object, "profile": report.profile, "convention": report.convention,
        "vertices": report.vertices, "shapes": report.shapes,
        "sets": [{"prefix": s.prefix, "convention": s.convention, "profile": s.profile, "shapes": s.shapes,
                  "recognised": s.recognised} for s in report.sets],
        "findings": [finding_dict(f, None if baseline is None else baseline.known(report, f))
                     for f in report.findings],
        "summary": report.counts(),
    }


def to_json(reports, input_errors=(), baseline=None):
    """The JSON report; with a baseline, each finding says whether it is ``known`` and the summary
    counts the ``new`` ones."""
    document = {
        "tool": "facs-audit",
        "version": __version__,
        "rigs": [rig_dict(r, baseline) for r in reports],
        "errors": [{"file": file, "message": message} for file, message in input_errors],
        "summary": {"rigs": len(reports), **totals(reports), "input_errors": len(input_errors)},
    }
    if baseline is not None:
        document["summary"]["new"] = totals(reports, lambda r, f: not baseline.known(r, f))
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def to_text(reports, input_errors=(), baseline=NO_BASELINE):
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
            lines.append(f"  {finding.severity:<7} {finding.rule:<{width}}  {finding.message}{known}")
        counts = report.counts()
        lines.append("  " + _count_text(counts) if report.findings else "  no findings")
        lines.append("")
    for file, message in input_errors:
        lines.append(f"{file}: error: {message}")
    counts = totals(reports)
    lines.append(f"{len(reports)} rig(s) audited: {_count_text(counts)}"
                 + (f", {len(input_errors)} file(s) could not be audited" if input_errors else ""))
    return "\n".join(lines) + "\n"


def _count_text(counts):
    return ", ".join(f"{counts[s]} {s}{'s' if counts[s] != 1 and s != 'info' else ''}" for s in SEVERITIES)


def to_junit(reports, rule_ids, fail_on, input_errors=(), baseline=NO_BASELINE):
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
            bad = [f for f in found if failing(f, fail_on, report, baseline)]
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
