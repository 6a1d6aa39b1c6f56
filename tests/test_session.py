"""Incremental re-audit: after shape keys change, the session gives the findings a full audit gives."""

import tomllib
from pathlib import Path

import numpy as np
import pytest

from facs_audit_addon.core import RigInputError, RigSnapshot, audit_rig
from facs_audit_addon.core import AuditSession

from audits import clean_session, full_audit, snapshot
from core_helpers import RULEBOOK
MANIFEST = tomllib.loads((Path(__file__).resolve().parents[1] / "sample_rigs" / "defects.toml").read_text())
CLEAN = snapshot("clean")


def _same_names_variants():
    """Defect variants that change geometry only (same names and topology as the clean rig)."""
    out = []
    for entry in MANIFEST["variant"]:
        variant = snapshot(entry["id"])
        if variant.names == CLEAN.names and variant.deltas.shape == CLEAN.deltas.shape:
            out.append(pytest.param(entry["id"], entry.get("profile", "facs-film"), id=entry["id"]))
    return out


def _keyed(report):
    return sorted((f.rule, f.severity, f.shapes) for f in report.findings)


@pytest.mark.parametrize("variant_id, profile", _same_names_variants())
def test_update_matches_a_full_audit(variant_id, profile):
    """A session's full audit of the clean rig, updated with a variant's changed keys, gives the variant's
    full audit; updated back, the clean rig's (full audits: tests/audits.py, each computed once per run)."""
    variant = snapshot(variant_id)
    changed = {name: variant.deltas[i] for i, name in enumerate(variant.names)
               if not np.array_equal(variant.deltas[i], CLEAN.deltas[i], equal_nan=True)}
    session = clean_session(profile)  # a copy of one session's full audit of the clean rig
    updated = session.update(changed)
    assert _keyed(updated) == _keyed(full_audit(variant_id, profile)[1])
    # and back: restoring the clean shapes gives the clean report again
    restored = session.update({name: CLEAN.deltas[CLEAN.index(name)] for name in changed})
    assert _keyed(restored) == _keyed(full_audit("clean", profile)[1])


def test_update_needs_a_known_shape_of_the_same_topology():
    session = AuditSession(RULEBOOK, profile="facs-film")
    with pytest.raises(RigInputError, match="run a full audit first"):
        session.update({})
    session.audit(snapshot("clean"))
    with pytest.raises(RigInputError, match="no shape key named 'nope'"):
        session.update({"nope": np.zeros((1, 3), np.float32)})
    with pytest.raises(RigInputError, match="no longer matches the mesh topology"):
        session.update({"AU12_L": np.zeros((3, 3), np.float32)})


def _everything(report):
    """Every field a reader sees: rule, severity, shapes, side, message, numbers and vertices."""
    return [(f.rule, f.severity, f.shapes, f.side, f.message, sorted(f.measures.items()), f.vertices)
            for f in report.findings]


def replay_random_edits(seed, steps):
    """Seeded random sculpt edits, zeroed keys and undos (a key restored): every update equals a full audit.

    Some edits move what the update would hold (a landmark, the moving vertices, a zone anchor); the
    session then re-audits in full, so both kinds of update must occur for a replay to mean anything.
    """
    rng = np.random.default_rng(seed)
    current = CLEAN.deltas.copy()
    session = clean_session("facs-film")
    kinds = set()
    for _ in range(steps):
        row = int(rng.integers(len(CLEAN.names)))
        delta = current[row].copy()
        moving = np.flatnonzero(np.linalg.norm(delta, axis=1) > 0)
        edit = int(rng.integers(4))
        if edit == 0 and moving.size:  # a sculpt stroke: a few vertices pushed or pulled
            delta[rng.choice(moving, size=min(5, moving.size), replace=False)] *= rng.uniform(0, 2)
        elif edit == 1:  # the key emptied
            delta[:] = 0
        elif edit == 2:  # undo: back to the delivered key
            delta = CLEAN.deltas[row].copy()
        else:  # noise over the whole moving area
            delta[moving] += rng.normal(0, 5e-4, (moving.size, 3)).astype(np.float32)
        current[row] = delta
        updated = session.update({CLEAN.names[row]: delta})
        kinds.add(session.last_update)
        fresh = RigSnapshot.from_shapes("Face", CLEAN.basis, {n: current[i] for i, n in enumerate(CLEAN.names)})
        assert _everything(updated) == _everything(audit_rig(fresh, RULEBOOK, profile="facs-film"))
    assert kinds == {"quick", "full"}


#: seed 85's four steps: a stroke (quick update), a key emptied (full), an undo (quick), noise (full)
SHORT_SEED = 85


def test_a_short_random_replay_matches_a_full_audit():
    """The main suite's replay: one seeded sequence of 4 steps, every kind of edit and of update among them."""
    replay_random_edits(seed=SHORT_SEED, steps=4)


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2])
def test_random_edits_and_undos_match_a_full_audit(seed):
    """The long replays (25 steps each, a full audit after every step): the end-to-end tier."""
    replay_random_edits(seed, steps=25)
