"""Helpers for tests that build or read .blend files in this process (with the ``bpy`` module).

Test modules import from here, never from each other. Building a rig in this process costs what
the build costs; a subprocess would add a fresh interpreter and a fresh ``bpy`` import (1-2 s) each time.
"""

import hashlib
from pathlib import Path

from sample_rigs.build_blend import empty_session


def digest(path):
    """SHA-256 of a file's bytes."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def write_variants(folder, variants):
    """Write ``folder / f"{variant}.blend"`` for every defect variant (sample_rigs/build_blend.py's
    ``write_blend``, the code behind its command line), then leave an empty session. Returns ``folder``."""
    from sample_rigs.build_blend import write_blend
    for variant in variants:
        write_blend(Path(folder) / f"{variant}.blend", variant=variant)
    empty_session()
    return Path(folder)


def activate(bpy, obj):
    """Make ``obj`` the active and only selected object, as a rigger's click does."""
    for other in bpy.context.view_layer.objects:
        other.select_set(False)
    bpy.context.view_layer.objects.active = obj
    obj.select_set(True)


_RUNS = {}


def run_once(cli, *argv):
    """``cli(*argv)`` (the in-process ``cli`` fixture), run once per test run: tests that read the output of
    the very same command (an audit of a shared real rig, say) share its CliResult. Only for commands
    whose output depends on their arguments and the files they read, never on earlier tests."""
    key = tuple(str(arg) for arg in argv)
    if key not in _RUNS:
        _RUNS[key] = cli(*key)
    return _RUNS[key]


def audit_json_once(cli, path, *args):
    """conftest's ``audit_json`` run once per test run (``run_once``): -> (CliResult, JSON document or None)."""
    import json

    result = run_once(cli, "audit", path, "--format", "json", "--fail-on", "never", *args)
    assert "Traceback" not in result.stderr
    return result, (json.loads(result.stdout) if result.stdout.strip() else None)
