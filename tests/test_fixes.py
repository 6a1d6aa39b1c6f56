"""Fixes in the pure core (no bpy): each fix on a sample-face defect removes its finding, changes no
other key, and gives the key it promises. The same fixes through Blender, with undo: test_fix_blender.py."""

import json

import numpy as np
import pytest

from facs_audit_addon.core import RigSnapshot, RuleFileError, audit_rig, load_rulebook
from facs_audit_addon.core.checks import CHECKS
from facs_audit_addon.core.engine import audit_context, report_from
from facs_audit_addon.core.fixes import (FIXES, FixError, apply_plan, fixes_for, k_nearest, mirror_field, plan_fix,
                                         preferred_fix)
from facs_audit_addon.core.report import to_json
from sample_rigs.defects import build_variant

from audits import full_audit
from audits import snapshot as variant_snapshot  # a fresh copy of each variant, built once per run

RULEBOOK = load_rulebook()


def audited(snapshot, profile):
    """A full audit of a snapshot made here (corpus variants as built: audits.full_audit, once per run)."""
    ctx = audit_context(snapshot, RULEBOOK, profile=profile)
    return ctx, report_from(ctx, [f for check in CHECKS for f in check(ctx) if f is not None])


def find(report, rule, shapes=()):
    found = [f for f in report.findings if f.rule == rule and set(shapes) <= set(f.shapes)]
    assert found, f"no {rule} {shapes} in {[(f.rule, f.shapes) for f in report.findings]}"
    return found[0]


def fix_and_check(snapshot, profile, rule, fix, shapes=(), *, variant=None):
    """Apply ``fix`` to the first ``rule`` finding; assert it is gone and no other key changed.

    ``variant``: the snapshot is that corpus variant as built, whose full audit tests/audits.py holds."""
    ctx, report = full_audit(variant, profile) if variant else audited(snapshot, profile)
    finding = find(report, rule, shapes)
    assert fix in finding.fixes
    plan = plan_fix(ctx, finding, fix)
    after = apply_plan(snapshot, plan)
    new_report = audit_rig(after, RULEBOOK, profile=profile)
    renamed = [plan.renamed.get(n, n) for n in finding.shapes]
    assert not [f for f in new_report.findings if f.rule == rule and set(renamed) & set(f.shapes)], \
        [(f.rule, f.shapes) for f in new_report.findings]
    touched = set(plan.deltas) | set(plan.deleted) | set(plan.renamed)
    for i, name in enumerate(snapshot.names):
        if name not in touched:
            j = after.index(name)
            assert np.array_equal(after.deltas[j], snapshot.deltas[i], equal_nan=True), name
    return ctx, finding, plan, after, new_report


def matched_mirror_error(ctx, fixed, source):
    """Largest |fixed[i] - mirror(source)[i]| over the vertices the audit's mirror map pairs."""
    partner = ctx.mirror_map.partner
    has = partner >= 0
    expected = source[partner[has]] @ ctx.mirror_map.reflect
    return float(np.abs(fixed[has] - expected).max())


def test_rules_list_known_fixes_and_findings_carry_them():
    assert set(RULEBOOK.findings["symmetry.pair-mismatch"].fixes) == {"mirror-left-to-right", "mirror-right-to-left"}
    for rule in RULEBOOK.findings.values():
        assert set(rule.fixes) <= set(FIXES)
    report = full_audit("pair-mismatch", "facs-film")[1]
    document = json.loads(to_json([report]))
    assert [f["fixes"] for f in document["rigs"][0]["findings"]] == [["mirror-left-to-right", "mirror-right-to-left"]]


def test_unknown_fix_in_a_rule_file_is_one_line_naming_the_key(tmp_path):
    import shutil
    rules = tmp_path / "rules"
    shutil.copytree(RULEBOOK.root, rules)
    text = (rules / "findings.toml").read_text()
    (rules / "findings.toml").write_text(text.replace('fixes = ["zero-nonfinite"]', 'fixes = ["make-it-nice"]'))
    with pytest.raises(RuleFileError, match=r"findings.toml: rig.invalid-deltas.fixes\[0\]: unknown fix 'make-it-nice'"):
        load_rulebook(rules)


def test_fix_that_does_not_apply_is_refused():
    ctx, report = full_audit("pair-mismatch", "facs-film")
    finding = find(report, "symmetry.pair-mismatch")
    with pytest.raises(FixError, match="does not apply"):
        plan_fix(ctx, finding, "zero-nonfinite")
    with pytest.raises(FixError, match="unknown fix"):
        plan_fix(ctx, finding, "nope")


@pytest.mark.parametrize("fix", ["mirror-left-to-right", "mirror-right-to-left"])
def test_mirror_pair(fix):
    snapshot = variant_snapshot("pair-mismatch")
    ctx, finding, plan, after, report = fix_and_check(snapshot, "facs-film", "symmetry.pair-mismatch", fix, variant="pair-mismatch")
    source, target = ("AU12_L", "AU12_R") if fix == "mirror-left-to-right" else ("AU12_R", "AU12_L")
    assert list(plan.deltas) == [target]
    assert matched_mirror_error(ctx, after.deltas[after.index(target)], snapshot.deltas[snapshot.index(source)]) < 1e-6
    assert report.findings == ()


def test_mirror_maps_vertices_without_a_partner():
    """The unmatched-mirror variant adds a patch of vertices on the left cheek only, moving like the
    skin under it. The mirror image of the (symmetric) cheek puff must give the patch that same
    motion, interpolated from the neighbours of its mirrored position (Blender's Mirror Shape Key
    skips such vertices)."""
    snapshot = variant_snapshot("unmatched-mirror")
    ctx, _ = audited(snapshot, "facs-film")
    lonely = np.flatnonzero(ctx.mirror_map.partner < 0)
    patch = np.arange(len(build_variant("clean").vertices), len(snapshot.basis))
    assert set(patch) <= set(lonely)
    puff = snapshot.deltas[snapshot.index("AD34")]
    mirrored = mirror_field(ctx, puff)
    assert np.isfinite(mirrored).all()
    moving = patch[np.linalg.norm(puff[patch], axis=1) > 0.2 * np.linalg.norm(puff, axis=1).max()]
    assert len(moving) > 200  # the patch sits on the puffed cheek
    error = np.linalg.norm(mirrored[moving] - puff[moving], axis=1) / np.linalg.norm(puff[moving], axis=1)
    # off the surface (4 mm proud of the skin) the 4 nearest mirrored neighbours blend a little of the
    # cheek around them: 11% median, 28% at the 95th percentile here; skipping them would be 100%
    assert np.median(error) < 0.15 and np.percentile(error, 95) < 0.35


def test_k_nearest_matches_brute_force():
    rng = np.random.default_rng(3)
    points, queries = rng.normal(size=(500, 3)), rng.normal(size=(40, 3))
    index, distance = k_nearest(queries, points, 4)
    full = np.linalg.norm(queries[:, None] - points[None], axis=2)
    assert np.array_equal(index, np.argsort(full, axis=1)[:, :4])
    assert np.allclose(distance, np.sort(full, axis=1)[:, :4])


@pytest.mark.parametrize("fix, kept", [("symmetrize-left-to-right", 1), ("symmetrize-right-to-left", -1)])
def test_symmetrize(fix, kept):
    snapshot = variant_snapshot("bilateral-asymmetric")
    ctx, _, plan, after, _ = fix_and_check(snapshot, "facs-film", "symmetry.bilateral-asymmetric", fix, variant="bilateral-asymmetric")
    new = after.deltas[after.index("AU17")]
    old = snapshot.deltas[snapshot.index("AU17")]
    assert matched_mirror_error(ctx, new, new) < 1e-6  # its own mirror image
    # the kept half is untouched beyond the midline band
    lateral = ctx.frame.local(snapshot.basis)[:, 0]
    band = ctx.threshold("midline_falloff") * ctx.frame.width
    assert np.array_equal(new[kept * lateral > band], old[kept * lateral > band])


def test_preferred_fix_takes_the_stronger_side():
    snapshot = variant_snapshot("pair-mismatch")  # AU12_R is 45% of the left
    ctx, report = full_audit("pair-mismatch", "facs-film")
    finding = find(report, "symmetry.pair-mismatch")
    safe = {fix for fix, spec in FIXES.items() if spec.safe}
    assert preferred_fix(ctx, finding, safe, report.findings) == "mirror-left-to-right"
    deltas = snapshot.deltas.copy()
    deltas[snapshot.index("AU12_L")] *= 0.3  # now the left is the weak one
    weak_left = RigSnapshot(name="Face", basis=snapshot.basis, deltas=deltas, names=snapshot.names)
    ctx, report = audited(weak_left, "facs-film")
    assert preferred_fix(ctx, find(report, "symmetry.pair-mismatch"), safe, report.findings) == "mirror-right-to-left"
    # a finding of its own outweighs strength: the side without it is the reference
    ctx, report = full_audit("bilateral-asymmetric", "facs-film")
    assert preferred_fix(ctx, find(report, "symmetry.bilateral-asymmetric"), safe) == "symmetrize-left-to-right"


def test_zero_nonfinite():
    snapshot = variant_snapshot("nan-delta")
    _, _, plan, after, report = fix_and_check(snapshot, "facs-film", "rig.invalid-deltas", "zero-nonfinite", variant="nan-delta")
    old, new = snapshot.deltas[snapshot.index("AU12_L")], after.deltas[after.index("AU12_L")]
    assert np.isfinite(new).all() and not new[100].any()
    keep = np.isfinite(old).all(axis=1)
    assert np.array_equal(new[keep], old[keep])
    assert report.findings == ()


def test_create_missing_side():
    snapshot = variant_snapshot("missing-au12-right")
    ctx, _, plan, after, report = fix_and_check(snapshot, "facs-film", "coverage.missing-side", "create-missing-side", variant="missing-au12-right")
    assert list(plan.created) == ["AU12_R"]
    assert matched_mirror_error(ctx, after.deltas[after.index("AU12_R")],
                                snapshot.deltas[snapshot.index("AU12_L")]) < 1e-6
    assert report.findings == ()


def _bilateral_au12():
    """The clean face with AU12_L + AU12_R merged into one bilateral 'AU12' (facs-core wants L and R)."""
    built = build_variant("clean")
    shapes = dict(built.shapes)
    merged = shapes.pop("AU12_L") + shapes.pop("AU12_R")
    return RigSnapshot.from_shapes("Face", built.vertices, {**shapes, "AU12": merged})


def test_split_sides():
    snapshot = _bilateral_au12()
    ctx, _, plan, after, report = fix_and_check(snapshot, "facs-core", "coverage.missing-side", "split-sides")
    assert sorted(plan.created) == ["AU12_L", "AU12_R"]
    left, right = after.deltas[after.index("AU12_L")], after.deltas[after.index("AU12_R")]
    source = snapshot.deltas[snapshot.index("AU12")]
    assert np.allclose(left + right, source, atol=1e-7)  # the halves add up to the bilateral shape
    lateral = ctx.frame.local(snapshot.basis)[:, 0]
    band = ctx.threshold("midline_falloff") * ctx.frame.width
    assert not left[lateral < -band].any() and not right[lateral > band].any()
    assert not [f for f in report.findings if f.rule.startswith("symmetry.")]


def test_clip_to_side():
    snapshot = variant_snapshot("side-crossover")
    ctx, _, plan, after, _ = fix_and_check(snapshot, "facs-film", "symmetry.side-crossover", "clip-to-side",
                                           ("AU15_L",), variant="side-crossover")
    new, old = after.deltas[after.index("AU15_L")], snapshot.deltas[snapshot.index("AU15_L")]
    lateral = ctx.frame.local(snapshot.basis)[:, 0]
    band = ctx.threshold("midline_falloff") * ctx.frame.width
    assert not new[lateral <= -band].any()
    assert np.array_equal(new[lateral >= 0], old[lateral >= 0])


def test_remove_outside_regions():
    snapshot = variant_snapshot("leakage-au26-forehead")
    ctx, _, plan, after, report = fix_and_check(snapshot, "facs-film", "region.leakage", "remove-outside-regions", variant="leakage-au26-forehead")
    new, old = after.deltas[after.index("AU26")], snapshot.deltas[snapshot.index("AU26")]
    scale = np.linalg.norm(new, axis=1) / np.maximum(np.linalg.norm(old, axis=1), 1e-12)
    assert (scale <= 1 + 1e-6).all()  # a mask: motion only shrinks, never changes direction
    assert np.allclose(np.cross(new, old), 0, atol=1e-9)
    # the jaw itself keeps its motion
    assert np.linalg.norm(new, axis=1).max() == pytest.approx(np.linalg.norm(old, axis=1).max(), rel=0.02)
    assert report.findings == ()


def test_remove_outside_regions_clears_the_vertices_an_island_finding_names():
    from dataclasses import replace
    snapshot = variant_snapshot("leakage-au26-forehead")
    ctx, report = full_audit("leakage-au26-forehead", "facs-film")
    island = replace(find(report, "region.leakage"), rule="region.detached-island", vertices=(5, 6, 7))
    from facs_audit_addon.core.fixes import _remove_outside_regions  # region.detached-island: a rule of T3's
    plan = _remove_outside_regions(ctx, island, "remove-outside-regions")
    new, old = plan.deltas["AU26"], snapshot.deltas[snapshot.index("AU26")]
    assert not new[[5, 6, 7]].any() and np.array_equal(np.delete(new, [5, 6, 7], 0), np.delete(old, [5, 6, 7], 0))


def test_rename_to_the_sets_side_markers():
    built = build_variant("clean")
    shapes = {("AU12Left" if n == "AU12_L" else n): d for n, d in built.shapes.items()}
    snapshot = RigSnapshot.from_shapes("Face", built.vertices, shapes)
    _, finding, plan, after, report = fix_and_check(snapshot, "facs-film", "naming.mixed-side-markers", "rename")
    assert plan.renamed == {"AU12Left": "AU12_L"}
    assert np.array_equal(after.deltas[after.index("AU12_L")], snapshot.deltas[snapshot.index("AU12Left")])
    assert report.findings == ()


def test_side_names_keep_the_sets_marker_place():
    """Rocketbox-style names carry the side after the code: new names put it in the same place."""
    from facs_audit_addon.core.fixes import sided_name
    built = build_variant("clean")
    shapes = {"AU_12_L_LipCornerPuller": built.shapes["AU12_L"], "AU_04_BrowLowerer": built.shapes["AU4_L"] + built.shapes["AU4_R"]}
    ctx, _ = audited(RigSnapshot.from_shapes("Face", built.vertices, shapes), "facs-core")
    assert sided_name(ctx, "AU_04_BrowLowerer", ctx.parsed("AU_04_BrowLowerer"), "L") == "AU_04_L_BrowLowerer"
    assert sided_name(ctx, "AU_04_BrowLowerer", ctx.parsed("AU_04_BrowLowerer"), "R") == "AU_04_R_BrowLowerer"
    lone = ctx.parsed("AU_12_L_LipCornerPuller")
    assert sided_name(ctx, "AU_12_L_LipCornerPuller", lone, "R") == "AU_12_R_LipCornerPuller"
    with pytest.raises(FixError, match="cannot name"):  # the name a left side would get is taken
        sided_name(ctx, "AU_12_L_LipCornerPuller", lone, "L")


def test_delete_duplicate():
    snapshot = variant_snapshot("duplicate-mapping")
    _, _, plan, after, report = fix_and_check(snapshot, "facs-film", "naming.duplicate-mapping", "delete-duplicate", variant="duplicate-mapping")
    assert plan.deleted == ("AU012_L",) and "AU012_L" not in after.names
    assert report.findings == ()


def test_fixes_for_needs_the_shapes_a_fix_works_on():
    from facs_audit_addon.core import Finding
    lone = Finding(rule="symmetry.pair-mismatch", category="symmetry", severity="error", message="", shapes=("A",))
    assert fixes_for(lone, RULEBOOK) == ()
    both = Finding(rule="coverage.missing-side", category="coverage", severity="error", message="",
                   shapes=("AU4",), side="LR")
    assert fixes_for(both, RULEBOOK) == ("split-sides",)
    one = Finding(rule="coverage.missing-side", category="coverage", severity="error", message="",
                  shapes=("AU12_L",), side="R")
    assert fixes_for(one, RULEBOOK) == ("create-missing-side",)
