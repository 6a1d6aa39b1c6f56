"""Shared fixtures. Blender tests use the real ``bpy`` module; it is imported only by the fixtures that need it."""

import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

# The suite's two workers fill this machine's two cores, as a batch's --jobs workers do: like them, one
# BLAS thread each (a second only spins) and no huge pages for numpy's arrays (see process.py). Set
# before numpy loads; the workers inherit it. Measured: system time 15-18 s -> 10-14 s (docs/testing.md).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("NUMPY_MADVISE_HUGEPAGE", "0")

# Keep the compiled test modules (pytest's assertion rewriting) and the package's bytecode in the
# __pycache__ folders git ignores, even where the environment says not to write bytecode (this machine
# sets PYTHONDONTWRITEBYTECODE): each worker then collects in ~2.1 s of CPU instead of ~4.1 s (docs/testing.md).
sys.dont_write_bytecode = False

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


@pytest.fixture
def bpy_clean():
    """A fresh, empty Blender session (the factory startup file, no objects); yields the bpy module.

    Reset when the test starts, not again when it ends (sample_rigs.build_blend.empty_session: no test
    here leaves the preferences changed; the preferences test runs in a Blender of its own, test_panel_prefs).
    """
    bpy = pytest.importorskip("bpy")
    from sample_rigs.build_blend import empty_session
    empty_session()
    return bpy


@pytest.fixture
def registered(bpy_clean):
    """The add-on registered in this process (as the extension's register() does), unregistered after."""
    from facs_audit_addon import blender as addon
    addon.register()
    yield bpy_clean
    addon.unregister()


#: 3 x 3 grid in the XY plane (local space), vertex i at (i % 3, i // 3, 0)
GRID = [(float(i % 3), float(i // 3), 0.0) for i in range(9)]


@pytest.fixture
def make_rig(bpy_clean):
    """Build a mesh object with shape keys in the current session and return it.

    ``make_rig(shapes, name="Face", rotation=(0, 0, 0), scale=1.0, location=(0, 0, 0))``, where
    ``shapes`` maps a key name to ``{vertex index: (dx, dy, dz)}`` (local offsets from its relative
    key) or to ``(offsets, options)`` with options ``relative_key``, ``mute``, ``slider_min``,
    ``slider_max`` and ``vertex_group``. An empty ``shapes`` gives a mesh without shape keys.
    """
    bpy = bpy_clean

    def build(shapes, *, name="Face", rotation=(0.0, 0.0, 0.0), scale=1.0, location=(0.0, 0.0, 0.0), groups=()):
        mesh = bpy.data.meshes.new(name)
        mesh.from_pydata(GRID, [], [(0, 1, 4, 3), (1, 2, 5, 4), (3, 4, 7, 6), (4, 5, 8, 7)])
        obj = bpy.data.objects.new(name, mesh)
        bpy.context.scene.collection.objects.link(obj)
        obj.rotation_euler = rotation
        obj.scale = (scale,) * 3
        obj.location = location
        for group, members in dict(groups).items():
            obj.vertex_groups.new(name=group).add(list(members), 1.0, 'REPLACE')
        if shapes:
            obj.shape_key_add(name="Basis")
        for key_name, spec in shapes.items():
            offsets, options = spec if isinstance(spec, tuple) else (spec, {})
            block = obj.shape_key_add(name=key_name, from_mix=False)
            relative = mesh.shape_keys.key_blocks[options.get("relative_key", "Basis")]
            block.relative_key = relative
            for index, co in enumerate(GRID):
                offset = offsets.get(index, (0.0, 0.0, 0.0))
                block.data[index].co = [relative.data[index].co[axis] + offset[axis] for axis in range(3)]
            for option in ("mute", "slider_min", "slider_max", "vertex_group"):
                if option in options:
                    setattr(block, option, options[option])
        return obj

    return build


@pytest.fixture
def save_blend(bpy_clean, tmp_path):
    """Save the current session as ``tmp_path / name`` (default rig.blend) and return the path."""
    bpy = bpy_clean

    def save(name="rig.blend"):
        path = tmp_path / name
        bpy.ops.wm.save_as_mainfile(filepath=str(path), compress=False)
        return path

    return save


@dataclass
class CliResult:
    returncode: int
    stdout: str
    stderr: str


@pytest.fixture
def cli(capfd, monkeypatch):
    """``cli(*argv)``: run the command line in this process (``facs_audit_addon.cli.main``).

    Returns a CliResult: exit code, and what reached file descriptors 1 and 2. ``sys.stdout`` and
    ``sys.stderr`` write to those descriptors as in a real process, so output the CLI points
    elsewhere at the descriptor (Blender's and its importers' log lines) stays off stdout here too.
    """
    from facs_audit_addon.cli import main

    def run(*argv):
        capfd.readouterr()  # output of earlier work (building rigs) is not the command's
        # left open: a logging handler an importer made during the run may still hold them
        out, err = open(1, "w", closefd=False), open(2, "w", closefd=False)
        with monkeypatch.context() as patch:
            patch.setattr(sys, "stdout", out)
            patch.setattr(sys, "stderr", err)
            code = main([str(arg) for arg in argv])
            out.flush()
            err.flush()
        captured = capfd.readouterr()
        return CliResult(code, captured.out, captured.err)

    return run


# Blender 4.2 as a Python module can crash while the interpreter tears down after its glTF exporter
# ran in-process (the same happens with any add-on that registered an EnumProperty items callback).
# The results are final by then: on bpy 4.x leave straight after pytest's own last line, with
# pytest's exit status, so a teardown crash cannot turn a green run red. Blender 5.0 exits normally.
_exit_status = []


def pytest_sessionfinish(session, exitstatus):
    _exit_status.append(int(exitstatus))


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config):
    from importlib.metadata import version

    if _exit_status and int(version("bpy").split(".")[0]) < 5:
        from facs_audit_addon.process import exit_now
        exit_now(_exit_status[-1])


@pytest.fixture
def audit_json(cli):
    """``audit(path, *args)``: the CLI's JSON audit of one rig file in this process -> (result, document)."""
    pytest.importorskip("bpy")

    def audit(path, *args):
        result = cli("audit", path, "--format", "json", "--fail-on", "never", *args)
        assert "Traceback" not in result.stderr
        return result, (json.loads(result.stdout) if result.stdout.strip() else None)
    return audit


@pytest.fixture(scope="session")
def extension_zip(tmp_path_factory):
    """The extension zip built once with Blender's own tool (tools/build_extension.py)."""
    import subprocess
    out = tmp_path_factory.mktemp("build")
    done = subprocess.run([sys.executable, str(ROOT / "tools" / "build_extension.py"), "--output-dir", str(out)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return Path(done.stdout.strip().splitlines()[-1])
