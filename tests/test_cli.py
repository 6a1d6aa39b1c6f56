"""The command line on real .blend files: exit codes, exact findings, clean stdout, untouched files.

Every rig here is built or edited by real Blender (the bpy module, in this process) and saved as a
.blend. The CLI runs in this process (``cli.main``) with its output captured at file descriptors 1
and 2, so a Blender log line on stdout would show in the report; the smoke tests at the end run
``python -m facs_audit_addon`` as a user does.
"""

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

bpy = pytest.importorskip("bpy")

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def audit(cli):
    """``audit(*args)``: ``audit ARGS`` run in this process (see conftest.cli)."""
    return lambda *args: cli("audit", *args)


def run_module(*args, **kwargs):
    """``python -m facs_audit_addon ARGS`` in a fresh process, as a user runs it."""
    return subprocess.run([sys.executable, "-m", "facs_audit_addon", *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, timeout=300, **kwargs)


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    """The clean sample face (FACS code names) as a .blend."""
    from sample_rigs.build_blend import write_blend

    return write_blend(tmp_path_factory.mktemp("rigs") / "sample_face.blend", naming="facs")


def edited(rig, out, edit):
    """A copy of ``rig`` saved as ``out`` after ``edit(obj, keys)`` changed its Face object in Blender."""
    bpy.ops.wm.open_mainfile(filepath=str(rig))
    obj = bpy.data.objects["Face"]
    edit(obj, obj.data.shape_keys.key_blocks)
    bpy.ops.wm.save_as_mainfile(filepath=str(out), compress=False)
    return out


def remove(*names):
    """An edit that deletes the shape keys ``names``."""
    def edit(obj, keys):
        for name in names:
            obj.shape_key_remove(keys[name])
    return edit


def findings(result):
    assert result.stdout.lstrip().startswith("{"), result.stdout[:200]
    document = json.loads(result.stdout)
    return [(f["rule"], f["severity"], tuple(f["shapes"]), tuple(f["aus"])) for r in document["rigs"]
            for f in r["findings"]]


def test_clean_sample_rig_passes_facs_core(sample, audit):
    result = audit(sample, "--profile", "facs-core")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines()[-1].endswith(" 0 errors, 0 warnings, 0 info")


def test_json_stdout_is_only_the_report_and_byte_identical(sample, audit):
    first = audit(sample, "--profile", "facs-core", "--format", "json")
    second = audit(sample, "--profile", "facs-core", "--format", "json")
    assert first.returncode == 0
    json.loads(first.stdout)  # nothing but the JSON document on stdout (Blender's log lines went to stderr)
    assert first.stdout == second.stdout


def test_renamed_key_is_unknown(sample, tmp_path, audit):
    def rename(obj, keys):
        keys["AU14_L"].name = "blorp"
    rig = edited(sample, tmp_path / "renamed.blend", rename)
    result = audit(rig, "--profile", "facs-core", "--format", "json", "--fail-on", "warning")
    assert result.returncode == 1
    found = findings(result)
    assert ("naming.unknown-name", "warning", ("blorp",), ()) in found
    assert ("coverage.missing-side", "error", ("AU14_R",), ("AU14",)) in found


def test_deleted_right_side(sample, tmp_path, audit):
    rig = edited(sample, tmp_path / "no_au12r.blend", remove("AU12_R"))
    result = audit(rig, "--profile", "facs-core", "--format", "json")
    assert result.returncode == 1
    errors = [f for f in findings(result) if f[1] == "error"]
    assert errors == [("coverage.missing-side", "error", ("AU12_L",), ("AU12",))]


def test_deleted_au23_vertical_under_film(sample, tmp_path, audit):
    assert audit(sample, "--profile", "facs-film").returncode == 0
    rig = edited(sample, tmp_path / "no_au23v.blend", remove("AU23V"))
    result = audit(rig, "--profile", "facs-film", "--format", "json")
    assert result.returncode == 1
    errors = [f for f in findings(result) if f[1] == "error"]
    assert errors == [("coverage.missing-variant", "error", ("AU23H",), ("AU23",))]


def test_audit_never_writes_the_rig(sample, audit):
    before = hashlib.sha256(sample.read_bytes()).hexdigest(), sample.stat().st_mtime_ns
    assert audit(sample, "--format", "json").returncode == 0
    assert (hashlib.sha256(sample.read_bytes()).hexdigest(), sample.stat().st_mtime_ns) == before
    assert not sample.with_suffix(".blend1").exists()


@pytest.mark.parametrize("argv, message", [
    (["missing.blend"], "facs-audit: error: missing.blend: no such file"),
    (["README.md"], "facs-audit: error: README.md: unsupported file type '.md'"),
])
def test_bad_inputs_exit_2(argv, message, audit):
    result = audit(*argv)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[0].startswith(message)
    assert "Traceback" not in result.stderr


def test_malformed_rules_file_exit_2(sample, tmp_path, audit):
    bad = tmp_path / "studio.toml"
    bad.write_text('[profile]\nname = "studio"\nextends = "base"\nrequire = [{ au = "AU99" }]\n')
    result = audit(sample, "--profile", str(bad))
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1] == (
        f"facs-audit: error: {bad}: profile.require[0].au: unknown action 'AU99' (not in catalog.toml)")


def test_unknown_profile_is_a_usage_error(sample, audit):
    result = audit(sample, "--profile", "nope")
    assert result.returncode == 2
    assert result.stderr.strip() == ("facs-audit: error: unknown profile 'nope' "
                                     "(known: arkit-52, facs-core, facs-film, generic)")


def test_junit_output_file(sample, tmp_path, audit):
    out = tmp_path / "report.xml"
    result = audit(sample, "--format", "junit", "--output", out)
    assert result.returncode == 0 and result.stdout == ""
    import xml.etree.ElementTree as ET
    suite = ET.parse(out).getroot().find("testsuite")
    assert suite.get("name").endswith(":Face") and suite.get("failures") == "0"


def _export_usd(out):
    bpy.ops.wm.usd_export(filepath=out, selected_objects_only=True, export_shapekeys=True)


def _export_gltf(out):
    # no morph normals (the audit reads positions only): 4.0 s -> 0.35 s of exporting
    bpy.ops.export_scene.gltf(filepath=out, use_selection=True, export_morph=True, export_morph_normal=False)


def _export_fbx(out):
    bpy.ops.export_scene.fbx(filepath=out, use_selection=True)


@pytest.mark.parametrize("suffix, export", [(".usdc", _export_usd), (".glb", _export_gltf), (".fbx", _export_fbx)])
def test_delivery_formats_audit_like_the_blend(sample, tmp_path, suffix, export, audit):
    """The sample face exported by Blender and read back through its importers is still clean."""
    out = tmp_path / f"face{suffix}"
    bpy.ops.wm.open_mainfile(filepath=str(sample))
    obj = bpy.data.objects["Face"]
    bpy.context.view_layer.objects.active = obj
    obj.select_set(True)
    export(str(out))
    result = audit(out, "--profile", "facs-core", "--format", "json")
    assert result.returncode == 0, result.stdout[-3000:]
    document = json.loads(result.stdout)
    rig, = document["rigs"]
    assert rig["shapes"] == 70 and rig["convention"] == "facs-code"
    assert [f for f in rig["findings"] if f["severity"] == "error"] == []


def _nan_basis(obj, keys):
    keys["Basis"].data[0].co = (float("nan"), 0.0, 0.0)


def _no_mesh(obj, keys):
    bpy.data.objects.remove(obj)


def _no_shape_keys(obj, keys):
    obj.shape_key_clear()


@pytest.mark.parametrize("edit, message", [
    (_nan_basis, "the basis holds NaN or infinite coordinates"),
    (_no_mesh, "has no mesh"),
    (_no_shape_keys, "has no mesh with shape keys"),
])
def test_unusable_rigs_are_one_line_exit_2(sample, tmp_path, edit, message, audit):
    rig = edited(sample, tmp_path / "unusable.blend", edit)
    before = rig.read_bytes()
    result = audit(rig, "--format", "json")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1].endswith(message)
    assert "Traceback" not in result.stderr
    assert json.loads(result.stdout)["errors"][0]["message"].endswith(message)
    assert rig.read_bytes() == before


def test_object_option(sample, audit):
    assert audit(sample, "--object", "Face", "--profile", "facs-core").returncode == 0
    missing = audit(sample, "--object", "Head")
    assert missing.returncode == 2 and missing.stderr.strip().endswith("no object named 'Head'")


def test_profiles_command_lists_profiles_and_conventions(cli):
    result = cli("profiles")
    assert result.returncode == 0
    names = {line.split()[0] for line in result.stdout.splitlines() if line.startswith("  ")}
    assert {"facs-core", "facs-film", "arkit-52", "generic", "arkit", "facs-code", "facs-name"} <= names


def test_baseline_gates_only_new_findings(sample, tmp_path, audit):
    """A studio accepts today's known problems and fails the delivery only on new ones."""
    rig = edited(sample, tmp_path / "no_au12r.blend", remove("AU12_R"))
    baseline = tmp_path / "accepted.json"
    first = audit(rig, "--profile", "facs-core", "--format", "json", "--output", baseline)
    assert first.returncode == 1
    assert audit(rig, "--profile", "facs-core", "--baseline", baseline).returncode == 0
    (tmp_path / "worse").mkdir()  # the same file name: the baseline matches findings by file name
    worse = edited(rig, tmp_path / "worse" / rig.name, remove("AU14_L"))
    result = audit(worse, "--profile", "facs-core", "--baseline", baseline, "--format", "json")
    assert result.returncode == 1
    # the missing sides are one line; it is new because one of its gaps (AU14) is
    new = [(f["aus"], f["measures"]["gaps"]) for r in json.loads(result.stdout)["rigs"] for f in r["findings"]
           if not f["known"]]
    assert new == [(["AU12", "AU14"], [["AU12", "R"], ["AU14", "L"]])]
    # and known again once the baseline has both
    accepted = tmp_path / "accepted_worse.json"
    audit(worse, "--profile", "facs-core", "--format", "json", "--output", accepted)
    (tmp_path / "fixed").mkdir()
    fixed = edited(worse, tmp_path / "fixed" / rig.name, remove("AU20_L"))
    assert audit(fixed, "--profile", "facs-core", "--baseline", accepted).returncode == 1
    assert audit(worse, "--profile", "facs-core", "--baseline", accepted).returncode == 0
    # a gap fixed since: the remaining one is still known, on a line of its own
    assert audit(rig, "--profile", "facs-core", "--baseline", accepted).returncode == 0
    bad = audit(rig, "--baseline", tmp_path / "missing.json")
    assert bad.returncode == 2 and "cannot read the baseline" in bad.stderr


def test_unwritable_output_is_one_line_exit_2(sample, tmp_path, audit):
    result = audit(sample, "--output", tmp_path / "no" / "such" / "dir" / "report.json")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1].endswith("cannot write the report (No such file or directory)")


# -- smoke tests: the command as a user runs it, in a fresh process --------------------------------

@pytest.mark.slow  # a fresh interpreter: the entry point as a user runs it
def test_module_entry_point_gives_the_in_process_report(sample, audit, tmp_path):
    """``python -m facs_audit_addon audit``: the same bytes on stdout as in process, nothing else on it.

    The process skips Blender's teardown at exit: the whole report is written before, and Blender's
    session temp folder is still removed.
    """
    import os

    expected = audit(sample, "--profile", "facs-core", "--format", "json")
    result = run_module("audit", sample, "--profile", "facs-core", "--format", "json",
                        env={**os.environ, "TMPDIR": str(tmp_path)})
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout == expected.stdout
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith("blender_")] == []


@pytest.mark.slow  # a fresh interpreter: the entry point as a user runs it
def test_module_entry_point_fails_with_one_line(sample, tmp_path):
    """A corrupt file and a bad rigs folder: exit 2, one error line each, no traceback."""
    bad = tmp_path / "corrupt.blend"
    bad.write_bytes(b"BLENDER-v500 this is not a blend file" * 10)
    result = run_module("audit", sample, bad, "--format", "json")
    assert result.returncode == 2
    errors = [line for line in result.stderr.splitlines() if line.startswith("facs-audit: error:")]
    assert len(errors) == 1 and errors[0].startswith(f"facs-audit: error: {bad}: cannot read the file")
    assert "Traceback" not in result.stderr
    document = json.loads(result.stdout)
    assert [r["file"] for r in document["rigs"]] == [str(sample)]
    assert [e["file"] for e in document["errors"]] == [str(bad)]
