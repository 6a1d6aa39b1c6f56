"""Batch memory reuse: arrays handed out for one rig are reused by the next, and audits stay exact."""

import dataclasses
import json

import numpy as np

from facs_audit_addon.core import audit_rig
from facs_audit_addon.core.scratch import Scratch, new_array
from sample_rigs.defects import variant_snapshot

from core_helpers import RULEBOOK


def test_a_slot_reuses_its_memory_while_the_next_array_fits():
    slot = Scratch().slot(0)
    first = slot.array("deltas", (10, 100, 3))
    smaller = slot.array("deltas", (4, 50, 3))
    assert smaller.shape == (4, 50, 3) and smaller.dtype == np.float32 and smaller.flags.c_contiguous
    assert np.shares_memory(first, smaller)
    bigger = slot.array("deltas", (20, 100, 3))
    assert not np.shares_memory(first, bigger)
    assert not np.shares_memory(bigger, slot.array("motion", (20, 100)))  # names have their own memory


def test_slots_of_one_scratch_are_apart_and_stable():
    scratch = Scratch()
    assert scratch.slot(0) is scratch.slot(0)
    assert not np.shares_memory(scratch.slot(0).array("deltas", (5, 5, 3)), scratch.slot(1).array("deltas", (5, 5, 3)))
    assert new_array(None, "deltas", (2, 3)).shape == (2, 3)


def _copied(snapshot, slot):
    """``snapshot`` with its deltas moved into ``slot``'s memory, as the batch extraction does."""
    deltas = slot.array("deltas", snapshot.deltas.shape)
    deltas[...] = snapshot.deltas
    return dataclasses.replace(snapshot, deltas=deltas)


def _keyed(report):
    return [(f.rule, f.shapes, f.side, json.dumps(f.measures, sort_keys=True), f.vertices) for f in report.findings]


def test_rigs_audited_one_after_another_in_one_scratch_match_fresh_audits():
    """Different rigs through the same memory (bigger, then smaller): each report as if audited alone."""
    names = ["pair-mismatch", "missing-au23-vertical", "leakage-au12-brows", "duplicate-au43-au45", "nan-delta"]
    alone = {name: _keyed(audit_rig(variant_snapshot(name), RULEBOOK, profile="facs-film")) for name in names}
    slot = Scratch().slot(0)
    for name in names:
        snapshot = variant_snapshot(name)
        report = audit_rig(_copied(snapshot, slot), RULEBOOK, profile="facs-film", scratch=slot)
        assert _keyed(report) == alone[name], name
    assert len({tuple(findings) for findings in alone.values()}) == len(names)  # five different reports
