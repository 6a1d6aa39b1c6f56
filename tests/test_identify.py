"""identify: each shape's action from its geometry alone, and a drafted convention."""

import json
import sys
from pathlib import Path

import numpy as np
import pytest

from facs_audit_addon.cli import main
from facs_audit_addon.core import RigSnapshot, RuleFileError, load_rulebook
from facs_audit_addon.core.identify import identify, load_identify_rules
from sample_rigs.face_model import build_face, named_shapes

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
from identify_accuracy import score  # noqa: E402
from identify_rigs import REAL, hidden, real_rigs  # noqa: E402
from rig_paths import needs_blender_5  # noqa: E402

RULEBOOK = load_rulebook()
RULES = load_identify_rules(RULEBOOK)
HUMAN = REAL / "mpfb_expression_units" / "makehuman_mpfb_expression_units.blend"


@pytest.fixture(scope="module")
def face():
    return build_face()


@pytest.mark.parametrize("naming", ["facs", "arkit", "descriptive"])
def test_sample_face_with_hidden_names(face, naming):
    """Every name replaced by k000, k001, ...: the best candidate is the true action and side for at least
    90% of the single-action shapes, and the true action is listed for at least 95%."""
    snapshot = RigSnapshot.from_shapes("Face", face.vertices, named_shapes(face, naming))
    first, listed, total, misses = score(snapshot, RULEBOOK, RULES)
    assert total >= 50
    assert first / total >= 0.9, misses
    assert listed / total >= 0.95, misses


@pytest.mark.skipif(not REAL.is_dir(), reason="../shared/real_rigs is not present on this machine")
@needs_blender_5
def test_real_rigs_with_hidden_names():
    """The truth from each rig's own convention; the best candidate is right for at least 70%."""
    seen = 0
    for label, snapshot, rulebook, convention in real_rigs():
        first, _, total, misses = score(snapshot, rulebook, RULES, convention)
        assert first / total >= 0.7, (label, misses)
        seen += 1
    assert seen == 4


def test_the_name_is_never_read(face):
    shapes = named_shapes(face, "arkit")
    named = identify(RigSnapshot.from_shapes("Face", face.vertices, shapes), RULEBOOK, RULES)
    renamed = identify(RigSnapshot.from_shapes("Face", face.vertices, {f"shape_{i:03d}": delta for i, delta in
                                                                       enumerate(shapes.values())}), RULEBOOK, RULES)
    assert [i.candidates for i in named] == [i.candidates for i in renamed]
    smile = named[list(shapes).index("mouthSmileLeft")].candidates[0]
    assert (smile.action, smile.side, smile.variant) == ("AU12", "L", "")
    assert 0.0 <= smile.score <= 1.0 and "lip_corners" in smile.why["regions"]
    jaw = named[list(shapes).index("jawRight")].candidates[0]
    assert (jaw.action, jaw.variant) == ("AD30", "right")


def test_shapes_that_are_no_single_action(face):
    shapes = named_shapes(face, "facs")
    odd = {"still": shapes["AU12_L"] * 0, "surprise_smile": shapes["AU2_L"] + shapes["AU2_R"] + shapes["AU12_L"] + shapes["AU12_R"], "smile": shapes["AU12_L"]}
    identities = {i.name: i for i in identify(RigSnapshot.from_shapes("Face", face.vertices, {**shapes, **odd}),
                                              RULEBOOK, RULES)}
    assert identities["still"].candidates == () and identities["still"].reason == "moves nothing"
    combined = identities["surprise_smile"]
    assert combined.candidates == () and "combination" in combined.reason
    assert combined.resembles == ("AU2", "AU12")
    assert identities["smile"].candidates[0].label == "AU12_L"


def test_a_malformed_reference_file_names_file_and_key(tmp_path):
    bad = tmp_path / "identify.toml"
    text = (ROOT / "rules" / "identify.toml").read_text().replace("brows_inner = { up = 1.0 }", "brow = { up = 1.0 }", 1)
    bad.write_text(text)
    with pytest.raises(RuleFileError, match=r"identify.toml.*references\.AU1\.regions\.brow.*unknown region"):
        load_identify_rules(RULEBOOK, bad)


def test_identify_json_on_a_real_blend(tmp_path, bpy_clean):
    """The CLI on a .blend written by Blender: at most 3 candidates per shape, best first, scores in [0, 1]."""
    from sample_rigs.build_blend import write_blend
    rig = tmp_path / "face.blend"
    write_blend(str(rig), naming="arkit")
    out = tmp_path / "identify.json"
    assert main(["identify", str(rig), "--format", "json", "--output", str(out)]) == 0
    shapes = {s["name"]: s for s in json.loads(out.read_text())["rigs"][0]["shapes"]}
    assert len(shapes) == 52
    for shape in shapes.values():
        scores = [c["score"] for c in shape["candidates"]]
        assert len(scores) <= 3 and scores == sorted(scores, reverse=True)
        assert all(0 <= s <= 1 for s in scores) and (scores or shape["reason"])
    best = shapes["eyeBlinkRight"]["candidates"][0]
    assert (best["action"], best["side"]) == ("AU45", "R") and set(best["why"]) >= {"regions", "left_share"}


@pytest.mark.skipif(not HUMAN.is_file(), reason="../shared/real_rigs is not present on this machine")
@needs_blender_5
def test_drafted_convention_makes_a_full_audit_possible(tmp_path, capsys):
    """MakeHuman's expression units match no convention; the drafted one reads them, so the rig is audited."""
    draft = tmp_path / "mpfb_draft.toml"
    assert main(["identify", str(HUMAN), "--draft-convention", str(draft)]) == 0
    text = draft.read_text()
    assert '"eye-left-closure" = { au = "AU45", side = "L" }' in text
    assert '"mouth-corner-puller" = { au = "AU12", side = "B" }' in text
    assert "# \"nose-depression\": looks like no single action" in text
    capsys.readouterr()
    before = tmp_path / "before.json"
    main(["audit", str(HUMAN), "--format", "json", "--output", str(before), "--fail-on", "never"])
    assert json.loads(before.read_text())["rigs"][0]["sets"][0]["recognised"] == 2  # of 34
    after = tmp_path / "after.json"
    assert main(["audit", str(HUMAN), "--rules", str(draft), "--format", "json", "--output", str(after),
                 "--fail-on", "never"]) == 0
    rig = json.loads(after.read_text())["rigs"][0]
    main_set, = rig["sets"]
    assert main_set["convention"] == "mpfb_draft" and main_set["recognised"] >= 28
    assert {f["category"] for f in rig["findings"]} >= {"naming", "conflation"}


def test_a_mesh_that_is_no_face_gets_an_answer_per_shape():
    """Noise on a blob: every shape gets candidates or the reason it has none, in the rig's order."""
    rng = np.random.default_rng(1)
    basis = rng.normal(size=(500, 3)).astype(np.float32)
    snapshot = RigSnapshot.from_shapes("Blob", basis, {f"s{i}": rng.normal(size=(500, 3)) * 0.01 for i in range(5)})
    identities = identify(hidden(snapshot), RULEBOOK, RULES)
    assert [i.name for i in identities] == [f"k{i:03d}" for i in range(5)]
    assert all(i.candidates or i.reason for i in identities)
