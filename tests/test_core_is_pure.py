"""The core never imports Blender: it must run (and be tested) with numpy alone."""

import ast
from pathlib import Path

CORE = Path(__file__).resolve().parents[1] / "facs_audit_addon" / "core"
FORBIDDEN = {"bpy", "mathutils", "bmesh", "bpy_extras", "scipy"}


def test_core_imports_no_blender_module():
    offenders = []
    for path in sorted(CORE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            offenders += [f"{path.name}: {name}" for name in names if name.split(".")[0] in FORBIDDEN]
    assert offenders == []
