"""The built extension: validate, build, install into a throwaway Blender home, run the operators, disable."""

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

pytest.importorskip("bpy")

ROOT = Path(__file__).resolve().parents[1]

# Runs in a child process with HOME pointing at a temporary folder, so installing the extension
# touches neither the test process's Blender nor the user's configuration.
INSTALL_AND_RUN = r"""
import json, os, sys
import bpy

zip_path = sys.argv[1]
result = {"install": sorted(bpy.ops.extensions.package_install_files(
    filepath=zip_path, repo="user_default", enable_on_install=True))}
module = "bl_ext.user_default.facs_audit"
addon_blender = sys.modules[module + ".facs_audit_addon.blender"]
result["cli_handles"] = len(addon_blender._cli_handles)
result["cli_profiles_exit"] = addon_blender._cli_command(["profiles"])

# A left-only lip-corner puller: the facs-core profile must miss its right side.
bpy.ops.mesh.primitive_grid_add(x_subdivisions=4, y_subdivisions=4)
obj = bpy.context.active_object
obj.shape_key_add(name="Basis")
obj.shape_key_add(name="AU12_L").points[0].co.z += 0.1
bpy.context.scene.facs_audit.profile = "facs-core"
result["run"] = sorted(bpy.ops.facs_audit.run_audit())
findings = bpy.context.window_manager.facs_audit.findings
result["rules"] = [f.rule for f in findings]
result["messages"] = [f.message for f in findings]
result["select"] = sorted(bpy.ops.facs_audit.select_finding(index=0))

# The CLI command as `blender -b --command facs_audit audit rig.blend` runs it; loading a file must
# leave the extension enabled (the preferences are not reset).
rig = os.path.abspath("rig.blend")
result["save"] = sorted(bpy.ops.wm.save_as_mainfile(filepath=rig))
result["cli_audit_exit"] = addon_blender._cli_command(["audit", rig, "--format", "json",
                                                       "--output", "report.json", "--fail-on", "never"])
result["cli_report_rules"] = sorted({f["rule"] for r in json.load(open("report.json"))["rigs"]
                                     for f in r["findings"]})
result["enabled_after_cli"] = module in bpy.context.preferences.addons
bpy.ops.mesh.primitive_grid_add()

# Nothing to audit: poll refuses instead of failing inside execute.
bpy.ops.object.empty_add()
result["poll_empty"] = bpy.ops.facs_audit.run_audit.poll()

bpy.ops.preferences.addon_disable(module=module)
result["disabled_handles"] = len(addon_blender._cli_handles)
result["disabled_types"] = [name for name in ("FACS_AUDIT_OT_run_audit", "FACS_AUDIT_PT_panel")
                           if hasattr(bpy.types, name)]
result["disabled_props"] = hasattr(bpy.types.Scene, "facs_audit") or hasattr(bpy.types.WindowManager, "facs_audit")
print(json.dumps(result))
"""


@pytest.mark.slow  # tools/build_extension.py runs Blender's blender_ext.py in a fresh interpreter
def test_zip_holds_the_extension_and_nothing_else(extension_zip):
    """The zip has the entry point, manifest, package and rules; no tests, tools, rigs or caches."""
    names = zipfile.ZipFile(extension_zip).namelist()
    assert {"__init__.py", "blender_manifest.toml", "LICENSE", "rules/catalog.toml",
            "facs_audit_addon/blender/operators.py"} <= set(names)
    assert any(n.startswith("rules/profiles/") for n in names)
    assert not [n for n in names if n.startswith(("tests/", "tools/", "sample_rigs/", "build/", ".")) or
                "__pycache__" in n or n.endswith(".pyc")]


@pytest.mark.slow  # a fresh interpreter with a throwaway Blender home
def test_install_run_and_disable(extension_zip, tmp_path):
    """Installed into a fresh Blender home, the operators audit a rig and disabling unregisters everything."""
    script = tmp_path / "install_and_run.py"
    script.write_text(INSTALL_AND_RUN)
    env = {**os.environ, "HOME": str(tmp_path)}
    done = subprocess.run([sys.executable, str(script), str(extension_zip)], capture_output=True, text=True,
                          env=env, cwd=tmp_path, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["install"] == ["FINISHED"]
    assert result["cli_handles"] == 1
    assert result["cli_profiles_exit"] == 0
    assert result["run"] == ["FINISHED"]
    assert "coverage.missing-side" in result["rules"]
    assert any("right side of AU12" in m for m in result["messages"])
    assert result["select"] == ["FINISHED"]
    assert result["cli_audit_exit"] == 0
    assert "coverage.missing-side" in result["cli_report_rules"]
    assert result["enabled_after_cli"] is True
    assert result["poll_empty"] is False
    assert result["disabled_handles"] == 0
    assert result["disabled_types"] == []
    assert result["disabled_props"] is False
    # the extension landed in the temporary home, not in the user's
    assert list(tmp_path.glob(".config/blender/*/extensions/user_default/facs_audit/rules/catalog.toml"))


def select_rig(bpy, obj):
    bpy.context.view_layer.objects.active = obj
    obj.select_set(True)


def test_run_audit_stores_findings(registered, make_rig):
    """The operator mirrors the report into the WindowManager results, counts included."""
    bpy = registered
    select_rig(bpy, make_rig({"AU12_L": {0: (0, 0, 0.1)}}))
    bpy.context.scene.facs_audit.profile = "facs-core"
    assert bpy.ops.facs_audit.run_audit() == {'FINISHED'}
    results = bpy.context.window_manager.facs_audit
    assert results.object_name == "Face" and results.vertex_count == 9 and results.profile == "facs-core"
    assert results.errors + results.warnings + results.infos == len(results.findings) > 0
    assert "coverage.missing-side" in {f.rule for f in results.findings}
    # the panel lists findings in the report's rank order, each with its root cause
    assert [f.rank for f in results.findings] == list(range(1, len(results.findings) + 1))
    assert all(f.group for f in results.findings)


def test_run_audit_reports_rig_errors_without_traceback(registered, make_rig):
    """A rig the core refuses (NaN basis) ends as an ERROR report and CANCELLED, not a Python traceback."""
    bpy = registered
    obj = make_rig({"AU12_L": {0: (0, 0, 0.1)}})
    obj.data.shape_keys.key_blocks["Basis"].data[0].co = (float("nan"), 0.0, 0.0)
    select_rig(bpy, obj)
    # an operator's ERROR report reaches a Python caller as RuntimeError carrying the message
    with pytest.raises(RuntimeError, match="NaN"):
        bpy.ops.facs_audit.run_audit()


def test_update_audit_rereads_the_active_key(registered, make_rig):
    """Re-audit Active Key picks up an edit of that key, like a full audit would."""
    bpy = registered
    obj = make_rig({"AU12_L": {4: (0.1, 0, 0.05)}, "AU12_R": {4: (-0.1, 0, 0.05)}})
    select_rig(bpy, obj)
    bpy.context.scene.facs_audit.profile = "generic"
    assert bpy.ops.facs_audit.run_audit() == {'FINISHED'}
    results = bpy.context.window_manager.facs_audit
    before = {f.rule for f in results.findings}
    assert "coverage.empty-shape" not in before
    # empty the right smile, as a slip of the sculpt brush would
    block = obj.data.shape_keys.key_blocks["AU12_R"]
    block.data[4].co = obj.data.shape_keys.key_blocks["Basis"].data[4].co
    obj.active_shape_key_index = obj.data.shape_keys.key_blocks.find("AU12_R")
    assert bpy.ops.facs_audit.update_audit() == {'FINISHED'}
    updated = sorted((f.rule, tuple(s.name for s in f.shapes)) for f in results.findings)
    assert ("coverage.empty-shape", ("AU12_R",)) in updated
    # what involves the edited key matches a full audit (on this 9-vertex toy grid the full audit also
    # re-estimates the face frame, which the re-audit holds, so other shapes may differ)
    assert bpy.ops.facs_audit.run_audit() == {'FINISHED'}
    full = sorted((f.rule, tuple(s.name for s in f.shapes)) for f in results.findings)
    assert [f for f in updated if "AU12_R" in f[1]] == [f for f in full if "AU12_R" in f[1]]


def test_select_finding_refuses_stale_results(registered, make_rig):
    """After the mesh changes, selecting a finding asks for a new audit instead of selecting wrong vertices."""
    bpy = registered
    obj = make_rig({"AU12_L": {0: (0, 0, 0.1)}})
    select_rig(bpy, obj)
    bpy.ops.facs_audit.run_audit()
    assert bpy.ops.facs_audit.select_finding(index=0) == {'FINISHED'}
    obj.name = "Other"
    assert bpy.ops.facs_audit.select_finding(index=0) == {'CANCELLED'}


@pytest.mark.parametrize("mode", ["OBJECT", "EDIT"])
def test_select_vertices(registered, make_rig, mode):
    """Exactly the given vertices end up selected, from Object or Edit Mode (which is kept)."""
    import numpy as np
    from facs_audit_addon.blender.operators import select_vertices
    bpy = registered
    obj = make_rig({"AU12_L": {0: (0, 0, 0.1)}})
    select_rig(bpy, obj)
    bpy.ops.object.mode_set(mode=mode)
    select_vertices(obj, np.array([2, 7, 99]))  # 99 is out of range: ignored
    assert obj.mode == mode
    bpy.ops.object.mode_set(mode='OBJECT')
    flags = np.zeros(9, dtype=bool)
    obj.data.vertices.foreach_get("select", flags)
    assert np.flatnonzero(flags).tolist() == [2, 7]
