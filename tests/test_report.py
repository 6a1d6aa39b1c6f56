"""Reports: deterministic JSON with the documented fields, valid JUnit XML, exit codes."""

import json
import xml.etree.ElementTree as ET

from facs_audit_addon.core import audit_rig
from facs_audit_addon.core.report import exit_code, to_json, to_junit, to_text

from core_helpers import RULEBOOK, snapshot


def _report(names=("AU12_L", "qwerty"), profile="generic"):
    return audit_rig(snapshot(list(names)), RULEBOOK, profile=profile, file="rig.blend")


def test_json_has_the_documented_fields_and_is_byte_stable():
    first = to_json([_report()])
    assert first == to_json([_report()])
    document = json.loads(first)
    assert set(document) == {"tool", "version", "rigs", "errors", "summary"}
    rig = document["rigs"][0]
    assert {"file", "object", "profile", "convention", "findings", "summary", "sets"} <= set(rig)
    assert (rig["file"], rig["object"], rig["profile"], rig["convention"]) == ("rig.blend", "Face", "generic",
                                                                               "facs-code")
    rules = sorted(f["rule"] for f in rig["findings"])
    assert rules == ["coverage.missing-twin", "naming.unknown-name"]
    finding = rig["findings"][0]
    assert set(finding) >= {"rule", "category", "severity", "aus", "shapes", "side", "message", "measures"}
    assert document["summary"] == {"rigs": 1, "error": 0, "warning": 2, "info": 0, "input_errors": 0}


def test_junit_makes_each_rig_a_suite_and_each_failing_rule_a_failure():
    xml = to_junit([_report()], RULEBOOK.findings, "warning")
    root = ET.fromstring(xml)
    suite = root.find("testsuite")
    assert suite.get("name") == "rig.blend:Face"
    failed = sorted(case.get("name") for case in suite.iter("testcase") if case.find("failure") is not None)
    assert failed == ["coverage.missing-twin", "naming.unknown-name"]
    assert int(suite.get("tests")) == len(RULEBOOK.findings)
    assert to_junit([_report()], RULEBOOK.findings, "error").count("<failure") == 0


def test_exit_codes():
    report = _report()
    assert exit_code([report], "error") == 0
    assert exit_code([report], "warning") == 1
    assert exit_code([report], "never") == 0
    assert exit_code([report], "never", [("bad.blend", "not a blend file")]) == 2


def test_text_report_is_one_line_per_finding_with_a_summary():
    text = to_text([_report()])
    lines = text.splitlines()
    assert lines[0].startswith("rig.blend: Face: profile generic")
    assert sum(1 for line in lines if line.startswith("  warning")) == 2
    assert lines[-1] == "1 rig(s) audited: 0 errors, 2 warnings, 0 info"


def test_baseline_marks_known_findings_and_only_new_ones_fail(tmp_path):
    from facs_audit_addon.core.report import Baseline
    old = _report(("AU12_L", "qwerty"))
    baseline_file = tmp_path / "baseline.json"
    baseline_file.write_text(to_json([old]))
    baseline = Baseline.load(baseline_file)
    new = _report(("AU12_L", "qwerty", "AU6_L"))  # a new lone left shape since the baseline
    assert exit_code([new], "warning") == 1
    assert exit_code([old], "warning", baseline=baseline) == 0
    assert exit_code([new], "warning", baseline=baseline) == 1
    document = json.loads(to_json([new], baseline=baseline))
    flags = sorted((f["rule"], tuple(f["shapes"]), f["known"]) for f in document["rigs"][0]["findings"])
    assert flags == [("coverage.missing-twin", ("AU12_L",), True), ("coverage.missing-twin", ("AU6_L",), False),
                     ("naming.unknown-name", ("qwerty",), True)]
    assert document["summary"]["new"] == {"error": 0, "warning": 1, "info": 0}
    assert "(known)" in to_text([new], baseline=baseline)
    root = ET.fromstring(to_junit([new], RULEBOOK.findings, "warning", baseline=baseline))
    failed = [c.get("name") for c in root.iter("testcase") if c.find("failure") is not None]
    assert failed == ["coverage.missing-twin"]


def test_bad_baseline_is_one_line(tmp_path):
    import pytest
    from facs_audit_addon.core import AuditError
    from facs_audit_addon.core.report import Baseline
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(AuditError, match="not a facs-audit JSON report"):
        Baseline.load(bad)
    with pytest.raises(AuditError, match="cannot read the baseline"):
        Baseline.load(tmp_path / "missing.json")
