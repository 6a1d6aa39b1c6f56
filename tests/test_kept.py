"""Whole-head measures kept across audits (core/kept.py): a kept result is what a fresh call computes,
equal inputs hit, any changed byte misses, and no caller can write into what a later audit reads."""

import dataclasses

import numpy as np
import pytest

from facs_audit_addon.core.engine import audit_context
from facs_audit_addon.core.islands import mesh_graph
from facs_audit_addon.core.kept import KEPT, fingerprint, forget_all, kept
from facs_audit_addon.core.mirror import build_mirror_map
from facs_audit_addon.core.regions import region_masks

from audits import snapshot
from core_helpers import RULEBOOK


def test_equal_inputs_hit_and_a_changed_byte_misses():
    calls = []

    @kept
    def double(values, factor=2.0, rules=None):
        calls.append(1)
        return values * factor

    a = np.arange(6, dtype=np.float32)
    rules = object()
    first = double(a, rules=rules)
    assert double(a.copy(), rules=rules) is first and len(calls) == 1  # equal bytes, another array
    b = a.copy()
    b[3] = np.nextafter(b[3], np.float32(10))  # one bit
    assert double(b, rules=rules) is not first and len(calls) == 2
    assert double(a, factor=3.0, rules=rules) is not first  # another argument
    assert double(a, rules=object()) is not first  # another object (by identity)
    assert double(a.astype(np.float64), rules=rules) is not first  # same values, another dtype
    with pytest.raises(ValueError, match="read-only"):
        first[0] = 1.0
    for i in range(KEPT + 1):  # the oldest goes once KEPT newer ones are kept
        double(a + i + 100, rules=rules)
    count = len(calls)
    double(a, rules=rules)
    assert len(calls) == count + 1


def test_kept_results_are_what_a_fresh_call_computes():
    """On the sample face and variants with other shapes and an unmatched mirror: the mirror map, the region masks and the
    mesh graph from the store equal those the undecorated functions compute, field by field."""
    for variant in ("clean", "pair-mismatch", "unmatched-mirror"):
        ctx = audit_context(snapshot(variant), RULEBOOK, profile="facs-film")
        frame, basis = ctx.frame, ctx.snapshot.basis
        tolerance = ctx.threshold("mirror_tolerance") * frame.scale
        pairs = [
            (ctx.mirror_map, build_mirror_map.__wrapped__(basis, frame.normal, frame.offset, tolerance)),
            (ctx.region_masks, region_masks.__wrapped__(RULEBOOK.regions, frame, basis,
                                                        ctx.snapshot.vertex_groups, ctx.region_gates)),
        ]
        for held, fresh in pairs:
            for field in dataclasses.fields(fresh):
                x, y = getattr(held, field.name), getattr(fresh, field.name)
                assert np.array_equal(x, y) if isinstance(y, np.ndarray) else x == y, (variant, field.name)
        graph = mesh_graph.__wrapped__(ctx.snapshot.edges, basis, frame.scale)
        assert np.array_equal(ctx.mesh_graph, graph)
        assert not ctx.mirror_map.partner.flags.writeable and not ctx.region_masks.weights.flags.writeable


def test_a_kept_frame_is_what_a_fresh_estimate_finds():
    """The face frame of a second audit of the same rig comes from the store; emptied, the store gives
    way to an estimate from scratch with the same bytes in every field."""
    first = audit_context(snapshot("pair-mismatch"), RULEBOOK, profile="facs-film").frame
    again = audit_context(snapshot("pair-mismatch"), RULEBOOK, profile="facs-film").frame
    assert again is first
    forget_all()
    fresh = audit_context(snapshot("pair-mismatch"), RULEBOOK, profile="facs-film").frame
    assert fresh is not first and fingerprint(fresh, []) == fingerprint(first, [])
