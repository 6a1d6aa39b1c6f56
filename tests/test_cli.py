"""The headless CLI on real .blend files: exit codes, exact findings, clean stdout, untouched files.

Every rig here is built by real Blender (the bpy module) in a subprocess and saved as a .blend.
"""

import hashlib
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def run(*args, cwd=ROOT):
    return subprocess.run([sys.executable, *args], cwd=cwd, capture_output=True, text=True, timeout=300)


def audit(*args):
    return run("-m", "facs_audit_addon", "audit", *map(str, args))


def bpy_script(code):
    # exit_now after the work: bpy 4.2 as a module can crash while tearing down after the glTF
    # exporter ran; the files are written by then and the audit itself runs in another process.
    code = textwrap.dedent(code) + "\nfrom facs_audit_addon.process import exit_now\nexit_now(0)\n"
    result = run("-c", code)
    assert result.returncode == 0, result.stderr[-2000:]
    return result


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    """The clean sample face (FACS code names) as a .blend."""
    path = tmp_path_factory.mktemp("rigs") / "sample_face.blend"
    result = run("sample_rigs/build_blend.py", str(path), "--naming", "facs")
    assert result.returncode == 0, result.stderr[-2000:]
    return path


def edited(sample, tmp_path, edit):
    """A copy of the sample rig with ``edit`` (Python using ``keys``) applied by Blender and saved."""
    out = tmp_path / "edited.blend"
    bpy_script(f"""
        import bpy
        bpy.ops.wm.open_mainfile(filepath={str(sample)!r})
        obj = bpy.data.objects["Face"]
        keys = obj.data.shape_keys.key_blocks
        {edit}
        bpy.ops.wm.save_as_mainfile(filepath={str(out)!r})
    """)
    return out


def findings(result):
    assert result.stdout.lstrip().startswith("{"), result.stdout[:200]
    document = json.loads(result.stdout)
    return [(f["rule"], f["severity"], tuple(f["shapes"]), tuple(f["aus"])) for r in document["rigs"]
            for f in r["findings"]]


def test_clean_sample_rig_passes_facs_core(sample):
    result = audit(sample, "--profile", "facs-core")
    assert result.returncode == 0, result.stdout + result.stderr
    assert " 0 errors" in result.stdout.splitlines()[-1]


def test_json_stdout_is_only_the_report_and_byte_identical(sample):
    first = audit(sample, "--profile", "facs-core", "--format", "json")
    second = audit(sample, "--profile", "facs-core", "--format", "json")
    assert first.returncode == 0
    json.loads(first.stdout)  # nothing but the JSON document on stdout
    assert first.stdout == second.stdout


def test_renamed_key_is_unknown(sample, tmp_path):
    rig = edited(sample, tmp_path, 'keys["AU14_L"].name = "blorp"')
    result = audit(rig, "--profile", "facs-core", "--format", "json", "--fail-on", "warning")
    assert result.returncode == 1
    found = findings(result)
    assert ("naming.unknown-name", "warning", ("blorp",), ()) in found
    assert ("coverage.missing-side", "error", ("AU14_R",), ("AU14",)) in found


def test_deleted_right_side(sample, tmp_path):
    rig = edited(sample, tmp_path, 'obj.shape_key_remove(keys["AU12_R"])')
    result = audit(rig, "--profile", "facs-core", "--format", "json")
    assert result.returncode == 1
    errors = [f for f in findings(result) if f[1] == "error"]
    assert errors == [("coverage.missing-side", "error", ("AU12_L",), ("AU12",))]


def test_deleted_au23_vertical_under_film(sample, tmp_path):
    assert audit(sample, "--profile", "facs-film").returncode == 0
    rig = edited(sample, tmp_path, 'obj.shape_key_remove(keys["AU23V"])')
    result = audit(rig, "--profile", "facs-film", "--format", "json")
    assert result.returncode == 1
    errors = [f for f in findings(result) if f[1] == "error"]
    assert errors == [("coverage.missing-variant", "error", ("AU23H",), ("AU23",))]


def test_audit_never_writes_the_rig(sample):
    before = hashlib.sha256(sample.read_bytes()).hexdigest(), sample.stat().st_mtime_ns
    audit(sample, "--format", "json")
    assert (hashlib.sha256(sample.read_bytes()).hexdigest(), sample.stat().st_mtime_ns) == before
    assert not sample.with_suffix(".blend1").exists()


def test_corrupt_blend_is_one_line_exit_2(tmp_path):
    bad = tmp_path / "corrupt.blend"
    bad.write_bytes(b"BLENDER-v500 this is not a blend file" * 10)
    result = audit(bad)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert [line for line in lines if line.startswith("facs-audit: error:")] == [lines[-1]] or \
        any(line.startswith("facs-audit: error:") for line in lines)
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("argv, message", [
    (["missing.blend"], "missing.blend"),
    (["README.md"], "README.md"),
])
def test_bad_inputs_exit_2(argv, message):
    result = audit(*argv)
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr


def test_malformed_rules_file_exit_2(sample, tmp_path):
    bad = tmp_path / "studio.toml"
    bad.write_text('[profile]\nname = "studio"\nextends = "base"\nrequire = [{ au = "AU99" }]\n')
    result = audit(sample, "--profile", str(bad))
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1] == (
        f"facs-audit: error: {bad}: profile.require[0].au: unknown action 'AU99' (not in catalog.toml)")


def test_unknown_profile_is_a_usage_error(sample):
    result = audit(sample, "--profile", "nope")
    assert result.returncode == 2
    assert result.stderr.strip() == ("facs-audit: error: unknown profile 'nope' "
                                     "(known: arkit-52, facs-core, facs-film, generic)")


def test_junit_output_file(sample, tmp_path):
    out = tmp_path / "report.xml"
    result = audit(sample, "--format", "junit", "--output", out)
    assert result.returncode == 0 and result.stdout == ""
    import xml.etree.ElementTree as ET
    suite = ET.parse(out).getroot().find("testsuite")
    assert suite.get("name").endswith(":Face") and suite.get("failures") == "0"


@pytest.mark.parametrize("suffix, export", [
    (".usdc", "bpy.ops.wm.usd_export(filepath=out, selected_objects_only=True, export_shapekeys=True)"),
    (".glb", "bpy.ops.export_scene.gltf(filepath=out, use_selection=True, export_morph=True)"),
    (".fbx", "bpy.ops.export_scene.fbx(filepath=out, use_selection=True)"),
])
def test_delivery_formats_audit_like_the_blend(sample, tmp_path, suffix, export):
    """The sample face exported by Blender and read back through its importers is still clean."""
    out = tmp_path / f"face{suffix}"
    bpy_script(f"""
        import bpy
        bpy.ops.wm.open_mainfile(filepath={str(sample)!r})
        obj = bpy.data.objects["Face"]
        bpy.context.view_layer.objects.active = obj
        obj.select_set(True)
        out = {str(out)!r}
        {export}
    """)
    result = audit(out, "--profile", "facs-core", "--format", "json")
    assert result.returncode == 0, result.stdout[-3000:]
    document = json.loads(result.stdout)
    rig, = document["rigs"]
    assert rig["shapes"] == 70 and rig["convention"] == "facs-code"
    assert [f for f in rig["findings"] if f["severity"] == "error"] == []


@pytest.mark.parametrize("edit, message", [
    ('keys["Basis"].data[0].co = (float("nan"), 0.0, 0.0)', "the basis holds NaN or infinite coordinates"),
    ('bpy.data.objects.remove(obj)', "has no mesh"),
    ('obj.shape_key_clear()', "has no mesh with shape keys"),
])
def test_unusable_rigs_are_one_line_exit_2(sample, tmp_path, edit, message):
    rig = edited(sample, tmp_path, edit)
    before = rig.read_bytes()
    result = audit(rig, "--format", "json")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1].endswith(message)
    assert "Traceback" not in result.stderr
    assert json.loads(result.stdout)["errors"][0]["message"].endswith(message)
    assert rig.read_bytes() == before


def test_object_option(sample):
    assert audit(sample, "--object", "Face", "--profile", "facs-core").returncode == 0
    missing = audit(sample, "--object", "Head")
    assert missing.returncode == 2 and missing.stderr.strip().endswith("no object named 'Head'")


def test_profiles_command_lists_profiles_and_conventions():
    result = run("-m", "facs_audit_addon", "profiles")
    assert result.returncode == 0
    names = {line.split()[0] for line in result.stdout.splitlines() if line.startswith("  ")}
    assert {"facs-core", "facs-film", "arkit-52", "generic", "arkit", "facs-code", "facs-name"} <= names


def test_baseline_gates_only_new_findings(sample, tmp_path):
    """A studio accepts today's known problems and fails the delivery only on new ones."""
    rig = edited(sample, tmp_path, 'obj.shape_key_remove(keys["AU12_R"])')
    baseline = tmp_path / "accepted.json"
    first = audit(rig, "--profile", "facs-core", "--format", "json", "--output", baseline)
    assert first.returncode == 1
    assert audit(rig, "--profile", "facs-core", "--baseline", baseline).returncode == 0
    (tmp_path / "worse").mkdir()
    worse = edited(rig, tmp_path / "worse", 'obj.shape_key_remove(keys["AU14_L"])')
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
    fixed = edited(worse, tmp_path / "fixed", 'obj.shape_key_remove(keys["AU20_L"])')
    assert audit(fixed, "--profile", "facs-core", "--baseline", accepted).returncode == 1
    assert audit(worse, "--profile", "facs-core", "--baseline", accepted).returncode == 0
    # a gap fixed since: the remaining one is still known, on a line of its own
    assert audit(rig, "--profile", "facs-core", "--baseline", accepted).returncode == 0
    bad = audit(rig, "--baseline", tmp_path / "missing.json")
    assert bad.returncode == 2 and "cannot read the baseline" in bad.stderr


def test_unwritable_output_is_one_line_exit_2(sample, tmp_path):
    result = audit(sample, "--output", tmp_path / "no" / "such" / "dir" / "report.json")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1].endswith("cannot write the report (No such file or directory)")
