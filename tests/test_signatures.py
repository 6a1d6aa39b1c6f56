"""Lip, jaw and lid signatures on hand-made geometry: a flat face grid with a mouth, a jaw and two eyes
(``mouth_face()`` in core_helpers.py)."""

import numpy as np
import pytest

from facs_audit_addon.core import RigSnapshot
from facs_audit_addon.core.context import AuditContext
from facs_audit_addon.core.engine import read_sets

from core_helpers import MOUTH_FACE_EYE, MOUTH_FACE_WIDTH, RULEBOOK, audit, mine, mouth_face

EYE_X = MOUTH_FACE_EYE[0]
WIDTH = MOUTH_FACE_WIDTH

def signatures(shapes, basis=None):
    basis = mouth_face()[0] if basis is None else basis
    snapshot = RigSnapshot.from_shapes("Face", basis, shapes)
    ctx = AuditContext(snapshot, RULEBOOK, read_sets(snapshot.names, RULEBOOK), RULEBOOK.profile("generic"))
    return ctx, ctx.signatures


def measure(ctx, sig, name, what):
    return sig.measure(ctx.snapshot.names.index(name), what)


def test_anchors_are_found_where_the_mouth_and_eyes_are():
    _, shapes = mouth_face()
    ctx, sig = signatures(shapes)
    geometry = sig.geometry
    assert geometry.mouth_width == pytest.approx(WIDTH, abs=0.004)
    assert set(geometry.eyes) == {"L", "R"}
    assert geometry.eyes["L"][0] == pytest.approx(EYE_X, abs=0.004)
    assert geometry.eyes["R"][0] == pytest.approx(-EYE_X, abs=0.004)
    assert geometry.upper_center.any() and geometry.lower_center.any() and geometry.chin.any()


def test_pucker_and_funnel_are_told_apart():
    _, shapes = mouth_face()
    ctx, sig = signatures(shapes)
    # a pucker pushes closed lips forward and pulls the corners in
    assert measure(ctx, sig, "AU18", "lip_protrusion") > 0.5
    assert abs(measure(ctx, sig, "AU18", "lip_flare")) < 0.1
    assert measure(ctx, sig, "AU18", "mouth_narrowing") > 0.5
    # a funnel pushes them forward and turns both lips out
    assert measure(ctx, sig, "AU22", "lip_protrusion") > 0.3
    assert measure(ctx, sig, "AU22", "lip_flare") > 0.5
    assert measure(ctx, sig, "AU22", "lip_aperture") > 0.5


def test_blend_of_pucker_and_funnel_is_reported_as_conflated():
    _, shapes = mouth_face()
    shapes["AU18"] = 0.5 * shapes["AU18"] + 0.5 * shapes["AU22"]
    report = audit(shapes)
    # the blend turns both lips out (its signature) and is nearly the funnel itself (cosine)
    assert mine(report) == [("conflation.pucker-funnel", ("AU18",)), ("conflation.pucker-funnel", ("AU18", "AU22"))]
    message = next(f.message for f in report.findings if f.shapes == ("AU18",))
    assert message.startswith("AU18 (AU18) looks like AU22: turns both lips out like a funneler")


def test_funnel_with_sealed_lips_is_reported():
    _, shapes = mouth_face()
    shapes["AU22"] = shapes["AU18"] * 1.1 + np.roll(shapes["AU18"], 1, axis=0) * 0.3
    found = [f for f in audit(shapes).findings if f.rule == "conflation.pucker-funnel"]
    # the signature finding on AU22, and the pair being near-identical
    assert [f.shapes for f in found] == [("AU18", "AU22"), ("AU22",)]
    assert "sealed" in found[1].message


def test_jaw_drop_and_lips_part_signatures():
    _, shapes = mouth_face()
    ctx, sig = signatures(shapes)
    assert measure(ctx, sig, "AU25", "jaw_share") < 0.1
    assert measure(ctx, sig, "AU26", "jaw_share") > 0.8
    assert measure(ctx, sig, "AU27", "chin_drop") > 1.5 * measure(ctx, sig, "AU26", "chin_drop")


def test_tightener_types():
    _, shapes = mouth_face()
    ctx, sig = signatures(shapes)
    assert measure(ctx, sig, "AU23H", "lip_tightening_axis") > 0.25
    assert measure(ctx, sig, "AU23V", "lip_tightening_axis") < -0.25


def test_lid_signatures():
    _, shapes = mouth_face()
    ctx, sig = signatures(shapes)
    assert measure(ctx, sig, "AU45_L", "peak_rise") < -0.9
    assert measure(ctx, sig, "AU5_L", "peak_rise") > 0.9
    assert measure(ctx, sig, "AU6_L", "below_eye") > measure(ctx, sig, "AU7_L", "below_eye") + 0.3


def test_clean_face_has_no_conflation_or_coactivation_findings():
    _, shapes = mouth_face()
    assert mine(audit(shapes)) == []


def test_no_anchor_no_guess():
    """Shapes that do not agree on where the mouth is give no lip measures (NaN), hence no findings."""
    basis, shapes = mouth_face()
    rng = np.random.default_rng(1)
    noisy = {}
    for name in ("AU12_L", "AU18", "AU22"):
        delta = np.zeros_like(basis)
        delta[rng.choice(len(basis), 5, replace=False)] = rng.normal(scale=0.01, size=(5, 3))
        noisy[name] = delta
    ctx, sig = signatures(noisy, basis)
    assert sig.geometry.lips is None
    assert np.isnan(measure(ctx, sig, "AU18", "lip_flare"))
    assert mine(audit(noisy, basis)) == []


def test_sample_face_is_clean_and_its_signatures_separate():
    face_model = pytest.importorskip("sample_rigs.face_model")
    naming = pytest.importorskip("sample_rigs.naming")
    face = face_model.build_face()
    shapes = naming.named_shapes(face, "facs")
    assert mine(audit(shapes, basis=face.vertices, profile="facs-film")) == []
    ctx, sig = signatures(shapes, face.vertices)
    assert measure(ctx, sig, "AU22", "lip_flare") > measure(ctx, sig, "AU18", "lip_flare") + 0.3
    assert measure(ctx, sig, "AU26", "jaw_share") > measure(ctx, sig, "AU25", "jaw_share") + 0.6
    assert measure(ctx, sig, "AU23H", "lip_tightening_axis") > 0.25 > -0.25 > measure(ctx, sig, "AU23V",
                                                                                          "lip_tightening_axis")
