"""core.delivery_diff without Blender: rename matching, change measures, finding matching, settings."""

import numpy as np
import pytest

from facs_audit_addon.core import Finding, RigSnapshot, RuleFileError
from facs_audit_addon.core.delivery_diff import (load_diff_settings, match_findings, match_renames,
                                                 measure_changes)

SETTINGS = load_diff_settings()
BASIS = np.array([[x, 0.0, z] for x in (-0.05, 0.0, 0.05) for z in (0.0, 0.05, 0.1)], dtype=np.float32)


def snap(shapes):
    return RigSnapshot.from_shapes("Face", BASIS, {k: np.asarray(v, np.float32) for k, v in shapes.items()})


def motion(*moves):
    delta = np.zeros((9, 3), np.float32)
    for vertex, offset in moves:
        delta[vertex] = offset
    return delta


def test_renames_follow_geometry_one_to_one():
    a, b, c = motion((0, (0, 0, 0.01))), motion((4, (0.01, 0, 0))), motion((8, (0, 0.01, 0.005)))
    old = snap({"A": a, "B": b, "C": c})
    # A renamed and a little stronger, B renamed twice over (only one can match), C gone
    new = snap({"A2": 1.1 * a, "B2": b, "B3": b, "D": motion((2, (0, 0.02, 0)))})
    renames = match_renames(old, new, ["A", "B", "C"], ["A2", "B2", "B3", "D"], SETTINGS)
    assert [(r.old, r.new, r.cosine) for r in renames] == [("A", "A2", 1.0), ("B", "B2", 1.0)]
    # twice as strong is another shape, not a rename
    assert match_renames(old, snap({"A2": 2 * a}), ["A"], ["A2"], SETTINGS) == ()


def test_changes_beyond_the_tolerance_in_units_and_face_share():
    a = motion((0, (0, 0, 0.01)))
    old, new = snap({"A": a, "B": a}), snap({"A": a + motion((3, (0.002, 0, 0))), "B": a + 1e-7})
    changed, neutral = measure_changes(old, new, [("A", "A"), ("B", "B")], None, SETTINGS)
    face = float(np.linalg.norm(BASIS.max(0) - BASIS.min(0)))
    assert [(c.shape, c.largest, c.share) for c in changed] == [("A", 0.002, round(0.002 / face, 5))]
    assert neutral is None


def finding(rule, shapes=(), side="", severity="error", aus=()):
    return Finding(rule=rule, category=rule.split(".")[0], severity=severity, message=rule, shapes=tuple(shapes),
                   side=side, aus=tuple(aus))


def test_findings_match_by_rule_renamed_shapes_side_and_aus():
    old = [finding("symmetry.pair-mismatch", ["AU12_L", "AU12_R"]), finding("coverage.missing-au", aus=["AU19"]),
           finding("coverage.missing-au", aus=["AU28"]), finding("region.leakage", ["AU1_L"], "L")]
    new = [finding("symmetry.pair-mismatch", ["Smile_L", "AU12_R"]), finding("coverage.missing-au", aus=["AU19"]),
           finding("region.leakage", ["AU1_L"], "R")]
    fixed, introduced, unchanged = match_findings(old, new, {"AU12_L": "Smile_L"})
    assert fixed == (old[2], old[3])
    assert introduced == (new[2],)
    assert unchanged == (new[0], new[1])


def test_malformed_settings_name_file_and_key(tmp_path):
    path = tmp_path / "diff.toml"
    path.write_text("[rename]\nmin_cosine = 2\nmax_norm_ratio = 1.2\n[change]\ntolerance = 0.01\n"
                    "region_min_share = 0.2\nregions = 2\n")
    with pytest.raises(RuleFileError, match=r"diff.toml: rename.min_cosine: must be between -1 and 1$"):
        load_diff_settings(path)
    path.write_text("[rename]\nmin_cosine = 0.9\nmax_norm_ratio = 1.2\n[change]\ntolerance = 0.01\n"
                    "region_min_share = 0.2\nregions = 2\nspeed = 1\n")
    with pytest.raises(RuleFileError, match=r"change.speed: unknown key"):
        load_diff_settings(path)
