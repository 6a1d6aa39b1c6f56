"""Face frame: the default front view is verified, a rotated or off-centre head is re-framed.

Also home of ``synthetic_head``, the small pure-numpy head the geometric tests share.
"""

import numpy as np
import pytest

from facs_audit_addon.core import RigSnapshot, audit_rig, load_rulebook
from facs_audit_addon.core.frame import BLENDER_AXES

RULEBOOK = load_rulebook()
GEOMETRIC = ("symmetry.", "region.", "rig.unmatched-mirror")

EYE = (0.032, 0.12)
MOUTH_Z = 0.04
CORNER_X = 0.024


def head_points(columns=41, rows=61):
    """A closed, exactly mirror-symmetric head: front and back shells of an ellipsoid, metres.

    Front view of Blender: the face looks along -Y, Z up; x=0 is the mirror plane (``columns`` odd).
    """
    x = np.linspace(-0.075, 0.075, columns)
    z = np.linspace(-0.06, 0.24, rows)
    gx, gz = np.meshgrid(x, z)
    gx, gz = gx.ravel(), gz.ravel()
    bulge = np.sqrt(np.clip(1 - (gx / 0.08) ** 2, 0, 1))
    depth = 0.06 + 0.1 * (gz + 0.06)  # deeper toward the crown: no top-bottom symmetry
    front = np.stack([gx, -depth * bulge, gz], axis=1)
    back = np.stack([gx, 0.02 + 0.07 * bulge ** 2, gz], axis=1)  # no front-back symmetry
    return np.vstack([front, back]).astype(np.float32)


def blob(points, center, radius):
    """(n,) smooth weight: 1 at ``center`` (x, z) on the face front, fading over ``radius``."""
    d2 = ((points[:, 0] - center[0]) ** 2 + (points[:, 2] - center[1]) ** 2) / radius ** 2
    return (np.exp(-2 * d2) * (points[:, 1] < 0)).astype(np.float32)


def mirror(points, delta):
    """``delta`` seen in the X=0 mirror (the head's vertex i mirrors to the vertex at (-x, y, z))."""
    key = {tuple(np.round(p, 6)): i for i, p in enumerate(points)}
    partner = np.array([key[(round(-p[0], 6) + 0.0, round(p[1], 6), round(p[2], 6))] for p in points])
    out = delta[partner].copy()
    out[:, 0] *= -1
    return out


def synthetic_shapes(points):
    """Clean FACS-coded shapes on ``head_points()``: pairs mirror exactly, bilateral shapes are symmetric."""
    shapes = {}
    lid = blob(points, (EYE[0], EYE[1] + 0.004), 0.012)
    shapes["AU45_L"] = lid[:, None] * np.array([0, 0, -0.005], dtype=np.float32)
    corner = blob(points, (CORNER_X, MOUTH_Z), 0.014)
    shapes["AU12_L"] = corner[:, None] * np.array([0.004, 0, 0.004], dtype=np.float32)
    shapes["AU15_L"] = corner[:, None] * np.array([0, 0, -0.003], dtype=np.float32)
    brow = blob(points, (0.03, 0.15), 0.015)
    shapes["AU2_L"] = brow[:, None] * np.array([0, 0, 0.004], dtype=np.float32)
    for name in ("AU45_L", "AU12_L", "AU15_L", "AU2_L"):
        shapes[name[:-1] + "R"] = mirror(points, shapes[name])
    lips = blob(points, (0.0, MOUTH_Z), 0.018)
    up = np.where(points[:, 2] >= MOUTH_Z, 1.0, -1.0).astype(np.float32)
    shapes["AU25"] = (lips * up)[:, None] * np.array([0, 0, 0.003], dtype=np.float32)
    shapes["AU18"] = lips[:, None] * np.array([0, -0.004, 0], dtype=np.float32)
    # jaw drop: a rotation of the lower face about a hinge near the ears, fading in below the mouth
    hinge = np.array([0.0, 0.01, 0.09], dtype=np.float32)
    below = np.clip((MOUTH_Z + 0.01 - points[:, 2]) / 0.03, 0, 1) * (points[:, 1] < 0)
    angle = 0.12
    rel = points - hinge
    rotated = np.stack([rel[:, 0], rel[:, 1] * np.cos(angle) + rel[:, 2] * np.sin(angle),
                        -rel[:, 1] * np.sin(angle) + rel[:, 2] * np.cos(angle)], axis=1)
    shapes["AU26"] = ((rotated - rel) * below[:, None]).astype(np.float32)
    return shapes


def synthetic_head(extra=None, drop=(), basis=None):
    """A RigSnapshot of the synthetic head with its clean shapes, ``extra`` shapes added or replaced."""
    points = head_points() if basis is None else basis
    shapes = synthetic_shapes(head_points())
    shapes.update(extra or {})
    for name in drop:
        shapes.pop(name)
    return RigSnapshot.from_shapes("Head", points, shapes)


def geometric(snapshot, profile="facs-core"):
    """(rule, shapes) of the geometric findings of an audit."""
    report = audit_rig(snapshot, RULEBOOK, profile=profile)
    return [(f.rule, f.shapes) for f in report.findings if f.rule.startswith(GEOMETRIC)]


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


def test_flat_and_tiny_meshes_do_not_crash():
    flat = np.stack(np.meshgrid(np.linspace(-1, 1, 5), [0.0], np.linspace(0, 2, 5)), -1).reshape(-1, 3)
    delta = np.zeros_like(flat)
    delta[3] = (0.1, 0, 0)
    audit_rig(RigSnapshot.from_shapes("Flat", flat, {"AU12_L": delta, "AU26": -delta}), RULEBOOK)
    one = np.zeros((1, 3), dtype=np.float32)
    audit_rig(RigSnapshot.from_shapes("Dot", one, {"AU12_L": np.ones((1, 3))}), RULEBOOK)


def test_estimated_frame_is_reported_once():
    """A head that faces +Y is re-framed, and the report says so in one info finding."""
    import numpy as np
    from facs_audit_addon.core import RigSnapshot, audit_rig, load_rulebook
    from sample_rigs.defects import variant_snapshot

    clean = variant_snapshot("clean")
    turn = np.diag([-1.0, -1.0, 1.0]).astype(np.float32)  # 180 degrees about Z: the face looks along +Y
    turned = RigSnapshot(name="Face", basis=clean.basis @ turn.T, deltas=clean.deltas @ turn.T, names=clean.names)
    report = audit_rig(turned, load_rulebook(), profile="facs-film")
    assert [f.rule for f in report.findings] == ["rig.frame-estimated"]
    assert "forward axis" in report.findings[0].message
