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
