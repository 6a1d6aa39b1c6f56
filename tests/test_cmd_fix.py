"""``python -m facs_audit_addon fix``: one command takes a rig from audit to fixed to a clean re-audit,
never touches its input, and fails bad input in one line with exit code 2.

Rigs are built by real Blender (sample_rigs/build_blend.py's write_blend, in this process). Every command
runs through the in-process ``cli`` fixture (tests/conftest.py), which sees exit code and file descriptors
1 and 2 as a separate process would; tests/test_cli.py runs ``python -m facs_audit_addon`` as a real process.
"""

import shutil
import sys
from pathlib import Path

import pytest

pytest.importorskip("bpy")

sys.path.insert(0, str(Path(__file__).parent))

from blend_helpers import digest, run_once, write_variants  # noqa: E402
from rig_paths import ROCKETBOX  # noqa: E402


@pytest.fixture
def run(cli):
    return cli


@pytest.fixture(scope="module")
def rigs(tmp_path_factory):
    return write_variants(tmp_path_factory.mktemp("fix_rigs"), ("pair-mismatch", "duplicate-mapping"))


def test_one_command_from_audit_to_clean(run, rigs, tmp_path):
    """The issue's 'done when': a mirrored-pair defect, audited, fixed with one command, re-audited clean."""
    rig = rigs / "pair-mismatch.blend"
    before = digest(rig)
    audited = run("audit", rig, "--profile", "facs-film")
    assert audited.returncode == 1 and "symmetry.pair-mismatch" in audited.stdout
    out = tmp_path / "fixed.blend"
    fixed = run("fix", rig, "--output", out, "--profile", "facs-film")
    assert fixed.returncode == 0, fixed.stderr
    assert fixed.stdout.splitlines() == [
        f"{rig}: Face: AU12_R: replaced by the mirror image of AU12_L (mirror-left-to-right, symmetry.pair-mismatch)",
        f"{rig}: 1 change(s), written to {out}; re-audit: 0 errors, 0 warnings, 0 info",
    ]
    assert digest(rig) == before  # the input is only read
    again = run("audit", out, "--profile", "facs-film")
    assert again.returncode == 0 and "no findings" in again.stdout


def test_in_place_overwrites_the_input(run, rigs, tmp_path):
    rig = tmp_path / "rig.blend"
    shutil.copy(rigs / "pair-mismatch.blend", rig)
    before = digest(rig)
    fixed = run("fix", rig, "--in-place", "--profile", "facs-film")
    assert fixed.returncode == 0, fixed.stderr
    assert digest(rig) != before
    assert run("audit", rig, "--profile", "facs-film").returncode == 0


def test_rename_and_delete_only_when_named(run, rigs, tmp_path):
    rig = rigs / "duplicate-mapping.blend"
    out = tmp_path / "out.blend"
    untouched = run("fix", rig, "--output", out, "--profile", "facs-film")
    assert untouched.returncode == 1  # the duplicate (an error) is left: deleting is not a safe fix
    assert untouched.stdout.splitlines()[0].startswith(f"{rig}: 0 change(s), written to {out}")
    for only in ("delete-duplicate", "naming.duplicate-mapping"):
        fixed = run("fix", rig, "--output", out, "--profile", "facs-film", "--only", only)
        assert fixed.returncode == 0, fixed.stderr
        assert fixed.stdout.splitlines()[0] == \
            f"{rig}: Face: AU012_L: deleted (duplicate of AU12_L) (delete-duplicate, naming.duplicate-mapping)"


@pytest.mark.parametrize("case", ["missing", "not-a-rig", "unwritable", "same-file", "no-output", "unknown-only",
                                  "in-place-fbx"])
def test_bad_input_is_one_line_and_exit_2(run, rigs, tmp_path, case):
    rig = rigs / "pair-mismatch.blend"
    garbage = tmp_path / "garbage.blend"
    garbage.write_bytes(b"not a blend file at all")
    fbx = tmp_path / "rig.fbx"
    fbx.write_bytes(b"x")
    args = {
        "missing": (tmp_path / "nope.blend", "--output", tmp_path / "o.blend"),
        "not-a-rig": (garbage, "--output", tmp_path / "o.blend"),
        "unwritable": (rig, "--output", tmp_path / "no" / "such" / "folder" / "o.blend"),
        "same-file": (rig, "--output", rig),
        "no-output": (rig,),
        "unknown-only": (rig, "--output", tmp_path / "o.blend", "--only", "make-it-nice"),
        "in-place-fbx": (fbx, "--in-place"),
    }[case]
    before = digest(rig)
    result = run("fix", *args)
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("facs-audit: "), result.stderr
    assert "Traceback" not in result.stderr
    assert digest(rig) == before


@pytest.mark.skipif(not ROCKETBOX.is_file(), reason=f"shared real rig not found: {ROCKETBOX}")
def test_safe_fixes_on_rocketbox(run, tmp_path, monkeypatch):
    """FBX in, .blend out: every mismatched pair mirrored and every lopsided bilateral shape symmetrized
    (as many changes as the audit of the input has such findings); what is left needs a rigger (exit 1:
    errors remain), and the summary line counts what a fresh audit of the output finds. Independent fixes
    share one re-audit: a few rounds, not one re-audit per fix."""
    import json

    from facs_audit_addon.core import AuditSession
    # the very audit tests/test_real_rigs.py and test_sranipal.py read: run once per test run
    before = json.loads(run_once(run, "audit", ROCKETBOX, "--format", "json", "--fail-on", "never").stdout)
    before = before["rigs"][0]["findings"]
    out = tmp_path / "rocketbox_fixed.blend"
    calls = {"audit": 0, "update": 0}
    for method in calls:
        def counted(self, *args, _method=getattr(AuditSession, method), _name=method):
            calls[_name] += 1
            return _method(self, *args)
        monkeypatch.setattr(AuditSession, method, counted)
    fixed = run("fix", ROCKETBOX, "--output", out)
    monkeypatch.undo()
    assert fixed.returncode == 1, fixed.stderr[-2000:]
    lines = fixed.stdout.splitlines()
    pairs = sum(f["rule"] == "symmetry.pair-mismatch" for f in before)
    lopsided = sum(f["rule"] == "symmetry.bilateral-asymmetric" for f in before)
    assert pairs > 10 and lopsided > 2
    assert sum("replaced by the mirror image" in line for line in lines) == pairs
    # a bilateral shape that is a mirrored pair's sum (AU_12 = AU_12_L + AU_12_R) is rebuilt from the fixed pair
    assert any(": AU_12_LipCornerPuller: rebuilt as AU_12_L_LipCornerPuller + AU_12_R_LipCornerPuller" in line
               for line in lines)
    assert sum("(symmetrize-" in line for line in lines) == lopsided
    report = json.loads(run("audit", out, "--format", "json").stdout)
    rules = {f["rule"] for f in report["rigs"][0]["findings"]}
    assert not rules & {"symmetry.pair-mismatch", "symmetry.bilateral-asymmetric"}
    counts = report["rigs"][0]["summary"]
    changes = sum(" (mirror-" in line or " (symmetrize-" in line for line in lines)
    assert lines[-1].endswith(f"{changes} change(s), written to {out}; re-audit: {counts['error']} errors, "
                              f"{counts['warning']} warnings, {counts['info']} info")
    assert counts["error"] < sum(f["severity"] == "error" for f in before)
    # 40 changes in 3 rounds: 3 updates, and the full audits before and after
    assert changes == 40 and calls["update"] <= 4 and calls["audit"] <= 3, calls
