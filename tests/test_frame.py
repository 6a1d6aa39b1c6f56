"""Face frame: the default front view is verified, a rotated or off-centre head is re-framed."""

import numpy as np
import pytest

from facs_audit_addon.core import RigSnapshot, audit_rig
from facs_audit_addon.core.frame import BLENDER_AXES

from core_helpers import EYE, MOUTH_Z, RULEBOOK, geometric, head_points, mirror, synthetic_head, synthetic_shapes


def frame_of(snapshot):
    from facs_audit_addon.core.context import AuditContext
    from facs_audit_addon.core.engine import read_sets

    sets = read_sets(snapshot.names, RULEBOOK)
    return AuditContext(snapshot, RULEBOOK, sets, RULEBOOK.profile("facs-core")).frame


def rotation(axis, degrees):
    c, s = np.cos(np.radians(degrees)), np.sin(np.radians(degrees))
    i, j = [(1, 2), (2, 0), (0, 1)][axis]
    m = np.eye(3)
    m[i, i], m[i, j], m[j, i], m[j, j] = c, -s, s, c
    return m.astype(np.float32)


def transformed(snapshot, matrix, shift=(0.0, 0.0, 0.0)):
    """The snapshot with ``matrix`` (3, 3) applied to positions and deltas, then positions shifted."""
    return RigSnapshot(name=snapshot.name, basis=snapshot.basis @ matrix.T + np.float32(shift),
                       deltas=snapshot.deltas @ matrix.T, names=snapshot.names)


def test_front_view_is_verified_not_changed():
    frame = frame_of(synthetic_head())
    assert np.array_equal(frame.axes, BLENDER_AXES)
    assert frame.notes == ()
    assert frame.offset == 0.0
    # landmarks: the eyes above the mouth by about the eye-to-mouth distance
    assert frame.eye[1] - frame.mouth[1] == pytest.approx(EYE[1] - MOUTH_Z, abs=0.01)


@pytest.mark.parametrize("matrix", [rotation(0, 90), rotation(0, -90) @ rotation(2, 25), rotation(2, 180)])
def test_rotated_head_is_reframed(matrix):
    """Y-up meshes (a 90-degree X rotation baked in), a turned head, a head facing +Y."""
    snapshot = transformed(synthetic_head(), matrix)
    frame = frame_of(snapshot)
    expected = BLENDER_AXES @ matrix.T  # each axis row rotated with the head
    assert np.allclose(frame.axes[0], expected[0], atol=0.02)  # lateral: the mirror normal, exact
    assert np.dot(frame.axes[1], expected[1]) > 0.95  # up from the eye-mouth landmarks
    assert np.dot(frame.axes[2], expected[2]) > 0.95
    assert frame.notes
    assert geometric(snapshot) == []


def test_off_centre_head_finds_its_mirror_plane():
    snapshot = transformed(synthetic_head(), np.eye(3, dtype=np.float32), shift=(0.05, 0.3, -1.0))
    frame = frame_of(snapshot)
    assert frame.offset == pytest.approx(0.05, abs=1e-3)
    assert frame.local(np.array([[0.05, 0.0, 0.0]]))[0, 0] == pytest.approx(0.0, abs=1e-3)
    assert geometric(snapshot) == []


def test_rotated_head_still_reports_a_mismatch():
    points = head_points()
    weak = 0.5 * mirror(points, synthetic_shapes(points)["AU12_L"])
    snapshot = transformed(synthetic_head({"AU12_R": weak}), rotation(0, 90) @ rotation(2, 30))
    assert geometric(snapshot) == [("symmetry.pair-mismatch", ("AU12_L", "AU12_R"))]


def test_flat_and_tiny_meshes_are_audited():
    """A flat sheet and a one-vertex mesh: no crash, and what little there is to measure is measured."""
    flat = np.stack(np.meshgrid(np.linspace(-1, 1, 5), [0.0], np.linspace(0, 2, 5)), -1).reshape(-1, 3)
    delta = np.zeros_like(flat)
    delta[3] = (0.1, 0, 0)  # vertex 3 sits at x = -1: the character's right
    report = audit_rig(RigSnapshot.from_shapes("Flat", flat, {"AU12_L": delta, "AU26": -delta}), RULEBOOK)
    assert sorted((f.rule, f.shapes) for f in report.findings if not f.rule.startswith("coverage.")) == [
        ("symmetry.bilateral-asymmetric", ("AU26",)), ("symmetry.sides-swapped", ("AU12_L",))]
    one = np.zeros((1, 3), dtype=np.float32)
    report = audit_rig(RigSnapshot.from_shapes("Dot", one, {"AU12_L": np.ones((1, 3))}), RULEBOOK)
    assert {f.rule for f in report.findings} == {"coverage.missing-au", "coverage.missing-side"}


def test_estimated_frame_is_reported_once():
    """A head that faces +Y is re-framed, and the report says so in one info finding."""
    from audits import snapshot

    clean = snapshot("clean")
    turn = np.diag([-1.0, -1.0, 1.0]).astype(np.float32)  # 180 degrees about Z: the face looks along +Y
    turned = RigSnapshot(name="Face", basis=clean.basis @ turn.T, deltas=clean.deltas @ turn.T, names=clean.names)
    report = audit_rig(turned, RULEBOOK, profile="facs-film")
    assert [f.rule for f in report.findings] == ["rig.frame-estimated"]
    assert "forward axis" in report.findings[0].message
