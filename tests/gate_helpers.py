"""Sample rigs and a CLI runner for the delivery-gate and farm tests (config, waivers, formats, shards)."""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
#: defect-corpus variants the gate tests audit (sample_rigs/defects.toml says what each must produce)
VARIANTS = ("clean", "missing-au12-right", "pair-mismatch", "unknown-name", "sides-swapped")
SARIF_SCHEMA = ROOT.parent / "shared" / "reference" / "sarif-schema-2.1.0.json"
REAL_RIGS = ROOT.parent / "shared" / "real_rigs"


def cli(*args, cwd=ROOT, today="2026-03-01", env=None, **kwargs):
    """Run ``python -m facs_audit_addon ARGS`` in ``cwd`` (the repo importable from anywhere)."""
    environment = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    environment.pop("FACS_AUDIT_TODAY", None)
    if today:
        environment["FACS_AUDIT_TODAY"] = today
    return subprocess.run([sys.executable, "-m", "facs_audit_addon", *map(str, args)], cwd=cwd, env=environment,
                          capture_output=True, text=True, timeout=600, **kwargs)


def build_rigs(folder, variants=VARIANTS):
    """Write each variant as ``folder/<id>.blend`` with real Blender (one subprocess)."""
    code = textwrap.dedent(f"""
        from pathlib import Path
        from sample_rigs.build_blend import write_blend
        for variant in {tuple(variants)!r}:
            write_blend(Path({str(folder)!r}) / f"{{variant}}.blend", variant=variant)
        from facs_audit_addon.process import exit_now
        exit_now(0)
    """)
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
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
