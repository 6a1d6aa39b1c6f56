"""Gating a delivery: the project config (select/ignore, severities, waivers) and the SARIF and Markdown
reports, on sample rigs saved by real Blender and audited through the CLI."""

import json
import re

import pytest

from facs_audit_addon.core.config import Config, load_config
from facs_audit_addon.core.errors import RuleFileError

from core_helpers import RULEBOOK
from gate_helpers import REAL_RIGS, cli, gate_rigs, validate_sarif  # noqa: F401  (fixture)

CONFIG = """
profile = "facs-film"
ignore = ["naming"]

[severity]
symmetry.pair-mismatch = "warning"

[[waivers]]
rule = "coverage.missing-side"
shapes = ["AU12_L"]
file = "rigs/missing-*.blend"
reason = "Right smile comes with the next delivery"
expires = 2026-12-31
owner = "jane"

[[waivers]]
rule = "symmetry.sides-swapped"
shapes = ["AU12_*"]
reason = "Sides fixed upstream, re-export pending"
expires = "2026-03-31"

[[waivers]]
rule = "rig.invalid-deltas"
shapes = ["AU1_L"]
reason = "Old export bug, long fixed"
expires = 2027-01-01
"""


def project(tmp_path, rigs, config=CONFIG):
    """A project folder: facs-audit.toml and the sample rigs under rigs/ (symlinked, never copied)."""
    (tmp_path / "facs-audit.toml").write_text(config)
    (tmp_path / "rigs").symlink_to(rigs / "rigs", target_is_directory=True)
    return tmp_path


def findings(document):
    return {(rig["file"].rsplit("/", 1)[-1], f["rule"]): f for rig in document["rigs"] for f in rig["findings"]}


# -- config and waivers ------------------------------------------------------------------------------

def test_waived_finding_stays_in_the_json_and_does_not_fail_the_gate(tmp_path, gate_rigs):
    folder = project(tmp_path, gate_rigs)
    (folder / "sub").mkdir()
    # found from a subfolder: the nearest facs-audit.toml above the current folder
    result = cli("audit", "../rigs", "--format", "json", cwd=folder / "sub")
    document = json.loads(result.stdout)
    found = findings(document)
    waived = found[("missing-au12-right.blend", "coverage.missing-side")]
    assert waived["waived"] is True and waived["severity"] == "error"
    assert waived["waiver"] == {"index": 1, "reason": "Right smile comes with the next delivery",
                                "expires": "2026-12-31"}
    assert found[("sides-swapped.blend", "symmetry.sides-swapped")]["waived"] is True
    # [severity] is final, even over the check's own escalation to error; ignore drops naming.*
    assert found[("pair-mismatch.blend", "symmetry.pair-mismatch")]["severity"] == "warning"
    assert not any(rule.startswith("naming.") for _, rule in found)
    assert document["summary"]["waived"] == {"error": 3, "warning": 0, "info": 0}
    assert result.returncode == 0, result.stderr  # every error is waived; the warning does not fail
    statuses = [(w["index"], w["status"], w["findings"]) for w in document["waivers"]]
    assert statuses == [(1, "active", 1), (2, "active", 2), (3, "stale", 0)]
    assert "facs-audit: warning: waiver 3 (rig.invalid-deltas on AU1_L) matches no finding" in result.stderr
    # the same input on the same day: the same bytes
    assert cli("audit", "../rigs", "--format", "json", cwd=folder / "sub").stdout == result.stdout


def test_expired_waiver_silences_nothing_and_says_when_it_expired(tmp_path, gate_rigs):
    folder = project(tmp_path, gate_rigs)
    result = cli("audit", "rigs", cwd=folder, today="2026-04-01")
    assert result.returncode == 1  # the swapped sides count again
    lines = result.stdout.splitlines()
    swapped = [line for line in lines if "symmetry.sides-swapped" in line and "AU12_L is named" in line]
    assert swapped and swapped[0].endswith("(waiver 2 expired on 2026-03-31)")
    assert "waiver 2 (symmetry.sides-swapped on AU12_*) expired on 2026-03-31: 2 findings count again" in lines
    assert any(line.endswith("(waived until 2026-12-31: Right smile comes with the next delivery)") for line in lines)
    assert "waiver 3 (rig.invalid-deltas on AU1_L) matches no finding (stale: remove it)" in lines
    assert lines[-1] == "5 rig(s) audited: 3 errors, 1 warning, 0 info (1 waived)"
    assert "expired on 2026-03-31" in result.stderr
    document = json.loads(cli("audit", "rigs", "--format", "json", cwd=folder, today="2026-04-01").stdout)
    swapped = findings(document)[("sides-swapped.blend", "symmetry.sides-swapped")]
    assert swapped["waived"] is False and swapped["waiver"]["expired"] is True
    assert document["waivers"][1]["status"] == "expired"


def test_command_line_flags_override_the_config(tmp_path, gate_rigs):
    folder = project(tmp_path, gate_rigs, 'fail_on = "warning"\n' + CONFIG)
    assert cli("audit", "rigs", cwd=folder).returncode == 1  # the config fails on the pair-mismatch warning
    result = cli("audit", "rigs", "--fail-on", "error", "--profile", "facs-core", "--format", "json", cwd=folder)
    assert result.returncode == 0
    assert {rig["profile"] for rig in json.loads(result.stdout)["rigs"]} == {"facs-core"}
    # --config names another file: the folder's own facs-audit.toml is not read
    other = tmp_path / "other.toml"
    other.write_text('select = ["coverage"]\n')
    document = json.loads(cli("audit", "rigs", "--config", other, "--format", "json", cwd=folder).stdout)
    assert {rule for _, rule in findings(document)} == {"coverage.missing-side"}
    assert "waivers" not in document and "waived" not in document["summary"]


def test_select_and_ignore_longest_prefix_wins():
    config = Config(select=("symmetry", "naming.unknown-name"), ignore=("symmetry.pair-mismatch", "naming"),
                    severity={"symmetry": "info", "symmetry.sides-swapped": "error"})
    levels = config.rule_severities(RULEBOOK)
    assert levels["symmetry.pair-mismatch"] == "off"  # ignore's longer prefix beats select's "symmetry"
    assert "naming.unknown-name" not in levels  # select's full id beats ignore's "naming": the profile decides
    assert levels["naming.duplicate-mapping"] == "off"
    assert levels["coverage.missing-au"] == "off"  # select given: what it does not name is off
    assert levels["symmetry.sides-swapped"] == "error" and levels["symmetry.bilateral-asymmetric"] == "info"
    assert Config().rule_severities(RULEBOOK) == {}  # no config: every profile keeps its own severities


@pytest.mark.parametrize("text, key", [
    ("profil = 'facs-core'\n", "profil"),
    ("profile = 'facs-cor'\n", "profile"),
    ("profile = 'studio.toml'\n", "profile"),
    ("select = ['namin']\n", "select[0]"),
    ("ignore = 'naming'\n", "ignore"),
    ("[severity]\n'symmetry.pair-mismatch' = 'fatal'\n", "severity.symmetry.pair-mismatch"),
    ("fail_on = 'sometimes'\n", "fail_on"),
    ("rules = ['missing.toml']\n", "rules[0]"),
    ("[[waivers]]\nrule = 'symmetry.pair-mismatch'\nshapes = ['AU12_L']\nexpires = 2026-01-01\n", "waivers[0].reason"),
    ("[[waivers]]\nrule = 'symmetry.pair-mismatch'\nshapes = ['AU12_L']\nreason = 'x'\nexpires = '31/12/2026'\n",
     "waivers[0].expires"),
    ("[[waivers]]\nrule = 'symmetry.no-such'\nshapes = []\nreason = 'x'\nexpires = 2026-01-01\n", "waivers[0].rule"),
    ("[[waivers]]\nrule = 'rig.muted-shape'\nshape = []\nreason = 'x'\nexpires = 2026-01-01\n", "waivers[0].shape"),
    ("select = [\n", ""),
])
def test_malformed_config_is_one_line_naming_file_and_key_exit_2(tmp_path, gate_rigs, text, key):
    (tmp_path / "facs-audit.toml").write_text(text)
    result = cli("audit", gate_rigs / "rigs" / "clean.blend", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr
    assert lines[0].startswith(f"facs-audit: error: {tmp_path / 'facs-audit.toml'}: {key}")


def test_unquoted_dotted_severity_keys_read_as_rule_ids(tmp_path):
    path = tmp_path / "facs-audit.toml"
    path.write_text("[severity]\nnaming.unknown-name = 'off'\ncoverage = 'warning'\n")
    assert load_config(path).severity == {"naming.unknown-name": "off", "coverage": "warning"}
    path.write_text("[severity]\nnaming.unknown-nam = 'off'\n")
    with pytest.raises(RuleFileError, match=r"severity\.naming\.unknown-nam: no rule id"):
        load_config(path).check(RULEBOOK)


# -- SARIF and Markdown ------------------------------------------------------------------------------

def test_sarif_validates_and_locates_every_result(tmp_path, gate_rigs):
    folder = project(tmp_path, gate_rigs)
    baseline = tmp_path / "baseline.json"
    baseline.write_text(cli("audit", "rigs/pair-mismatch.blend", "--format", "json", cwd=folder).stdout)
    result = cli("audit", "rigs", "--format", "sarif", "--baseline", baseline, cwd=folder)
    log = validate_sarif(result.stdout)
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert {rule["id"] for rule in rules} == set(RULEBOOK.findings)
    swapped = next(rule for rule in rules if rule["id"] == "symmetry.sides-swapped")
    assert swapped["fullDescription"]["text"] == RULEBOOK.findings["symmetry.sides-swapped"].why
    assert swapped["help"]["text"].startswith(RULEBOOK.findings["symmetry.sides-swapped"].summary)
    assert [a["location"]["uri"] for a in run["artifacts"]] == [  # every rig audited, in input order
        f"rigs/{name}.blend" for name in ("clean", "missing-au12-right", "pair-mismatch", "sides-swapped",
                                          "unknown-name")]
    results = {(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], r["ruleId"],
                tuple(loc["fullyQualifiedName"] for loc in r["locations"][0]["logicalLocations"])): r
               for r in run["results"]}
    assert set(results) == {
        ("rigs/missing-au12-right.blend", "coverage.missing-side", ("Face", "Face/AU12_L")),
        ("rigs/pair-mismatch.blend", "symmetry.pair-mismatch", ("Face", "Face/AU12_L", "Face/AU12_R")),
        ("rigs/sides-swapped.blend", "symmetry.sides-swapped", ("Face", "Face/AU12_L")),
        ("rigs/sides-swapped.blend", "symmetry.sides-swapped", ("Face", "Face/AU12_R")),
    }
    pair = results[("rigs/pair-mismatch.blend", "symmetry.pair-mismatch", ("Face", "Face/AU12_L", "Face/AU12_R"))]
    assert (pair["level"], pair["baselineState"]) == ("warning", "unchanged")
    assert "suppressions" not in pair
    missing = results[("rigs/missing-au12-right.blend", "coverage.missing-side", ("Face", "Face/AU12_L"))]
    assert missing["baselineState"] == "new"
    assert missing["suppressions"][0]["kind"] == "external"
    assert missing["suppressions"][0]["justification"].startswith("Right smile comes with the next delivery")
    notes = [n["message"]["text"] for n in run["invocations"][0]["toolExecutionNotifications"]]
    assert notes == ["waiver 3 (rig.invalid-deltas on AU1_L) matches no finding (stale: remove it)"]


def test_markdown_is_a_pull_request_comment(tmp_path, gate_rigs):
    folder = project(tmp_path, gate_rigs)
    result = cli("audit", "rigs", "--format", "markdown", cwd=folder, today="2026-04-01")
    assert result.returncode == 1
    text = result.stdout
    assert text.startswith("### facs-audit: fails the gate\n")
    table = [line for line in text.splitlines() if line.startswith("| `rigs/")]
    assert [row.split("|")[1].strip() for row in table] == [
        f"`rigs/{name}.blend`" for name in ("clean", "missing-au12-right", "pair-mismatch", "sides-swapped",
                                            "unknown-name")]
    assert table[3].endswith("| 2 | 0 | 0 | fails |") and table[1].endswith("| 1 | 0 | 0 | passes |")
    top = text.split("#### Top findings\n")[1].split("<details>")[0]
    items = re.findall(r"^\d+\. \*\*(\w+)\*\* `([\w.-]+)`", top, flags=re.M)
    # the unwaived errors (expired waiver) first, then the warning; the waived error is collapsed. The two
    # swapped sides of AU12 are one root cause (one group): one item that names both shapes
    assert items == [("error", "symmetry.sides-swapped"), ("warning", "symmetry.pair-mismatch")]
    swapped = top.split("symmetry.pair-mismatch")[0]
    assert "AU12_L" in swapped and "AU12_R" in swapped
    details = text.split("<details>")[1]
    assert "coverage.missing-side" in details and "waived until 2026-12-31" in details
    assert "#### Waivers to look at" in text and "expired on 2026-03-31" in text


def test_sarif_on_a_real_rig(tmp_path):
    rig = REAL_RIGS / "ict_facekit" / "ict_facekit_57shapes.glb"
    if not rig.is_file():
        pytest.skip(f"{rig} not present")
    result = cli("audit", rig, "--format", "sarif", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    run = validate_sarif(result.stdout)["runs"][0]
    found = sorted((r["ruleId"], r["level"]) for r in run["results"])
    assert found == [("coverage.missing-au", "error"), ("naming.duplicate-mapping", "error"),
                     ("naming.duplicate-mapping", "error"), ("naming.mixed-conventions", "warning"),
                     ("naming.unknown-name", "warning")]
    assert all(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == rig.as_uri() for r in run["results"])
    names = {loc["name"] for r in run["results"] for loc in r["locations"][0]["logicalLocations"]}
    assert {"ICTFaceModel", "cheekSquint_L", "cheekRaiser_L", "PupilDilate_R"} <= names


def test_waiver_matching_rules(tmp_path):
    import datetime

    from facs_audit_addon.core.model import Finding, RigReport
    from facs_audit_addon.core.waivers import Waiver, Waivers

    def finding(rule, shapes=(), aus=()):
        return Finding(rule=rule, category=rule.split(".")[0], severity="error", message=f"{rule} {shapes}",
                       shapes=shapes, aus=aus)

    pair = finding("symmetry.pair-mismatch", ("AU12_L", "AU12_R"), ("AU12",))
    frown = finding("symmetry.pair-mismatch", ("AU15_L", "AU15_R"), ("AU15",))
    tongue = finding("coverage.missing-au", (), ("AD19",))
    jaw = finding("coverage.missing-au", (), ("AU26",))
    reports = [RigReport(str(tmp_path / "chars" / "hero.blend"), "Face", "", "", (), (pair, frown, tongue, jaw), 1, 4),
               RigReport(str(tmp_path / "props" / "hero.blend"), "Face", "", "", (), (pair,), 1, 1)]
    day = datetime.date(2026, 6, 1)
    entries = [
        Waiver(1, "symmetry.pair-mismatch", ("AU12_L",), "only one of the pair listed", day),  # matches nothing
        Waiver(2, "symmetry.pair-mismatch", ("AU12_*",), "old", datetime.date(2026, 5, 31)),  # expired
        Waiver(3, "symmetry.pair-mismatch", ("AU12_L", "AU12_R"), "by design", day, file="chars/*.blend"),
        Waiver(4, "coverage.missing-au", (), "no tongue in this show", day, aus=("AD19",)),
    ]
    waivers = Waivers(entries, day=day, root=tmp_path).apply(reports)
    hero, prop = reports
    assert waivers.match(hero, pair) == (entries[2], True)  # the unexpired match wins over the expired one
    assert waivers.match(prop, pair) == (entries[1], False)  # outside chars/: only the expired waiver
    assert waivers.match(hero, frown) is None
    assert waivers.match(hero, tongue) == (entries[3], True) and waivers.match(hero, jaw) is None
    assert [waivers.status(w) for w in entries] == ["stale", "expired", "active", "active"]
    assert waivers.counts == {1: 0, 2: 2, 3: 1, 4: 1}
    assert waivers.notes() == [
        "waiver 1 (symmetry.pair-mismatch on AU12_L) matches no finding (stale: remove it)",
        "waiver 2 (symmetry.pair-mismatch on AU12_*) expired on 2026-05-31: 2 findings count again"]
    assert Waivers(entries[1:2], day=datetime.date(2026, 5, 31)).apply(reports).silences(prop, pair)  # last day


def test_markdown_stays_under_the_comment_size_limit():
    from facs_audit_addon.core.model import Finding, RigReport
    from facs_audit_addon.core.report_markdown import MAX_CHARS, to_markdown
    from facs_audit_addon.output import Batch

    findings = tuple(Finding(rule="naming.unknown-name", category="naming", severity="warning",
                             message=f"1 shape name(s) match no naming convention: shape{i:05d} | x.", shapes=(f"s{i}",))
                     for i in range(3000))
    text = to_markdown(Batch([RigReport("big.blend", "Face", "generic", "", (), findings, 10, 3000)]), "error")
    assert len(text) < MAX_CHARS
    assert "### facs-audit: passes the gate" in text
    assert text.count("\n1. ") + text.count("\n10. ") == 2  # ten groups on top
    more = int(re.search(r"\| \.\.\. and (\d+) more: see the JSON or SARIF report \|", text).group(1))
    rows = text.split("<details>")[1].count("\n| warning |")
    assert rows + more == 3000 - 10
    assert "shape00000 \\| x." in text  # a pipe in a message does not break the table


def test_a_bad_today_override_is_one_line(tmp_path, gate_rigs):
    result = cli("audit", gate_rigs / "rigs" / "clean.blend", cwd=tmp_path, today="next tuesday")
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.strip() == ("facs-audit: error: FACS_AUDIT_TODAY='next tuesday': expected an ISO date "
                                     "like 2026-12-31")
