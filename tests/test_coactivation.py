"""Co-activation: forbidden pairs in one shape's geometry, in combination names, drivers and animation."""

import numpy as np

from facs_audit_addon.core import Driver
from facs_audit_addon.core.checks.coactivation import overlap_ranges

from core_helpers import audit, mine, mouth_face

CONTROL = ("Face_Rig", 'pose.bones["mouth_ctrl"].location[1]')


def _names(shapes, *extra):
    """The clean face plus combination shapes (small own deltas, so they are not empty or duplicates)."""
    basis, _ = mouth_face()
    rng = np.random.default_rng(0)
    for name in extra:
        delta = np.zeros_like(basis)
        delta[rng.choice(len(basis), 4, replace=False)] = rng.normal(scale=0.001, size=(4, 3))
        shapes[name] = delta
    return shapes


def test_forbidden_combination_name():
    _, shapes = mouth_face()
    report = audit(_names(shapes, "AU24_AU25", "AU26_AU27"))
    found = [f for f in report.findings if f.rule == "coactivation.combination-name"]
    assert [(f.shapes, f.severity) for f in found] == [(("AU24_AU25",), "error"), (("AU26_AU27",), "error")]
    assert "AU24 with AU25" in found[0].measures["pair"]


def test_opposing_combination_name_is_a_warning():
    _, shapes = mouth_face()
    found = [f for f in audit(_names(shapes, "AU12_L_AU15_L")).findings if f.rule == "coactivation.combination-name"]
    assert [(f.shapes, f.severity) for f in found] == [(("AU12_L_AU15_L",), "warning")]


def test_legitimate_correctives_stay_clean():
    _, shapes = mouth_face()
    correctives = ("AU1_AU2", "AU1_AU4", "AU1_AU2_AU4", "AU6_AU12", "AU6_AU7", "AU9_AU10", "AU12_AU14",
                   "AU17_AU24", "AU12_AU26", "AU18_AU26", "AU20_AU26", "AU22_AU26", "AU24_AU26", "AU8_AU26",
                   "AU12_L_AU15_R")  # opposite corners: no conflict
    report = audit(_names(shapes, *correctives))
    assert [f for f in report.findings if f.rule == "coactivation.combination-name"] == []


def test_arkit_mouth_close_with_jaw_open_is_a_corrective():
    _, shapes = mouth_face()
    found = audit(_names(shapes, "mouthClose_jawOpen", "mouthPress_L_mouthPress_R")).findings
    assert [f for f in found if f.rule.startswith("coactivation.")] == []


def test_shared_driver():
    _, shapes = mouth_face()
    drivers = (Driver("AU24", (CONTROL,), "var"), Driver("AU25", (CONTROL,), "var"),
               Driver("AU12_L", (("Face_Rig", 'pose.bones["smile"].location[0]'),), "var"))
    found = [f for f in audit(shapes, drivers=drivers).findings if f.rule == "coactivation.shared-driver"]
    assert [(f.shapes, f.severity) for f in found] == [(("AU24", "AU25"), "error")]
    assert 'Face_Rig: pose.bones["mouth_ctrl"].location[1]' in found[0].message


def test_joystick_split_by_direction_is_not_shared():
    _, shapes = mouth_face()
    drivers = (Driver("AU24", (CONTROL,), "max(0, var)"), Driver("AU25", (CONTROL,), "max(0, -var)"))
    assert [f for f in audit(shapes, drivers=drivers).findings if f.rule == "coactivation.shared-driver"] == []


def test_shared_driver_needs_same_eye():
    _, shapes = mouth_face()
    drivers = (Driver("AU5_L", (CONTROL,), "var"), Driver("AU43_R", (CONTROL,), "var"),
               Driver("AU43_L", (CONTROL,), "var"))
    found = [f.shapes for f in audit(shapes, drivers=drivers).findings if f.rule == "coactivation.shared-driver"]
    assert found == [("AU5_L", "AU43_L")]


def test_animation_overlap_exact_frames():
    _, shapes = mouth_face()
    animation = {
        # linear keys: above 0.5 from frame 6 to 24
        "AU26": ((0.0, 10.0, 20.0, 30.0), (0.0, 1.0, 1.0, 0.0)),
        "AU27": ((0.0, 40.0), (1.0, 1.0)),
        # legitimate together: never reported
        "AU12_L": ((0.0, 40.0), (1.0, 1.0)),
        "AU6_L": ((0.0, 40.0), (1.0, 1.0)),
    }
    found = [f for f in audit(shapes, animation=animation).findings if f.rule == "coactivation.animation-overlap"]
    assert [(f.shapes, f.severity) for f in found] == [(("AU26", "AU27"), "error")]
    assert found[0].measures["frames"] == [[6.0, 24.0]]
    assert "frames 6-24" in found[0].message


def test_overlap_ranges_on_sampled_curves():
    frames = tuple(range(0, 41))
    first = (frames, tuple(1.0 if 5 <= f <= 25 else 0.0 for f in frames))
    second = (frames, tuple(1.0 if 15 <= f <= 35 or f == 38 else 0.0 for f in frames))
    assert overlap_ranges(first, second, 0.5) == [(15.0, 25.0)]
    third = (frames, tuple(1.0 if f in (2, 3, 30) else 0.0 for f in frames))
    fourth = (frames, tuple(1.0 for _ in frames))
    assert overlap_ranges(third, fourth, 0.5) == [(2.0, 3.0), (30.0, 30.0)]
    assert overlap_ranges(first, ((), ()), 0.5) == []


def test_baked_pair_press_that_parts_the_lips():
    _, shapes = mouth_face()
    shapes["AU24"] = shapes["AU24"] * 0.3 + shapes["AU25"]
    found = [f for f in audit(shapes).findings if f.rule == "coactivation.baked-pair"]
    assert [(f.shapes, f.severity) for f in found] == [(("AU24",), "error")]
    assert found[0].message.startswith("AU24 (AU24) also parts the lips (AU25): the lips open by")


def test_baked_pair_smile_that_pulls_the_corner_down():
    _, shapes = mouth_face()
    shapes["AU12_L"] = shapes["AU15_L"] * 1.2
    found = [f for f in audit(shapes).findings if f.rule == "coactivation.baked-pair"]
    assert [(f.shapes, f.severity) for f in found] == [(("AU12_L",), "warning")]


def test_profile_severity_overrides_the_pair(tmp_path):
    from facs_audit_addon.core import load_rulebook
    from facs_audit_addon.core import RigSnapshot, audit_rig
    profile = tmp_path / "strict.toml"
    profile.write_text('[profile]\nname = "strict"\nextends = "base"\n\n[severity]\n'
                       '"coactivation.combination-name" = "info"\n')
    rulebook = load_rulebook(extra_files=[profile])
    basis, shapes = mouth_face()
    report = audit_rig(RigSnapshot.from_shapes("Face", basis, _names(shapes, "AU24_AU25")), rulebook, profile="strict")
    assert [(f.shapes, f.severity) for f in report.findings if f.rule == "coactivation.combination-name"] == [
        (("AU24_AU25",), "info")]


def test_clean_face_with_legitimate_animation_and_drivers():
    _, shapes = mouth_face()
    drivers = (Driver("AU6_L", (CONTROL,), "var"), Driver("AU12_L", (CONTROL,), "var"))
    animation = {"AU1_L": ((0.0, 10.0), (1.0, 1.0))}
    assert mine(audit(shapes, drivers=drivers, animation=animation)) == []
