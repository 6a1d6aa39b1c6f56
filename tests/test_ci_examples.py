"""Drop-in CI: the GitHub Actions example's scripts and the pre-commit hook, run on sample rigs in a
real git repository (the workflow's bash steps exactly as written, GitHub's variables set by hand)."""

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from gate_helpers import ROOT, gate_rigs  # noqa: F401  (fixture)

WORKFLOW = ROOT / "examples" / "github-actions" / "facs-audit.yml"
HOOKS = ROOT / ".pre-commit-hooks.yaml"

CONFIG = """
profile = "facs-film"

[[waivers]]
rule = "coverage.missing-side"
shapes = ["AU12_L"]
file = "rigs/sidekick.blend"
reason = "Right smile comes with the next delivery"
expires = 2026-12-31
"""


def git(repo, *args):
    result = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout


def resaved(source, target):
    """``source`` saved again as ``target`` with a shape-key slider moved: other bytes, the same audit."""
    code = textwrap.dedent(f"""
        import bpy
        bpy.ops.wm.open_mainfile(filepath={str(source)!r})
        bpy.data.objects["Face"].data.shape_keys.key_blocks["AU1_L"].value = 0.3
        bpy.ops.wm.save_as_mainfile(filepath={str(target)!r}, copy=True)
        from facs_audit_addon.process import exit_now
        exit_now(0)
    """)
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]


def run_step(step, repo, runner, env):
    """Run a workflow step's bash as GitHub does (bash -eo pipefail), with its env: values given here."""
    script = runner / "step.sh"
    script.write_text(step["run"])
    step_env = {key: env[key] for key in step.get("env", {})}
    result = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)], cwd=repo,
                            env={**env["common"], **step_env}, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, f"{step['name']}: {result.stdout[-2000:]}{result.stderr[-2000:]}"
    return result


@pytest.mark.slow  # git and the workflow's bash steps, each starting python -m facs_audit_addon
def test_workflow_audits_only_the_changed_rigs_against_the_base_branch(gate_rigs, tmp_path):
    yaml = pytest.importorskip("yaml")
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    steps = {step.get("name"): step for step in yaml.safe_load(WORKFLOW.read_text())["jobs"]["audit"]["steps"]}
    rigs = gate_rigs / "rigs"
    repo, runner = tmp_path / "repo", tmp_path / "runner"
    (repo / "rigs").mkdir(parents=True)
    runner.mkdir()
    git(repo, "init", "-q", "-b", "main")
    git(repo, "config", "user.email", "ci@example.com")
    git(repo, "config", "user.name", "CI")
    (repo / "facs-audit.toml").write_text(CONFIG)
    shutil.copy(rigs / "pair-mismatch.blend", repo / "rigs" / "hero.blend")
    shutil.copy(rigs / "clean.blend", repo / "rigs" / "villain.blend")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "base delivery")
    git(repo, "checkout", "-qb", "change")
    resaved(rigs / "pair-mismatch.blend", repo / "rigs" / "hero.blend")  # changed, same known problem
    shutil.copy(rigs / "missing-au12-right.blend", repo / "rigs" / "sidekick.blend")  # new, waived problem
    shutil.copy(rigs / "sides-swapped.blend", repo / "rigs" / "henchman.blend")  # new problem: fails
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "change")

    output, summary = runner / "github_output", runner / "step_summary"
    path = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    common = {"PATH": path, "HOME": str(tmp_path), "RUNNER_TEMP": str(runner), "GITHUB_OUTPUT": str(output),
              "GITHUB_STEP_SUMMARY": str(summary), "FACS_AUDIT_HOME": str(ROOT), "FACS_AUDIT_TODAY": "2026-03-01"}
    env = {"common": common, "BASE_REF": "main"}  # origin/<base> on GitHub
    run_step(steps["Rigs this change touches"], repo, runner, env)
    assert output.read_text() == "count=3\n"
    run_step(steps["Baseline (the base branch's version of those rigs)"], repo, runner, env)
    baseline = json.loads((runner / "baseline.json").read_text())
    assert [Path(rig["file"]).name for rig in baseline["rigs"]] == ["hero.blend"]  # only it existed before
    run_step(steps["Audit"], repo, runner, env)
    assert output.read_text().splitlines()[-1] == "exit=1"  # the swapped sides are new and not waived

    report = json.loads((repo / "facs-audit.json").read_text())
    found = {(rig["file"], f["rule"]): f for rig in report["rigs"] for f in rig["findings"]}
    assert sorted({file for file, _ in found}) == ["rigs/henchman.blend", "rigs/hero.blend", "rigs/sidekick.blend"]
    assert found[("rigs/hero.blend", "symmetry.pair-mismatch")]["known"] is True
    assert found[("rigs/sidekick.blend", "coverage.missing-side")]["waived"] is True
    assert found[("rigs/henchman.blend", "symmetry.sides-swapped")]["known"] is False
    sarif = json.loads((repo / "facs-audit.sarif").read_text())
    states = sorted((r["ruleId"], r["baselineState"], bool(r.get("suppressions"))) for r in sarif["runs"][0]["results"])
    assert states == [("coverage.missing-side", "new", True), ("symmetry.pair-mismatch", "unchanged", False),
                      ("symmetry.sides-swapped", "new", False), ("symmetry.sides-swapped", "new", False)]
    comment = (repo / "facs-audit.md").read_text()
    assert comment.startswith("### facs-audit: fails the gate")
    top = comment.split("#### Top findings")[1].split("<details>")[0]
    assert top.count("symmetry.sides-swapped") == 2 and "pair-mismatch" not in top and "missing-side" not in top
    assert summary.read_text() == comment
    gate = subprocess.run(["bash", "-c", steps["Gate"]["run"]], env={"EXIT": "1"})
    assert gate.returncode == 1


@pytest.mark.slow  # the hook script, which starts python -m facs_audit_addon
def test_pre_commit_hook_audits_the_rig_files_it_is_given(gate_rigs, tmp_path):
    yaml = pytest.importorskip("yaml")
    (hook,) = yaml.safe_load(HOOKS.read_text())
    assert hook["id"] == "facs-audit" and hook["language"] == "script"
    files = re.compile(hook["files"])
    assert files.search("characters/Hero.BLEND") and files.search("face.usdz") and not files.search("rig.py")
    entry = ROOT / hook["entry"]
    assert os.access(entry, os.X_OK)
    env = {**os.environ, "FACS_AUDIT_PYTHON": sys.executable, "FACS_AUDIT_TODAY": "2026-03-01"}
    env.pop("PYTHONPATH", None)
    rigs = gate_rigs / "rigs"
    clean = subprocess.run([str(entry), str(rigs / "clean.blend")], cwd=tmp_path, env=env, capture_output=True,
                           text=True, timeout=300)
    assert clean.returncode == 0, clean.stderr
    broken = subprocess.run([str(entry), str(rigs / "clean.blend"), str(rigs / "sides-swapped.blend")],
                            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert broken.returncode == 1
    assert "symmetry.sides-swapped" in broken.stdout
    # the rig repository's facs-audit.toml applies: a waiver lets the commit through
    (tmp_path / "facs-audit.toml").write_text(
        '[[waivers]]\nrule = "symmetry.sides-swapped"\nshapes = ["AU12_L", "AU12_R"]\n'
        'reason = "Re-export pending"\nexpires = 2026-12-31\n')
    waived = subprocess.run([str(entry), str(rigs / "sides-swapped.blend")], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=300)
    assert waived.returncode == 0, waived.stdout + waived.stderr
