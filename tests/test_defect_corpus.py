"""The defect corpus (sample_rigs/defects.toml): each variant's audit finds its one defect and no other error.

This is the audit's main quality gate. A variant whose expected rule belongs to a check that does not
exist yet (its id is not in rules/findings.toml) is an expected failure, strictly: should it pass
anyway, the run fails, so the mark cannot hide anything; it becomes a plain test as soon as the rule
id is added.
"""

import numpy as np
import pytest

from sample_rigs.defects import build_variant, load_manifest

from audits import full_audit
from core_helpers import RULEBOOK

MANIFEST = load_manifest()


def _param(entry):
    missing = sorted({e["rule"] for e in entry["expect"]} - set(RULEBOOK.findings))
    marks = [pytest.mark.xfail(strict=True, reason=f"check not implemented yet: {', '.join(missing)}")] \
        if missing else []
    return pytest.param(entry, id=entry["id"], marks=marks)


def _matches(finding, expected):
    return (finding.rule == expected["rule"]
            and set(expected.get("shapes", ())) <= set(finding.shapes)
            and set(expected.get("aus", ())) <= set(finding.aus))


def _describe(findings):
    return "\n".join(f"  {f.severity} {f.rule} {list(f.shapes)[:6]} {f.message}" for f in findings) or "  (none)"


def test_manifest_is_well_formed():
    ids = [entry["id"] for entry in MANIFEST]
    assert len(ids) == len(set(ids))
    assert ids[0] == "clean"
    for entry in MANIFEST:
        assert entry["profile"] in RULEBOOK.profiles, entry["id"]
        for key in ("expect", "allow", "forbid"):
            assert isinstance(entry[key], list), (entry["id"], key)
        for expected in entry["expect"]:
            assert set(expected) <= {"rule", "shapes", "aus"}, (entry["id"], expected)
            assert "." in expected["rule"]
        assert entry["id"] == "clean" or entry["expect"], f"{entry['id']} expects nothing"


@pytest.mark.parametrize("entry", [_param(e) for e in MANIFEST])
def test_variant_audit(entry):
    report = full_audit(entry["id"], entry["profile"])[1]  # computed once per run (tests/audits.py)
    findings = report.findings
    for expected in entry["expect"]:
        assert any(_matches(f, expected) for f in findings), \
            f"{entry['id']}: expected {expected} among:\n{_describe(findings)}"
    expected_rules = {e["rule"] for e in entry["expect"]}
    tolerated = expected_rules | set(entry["allow"])
    forbidden = [f for f in findings if f.rule in entry["forbid"]]
    assert not forbidden, f"{entry['id']}: forbidden findings:\n{_describe(forbidden)}"
    if entry["forbid_other_findings"]:
        others = [f for f in findings if f.rule not in tolerated]
        assert not others, f"{entry['id']}: unexpected findings:\n{_describe(others)}"
    if entry["forbid_other_errors"]:
        others = [f for f in findings if f.severity == "error" and f.rule not in tolerated]
        assert not others, f"{entry['id']}: unexpected errors:\n{_describe(others)}"


def test_clean_rig_has_no_findings():
    # the same as the 'clean' variant, spelled out: this one is never an expected failure
    report = full_audit("clean", "facs-film")[1]
    assert not report.findings, _describe(report.findings)


def test_variants_differ_from_the_clean_rig_in_one_place():
    clean = build_variant("clean")
    for entry in MANIFEST[1:]:
        built = build_variant(entry["id"])
        if len(built.vertices) != len(clean.vertices):
            continue  # the topology variant
        changed = [name for name in set(built.shapes) | set(clean.shapes)
                   if name not in built.shapes or name not in clean.shapes
                   or not np.array_equal(built.shapes[name], clean.shapes[name], equal_nan=True)]
        assert 1 <= len(changed) <= 2, (entry["id"], changed)


def test_variant_blend_round_trip(tmp_path, bpy_clean):
    from sample_rigs.build_blend import write_blend

    bpy = bpy_clean
    for variant in ("unmatched-mirror", "nan-delta"):
        built = build_variant(variant)
        path = write_blend(tmp_path / f"{variant}.blend", variant=variant)
        bpy.ops.wm.open_mainfile(filepath=str(path))
        mesh = bpy.data.objects["Face"].data
        n = len(mesh.vertices)
        assert n == len(built.vertices)
        co = np.empty(3 * n, dtype=np.float32)
        blocks = mesh.shape_keys.key_blocks
        assert [b.name for b in blocks][1:] == list(built.shapes)
        for name, delta in built.shapes.items():
            blocks[name].points.foreach_get("co", co)
            got = co.reshape(-1, 3) - built.vertices
            assert np.allclose(got, delta, atol=1e-6, equal_nan=True), (variant, name)
