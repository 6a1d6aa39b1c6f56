"""Preferences of the installed extension (issue 13, point 7): extra rule files or folders reach the panel's
audit (what --rules reads on the command line), the default profile applies, examples/ ships in the zip."""

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

pytest.importorskip("bpy")

ROOT = Path(__file__).resolve().parents[1]

SCRIPT = r"""
import json, sys
import bpy

bpy.ops.extensions.package_install_files(filepath=sys.argv[1], repo="user_default", enable_on_install=True)
module = "bl_ext.user_default.facs_audit"
prefs = bpy.context.preferences.addons[module].preferences
from pathlib import Path
examples = Path(sys.modules[module].__file__).parent / "examples"
result = {"examples": sorted(p.name for p in examples.glob("*.toml"))}

bpy.ops.mesh.primitive_grid_add(x_subdivisions=4, y_subdivisions=4)
obj = bpy.context.active_object
obj.shape_key_add(name="Basis")
obj.shape_key_add(name="mouth-corner-puller-left").points[0].co.z += 0.1
obj.shape_key_add(name="mouth-corner-puller-right").points[3].co.z += 0.1

def audit():
    bpy.ops.facs_audit.run_audit()
    rig = bpy.context.window_manager.facs_audit.rigs[0]
    return {"convention": rig.convention, "profile": rig.profile,
            "rules": sorted({f.rule for f in bpy.context.window_manager.facs_audit.findings})}

result["without"] = audit()
prefs.rule_paths = str(examples)            # a folder: every .toml in it
result["with"] = audit()
result["profiles"] = [p.name for p in bpy.context.window_manager.facs_audit.profiles]
prefs.default_profile = "facs-core"
result["default_profile"] = audit()
prefs.rule_paths = str(examples / "nope.toml")
try:
    bpy.ops.facs_audit.run_audit()
    result["missing"] = "no error"
except RuntimeError as error:
    result["missing"] = str(error).strip().splitlines()[-1]
print(json.dumps(result))
"""


def test_examples_ship_in_the_zip(extension_zip):
    assert "examples/mpfb_convention.toml" in zipfile.ZipFile(extension_zip).namelist()


@pytest.mark.slow  # installs the extension into a Blender user profile of its own: a fresh interpreter
def test_extra_rules_and_default_profile_from_the_preferences(extension_zip, tmp_path):
    script = tmp_path / "prefs.py"
    script.write_text(SCRIPT)
    done = subprocess.run([sys.executable, str(script), str(extension_zip)], capture_output=True, text=True,
                          env={**os.environ, "HOME": str(tmp_path)}, cwd=tmp_path, timeout=180)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["examples"] == ["mpfb_convention.toml"]
    assert result["without"]["convention"] == "" and "naming.unknown-name" in result["without"]["rules"]
    assert result["with"]["convention"] == "mpfb" and "naming.unknown-name" not in result["with"]["rules"]
    assert result["with"]["profile"] == "generic" and "auto" in result["profiles"]
    assert result["default_profile"]["profile"] == "facs-core"
    assert "rule file not found" in result["missing"] and "nope.toml" in result["missing"]
