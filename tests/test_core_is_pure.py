"""The core never imports Blender (it must run, and be tested, with numpy alone), and imports run one
way: core helpers <- checks <- engine <- adapters (Blender add-on, CLI, batch)."""

import ast
import functools
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "facs_audit_addon"
CORE = PACKAGE / "core"
FORBIDDEN = {"bpy", "mathutils", "bmesh", "bpy_extras", "scipy"}


def module_name(path):
    """``facs_audit_addon.core.checks.leakage`` for its file (packages by their __init__)."""
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path, source=None):
    """Absolute names of every module ``path`` imports, at module level or inside functions.

    Relative imports are resolved; ``from . import name`` counts as importing the submodule ``name``
    when there is one, else the package itself. A file is parsed once for the three tests that read it.
    """
    if source is None:
        return list(_file_imports(path, path.stat().st_mtime_ns))
    return _imports(path, source)


@functools.lru_cache(maxsize=None)
def _file_imports(path, mtime):
    return tuple(_imports(path, path.read_text()))


def _imports(path, source):
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(source, filename=str(path))):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[:len(anchor) - (node.level - 1)]
                base = ".".join(anchor + ([node.module] if node.module else []))
            found.append(base)
            for alias in node.names:
                target = PACKAGE.parent.joinpath(*f"{base}.{alias.name}".split("."))
                if target.with_suffix(".py").is_file() or (target / "__init__.py").is_file():
                    found.append(f"{base}.{alias.name}")
    return found


def layer(module):
    """0 core helpers, 1 checks, 2 engine, 3 adapters; None outside the package."""
    if module != "facs_audit_addon" and not module.startswith("facs_audit_addon."):
        return None
    if module.startswith("facs_audit_addon.core.checks"):
        return 1
    if module in ("facs_audit_addon.core", "facs_audit_addon.core.engine", "facs_audit_addon.core.session"):
        return 2
    if module.startswith("facs_audit_addon.core."):
        return 0
    return 3


LAYERS = ("core helper", "check", "engine", "adapter")


def test_core_imports_no_blender_module_and_nothing_outside_the_core():
    offenders = []
    for path in sorted(CORE.rglob("*.py")):
        for name in imports(path):
            outside = layer(name) is not None and not (name + ".").startswith("facs_audit_addon.core.")
            if name.split(".")[0] in FORBIDDEN or outside:
                offenders.append(f"{path.relative_to(PACKAGE)}: {name}")
    assert offenders == []


def test_imports_run_one_way():
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        mine = layer(module_name(path))
        for name in imports(path):
            theirs = layer(name)
            if theirs is not None and theirs > mine:
                offenders.append(f"{path.relative_to(PACKAGE)} ({LAYERS[mine]}) imports {name} ({LAYERS[theirs]})")
    assert offenders == []


def test_core_modules_import_each_other_without_cycles():
    # the core package itself only re-exports (core/__init__ imports its submodules): left out
    graph = {module_name(path): {name for name in imports(path) if layer(name) is not None and name != "facs_audit_addon.core"}
             for path in CORE.rglob("*.py") if path != CORE / "__init__.py"}
    cycles = []

    def visit(module, trail):
        for name in sorted(graph.get(module, ())):
            if name in trail:
                cycles.append(" -> ".join(trail[trail.index(name):] + [name]))
            elif name not in done:
                visit(name, trail + [name])
        done.add(module)

    done = set()
    for module in sorted(graph):
        if module not in done:
            visit(module, [module])
    assert cycles == []


@pytest.mark.parametrize("source, expected", [
    ("from ..blender import extract\n", {"facs_audit_addon.blender", "facs_audit_addon.blender.extract"}),
    ("from .. import cli\n", {"facs_audit_addon", "facs_audit_addon.cli"}),
    ("def f():\n    import bpy\n", {"bpy"}),
    ("from .checks.leakage import x\n", {"facs_audit_addon.core.checks.leakage"}),
])
def test_relative_and_late_imports_are_resolved(source, expected):
    """The checks above see ``from ..blender import extract`` in a core module as the Blender adapter."""
    assert set(imports(CORE / "probe.py", source)) == expected
