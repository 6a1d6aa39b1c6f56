"""Sample rigs and a CLI runner for the delivery-gate and farm tests (config, waivers, formats, shards)."""

import json
import os
import pty
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest

from sample_rigs.build_blend import empty_session

ROOT = Path(__file__).resolve().parents[1]
#: defect-corpus variants the gate tests audit (sample_rigs/defects.toml says what each must produce)
VARIANTS = ("clean", "missing-au12-right", "pair-mismatch", "unknown-name", "sides-swapped")
SARIF_SCHEMA = ROOT.parent / "shared" / "reference" / "sarif-schema-2.1.0.json"
REAL_RIGS = ROOT.parent / "shared" / "real_rigs"


@dataclass
class CliResult:
    returncode: int
    stdout: str
    stderr: str


def cli(*args, cwd=ROOT, today="2026-03-01", env=None, terminal=False):
    """``python -m facs_audit_addon ARGS`` in ``cwd``, run in this process (``cli.main``) -> CliResult.

    As in a fresh process: the working folder is ``cwd``, the environment has ``FACS_AUDIT_TODAY`` (and
    ``env``), and what reaches file descriptors 1 and 2 is captured, ``sys.stdout`` and ``sys.stderr``
    writing to them, so a Blender log line on stdout would show in the report. All restored after.
    ``terminal=True``: descriptor 2 is a pseudo-terminal, and ``stderr`` is what it showed.
    """
    from facs_audit_addon.cli import main
    from facs_audit_addon.stdio import flush_all

    environment = {**(env or {}), "FACS_AUDIT_TODAY": today}
    saved_env = {key: os.environ.get(key) for key in environment}
    saved_streams, saved_cwd = (sys.stdout, sys.stderr), os.getcwd()
    flush_all()
    sys.stderr.flush()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        if terminal:
            master, slave = pty.openpty()
            screen = []
            reader = threading.Thread(target=_read_terminal, args=(master, screen))
            reader.start()
        saved_fds = os.dup(1), os.dup(2)
        try:
            os.dup2(out.fileno(), 1)
            os.dup2(slave if terminal else err.fileno(), 2)
            # left open: a logging handler an importer made during the run may still hold them
            sys.stdout, sys.stderr = open(1, "w", closefd=False), open(2, "w", closefd=False)
            for key, value in environment.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = str(value)
            os.chdir(cwd)
            code = main([str(arg) for arg in args])
        finally:
            flush_all()
            sys.stderr.flush()
            os.dup2(saved_fds[0], 1)
            os.dup2(saved_fds[1], 2)
            os.close(saved_fds[0])
            os.close(saved_fds[1])
            if terminal:
                os.close(slave)  # the terminal closes: the reader gets the rest, then stops
                reader.join(timeout=60)
                os.close(master)
            sys.stdout, sys.stderr = saved_streams
            os.chdir(saved_cwd)
            for key, value in saved_env.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
        out.seek(0)
        err.seek(0)
        stderr = b"".join(screen) if terminal else err.read()
        return CliResult(code, out.read().decode(), stderr.decode())


def _read_terminal(master, chunks):
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:  # the terminal closed: all it showed is read
            return
        if not chunk:
            return
        chunks.append(chunk)


def cli_process(*args, cwd=ROOT, today="2026-03-01", env=None, **kwargs):
    """Run ``python -m facs_audit_addon ARGS`` in ``cwd`` in a fresh process (the repo importable from anywhere)."""
    environment = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    environment.pop("FACS_AUDIT_TODAY", None)
    if today:
        environment["FACS_AUDIT_TODAY"] = today
    return subprocess.run([sys.executable, "-m", "facs_audit_addon", *map(str, args)], cwd=cwd, env=environment,
                          capture_output=True, text=True, timeout=600, **kwargs)


def build_rigs(folder, variants=VARIANTS):
    """Write each variant as ``folder/<id>.blend`` with real Blender (the bpy module, in this process)."""
    pytest.importorskip("bpy")
    from sample_rigs.build_blend import write_blend

    for variant in variants:
        write_blend(Path(folder) / f"{variant}.blend", variant=variant)
    empty_session()  # the session as the next test expects it
    return sorted(Path(folder).glob("*.blend"))


@pytest.fixture(scope="session")
def gate_rigs(tmp_path_factory):
    """A project folder with ``rigs/`` holding the VARIANTS as .blend files; returns the project folder."""
    project = tmp_path_factory.mktemp("project")
    build_rigs(project / "rigs")
    return project


def validate_sarif(text):
    """The SARIF log in ``text``, validated against the official 2.1.0 schema (skips without it)."""
    jsonschema = pytest.importorskip("jsonschema")
    if not SARIF_SCHEMA.is_file():
        pytest.skip(f"{SARIF_SCHEMA} not present")
    log = json.loads(text)
    jsonschema.Draft4Validator(json.loads(SARIF_SCHEMA.read_text())).validate(log)
    return log
