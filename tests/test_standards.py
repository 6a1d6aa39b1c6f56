"""Which standards a rig can drive: the standard files, the matching through FACS, the CLI and the panel."""

import json
from pathlib import Path

import pytest

from facs_audit_addon.cli import main
from facs_audit_addon.cmd_standards import rig_coverage
from facs_audit_addon.core import RigSnapshot, RuleFileError, load_rulebook
from facs_audit_addon.core.standards import load_standards
from rig_paths import needs_blender_5
from sample_rigs.face_model import build_face, named_shapes

ROOT = Path(__file__).resolve().parents[1]
ICT = ROOT.parent / "shared" / "real_rigs" / "ict_facekit" / "ict_facekit_57shapes.glb"
RULEBOOK = load_rulebook()
STANDARDS = load_standards(RULEBOOK)

#: what each standard's own source says its list holds (see the comment at the top of each file)
SOURCE_COUNTS = {"arkit": 52, "roblox": 50, "openxr": 70, "unified": 102, "sranipal": 52}
ROLL = {"facs": "AU28", "descriptive": "lipSuck"}
GAZE_ARKIT = ["eyeLookDownLeft", "eyeLookDownRight", "eyeLookInLeft", "eyeLookInRight", "eyeLookOutLeft",
              "eyeLookOutRight", "eyeLookUpLeft", "eyeLookUpRight"]


def test_each_standard_lists_what_its_source_states():
    assert {name: len(s.targets) for name, s in STANDARDS.items()} == SOURCE_COUNTS
    for standard in STANDARDS.values():
        assert standard.source and standard.count == len(standard.targets)
        assert len({t.name for t in standard.targets}) == len(standard.targets)


@pytest.fixture(scope="module")
def face():
    return build_face()


def covers_of(face, naming):
    snapshot = RigSnapshot.from_shapes("Face", face.vertices, named_shapes(face, naming))
    return {c.standard.name: c for c in rig_coverage(snapshot, RULEBOOK, list(STANDARDS.values()))}


def test_sample_face_arkit_names_drive_all_of_arkit(face):
    covers = covers_of(face, "arkit")
    arkit = covers["arkit"]
    assert (arkit.covered, arkit.named("missing"), arkit.named("approximate")) == (52, [], [])
    assert arkit.retarget_map()["mouthSmileLeft"] == [["mouthSmileLeft", 1.0]]
    # Roblox: no corrugator component and no tongue directions in ARKit
    assert covers["roblox"].named("missing") == ["Corrugator", "TongueDown", "TongueUp"]
    # ARKit's one mouthFunnel stands in for OpenXR's four funneler quadrants, a quarter each
    openxr = covers["openxr"].retarget_map()
    assert [openxr[f"LIP_FUNNELER_{q}"] for q in ("LB", "LT", "RB", "RT")] == [[["mouthFunnel", 0.25]]] * 4
    assert "LIP_TIGHTENER_L" in covers["openxr"].named("missing")  # ARKit has no AU23


@pytest.mark.parametrize("naming", ["facs", "descriptive"])
def test_sample_face_facs_names_have_no_gaze_or_mouth_shift(face, naming):
    arkit = covers_of(face, naming)["arkit"]
    assert arkit.named("missing") == GAZE_ARKIT + ["mouthLeft", "mouthRight"]
    assert arkit.covered == 42
    # the FACS rig has no separate AU28/AU17 parts: the whole action stands in for ARKit's upper/lower
    assert {"mouthRollLower", "mouthRollUpper", "mouthShrugLower", "mouthShrugUpper"} <= set(arkit.named("approximate"))
    rolls = arkit.retarget_map()
    assert rolls["mouthRollUpper"] == rolls["mouthRollLower"] == [[ROLL[naming], 0.5]]
    reasons = {r.target: r.reason for r in arkit.results}
    assert reasons["eyeLookUpLeft"] == "missing action AU63"


def test_split_sides_drive_a_bilateral_target_and_reasons_say_why():
    face = build_face()
    shapes = named_shapes(face, "arkit")
    left = shapes.pop("browInnerUp")
    shapes["browInnerUp_L"], shapes["browInnerUp_R"] = left * (face.vertices[:, :1] > 0), left * (face.vertices[:, :1] < 0)
    shapes["tongueOut"] = shapes["tongueOut"] * 0          # moves nothing
    del shapes["mouthSmileRight"]
    shapes["jawOpen_mouthPucker"] = shapes["jawOpen"] + shapes["mouthPucker"]
    del shapes["mouthPucker"]
    snapshot = RigSnapshot.from_shapes("Face", face.vertices, shapes)
    arkit, = rig_coverage(snapshot, RULEBOOK, [STANDARDS["arkit"]])
    assert arkit.retarget_map()["browInnerUp"] == [["browInnerUp_L", 1.0], ["browInnerUp_R", 1.0]]
    reasons = {r.target: r.reason for r in arkit.results if r.status == "missing"}
    assert reasons == {"tongueOut": "its shape moves nothing (tongueOut)",
                       "mouthSmileRight": "missing the right side of AU12 (has left)",
                       "mouthPucker": "AU18 only in combination (jawOpen_mouthPucker)"}


def test_malformed_standard_file_is_one_line_naming_file_and_key(tmp_path, capsys):
    bad = tmp_path / "studio.toml"
    bad.write_text('[standard]\nname = "studio"\nsource = "ours"\ncount = 2\n[targets]\nsmile = "AU99"\n')
    with pytest.raises(RuleFileError, match=r"studio.toml.*targets\.smile.*unknown action 'AU99'"):
        load_standards(RULEBOOK, [bad])
    bad.write_text('[standard]\nname = "studio"\nsource = "ours"\ncount = 2\n[targets]\nsmile = "AU12"\n')
    with pytest.raises(RuleFileError, match=r"standard\.count.*states 2 targets but the file lists 1"):
        load_standards(RULEBOOK, [bad])
    assert main(["standards", str(ICT), "--rules", str(bad)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "studio.toml" in err[0] and "standard.count" in err[0]


def test_a_new_standard_is_data(tmp_path, face):
    extra = tmp_path / "studio.toml"
    extra.write_text('[standard]\nname = "studio"\nsource = "our delivery sheet"\ncount = 2\n'
                     '[targets]\nsmile_L = { au = "AU12", side = "L" }\nwink = { none = "a game pose" }\n')
    studio = load_standards(RULEBOOK, [extra])["studio"]
    cover, = rig_coverage(RigSnapshot.from_shapes("Face", face.vertices, named_shapes(face, "facs")), RULEBOOK, [studio])
    assert cover.retarget_map() == {"smile_L": [["AU12_L", 1.0]]}
    assert cover.named("missing") == ["wink"]


def test_unknown_standard_is_a_usage_error(capsys):
    assert main(["standards", "nothing.blend", "--standard", "nope"]) == 2
    assert "unknown standard 'nope'" in capsys.readouterr().err


@pytest.mark.skipif(not ICT.is_file(), reason="../shared/real_rigs is not present on this machine")
def test_ict_drives_51_of_arkit_and_writes_retarget_maps(tmp_path, capsys):
    out = tmp_path / "matrix.json"
    maps = tmp_path / "maps"
    assert main(["standards", str(ICT), "--format", "json", "--output", str(out), "--export-map", str(maps)]) == 0
    rig, = json.loads(out.read_text())["rigs"]
    arkit = next(s for s in rig["standards"] if s["name"] == "arkit")
    assert (arkit["targets"], arkit["covered"], arkit["missing"], arkit["approximate"]) == (52, 51, ["tongueOut"], [])
    assert arkit["map"]["browInnerUp"] == [["browInnerUp_L", 1.0], ["browInnerUp_R", 1.0]]
    assert arkit["map"]["cheekPuff"] == [["cheekPuff_L", 1.0], ["cheekPuff_R", 1.0]]
    # two shapes read as AU6 left: the one named like the standard's target drives it
    assert arkit["map"]["cheekSquintLeft"] == [["cheekSquint_L", 1.0]]
    assert arkit["reasons"]["tongueOut"] == "missing action AD19"
    roblox = next(s for s in rig["standards"] if s["name"] == "roblox")
    assert roblox["missing"] == ["Corrugator", "TongueDown", "TongueOut", "TongueUp"] and roblox["covered"] == 46
    exported = json.loads((maps / "ICTFaceModel.arkit.json").read_text())
    assert exported["map"] == arkit["map"] and exported["missing"] == ["tongueOut"]
    assert sorted(p.name for p in maps.iterdir()) == sorted(f"ICTFaceModel.{n}.json" for n in SOURCE_COUNTS)
    # the text matrix: one row per standard
    assert main(["standards", str(ICT), "--standard", "arkit", "--standard", "roblox"]) == 0
    text = capsys.readouterr().out
    assert "arkit" in text and " 51/52 " in text and "missing: tongueOut" in text
    assert text.count("\n  ") == 2
    assert main(["standards", str(ICT), "--standard", "arkit", "--format", "csv"]) == 0
    rows = capsys.readouterr().out.splitlines()
    assert rows[0] == "file,object,standard,target,status,shapes,reason" and len(rows) == 53
    assert any(row.endswith(",browInnerUp,exact,browInnerUp_L*1;browInnerUp_R*1,") for row in rows)


def test_missing_file_is_an_input_error(tmp_path, capsys):
    assert main(["standards", str(tmp_path / "none.blend")]) == 2
    assert "no such file" in capsys.readouterr().err


def test_panel_matrix_and_map(bpy_clean, tmp_path):
    """The sidebar's Standards operators on a real mesh: the matrix rows and a written retarget map."""
    bpy = bpy_clean
    from facs_audit_addon import blender as addon
    from sample_rigs.build_blend import make_mesh_object

    face = build_face()
    addon.register()
    try:
        obj = make_mesh_object("Face", face.vertices, face.faces, named_shapes(face, "arkit"))
        bpy.context.view_layer.objects.active = obj
        assert bpy.ops.facs_audit.standards() == {'FINISHED'}
        rows = {row.name: (row.covered, row.total, row.missing) for row in bpy.context.window_manager.facs_audit_standards.rows}
        assert rows["arkit"] == (52, 52, "")
        assert rows["roblox"] == (47, 50, "Corrugator, TongueDown, TongueUp")
        path = tmp_path / "face.arkit.json"
        assert bpy.ops.facs_audit.export_retarget_map(filepath=str(path), standard="arkit") == {'FINISHED'}
        written = json.loads(path.read_text())
        assert written["standard"] == "arkit" and len(written["map"]) == 52
        assert written["map"]["jawOpen"] == [["jawOpen", 1.0]]
    finally:
        addon.unregister()


REAL = ROOT.parent / "shared" / "real_rigs"


@pytest.mark.skipif(not REAL.is_dir(), reason="../shared/real_rigs is not present on this machine")
@needs_blender_5  # the MakeHuman rig is a Blender 5.0 file
def test_every_real_rig_gets_a_matrix(tmp_path, capsys):
    male = REAL / "rocketbox_headbox" / "Male_Adult_03_facial.fbx"
    human = REAL / "mpfb_expression_units" / "makehuman_mpfb_expression_units.blend"
    out = tmp_path / "matrix.json"
    assert main(["standards", str(male), str(human), "--rules", str(ROOT / "examples" / "mpfb_convention.toml"),
                 "--format", "json", "--output", str(out)]) == 0
    rigs = json.loads(out.read_text())["rigs"]
    covers = {(Path(r["file"]).name, s["name"]): s for r in rigs for s in r["standards"]}
    # the Rocketbox avatar ships ARKit's 52 as its AK_ set, and a Roblox set's worth of FACS shapes
    assert (covers["Male_Adult_03_facial.fbx", "arkit"]["covered"], covers["Male_Adult_03_facial.fbx", "arkit"]["approximate"]) == (52, [])
    assert covers["Male_Adult_03_facial.fbx", "roblox"]["missing"] == []
    # MakeHuman's expression units (read with the example convention): brows, lids and mouth, no gaze
    human_arkit = covers["makehuman_mpfb_expression_units.blend", "arkit"]
    assert human_arkit["map"]["browInnerUp"] == [["eyebrows-left-inner-up", 1.0], ["eyebrows-right-inner-up", 1.0]]
    assert "eyeLookUpLeft" in human_arkit["missing"]
    female = REAL / "rocketbox_headbox" / "Female_Adult_01_mayainput.fbx"
    capsys.readouterr()
    assert main(["standards", str(female)]) == 2
    assert "no mesh with shape keys" in capsys.readouterr().err
