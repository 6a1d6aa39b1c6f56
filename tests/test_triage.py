"""Reports read top-down (core/triage.py): findings grouped by root cause and ranked, minor ones folded
into one text line (``--verbose`` lists each), and a shape that is the sum of a pair reported once."""

import json

import numpy as np

from facs_audit_addon.cli import build_parser
from facs_audit_addon.core import audit_rig
from facs_audit_addon.core.checks import CHECKS
from facs_audit_addon.core.engine import audit_context
from facs_audit_addon.core.report import to_json, to_text

from core_helpers import RULEBOOK, head_points, mirror, synthetic_head, synthetic_shapes

POINTS = head_points()
SHAPES = synthetic_shapes(POINTS)


def audit(extra, profile="facs-core"):
    return audit_rig(synthetic_head(extra), RULEBOOK, profile=profile, file="head.blend")


def weak_twins(strength, names=("AU12", "AU45", "AU2")):
    """Right twins at ``strength`` of their left shapes' mirror images."""
    return {f"{n}_R": strength * mirror(POINTS, SHAPES[f"{n}_L"]) for n in names}


def finding_lines(text):
    return [line for line in text.splitlines() if line.startswith(("  error", "  warning", "  info"))]


def test_json_findings_carry_group_rank_and_magnitude_in_rank_order():
    # one pair badly off (error), two slightly off (info)
    extra = {**weak_twins(0.82, ("AU45", "AU2")), "AU12_R": 0.4 * mirror(POINTS, SHAPES["AU12_L"])}
    report = audit(extra)
    document = json.loads(to_json([report]))
    findings = document["rigs"][0]["findings"]
    assert [f["rank"] for f in findings] == list(range(1, len(findings) + 1))
    pairs = [f for f in findings if f["rule"] == "symmetry.pair-mismatch"]
    assert [(f["group"], f["severity"]) for f in pairs] == [
        ("pair:AU12_L+AU12_R", "error"), ("pair:AU45_L+AU45_R", "info"), ("pair:AU2_L+AU2_R", "info")]
    # magnitude: the visible difference as a share of the face size, largest first among equals
    assert pairs[0]["magnitude"] == pairs[0]["measures"]["visible_difference"] > pairs[1]["magnitude"]
    assert pairs[1]["magnitude"] >= pairs[2]["magnitude"] > 0
    assert to_json([report]) == to_json([audit(extra)])
    # what the findings stand on: the sample head mirrors exactly, and says from what size a difference counts
    mirror_context = document["rigs"][0]["context"]["mirror"]
    assert mirror_context["partner_offset_max"] == 0 and mirror_context["unmatched"] == 0
    assert (mirror_context["visible_minor"], mirror_context["visible_warning"]) == (0.002, 0.006)


def test_minor_differences_fold_into_one_line_and_verbose_lists_each():
    report = audit(weak_twins(0.82))
    minor = [f for f in report.findings if f.rule == "symmetry.pair-mismatch"]
    assert len(minor) == 3 and {f.severity for f in minor} == {"info"}
    text = to_text([report])
    lines = finding_lines(text)
    folded = [line for line in lines if "symmetry.pair-mismatch" in line]
    assert len(folded) == 1
    assert "3 pairs differ by under " in folded[0] and "mm beyond the mirror noise" in folded[0]
    assert "AU12_L/AU12_R" in folded[0] and "(--verbose lists them)" in folded[0]
    verbose = finding_lines(to_text([report], verbose=True))
    assert sum("symmetry.pair-mismatch" in line for line in verbose) == 3
    # the context comes first: how well the mesh mirrors
    assert text.splitlines()[1].startswith("  mirror: partners of the ")


def test_bilateral_shape_equal_to_its_pair_is_reported_once_on_the_pair():
    right = 0.4 * mirror(POINTS, SHAPES["AU12_L"])
    report = audit({"AU12_R": right, "AU12": SHAPES["AU12_L"] + right})
    rules = [(f.rule, f.shapes) for f in report.findings if f.category == "symmetry"]
    assert rules == [("symmetry.pair-mismatch", ("AU12_L", "AU12_R", "AU12"))]
    found = report.findings[[f.rule for f in report.findings].index("symmetry.pair-mismatch")]
    assert found.measures["combined_shapes"] == ["AU12"]
    assert found.message.endswith("AU12 is their sum (cosine 1.000) and repeats this difference.")
    # a bilateral shape that is not the sum keeps its own finding
    report = audit({"AU12_R": right, "AU12": SHAPES["AU12_L"] + 0.2 * right})
    assert ("symmetry.bilateral-asymmetric", ("AU12",)) in [(f.rule, f.shapes) for f in report.findings]


def test_verbose_is_an_audit_flag():
    assert build_parser().parse_args(["audit", "rig.blend", "--verbose"]).verbose is True
    assert build_parser().parse_args(["audit", "rig.blend"]).verbose is False


def test_a_sum_shape_repeating_its_parts_findings_is_folded_into_them():
    # a brow lift baked into both smiles, and the bilateral smile that is their sum: three leakages,
    # one root cause: reported on the parts, the first naming the sum
    left = SHAPES["AU12_L"] + SHAPES["AU2_L"]
    right = mirror(POINTS, left)
    extra = {"AU12_L": left, "AU12_R": right, "AU12": left + right}
    ctx = audit_context(synthetic_head(extra), RULEBOOK, profile="facs-core")
    raw = [f.shapes for check in CHECKS for f in check(ctx) if f is not None and f.rule == "region.leakage"]
    assert sorted(raw) == [("AU12",), ("AU12_L",), ("AU12_R",)]
    report = audit(extra)
    leaks = [f for f in report.findings if f.rule == "region.leakage"]
    assert sorted(f.shapes for f in leaks) == [("AU12_L",), ("AU12_R",)]
    noted = [f for f in leaks if "combined_shapes" in f.measures]
    assert len(noted) == 1 and noted[0].measures["combined_shapes"] == ["AU12"]
    assert "AU12 is the sum of AU12_L + AU12_R (cosine 1.000) and repeats this." in noted[0].message
    # and nothing else is said about the sum
    assert not [f for f in report.findings if f.shapes == ("AU12",)]


def test_warnings_of_one_kind_in_one_set_fold_into_one_line_with_their_sizes():
    extra = {"AU12_R": 0.6 * mirror(POINTS, SHAPES["AU12_L"]), "AU2_R": 0.5 * mirror(POINTS, SHAPES["AU2_L"]),
             "AU45_R": 0.55 * mirror(POINTS, SHAPES["AU45_L"])}
    report = audit(extra)
    pairs = [f for f in report.findings if f.rule == "symmetry.pair-mismatch"]
    assert [f.severity for f in pairs] == ["warning"] * 3
    lines = [line for line in finding_lines(to_text([report])) if "symmetry.pair-mismatch" in line]
    assert len(lines) == 1 and lines[0].startswith("  warning ")
    assert "3 pairs are not mirror images, " in lines[0] and "AU12_L/AU12_R (" in lines[0]
    assert sum("symmetry.pair-mismatch" in line for line in finding_lines(to_text([report], verbose=True))) == 3
