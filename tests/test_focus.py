"""Checks under a re-audit's focus: every finding that involves a focus shape is produced exactly as a
full audit produces it (checks may skip the rest, which the re-audit keeps from the last audit)."""

import numpy as np
import pytest

from facs_audit_addon.core import AuditSession
from facs_audit_addon.core.checks import CHECKS
from sample_rigs.defects import load_manifest, variant_snapshot

from audits import full_audit
from core_helpers import RULEBOOK

VARIANTS = [pytest.param(entry["id"], entry["profile"], id=entry["id"]) for entry in load_manifest()]


def _touching(check, ctx, focus):
    """repr of each finding of ``check`` on ``ctx`` that names a shape of ``focus`` (repr: NaN measures)."""
    return sorted(repr(f) for f in check(ctx) if f is not None and focus.intersection(f.shapes))


@pytest.mark.parametrize("variant_id, profile", VARIANTS)
def test_focused_checks_find_what_a_full_audit_finds_about_the_focus(variant_id, profile):
    ctx = full_audit(variant_id, profile)[0]  # shared with other modules: the focus is reset below
    session = AuditSession(RULEBOOK, profile=profile)
    session.context = ctx  # what a session holds after that full audit
    names = list(ctx.snapshot.names)
    rng = np.random.default_rng(13)
    # what a re-audit focuses on after one shape changed, and random groups of shapes
    foci = [session.affected({name}) for name in names[::3]]
    foci += [set(rng.choice(names, size=min(len(names), size), replace=False).tolist()) for size in (1, 2, 5, 12)]
    full = {check: [f for f in check(ctx) if f is not None] for check in CHECKS}
    try:
        for focus in foci:
            ctx.focus = frozenset(focus)
            for check in CHECKS:
                want = sorted(repr(f) for f in full[check] if focus.intersection(f.shapes))
                assert _touching(check, ctx, focus) == want, (check.__name__, sorted(focus))
    finally:
        ctx.focus = None


def test_a_finding_a_duplicate_pair_hid_shows_once_the_pair_is_gone():
    """conflation.identified-as-other is left out where a duplicate pair names the shape; a sculpt on the
    *other* shape of the pair ends the duplicate, and the update must show the finding a full audit shows."""
    import dataclasses

    from facs_audit_addon.core import audit_rig

    clean = variant_snapshot("clean")
    deltas = clean.deltas.copy()
    copy, source = clean.index("AU4_depressor_L"), clean.index("AU21_L")
    deltas[copy] = deltas[source]
    snapshot = dataclasses.replace(clean, deltas=deltas.copy())
    session = AuditSession(RULEBOOK, profile="facs-film")
    before = session.audit(dataclasses.replace(snapshot, deltas=deltas.copy()))
    assert any(f.rule == "conflation.duplicate-shapes" and "AU4_depressor_L" in f.shapes for f in before.findings)
    deltas[source] = 0.0  # the pair's other shape emptied
    updated = session.update({"AU21_L": deltas[source].copy()})
    fresh = audit_rig(dataclasses.replace(snapshot, deltas=deltas), RULEBOOK, profile="facs-film")
    assert any(f.rule == "conflation.identified-as-other" and f.shapes == ("AU4_depressor_L",) for f in fresh.findings)
    assert [repr(f) for f in updated.findings] == [repr(f) for f in fresh.findings]
