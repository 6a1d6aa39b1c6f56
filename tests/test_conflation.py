"""Conflation: duplicate shapes (one Gram matrix), AU23 variants, looks-like-other, and strict rule loading."""

import shutil

import numpy as np
import pytest

from facs_audit_addon.core import RuleFileError, load_rulebook

from test_signatures import audit, mine, mouth_face


def test_duplicate_found_by_cosine_whatever_the_names():
    basis, shapes = mouth_face()
    shapes["myPucker"] = shapes["AU18"] * 1.05 + 0.0001
    found = [f for f in audit(shapes).findings if f.rule == "conflation.duplicate-shapes"]
    assert [f.shapes for f in found] == [("AU18", "myPucker")]
    assert found[0].measures["cosine"] > 0.98


def test_bigger_jaw_drop_is_not_a_duplicate():
    _, shapes = mouth_face()
    shapes["AU27"] = shapes["AU26"] * 2.0  # same direction, twice the size: AU27 beyond AU26
    assert "conflation.duplicate-shapes" not in {rule for rule, _ in mine(audit(shapes))}


def test_identical_closures_only_matter_when_the_profile_wants_them_distinct():
    _, shapes = mouth_face()
    shapes["AU45_L"] = shapes["AU43_L"].copy()
    shapes["AU45_R"] = shapes["AU43_R"].copy()
    film = [f.shapes for f in audit(shapes, profile="facs-film").findings if f.rule == "conflation.duplicate-shapes"]
    assert film == [("AU45_L", "AU43_L"), ("AU45_R", "AU43_R")]
    core = [f for f in audit(shapes, profile="facs-core").findings if f.rule == "conflation.duplicate-shapes"]
    assert core == []


def test_au23_variants_indistinct():
    _, shapes = mouth_face()
    shapes["AU23V"] = 0.95 * shapes["AU23H"] + 0.05 * shapes["AU23V"]
    # so close that they are duplicates too
    assert mine(audit(shapes)) == [("conflation.duplicate-shapes", ("AU23H", "AU23V")),
                                   ("conflation.variants-indistinct", ("AU23H", "AU23V"))]
    # both horizontal, yet not near-identical: still indistinct types
    shapes["AU23V"] = 0.6 * shapes["AU23H"] + np.roll(shapes["AU23H"], 123, axis=0) * 0.6
    found = [f for f in audit(shapes).findings if f.rule == "conflation.variants-indistinct"]
    assert [f.shapes for f in found] == [("AU23H", "AU23V")]
    assert "both horizontal" in found[0].message


def test_single_au23_counts_as_its_measured_type():
    # one AU23 shape that tightens horizontally: coverage counts it as AU23 H and misses only V, in one
    # finding; no conflation line repeats it
    _, shapes = mouth_face()
    shapes["AU23"] = shapes.pop("AU23H")
    del shapes["AU23V"]
    found = [f for f in audit(shapes, profile="facs-film").findings
             if "AU23" in f.aus and f.rule.startswith(("coverage.", "conflation.variants"))]
    assert [(f.rule, f.shapes, f.measures["variants"]) for f in found] == [
        ("coverage.missing-variant", ("AU23",), ["V"])]
    assert found[0].message.startswith("Missing AU23 vertical (Lip Tightener): AU23 is the horizontal type by measure "
                                       "(lip_tightening_axis +")
    assert "no shape is vertical (cinches the lips top to bottom)" in found[0].message
    # facs-core takes any AU23
    assert [f for f in audit(shapes, profile="facs-core").findings if "AU23" in f.aus] == []


def test_lips_part_that_rotates_the_jaw_looks_like_au26():
    _, shapes = mouth_face()
    shapes["AU25"] = shapes["AU25"] + shapes["AU26"]
    found = [f for f in audit(shapes).findings if f.rule == "conflation.looks-like-other"]
    assert [f.shapes for f in found] == [("AU25",)]
    assert "rotates the jaw like AU26: the chin moves" in found[0].message
    assert found[0].measures["looks_like"] == "AU26"


def test_jaw_drop_that_leaves_the_chin_looks_like_au25():
    _, shapes = mouth_face()
    shapes["AU26"] = shapes["AU25"] * 1.5 + np.roll(shapes["AU25"], 3, axis=0) * 0.2
    found = [f.shapes for f in audit(shapes).findings if f.rule == "conflation.looks-like-other"]
    assert ("AU26",) in found


def test_mouth_stretch_no_bigger_than_jaw_drop():
    _, shapes = mouth_face()
    shapes["AU27"] = shapes["AU26"] * 0.9 + np.roll(shapes["AU26"], 1, axis=1) * 0.1
    found = [f for f in audit(shapes).findings if f.rule == "conflation.looks-like-other"]
    assert [f.shapes for f in found] == [("AU27",)]
    assert "no further than AU26" in found[0].message


def test_blink_that_opens_the_eye():
    _, shapes = mouth_face()
    shapes["AU45_L"] = -shapes["AU45_L"]
    rules = {(f.rule, f.shapes) for f in audit(shapes).findings}
    assert ("conflation.looks-like-other", ("AU45_L",)) in rules
    assert ("coactivation.baked-pair", ("AU45_L",)) in rules


def _broken_rules(tmp_path, text):
    root = tmp_path / "rules"
    shutil.copytree(load_rulebook().root, root)
    (root / "coactivation.toml").write_text(ANCHORS + text)
    return root


ANCHORS = '[anchors]\ncorners = ["AU12"]\njaw = ["AU26"]\nlids = ["AU45"]\n'


@pytest.mark.parametrize("text, key, words", [
    ('[anchors.extra]\n', "anchors.extra", "unknown key"),
    ('[[pair]]\naus = ["AU24", "AU99"]\nseverity = "error"\nreason = "x"\n', "pair[0].aus[1]", "unknown action"),
    ('[[pair]]\naus = ["AU24", "AU25"]\nseverity = "fatal"\nreason = "x"\n', "pair[0].severity", "must be one of"),
    ('[[pair]]\naus = ["AU24", "AU25"]\nseverity = "error"\nreason = "x"\ncolour = 1\n', "pair[0].colour",
     "unknown key"),
    ('[[pair]]\naus = ["AU24", "AU25"]\nseverity = "error"\nreason = "x"\n'
     'baked = [{ au = "AU12", measure = "lip_aperture", above = 0.3, says = "x" }]\n', "pair[0].baked[0].au",
     "not a member"),
    ('[[conflation]]\nrule = "conflation.looks-like-other"\nau = "AU25"\nlooks_like = "AU26"\n'
     'measure = "jaw_wobble"\nabove = 1\nsays = "x"\nreason = "x"\n', "conflation[0].measure", "unknown measure"),
    ('[[conflation]]\nrule = "conflation.nope"\nau = "AU25"\nlooks_like = "AU26"\n'
     'measure = "jaw_share"\nabove = 1\nsays = "x"\nreason = "x"\n', "conflation[0].rule", "unknown rule id"),
    ('[[corrective]]\naus = ["AU1"]\n', "corrective[0].aus", "two or more"),
    ('[pairs]\n', "pairs", "unknown key"),
])
def test_rule_file_errors_name_the_key(tmp_path, text, key, words):
    with pytest.raises(RuleFileError) as error:
        load_rulebook(_broken_rules(tmp_path, text))
    assert "coactivation.toml" in str(error.value) and key in str(error.value) and words in str(error.value)


def _clean_with(changes):
    """The clean sample face with some shapes replaced (pure numpy)."""
    from facs_audit_addon.core import RigSnapshot
    from sample_rigs.defects import variant_snapshot
    clean = variant_snapshot("clean")
    shapes = {name: clean.deltas[i] for i, name in enumerate(clean.names)}
    for target, source in changes.items():
        shapes[target] = shapes[source] * 0.8
    return RigSnapshot.from_shapes("Face", clean.basis, shapes)


def _looks_like(snapshot):
    from facs_audit_addon.core import audit_rig, load_rulebook
    report = audit_rig(snapshot, load_rulebook(), profile="facs-film")
    return sorted((f.shapes, f.aus) for f in report.findings if f.rule == "conflation.looks-like-other")


def test_au13_as_flat_as_au12_looks_like_au12():
    assert _looks_like(_clean_with({})) == []
    found = _looks_like(_clean_with({"AU13_L": "AU12_L", "AU13_R": "AU12_R"}))
    assert found == [(("AU13_L",), ("AU13", "AU12")), (("AU13_R",), ("AU13", "AU12"))]


def test_au9_that_leaves_the_nose_bridge_looks_like_au10():
    found = _looks_like(_clean_with({"AU9_L": "AU10_L"}))
    assert found == [(("AU9_L",), ("AU9", "AU10"))]


def test_au15_that_drops_the_lower_lip_looks_like_au16():
    found = _looks_like(_clean_with({"AU15_L": "AU16_L"}))
    assert found == [(("AU15_L",), ("AU15", "AU16"))]
