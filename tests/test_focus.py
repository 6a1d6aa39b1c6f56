"""Checks under a re-audit's focus: every finding that involves a focus shape is produced exactly as a
full audit produces it (checks may skip the rest, which the re-audit keeps from the last audit)."""

import numpy as np
import pytest

from facs_audit_addon.core import AuditSession
from facs_audit_addon.core.checks import CHECKS
from sample_rigs.defects import load_manifest, variant_snapshot

from core_helpers import RULEBOOK

VARIANTS = [pytest.param(entry["id"], entry["profile"], id=entry["id"]) for entry in load_manifest()]


def _touching(check, ctx, focus):
    """repr of each finding of ``check`` on ``ctx`` that names a shape of ``focus`` (repr: NaN measures)."""
    return sorted(repr(f) for f in check(ctx) if f is not None and focus.intersection(f.shapes))


@pytest.mark.parametrize("variant_id, profile", VARIANTS)
def test_focused_checks_find_what_a_full_audit_finds_about_the_focus(variant_id, profile):
    session = AuditSession(RULEBOOK, profile=profile)
    session.audit(variant_snapshot(variant_id))
    ctx = session.context
    names = list(ctx.snapshot.names)
    rng = np.random.default_rng(13)
    # what a re-audit focuses on after one shape changed, and random groups of shapes
    foci = [session._affected({name}) for name in names[::3]]
    foci += [set(rng.choice(names, size=min(len(names), size), replace=False).tolist()) for size in (1, 2, 5, 12)]
    ctx.focus = None
    full = {check: [f for f in check(ctx) if f is not None] for check in CHECKS}
    for focus in foci:
        ctx.focus = frozenset(focus)
        for check in CHECKS:
            want = sorted(repr(f) for f in full[check] if focus.intersection(f.shapes))
            assert _touching(check, ctx, focus) == want, (check.__name__, sorted(focus))
    ctx.focus = None
