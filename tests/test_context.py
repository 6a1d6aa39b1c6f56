"""AuditContext: the incremental re-audit refreshes every cached measure; findings escalate past the
error threshold."""

from functools import cached_property

import numpy as np
import pytest

from facs_audit_addon.core import context as context_module
from facs_audit_addon.core.context import AuditContext
from facs_audit_addon.core.cosines import ShapeCosines
from facs_audit_addon.core.engine import read_sets
from facs_audit_addon.core.identify import describe
from facs_audit_addon.core.signatures import MEASURES, Signatures
from audits import snapshot as variant_snapshot  # a fresh copy of each variant, built once per run
from core_helpers import RULEBOOK


def _cached_measures():
    return {name for name, value in vars(AuditContext).items() if isinstance(value, cached_property)}


def test_every_cached_measure_is_held_refreshed_or_derived():
    """A cached measure listed nowhere would be silently dropped or kept stale by refreshed()."""
    lists = (context_module._HELD, context_module._REFRESHED, context_module._DERIVED)
    listed = [name for names in lists for name in names if hasattr(AuditContext, name)]
    assert len(listed) == len(set(listed)), "a measure is in two lists"
    assert set(listed) == _cached_measures()


def _context(snapshot):
    return AuditContext(snapshot, RULEBOOK, read_sets(snapshot.names, RULEBOOK), RULEBOOK.profile("facs-film"))


def _touch_every_measure(ctx):
    for name in _cached_measures():
        getattr(ctx, name)


@pytest.mark.parametrize("variant_id, shape", [("bilateral-asymmetric", "AU17"), ("leakage-au26-forehead", "AU26"),
                                               ("rigid-motion", "AD29")])
def test_a_refreshed_context_measures_what_a_fresh_one_does(variant_id, shape):
    """After one shape changes, every per-shape measure of the refreshed context equals that of a context
    built from scratch on the same whole-face measures (frame, regions, lip and eye zones: held)."""
    clean, variant = variant_snapshot("clean"), variant_snapshot(variant_id)
    before = _context(clean.__class__(**{**vars(clean), "deltas": clean.deltas.copy()}))
    _touch_every_measure(before)
    describe(before, RULEBOOK.identify)  # every shape described: the refreshed context keeps the others
    row = clean.index(shape)
    before.snapshot.deltas[row] = variant.deltas[row]
    refreshed = before.refreshed([row], {shape})
    fresh = _context(variant)
    fresh.__dict__.update({name: before.__dict__[name] for name in context_module._HELD if name in _cached_measures()})
    fresh.signatures = Signatures(fresh, geometry=before.signatures.geometry)
    others = range(len(clean.names))
    for name in context_module._REFRESHED + context_module._DERIVED:
        got, want = getattr(refreshed, name), getattr(fresh, name)
        if isinstance(got, ShapeCosines):
            assert np.allclose([got.cosine(row, j) for j in others], [want.cosine(row, j) for j in others], atol=1e-6)
        elif isinstance(got, Signatures):
            for measure in MEASURES:
                assert got.measure(row, measure) == pytest.approx(
                    want.measure(row, measure), rel=1e-5, abs=1e-9, nan_ok=True), measure
        elif name == "described":  # the changed shape is described again, the others are kept
            kept = got[id(RULEBOOK.identify)][1]
            assert row not in kept and len(kept) == len(others) - 1
            a, b = describe(refreshed, RULEBOOK.identify), describe(fresh, RULEBOOK.identify)
            assert a.side == b.side and np.allclose(a.features, b.features, rtol=1e-5, atol=1e-6)
            assert np.allclose(a.shares, b.shares, rtol=1e-5, atol=1e-6)
        elif isinstance(got, dict):  # sums: shape name -> Sum
            assert {k: v.parts for k, v in got.items()} == {k: v.parts for k, v in want.items()}, name
            for key, found in got.items():
                assert (found.cosine, found.size_ratio) == pytest.approx((want[key].cosine, want[key].size_ratio))
        else:  # arrays, lists of flags, or tuples of them
            for part, expected in zip(*((x if isinstance(x, tuple) else (x,)) for x in (got, want))):
                assert np.allclose(np.asarray(part, dtype=float), np.asarray(expected, dtype=float),
                                   rtol=1e-5, atol=1e-9), name
    assert refreshed.invalid == fresh.invalid


@pytest.mark.parametrize("severity, to_error, expected", [
    ("warning", True, "error"), ("warning", False, "warning"), ("info", True, "info"), ("off", True, None)])
def test_to_error_turns_only_a_warning_into_an_error(severity, to_error, expected):
    import dataclasses

    ctx = _context(variant_snapshot("clean"))
    profile = dataclasses.replace(ctx.primary_profile, severity={"symmetry.pair-mismatch": severity})
    finding = ctx.finding("symmetry.pair-mismatch", "m", shapes=("AU12_L",), profile=profile, to_error=to_error)
    assert (finding.severity if finding else None) == expected
