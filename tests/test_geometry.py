"""Geometry helpers on plain arrays (no AuditContext): worst vertices, region words, rigid fits."""

import numpy as np
import pytest

from facs_audit_addon.core.geometry import (region_words, rigid_domain, rigid_fit, rigid_shares, row_norms, runs,
                                            worst_vertices)
from facs_audit_addon.core.regions import RegionMasks


def test_worst_vertices_are_the_largest_positive_scores_worst_first():
    score = np.array([0.0, 3.0, -1.0, 5.0, 1.0, 2.0], dtype=np.float32)
    assert list(worst_vertices(score)) == [3, 1, 5, 4]
    assert list(worst_vertices(score, limit=2)) == [3, 1]
    assert worst_vertices(np.zeros(4)) == ()


def test_region_words_names_the_region_with_most_of_the_value():
    masks = RegionMasks(names=("brows:L", "brows:R", "outside"), bases=("brows", "brows", "outside"),
                        labels=("left brow", "right brow", "outside the face regions"),
                        weights=np.array([[1, 0, 0, 0], [0, 1, 1, 0], [0, 0, 0, 1]], dtype=np.float32))
    energy = np.array([1.0, 1.0, 2.0, 0.0])
    assert region_words(masks, energy) == ("right brow", 0.75)
    assert region_words(masks, energy, rows=np.array([True, False, True])) == ("left brow", 0.25)
    assert region_words(None, energy) == ("face", 1.0)


def _head(n=400, seed=0):
    return np.random.default_rng(seed).uniform(-0.1, 0.1, size=(n, 3)).astype(np.float32)


def _rotation(degrees):
    a = np.radians(degrees)
    return np.array([[1, 0, 0], [0, np.cos(a), -np.sin(a)], [0, np.sin(a), np.cos(a)]])


def test_rigid_fit_recovers_a_rotation_and_a_shift():
    points = _head().astype(np.float64)
    centred = points - points.mean(axis=0)
    moved = centred @ _rotation(5).T + np.array([0.01, 0.0, -0.02])
    explained, rotation, translation = rigid_fit(centred, moved - centred)
    assert explained == pytest.approx(1.0)
    assert np.allclose(rotation, _rotation(5), atol=1e-9)
    assert np.allclose(translation, [0.01, 0.0, -0.02], atol=1e-9)
    assert rigid_fit(centred, np.zeros_like(centred))[0] == 0.0


def test_rigid_domain_is_the_box_of_the_moving_vertices_grown_by_a_quarter():
    local = np.array([[0.0, 0, 0], [1.0, 1, 1], [1.2, 0.5, 0.5], [1.3, 0.5, 0.5], [-0.26, 0, 0]])
    domain = rigid_domain(local, low=np.zeros(3), high=np.ones(3))
    assert domain.dtype == bool and list(domain) == [True, True, True, False, False]


def test_rigid_shares_fit_only_shapes_that_move_the_whole_head():
    basis = _head()
    nod = (basis @ _rotation(4).T - basis).astype(np.float32)
    patch = np.zeros_like(basis)
    patch[:20] = (0.0, 0.0, 0.01)  # a local sculpt: most of the head stays still
    deltas = np.stack([nod, patch, nod])
    motion = np.linalg.norm(deltas, axis=2).astype(np.float32)
    peak = motion.max(axis=1)
    domain = np.ones(len(basis), dtype=bool)
    shares = rigid_shares(basis, deltas, motion, peak, domain)
    assert shares.dtype == np.float64 and shares.shape == (3,)
    assert shares[0] == pytest.approx(1.0) and shares[1] == 0.0
    # shapes to skip (NaN deltas) and rows not asked for stay 0
    assert list(rigid_shares(basis, deltas, motion, peak, domain, skip=[False, False, True])[[0, 2]]) == \
        [pytest.approx(1.0), 0.0]
    assert list(rigid_shares(basis, deltas, motion, peak, domain, rows=[2])) == [0.0, 0.0, pytest.approx(1.0)]


def test_mirror_difference_scores_a_scaled_mirror_copy():
    """b = s * mirror(a) scores |1 - s| / max(1, s); the squared difference sits where they differ."""
    from facs_audit_addon.core.geometry import mirror_difference

    # four vertices: 0 <-> 1 mirror each other across x = 0, 2 is on the plane, 3 has no partner
    partner = np.array([1, 0, 2, -1])
    reflect = np.diag([-1.0, 1.0, 1.0]).astype(np.float32)
    a = np.array([[0.01, 0, 0.02], [0, 0, 0], [0, 0, 0], [0, 0, 0.5]], dtype=np.float32)
    b = (0.5 * a[partner] @ reflect).astype(np.float32)
    b[3] = 0
    motion_a, motion_b = np.linalg.norm(a, axis=1), np.linalg.norm(b, axis=1)
    error, squared, ratio = mirror_difference(a, b, motion_a, motion_b, partner, reflect)
    assert error == pytest.approx(0.5) and ratio == pytest.approx(0.5)
    assert squared.dtype == np.float32 and squared.shape == (4,)
    assert squared[0] > 0 and squared[3] == 0  # vertex 3 has no partner: not compared
    assert mirror_difference(a, a[partner] @ reflect, motion_a, motion_a[partner], partner, reflect)[0] == \
        pytest.approx(0.0, abs=1e-6)


def test_edge_slopes_are_each_vertexs_steepest_edge():
    """MirrorNoise.slopes along mesh edges: for each asked vertex, the largest |delta change| / rest length
    over the edges at it (read through the incident-edge lists), 0 for a vertex without edges."""
    from facs_audit_addon.core.visible import MirrorNoise

    rng = np.random.default_rng(7)
    n = 60
    basis = rng.random((n, 3)).astype(np.float32)
    delta = (0.1 * rng.random((n, 3))).astype(np.float32)
    edges = rng.integers(0, n - 1, (150, 2))  # the last vertex has no edge
    noise = MirrorNoise(offset=np.zeros(n, np.float32), neighbour=np.full(n, -1), basis=basis, edges=edges)
    rows = np.array([n - 1, 3, 3, 17, 0, 42])
    want = []
    for v in rows:
        at = [(a, b) for a, b in edges if v in (a, b)]
        want.append(max((np.linalg.norm(delta[a] - delta[b]) / np.linalg.norm(basis[a] - basis[b])
                         for a, b in at), default=0.0))
    got = noise.slopes(delta, rows)
    assert got.dtype == np.float32 and got[0] == 0.0
    assert np.allclose(got, want, rtol=1e-5)


def test_row_norms_are_numpys_norms_bit_for_bit():
    rows = np.random.default_rng(3).standard_normal((7, 1001))
    assert np.array_equal(row_norms(rows), np.linalg.norm(rows, axis=1))


def test_runs_lists_each_run_from_its_start():
    assert runs([10, 3, 7], [2, 0, 3]).tolist() == [10, 11, 7, 8, 9]
    assert runs([], []).tolist() == []
