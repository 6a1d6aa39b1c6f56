"""``diff OLD NEW`` on real .blend files: shapes added, removed, renamed (by geometry) and reshaped,
findings fixed and introduced, exit codes. Deliveries are built by tests/diff_deliveries.py with bpy, in
this process; every command runs through the in-process ``cli`` fixture (tests/conftest.py: exit code and
file descriptors 1 and 2, as a separate process would give them)."""

import json
import sys
from importlib.metadata import version
from pathlib import Path

import numpy as np
import pytest

#: Blender 4.2 cannot read the MPFB file (saved by a newer Blender)
BLENDER_5 = int(version("bpy").split(".")[0]) >= 5
sys.path.insert(0, str(Path(__file__).parent))

import diff_deliveries  # noqa: E402
from diff_deliveries import deliveries  # noqa: E402
from rig_paths import ICT, MPFB  # noqa: E402
from sample_rigs.build_blend import empty_session  # noqa: E402

bpy = pytest.importorskip("bpy")


@pytest.fixture
def diff(cli):
    def run(*args):
        return cli("diff", *args)
    return run


@pytest.fixture(scope="module")
def rigs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("deliveries")
    diff_deliveries.main(folder)
    empty_session()
    return folder


def document(result):
    assert result.stdout.startswith("{"), result.stderr[-2000:]
    return json.loads(result.stdout)


def keys(findings):
    return [(f["severity"], f["rule"], f["shapes"]) for f in findings]


def test_diff_of_two_deliveries(diff, rigs):
    result = diff(rigs / "old.blend", rigs / "new.blend", "--profile", "facs-film", "--format", "json")
    assert result.returncode == 1  # the pair mismatch is a new error
    rig, = document(result)["rigs"]
    assert rig["deltas_compared"] and rig["note"] == ""
    assert rig["added"] == ["browsUp"]
    assert rig["removed"] == ["funnyFace"]
    assert rig["renamed"] == [{"old": "AU2_L", "new": "AU02_L", "cosine": 1.0}]  # found by its deltas
    assert [c["shape"] for c in rig["changed"]] == ["AU12_R", "AU17"]
    _, _, old, _ = deliveries()
    peak = {name: float(np.linalg.norm(old[name], axis=1).max()) for name in ("AU12_R", "AU17")}
    au12, au17 = rig["changed"]
    assert au12["largest_mm"] == pytest.approx(0.55 * peak["AU12_R"] * 1000, abs=2e-3)  # metres -> mm
    assert au17["largest_mm"] == pytest.approx(0.2 * peak["AU17"] * 1000, abs=2e-3)
    assert au12["regions"][0]["region"] == "right lip corner"
    assert {r["region"] for r in au17["regions"]} <= {"left lower lip", "right lower lip", "chin"}
    assert rig["neutral"] is None
    assert keys(rig["findings"]["fixed"]) == [("warning", "naming.unknown-name", ["funnyFace"])]
    assert keys(rig["findings"]["introduced"]) == [("error", "symmetry.pair-mismatch", ["AU12_L", "AU12_R"]),
                                                   ("warning", "naming.unknown-name", ["browsUp"])]
    assert rig["findings"]["unchanged"] == []
    assert document(result)["summary"] == {"added": 1, "removed": 1, "renamed": 1, "changed": 2, "fixed": 1,
                                           "introduced": 2, "unchanged": 0}


def test_text_diff_and_gate_levels(diff, rigs):
    result = diff(rigs / "old.blend", rigs / "new.blend", "--profile", "facs-film")
    lines = result.stdout.splitlines()
    assert lines[1:6] == ["Face: 71 -> 71 shapes", "  added      browsUp", "  removed    funnyFace",
                          "  renamed    AU2_L -> AU02_L (cosine 1.000)", lines[5]]
    assert lines[5].startswith("  changed    AU12_R: up to 4.13 mm (") and lines[5].endswith("in the right lip corner (59%)")
    assert lines[-1] == "1 added, 1 removed, 1 renamed, 2 changed; findings: 1 fixed, 2 introduced, 0 unchanged"
    assert diff(rigs / "old.blend", rigs / "new.blend", "--profile", "facs-film", "--fail-on", "never").returncode == 0
    # the other way round the pair mismatch is fixed; only a warning comes in
    back = diff(rigs / "new.blend", rigs / "old.blend", "--profile", "facs-film", "--format", "json")
    assert back.returncode == 0
    rig, = document(back)["rigs"]
    assert rig["renamed"] == [{"old": "AU02_L", "new": "AU2_L", "cosine": 1.0}]
    assert keys(rig["findings"]["introduced"]) == [("warning", "naming.unknown-name", ["funnyFace"])]
    assert diff(rigs / "new.blend", rigs / "old.blend", "--profile", "facs-film", "--fail-on", "warning").returncode == 1


def test_same_delivery_changes_nothing(diff, rigs):
    result = diff(rigs / "old.blend", rigs / "old.blend", "--profile", "facs-film", "--format", "json")
    assert result.returncode == 0
    rig, = document(result)["rigs"]
    assert (rig["added"], rig["removed"], rig["renamed"], rig["changed"]) == ([], [], [], [])
    assert keys(rig["findings"]["unchanged"]) == [("warning", "naming.unknown-name", ["funnyFace"])]


def test_other_topology_compares_names_and_findings_only(diff, rigs):
    result = diff(rigs / "old.blend", rigs / "topo.blend", "--profile", "facs-film")
    assert result.returncode == 0
    assert result.stdout.splitlines()[1] == ("Face: 71 -> 70 shapes (deltas cannot be compared: the meshes differ "
                                             "(22699 vertices before, 23183 now))")
    assert "changed " not in result.stdout and "renamed " not in result.stdout
    assert "  removed    funnyFace" in result.stdout


def test_markdown_diff(diff, rigs):
    result = diff(rigs / "old.blend", rigs / "new.blend", "--profile", "facs-film", "--format", "markdown")
    assert result.returncode == 1
    assert "| Face | 1 | 1 | 1 | 2 | 1 | 2 | 0 |" in result.stdout.splitlines()
    assert "- renamed `AU2_L` → `AU02_L` (cosine 1.000)" in result.stdout


def test_input_errors_are_one_line(diff, rigs, tmp_path):
    result = diff(tmp_path / "missing.blend", rigs / "old.blend")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [f"facs-audit: error: {tmp_path / 'missing.blend'}: no such file"]
    bad = tmp_path / "bad.blend"
    bad.write_bytes(b"not a blend file")
    result = diff(rigs / "old.blend", bad)
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1
    assert result.stdout == ""
    result = diff(rigs / "old.blend", rigs / "new.blend", "--object", "Nope")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [f"facs-audit: error: {rigs / 'old.blend'}: no object named 'Nope'"]
    result = diff(rigs / "old.blend", rigs / "new.blend", "--object", "Face", "--profile", "facs-film")
    assert result.returncode == 1 and "  renamed    AU2_L -> AU02_L (cosine 1.000)" in result.stdout


REAL_RIGS = [pytest.param(MPFB, marks=pytest.mark.skipif(not BLENDER_5, reason="Blender 4.2 cannot read it")), ICT]


def modified_copy(rig, copy):
    """Save ``copy``: ``rig`` with its first key renamed, its second removed and its third 1.5 times as
    strong. Returns the three keys' names (renamed, removed, scaled) as they were."""
    if rig.suffix == ".blend":
        bpy.ops.wm.open_mainfile(filepath=str(rig), load_ui=False, use_scripts=False)
    else:
        empty_session()
        bpy.ops.import_scene.gltf(filepath=str(rig))
    obj = next(o for o in bpy.data.objects if o.type == 'MESH' and o.data.shape_keys)
    blocks = obj.data.shape_keys.key_blocks
    names = [b.name for b in blocks][1:]
    basis = np.empty(len(obj.data.vertices) * 3, np.float32)
    blocks[0].data.foreach_get("co", basis)
    co = np.empty_like(basis)
    blocks[names[2]].data.foreach_get("co", co)
    blocks[names[2]].data.foreach_set("co", basis + 1.5 * (co - basis))
    blocks[names[0]].name = "v2_" + names[0]
    obj.shape_key_remove(blocks[names[1]])
    bpy.ops.wm.save_as_mainfile(filepath=str(copy), compress=False)
    empty_session()
    return names[:3]


@pytest.mark.parametrize("rig", REAL_RIGS, ids=lambda path: path.parent.name)
def test_real_rig_against_a_modified_copy(diff, rig, tmp_path):
    if not rig.is_file():
        pytest.skip("shared real rigs not present")
    copy = tmp_path / "v2.blend"
    renamed, removed, scaled = modified_copy(rig, copy)
    result = diff(rig, copy, "--format", "json")
    assert result.returncode in (0, 1), result.stderr[-2000:]
    rig_diff, = document(result)["rigs"]
    assert rig_diff["added"] == [] and rig_diff["removed"] == [removed]
    assert rig_diff["renamed"] == [{"old": renamed, "new": "v2_" + renamed, "cosine": 1.0}]
    assert [c["shape"] for c in rig_diff["changed"]] == [scaled]
    assert rig_diff["changed"][0]["largest_mm"] > 0 and rig_diff["neutral"] is None


def test_project_config_applies_to_the_diff(diff, rigs, tmp_path):
    config = tmp_path / "facs-audit.toml"
    config.write_text('profile = "facs-film"\n\n[[waivers]]\nrule = "symmetry.pair-mismatch"\n'
                      'shapes = ["AU12_L", "AU12_R"]\nreason = "right smile is resculpted next week"\n'
                      "expires = 2999-12-31\n")
    result = diff(rigs / "old.blend", rigs / "new.blend", "--config", config, "--format", "json")
    assert result.returncode == 0, result.stderr[-2000:]  # the new error is waived
    rig, = document(result)["rigs"]
    assert keys(rig["findings"]["introduced"])[0] == ("error", "symmetry.pair-mismatch", ["AU12_L", "AU12_R"])
    config.write_text('profile = "facs-film"\n\n[severity]\n"symmetry.pair-mismatch" = "warning"\n')
    assert diff(rigs / "old.blend", rigs / "new.blend", "--config", config).returncode == 0
    assert diff(rigs / "old.blend", rigs / "new.blend", "--config", config, "--fail-on", "warning").returncode == 1
