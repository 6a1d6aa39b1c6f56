"""The heat map's per-vertex measure (core.heat) points where each finding's check found the problem."""

import numpy as np
import pytest

from facs_audit_addon.core.heat import finding_heat, heat_colours

from audits import full_audit


@pytest.mark.parametrize("variant, rule, shape", [
    ("pair-mismatch", "symmetry.pair-mismatch", "AU12_L"),
    ("bilateral-asymmetric", "symmetry.bilateral-asymmetric", "AU17"),
    ("side-crossover", "symmetry.side-crossover", "AU15_L"),
    ("leakage-au12-brows", "region.leakage", "AU12_L"),
])
def test_the_hottest_vertices_are_the_findings_worst(variant, rule, shape):
    ctx, report = full_audit(variant, "facs-film")  # a session's full audit; computed once per run (tests/audits.py)
    finding = next(f for f in report.findings if f.rule == rule and shape in f.shapes)
    heat = finding_heat(ctx, finding)
    assert heat.shape == (ctx.snapshot.basis.shape[0],) and np.isfinite(heat).all()
    # the vertices the finding reports (worst first) are among the hottest of the map
    hottest = set(np.argsort(-heat)[:max(50, 2 * len(finding.vertices))].tolist())
    assert finding.vertices and set(finding.vertices[:10]) <= hottest
    if rule == "region.leakage":  # nothing where the action may move: the lip corner is cold
        lips = ctx.region_masks.allowed(ctx.action("AU12").regions)
        inside = ctx.region_masks.weights[lips].sum(axis=0) > 0.99
        assert float(heat[inside].max()) < 0.01 * float(heat.max())


def test_colours_run_from_blue_to_red():
    rgba = heat_colours(np.array([0.0, 0.5, 1.0, np.nan], dtype=np.float32))
    assert rgba.shape == (4, 4) and (rgba[:, 3] == 1).all()
    assert rgba[0, 2] > rgba[0, 0] and rgba[2, 0] > rgba[2, 2]  # blue at 0, red at the maximum
    assert np.array_equal(rgba[3], rgba[0])  # NaN counts as 0


def test_findings_without_a_shape_of_the_rig_have_no_map():
    ctx, _ = full_audit("clean", "facs-film")
    from facs_audit_addon.core.model import Finding
    missing = Finding(rule="coverage.missing-au", category="coverage", severity="error", message="", shapes=())
    assert finding_heat(ctx, missing) is None
