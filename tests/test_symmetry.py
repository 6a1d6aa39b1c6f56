"""Symmetry checks on the synthetic head (pure numpy): exact scores for known constructions."""

import numpy as np
import pytest

from facs_audit_addon.core import RigSnapshot, audit_rig
from facs_audit_addon.core.mirror import build_mirror_map, nearest_within

from core_helpers import RULEBOOK, geometric, head_points, mirror, synthetic_head, synthetic_shapes

POINTS = head_points()
SHAPES = synthetic_shapes(POINTS)


def finding(snapshot, rule):
    """The first finding of ``rule`` (findings are sorted, so the left shape's comes first)."""
    found = [f for f in audit_rig(snapshot, RULEBOOK, profile="facs-core").findings if f.rule == rule]
    assert found
    return found[0]


def test_clean_head_has_no_geometric_findings():
    assert geometric(synthetic_head()) == []


@pytest.mark.parametrize("strength", [0.5, 0.7, 1.6])
def test_scaled_mirror_copy_scores_its_scale(strength):
    """AU12_R = s * mirror(AU12_L) scores |1 - s| / max(1, s)."""
    weak = strength * mirror(POINTS, SHAPES["AU12_L"])
    snapshot = synthetic_head({"AU12_R": weak})
    assert geometric(snapshot) == [("symmetry.pair-mismatch", ("AU12_L", "AU12_R"))]
    found = finding(snapshot, "symmetry.pair-mismatch")
    assert found.measures["error"] == pytest.approx(abs(1 - strength) / max(1, strength), abs=1e-3)
    assert found.measures["strength_ratio"] == pytest.approx(strength, abs=1e-3)
    # severity follows what a viewer sees: the largest difference as a share of the face size
    visible = found.measures["visible_difference"]
    # mirror partners coincide on this grid: no mirror noise, the raw difference is what is seen
    assert found.measures["noise_floor"] == 0 and visible == found.measures["largest_difference"]
    expected = ("error" if found.measures["error"] >= 0.35 and visible >= 0.008 else
                "warning" if visible >= 0.006 else "info")
    assert found.severity == expected
    # the weaker twin carries the defect: its side is named (strength < 1: the right one is weak)
    weak_side = "right" if strength < 1 else "left"
    assert found.measures["worst_region"] == f"{weak_side} lip corner"
    assert found.measures["defect_shape"] == ("AU12_R" if strength < 1 else "AU12_L")
    assert found.message.split(": ", 1)[1].startswith(f"the {weak_side} lip corner moves ")
    assert 0 < len(found.vertices) <= 200


@pytest.mark.parametrize("side", ["L", "R"])
def test_pair_names_the_side_that_carries_the_defect(side):
    """The defect is put in one twin; the message names that twin's side, whichever it is."""
    other = "R" if side == "L" else "L"
    word, other_word = ("left", "right") if side == "L" else ("right", "left")
    # a brow lift baked into one smile (motion where AU12 has no business): the side that moves names it
    bumped = {f"AU12_{side}": SHAPES[f"AU12_{side}"] + 0.5 * SHAPES[f"AU2_{side}"]}
    found = finding(synthetic_head(bumped), "symmetry.pair-mismatch")
    assert found.measures["defect_shape"] == f"AU12_{side}"
    assert found.measures["worst_region"] == f"{word} brow"
    assert f"the {word} brow moves " in found.message and f"where the {other_word} brow moves 0.0 mm" in found.message
    # one twin too weak at the corner (motion AU12 should make): the side that moves less names it
    weak = {f"AU12_{side}": 0.4 * SHAPES[f"AU12_{side}"]}
    found = finding(synthetic_head(weak), "symmetry.pair-mismatch")
    assert found.measures["defect_shape"] == f"AU12_{side}"
    assert found.message.split(": ", 1)[1].startswith(f"the {word} lip corner moves ")
    assert f"AU12_{side if side == 'R' else other} is " in found.message


def test_shifted_copy_is_a_mismatch():
    shifted = mirror(POINTS, SHAPES["AU12_L"])
    shifted = np.roll(shifted, 41 * 3, axis=0)  # three grid rows higher
    assert geometric(synthetic_head({"AU12_R": shifted})) == [("symmetry.pair-mismatch", ("AU12_L", "AU12_R"))]


def test_lopsided_bilateral_shape():
    gain = np.where(POINTS[:, 0] < 0, 0.3, 1.0).astype(np.float32)
    snapshot = synthetic_head({"AU25": SHAPES["AU25"] * gain[:, None]})
    assert geometric(snapshot) == [("symmetry.bilateral-asymmetric", ("AU25",))]
    found = finding(snapshot, "symmetry.bilateral-asymmetric")
    assert found.measures["left_share"] > 0.8
    # both halves differ alike: the message names the weak half (the right, at 30%) first, with its motion
    assert found.message.split(": ", 1)[1].startswith("the right ")
    assert " moves " in found.message and " where the left " in found.message


def test_one_sided_shape_crossing_the_midline():
    left = SHAPES["AU12_L"] + 0.5 * SHAPES["AU12_R"]
    snapshot = synthetic_head({"AU12_L": left, "AU12_R": mirror(POINTS, left)})
    assert geometric(snapshot) == [("symmetry.side-crossover", ("AU12_L",)), ("symmetry.side-crossover", ("AU12_R",))]
    found = finding(snapshot, "symmetry.side-crossover")
    assert "lip corner" in found.measures["worst_region"]


def test_swapped_sides_are_reported_not_relabelled():
    snapshot = synthetic_head({"AU12_L": SHAPES["AU12_R"], "AU12_R": SHAPES["AU12_L"]})
    assert geometric(snapshot) == [("symmetry.sides-swapped", ("AU12_L",)), ("symmetry.sides-swapped", ("AU12_R",))]
    assert finding(snapshot, "symmetry.sides-swapped").measures["wrong_side_share"] > 0.95


def test_legitimately_asymmetric_shapes_pass():
    """Gaze left/right mirror each other, jaw sideways left/right too, a wink is one-sided."""
    lids = np.abs(SHAPES["AU45_L"][:, 2]) + np.abs(SHAPES["AU45_R"][:, 2])
    eyes = lids > 0.3 * lids.max()
    gaze = np.where(eyes[:, None], np.float32([0.003, 0, 0]), 0).astype(np.float32)
    jaw = np.where((POINTS[:, 2] < 0.04)[:, None] & (POINTS[:, 1] < 0)[:, None], np.float32([0.004, 0, 0]), 0)
    extra = {"AU61": gaze, "AU62": mirror(POINTS, gaze), "AD30_left": jaw.astype(np.float32),
             "AD30_right": mirror(POINTS, jaw.astype(np.float32)), "AU46_L": SHAPES["AU45_L"]}
    assert geometric(synthetic_head(extra)) == []
    # and a gaze pair that does not mirror is still caught
    extra["AU62"] = 0.4 * extra["AU62"]
    assert geometric(synthetic_head(extra)) == [("symmetry.pair-mismatch", ("AU61", "AU62"))]


def test_asymmetric_topology_is_reported_and_the_rest_audited():
    """Extra vertices on the left cheek only: reported once, and a mismatch elsewhere is still found."""
    extra = np.stack(np.meshgrid(np.linspace(0.03, 0.05, 12), [-0.1], np.linspace(0.05, 0.09, 12)), -1).reshape(-1, 3)
    basis = np.vstack([POINTS, extra]).astype(np.float32)
    shapes = {name: np.vstack([delta, np.tile(delta[:1] * 0 + [0, 0, 0.002], (len(extra), 1))]).astype(np.float32)
              for name, delta in SHAPES.items()}
    shapes["AU12_R"][: len(POINTS)] *= 0.5
    snapshot = RigSnapshot.from_shapes("Head", basis, shapes)
    rules = geometric(snapshot)
    assert ("rig.unmatched-mirror", ()) in rules
    assert ("symmetry.pair-mismatch", ("AU12_L", "AU12_R")) in rules
    found = finding(snapshot, "rig.unmatched-mirror")
    assert set(found.vertices) <= set(range(len(POINTS), len(basis)))


def test_mirror_map_handles_duplicated_seams_and_misses():
    points = np.array([[0.1, 0, 0], [-0.1, 0, 0], [-0.1, 0, 0], [0, 0, 0], [0.3, 0, 0]], dtype=np.float32)
    mapping = build_mirror_map(points, np.array([1.0, 0, 0]), 0.0, 0.01)
    assert mapping.partner[0] in (1, 2) and mapping.partner[1] == 0 and mapping.partner[2] == 0
    assert mapping.partner[3] == 3 and mapping.partner[4] == -1
    index, distance = nearest_within(np.zeros((0, 3)), points, 0.1)
    assert index.shape == (0,) and distance.shape == (0,)


def test_nearest_within_matches_brute_force():
    rng = np.random.default_rng(3)
    points = rng.random((400, 3)).astype(np.float32)
    queries = rng.random((300, 3)).astype(np.float32)
    index, distance = nearest_within(queries, points, 0.06)
    dist = np.linalg.norm(queries[:, None] - points[None], axis=2)
    best = dist.argmin(axis=1)
    within = dist.min(axis=1) <= 0.06
    assert np.array_equal(index >= 0, within)
    assert np.allclose(distance[within], dist.min(axis=1)[within], atol=1e-6)
    assert np.array_equal(index[within], best[within])
