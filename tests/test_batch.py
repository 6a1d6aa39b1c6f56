"""``audit --jobs N``: worker processes give the same report, exit code and clean stdout as one process.

The rigs are real .blend files written by Blender (the bpy module, in this process): small symmetric
grids with FACS-coded shape keys, each rig missing different shapes so the reports differ. Batches with
workers run ``python -m facs_audit_addon`` in a fresh process, as a user runs them; the one-process
reports they are compared with come from the CLI run in this process (conftest.cli).
"""

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from sample_rigs.build_blend import empty_session

ROOT = Path(__file__).resolve().parents[1]

bpy = pytest.importorskip("bpy")

#: shape sets of the rigs: each lacks something else, so every report has its own findings
RIGS = {
    "a_full.blend": ["AU1", "AU2_L", "AU2_R", "AU12_L", "AU12_R", "AU26"],
    "b_lone_left.blend": ["AU1", "AU12_L", "AU26", "AU45_L", "AU45_R"],
    "c_unknown.blend": ["AU4", "AU12_L", "AU12_R", "mystery_shape", "AU25"],
    "d_sparse.blend": ["AU6_L", "AU6_R", "AU27"],
}


def build_rig(path, names):
    """Save a 21 x 21 grid in the XZ plane (front view, symmetric about x = 0) with a bump per shape."""
    empty_session()
    xs = np.linspace(-0.08, 0.08, 21)
    zs = np.linspace(0.0, 0.24, 21)
    verts = [(float(x), 0.0, float(z)) for z in zs for x in xs]
    faces = [(r * 21 + c, r * 21 + c + 1, (r + 1) * 21 + c + 1, (r + 1) * 21 + c) for r in range(20) for c in range(20)]
    mesh = bpy.data.meshes.new("Face")
    mesh.from_pydata(verts, [], faces)
    obj = bpy.data.objects.new("Face", mesh)
    bpy.context.scene.collection.objects.link(obj)
    obj.shape_key_add(name="Basis")
    basis = np.array(verts, dtype=np.float32)
    for i, name in enumerate(names):
        block = obj.shape_key_add(name=name, from_mix=False)
        side = -1.0 if name.endswith("_R") else 1.0
        centre = np.array([side * 0.03 if name[-2:] in ("_L", "_R") else 0.0, 0.0, 0.04 + 0.015 * i])
        weight = np.exp(-np.sum((basis - centre) ** 2, axis=1) / (2 * 0.02 ** 2))
        co = basis.copy()
        co[:, 1] -= 0.004 * weight
        co[:, 2] += 0.002 * weight
        block.data.foreach_set("co", co.ravel())
    bpy.ops.wm.save_as_mainfile(filepath=str(path), compress=False)


def run(*args, **kwargs):
    return subprocess.run([sys.executable, *map(str, args)], cwd=ROOT, capture_output=True, text=True,
                          timeout=300, **kwargs)


def audit(*args, **kwargs):
    """``python -m facs_audit_addon audit ARGS`` in a fresh process."""
    return run("-m", "facs_audit_addon", "audit", *args, **kwargs)


@pytest.fixture(scope="module")
def rigs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("batch")
    paths = []
    for name, shapes in RIGS.items():
        build_rig(folder / name, shapes)
        paths.append(folder / name)
    empty_session()
    return paths


@pytest.fixture(scope="module")
def corrupt(tmp_path_factory):
    path = tmp_path_factory.mktemp("corrupt") / "broken.blend"
    path.write_bytes(b"BLENDER-v500 this is not a blend file at all" + bytes(range(256)) * 8)
    return path


def progress_lines(stderr):
    return [line for line in stderr.splitlines() if line.startswith("facs-audit: [")]


@pytest.mark.slow  # worker processes
@pytest.mark.parametrize("form", ["json", "text"])
def test_two_jobs_give_byte_identical_reports(rigs, form, cli, tmp_path):
    """... and the workers, like the CLI (test_cli.py), remove Blender's session temp folder at their
    quick exit."""
    import os

    one = cli("audit", *rigs, "--format", form, "--jobs", "1")
    two = audit(*rigs, "--format", form, "--jobs", "2", env={**os.environ, "TMPDIR": str(tmp_path)})
    assert one.returncode == 1, one.stderr[-2000:]
    assert two.returncode == one.returncode, two.stderr[-2000:]
    assert two.stdout == one.stdout
    if form == "json":
        document = json.loads(two.stdout)  # stdout holds the report and nothing else
        assert [r["file"] for r in document["rigs"]] == [str(p) for p in rigs]
        assert len({json.dumps(r["findings"]) for r in document["rigs"]}) == len(rigs)
    # one progress line per finished rig, on stderr
    assert len(progress_lines(two.stderr)) == len(rigs)
    # "facs-audit: [i/n] PATH (rate, time left)"
    assert sorted(line.split("] ", 1)[1].rsplit(" (", 1)[0] for line in progress_lines(two.stderr)) == sorted(
        map(str, rigs))
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith("blender_")] == []


@pytest.mark.slow  # worker processes
def test_more_jobs_than_files_and_a_folder(rigs, cli, tmp_path):
    import shutil

    for rig in rigs[:2]:
        shutil.copy(rig, tmp_path / rig.name)
    one = cli("audit", tmp_path, "--format", "json")
    many = audit(tmp_path, "--format", "json", "--jobs", "3")  # one worker beside this process: two files
    assert many.returncode == one.returncode == 1
    assert many.stdout == one.stdout
    assert [r["file"] for r in json.loads(many.stdout)["rigs"]] == [str(tmp_path / rig.name) for rig in rigs[:2]]
    assert len(progress_lines(many.stderr)) == 2


@pytest.mark.slow  # worker processes
def test_corrupt_and_missing_files_among_good_ones(rigs, corrupt, cli, tmp_path):
    """Input errors in a worker or in this process: reported per file, the other files audited."""
    missing = tmp_path / "nowhere.blend"
    files = [rigs[0], corrupt, rigs[1], missing, rigs[2]]
    one = cli("audit", *files, "--format", "json", "--jobs", "1")
    two = audit(*files, "--format", "json", "--jobs", "2")
    assert one.returncode == 2 and two.returncode == 2, two.stderr[-2000:]
    assert two.stdout == one.stdout
    document = json.loads(two.stdout)
    assert [r["file"] for r in document["rigs"]] == [str(rigs[0]), str(rigs[1]), str(rigs[2])]
    assert [e["file"] for e in document["errors"]] == [str(corrupt), str(missing)]
    assert document["summary"]["input_errors"] == 2
    assert f"facs-audit: error: {corrupt}: " in two.stderr
    assert f"facs-audit: error: {missing}: no such file" in two.stderr
    assert "Traceback" not in two.stderr
    assert len(progress_lines(two.stderr)) == len(files)


@pytest.mark.parametrize("value", ["0", "-1", "two"])
def test_bad_jobs_value_is_a_usage_error(rigs, value, cli):
    result = cli("audit", rigs[0], "--jobs", value)
    assert result.returncode == 2
    assert result.stdout == ""
    assert "usage error" in result.stderr and "jobs" in result.stderr


def test_blender_binary_audits_in_process(monkeypatch):
    """Under ``blender -b --command`` (bpy.app.binary_path set) workers could not import bpy: --jobs falls back."""
    import types

    from facs_audit_addon import cli

    monkeypatch.setitem(sys.modules, "bpy", types.SimpleNamespace(app=types.SimpleNamespace(binary_path="/opt/blender")))
    assert cli._inside_blender_binary()
    monkeypatch.setitem(sys.modules, "bpy", types.SimpleNamespace(app=types.SimpleNamespace(binary_path="")))
    assert not cli._inside_blender_binary()


def test_workers_get_one_math_thread_unless_set(monkeypatch):
    import os

    from facs_audit_addon import process

    monkeypatch.delenv("OPENBLAS_NUM_THREADS", raising=False)
    monkeypatch.setenv("OMP_NUM_THREADS", "3")
    with process.single_threaded_math():
        assert os.environ["OPENBLAS_NUM_THREADS"] == "1"
        assert os.environ["OMP_NUM_THREADS"] == "3"
    assert "OPENBLAS_NUM_THREADS" not in os.environ
    assert os.environ["OMP_NUM_THREADS"] == "3"


@pytest.mark.slow  # a fresh interpreter and a worker process
def test_jobs_from_a_process_that_already_loaded_bpy(rigs, cli):
    """bpy puts Blender's script folders on sys.path; spawned workers inherit sys.path and must still
    find the bpy module, not the ``bpy`` package among those scripts."""
    script = textwrap.dedent(f"""
        import sys
        import bpy
        from facs_audit_addon.cli import main
        sys.exit(main(["audit", *{[str(p) for p in rigs]!r}, "--format", "json", "--jobs", "2"]))
    """)
    result = run("-c", script)
    assert result.returncode == 1, result.stderr[-2000:]
    assert result.stdout == cli("audit", *rigs, "--format", "json").stdout


@pytest.mark.slow  # a fresh interpreter (numpy not yet loaded)
def test_a_batch_job_uses_one_math_thread():
    """Beside other jobs, numpy's OpenBLAS threads would spin on their cores: one thread per job."""
    script = textwrap.dedent("""
        import ctypes, os
        os.environ.pop("OPENBLAS_NUM_THREADS", None)
        import numpy
        from facs_audit_addon.process import _loaded_libraries, limit_math_threads
        library = ctypes.CDLL(_loaded_libraries("openblas")[0])
        names = ("openblas_get_num_threads64_", "scipy_openblas_get_num_threads64_", "openblas_get_num_threads")
        get = next(getattr(library, name) for name in names if hasattr(library, name))
        setter = next(getattr(library, name.replace("get", "set")) for name in names if hasattr(library, name))
        setter(2)  # what numpy starts with on a 2-core machine, whatever this machine has
        before = get()
        limit_math_threads()
        print(before, get())
    """)
    result = run("-c", script)
    assert result.returncode == 0, result.stderr[-2000:]
    assert list(map(int, result.stdout.split())) == [2, 1]


def test_a_batch_reports_each_rig_as_if_audited_alone(rigs, cli, monkeypatch):
    """One process reuses the memory of each rig for the next (bigger and smaller ones here)."""
    from facs_audit_addon import batch as batch_module
    from facs_audit_addon.core.scratch import Scratch

    monkeypatch.setattr(batch_module, "_SCRATCH", Scratch())
    batch = json.loads(cli("audit", *rigs, "--format", "json").stdout)["rigs"]
    alone = []
    for rig in rigs:
        monkeypatch.setattr(batch_module, "_SCRATCH", Scratch())  # a fresh process's memory
        alone.append(json.loads(cli("audit", rig, "--format", "json").stdout)["rigs"][0])
    assert batch == alone
    assert len({json.dumps(r["findings"]) for r in batch}) == len(rigs)


#: runs batch.audit_in_jobs with ScriptedJob on each list of files in a fresh interpreter (bpy not loaded,
#: as in the CLI); prints {scenario: completion order of the files, or the batch's error}
JOBS = """
import json, sys
sys.path.insert(0, {tests!r})
from batch_jobs import ScriptedJob
from facs_audit_addon import batch
from facs_audit_addon.core import load_rulebook
assert batch._start_method() == ("fork" if sys.platform.startswith("linux") else "spawn")  # the CLI's way
batch._start_method = lambda: {start!r}
job = ScriptedJob(load_rulebook())
outcomes = {{}}
for scenario, files in {scenarios!r}.items():
    try:
        outcomes[scenario] = [index for index, _ in batch.audit_in_jobs(files, job, 2)]
    except Exception as error:
        outcomes[scenario] = f"{{type(error).__name__}}: {{error}}"
print(json.dumps(outcomes))
"""

#: file sizes of the biggest-first scenario
SIZES = [1, 5, 3, 9, 2]

#: a failing file among five good ones: (file, position, what the batch's one error says); a crash last
FAILURES = {
    "error-in-worker": ("error.blend", 0, "scripted failure on error.blend"),  # the worker's first file
    "error-here": ("error.blend", 1, "scripted failure on error.blend"),  # this process's first file
    "crash": ("crash.blend", 0, "a worker process stopped while auditing crash.blend"),
}


def _failing(scenario):
    failing, at, _ = FAILURES[scenario]
    files = [f"rig_{i}.blend" for i in range(5)]
    files.insert(at, failing)
    return files


LINUX_ONLY = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="workers fork on Linux only")


@pytest.fixture(scope="module", params=[pytest.param("fork", marks=LINUX_ONLY), "spawn"])
def batches(request, tmp_path_factory):
    """{scenario: completion order of its files, or the batch's error}, workers started by fork or by spawn.

    Every scenario is a batch of its own (its own workers) in one interpreter.
    """
    folder = tmp_path_factory.mktemp(f"sizes_{request.param}")
    sized = []
    for i, size in enumerate(SIZES):
        path = folder / f"rig_{i}.blend"
        path.write_bytes(b"x" * size)
        sized.append(str(path))
    scenarios = {"biggest-first": sized, **{scenario: _failing(scenario) for scenario in FAILURES}}
    result = run("-c", JOBS.format(tests=str(ROOT / "tests"), start=request.param, scenarios=scenarios))
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Traceback" not in result.stderr  # no thread or worker left printing one
    return json.loads(result.stdout)


@LINUX_ONLY
def test_workers_fork_only_before_bpy_is_loaded():
    from facs_audit_addon import batch

    assert "bpy" in sys.modules  # loaded by this test module: a fork would copy Blender's threads
    assert batch._start_method() == "spawn"


@pytest.mark.slow  # batches of worker processes
def test_jobs_return_every_file_once(batches):
    assert sorted(batches["biggest-first"]) == list(range(len(SIZES)))


@pytest.mark.slow  # batches of worker processes
@pytest.mark.parametrize("scenario", FAILURES)
def test_a_failing_job_stops_the_batch_with_one_error(scenario, batches):
    outcome = batches[scenario]
    assert isinstance(outcome, str) and FAILURES[scenario][2] in outcome, outcome


@pytest.mark.slow  # batches of worker processes
def test_jobs_take_the_biggest_files_first(batches):
    """So a batch does not end with one job alone on a big rig; the report order is the caller's."""
    # the worker takes the biggest (3) and is still starting while this process takes the rest in turn
    assert batches["biggest-first"] == [1, 2, 4, 0, 3]


def test_panel_audits_run_with_one_math_thread_and_give_the_count_back(monkeypatch):
    """The panel audits inside the user's Blender: one OpenBLAS thread while it works (its products are
    small), then the count the session had."""
    import numpy  # noqa: F401  (loads OpenBLAS)

    from facs_audit_addon import process

    monkeypatch.delenv("OPENBLAS_NUM_THREADS", raising=False)
    calls = process._openblas_threads()
    assert calls, "numpy's OpenBLAS not found"
    get, set_threads = calls[0]
    before = get()
    set_threads(2)
    try:
        seen = []
        with process.one_math_thread():
            seen.append(get())
        assert (seen, get()) == ([1], 2)
    finally:
        set_threads(before)
