"""Every report of the sample corpus and of the shared real rigs reads as one story (issue 11).

Two rules, over every finding of every report:

1. No coverage gap is contradicted. A ``coverage.missing-*`` finding says that an action (on some
   sides, in some variant) is absent from the sets held to a profile. It is contradicted when another
   finding of the same report measures it present: a finding on a shape of one of those sets that
   is read as that action, side and variant, or a finding whose measures give that action's variant
   (``type`` / ``variant``, as ``conflation.variants-indistinct`` does for AU23).
2. No root cause is reported twice. (a) No two findings have the same rule, shapes, side, actions and
   variant. (b) A
   shape that is the sum of others (a bilateral shape = its L + R pair, a corrective = its parents:
   ``ctx.sums``) gets no finding that its parts already carry (same rule, or its lopsidedness when
   the pair is reported as not mirroring). (c) The text report prints each (group, rule) once, and
   the findings of one group are contiguous in rank order, ranks 1..N.
"""

from pathlib import Path

import pytest

from facs_audit_addon.core import load_rulebook
from facs_audit_addon.core.engine import audit_context, report_from, run_checks
from facs_audit_addon.core.triage import text_rows
from sample_rigs.defects import load_manifest

from audits import full_audit

ROOT = Path(__file__).resolve().parents[1]
REAL = ROOT.parent / "shared" / "real_rigs"
RIGS = {"ict": REAL / "ict_facekit" / "ict_facekit_57shapes.glb",
        "rocketbox": REAL / "rocketbox_headbox" / "Male_Adult_03_facial.fbx",
        "makehuman": REAL / "mpfb_expression_units" / "makehuman_mpfb_expression_units.blend"}
RULEBOOK = load_rulebook()
MPFB_RULEBOOK = load_rulebook(extra_files=[ROOT / "examples" / "mpfb_convention.toml"])
#: rules that say the same thing about a sum shape as about its parts
SAME_ON_PARTS = {"symmetry.bilateral-asymmetric": {"symmetry.bilateral-asymmetric", "symmetry.pair-mismatch"}}


def audit(snapshot, profile=None, rulebook=RULEBOOK):
    ctx = audit_context(snapshot, rulebook, profile=profile)
    return ctx, report_from(ctx, run_checks(ctx))


def gaps_of(finding):
    """(actions, sides, variant) of each gap a coverage line states: one, or several when a line lists
    several missing actions or sides of one set (``measures["gaps"]``), each variant of ``variants``."""
    measures = finding.measures
    listed = measures.get("gaps") or [["+".join(finding.aus), measures.get("sides", "")]]
    variants = measures.get("variants") or [measures.get("variant", "")]
    return [(tuple(aus.split("+")), set(sides) or {"B"}, variant) for aus, sides in listed for variant in variants]


def contradicted_gaps(ctx, report):
    """(gap, finding) pairs where ``finding`` measures present what coverage finding ``gap`` says is missing."""
    out = []
    for gap in report.findings:
        if not gap.rule.startswith("coverage.missing"):
            continue
        sets = [s for s in ctx.sets if s.profile is not None and s.profile.name == gap.measures.get("profile")]
        for aus, sides, variant in gaps_of(gap):
            for other in report.findings:
                if other is gap or other.rule.startswith("coverage.missing"):
                    continue
                measured = other.measures.get("type", other.measures.get("variant"))
                if variant and measured == variant and set(other.aus) & set(aus) \
                        and any(ctx.set_of(name) in sets for name in other.shapes):
                    out.append((gap, other))
                    continue
                for name in other.shapes:
                    parsed = ctx.set_of(name).parsed.get(name) if ctx.set_of(name) in sets else None
                    if parsed is not None and parsed.au in aus and parsed.side in sides \
                            and (not variant or parsed.variant == variant):
                        out.append((gap, other))
                        break
    return out


def repeated_causes(ctx, report):
    """Descriptions of every root cause the report gives more than once (rule 2 of the module doc)."""
    out = []
    seen = {}
    for finding in report.findings:
        key = (finding.rule, finding.shapes, finding.side, finding.aus, finding.measures.get("variant"))
        if key in seen:
            out.append(f"twice: {finding.rule} {finding.shapes} {finding.aus}")
        seen[key] = finding
    for finding in report.findings:
        if len(finding.shapes) != 1 or finding.shapes[0] not in ctx.sums:
            continue
        parts = set(ctx.sums[finding.shapes[0]].parts)
        rules = SAME_ON_PARTS.get(finding.rule, {finding.rule})
        covered = {name for f in report.findings if f.rule in rules and f is not finding for name in f.shapes}
        if parts <= covered:
            out.append(f"sum repeats its parts: {finding.rule} on {finding.shapes[0]} = {' + '.join(sorted(parts))}")
    rows = [(found[0].group, rule) for _, rule, _, found in text_rows(report, verbose=False)]
    out += [f"two text lines for one root cause: {key}" for key in set(rows) if rows.count(key) > 1]
    ranks = [f.rank for f in report.findings]
    if ranks != list(range(1, len(ranks) + 1)):
        out.append(f"ranks are not 1..N in order: {ranks}")
    groups = [f.group for f in report.findings]
    split = [g for g in set(groups) if len(groups) - groups[::-1].index(g) - groups.index(g) != groups.count(g)]
    out += [f"group {g} is split in rank order" for g in split]
    return out


def check(ctx, report):
    problems = [f"gap '{g.message}' contradicted by {f.rule} {list(f.shapes)}: {f.message}"
                for g, f in contradicted_gaps(ctx, report)]
    problems += repeated_causes(ctx, report)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("entry", load_manifest(), ids=lambda e: e["id"])
def test_corpus_reports_are_consistent(entry):
    check(*full_audit(entry["id"], entry["profile"]))  # computed once per run (tests/audits.py)


# -- the shared real rigs (skipped where ../shared/real_rigs is absent) ------------------------------

needs_real = pytest.mark.skipif(not REAL.is_dir(), reason="../shared/real_rigs is not present on this machine")


@pytest.fixture(scope="module")
def snapshots():
    from facs_audit_addon.blender.load import load_snapshots

    cache = {}

    def get(rig):
        if rig not in cache:
            cache[rig] = list(load_snapshots(str(RIGS[rig]), None))
        return cache[rig]
    return get


@needs_real
@pytest.mark.parametrize("rig, profile", [
    ("rocketbox", None), ("rocketbox", "arkit-52"), ("rocketbox", "facs-core"),
    ("rocketbox", "facs-film"),
    ("ict", None), ("ict", "facs-film"), ("makehuman", None), ("makehuman", "mpfb")])
def test_real_rig_reports_are_consistent(snapshots, rig, profile):
    if rig == "makehuman":
        from importlib.metadata import version
        if int(version("bpy").split(".")[0]) < 5:
            pytest.skip("the MakeHuman rig is a Blender 5.0 file; this bpy is older")
    rulebook = MPFB_RULEBOOK if profile == "mpfb" else RULEBOOK
    for snapshot in snapshots(rig):
        check(*audit(snapshot, None if profile == "mpfb" else profile, rulebook))


# -- the checks themselves catch what they describe -------------------------------------------------

def test_the_checks_catch_a_contradiction_and_a_repeat():
    from dataclasses import replace

    ctx, report = full_audit("missing-au12-right", "facs-film")  # shared, read only: changed copies below
    gap = next(f for f in report.findings if f.rule == "coverage.missing-side")
    # a finding on AU12_R's slot while the gap says it is missing
    fake = replace(gap, rule="symmetry.side-crossover", shapes=("AU12_L",), side="L", rank=0)
    faked = replace(report, findings=report.findings + (fake,))
    gap_r = replace(gap, measures={**gap.measures, "sides": "L"})
    faked = replace(faked, findings=tuple(gap_r if f is gap else f for f in faked.findings))
    assert contradicted_gaps(ctx, faked)
    twice = replace(report, findings=report.findings + report.findings[:1])
    assert any(p.startswith("twice") for p in repeated_causes(ctx, twice))
