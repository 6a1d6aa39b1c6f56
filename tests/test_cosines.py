"""Shape cosines: the screened near-pair search finds exactly the pairs a full Gram matrix finds."""

import numpy as np
import pytest

from facs_audit_addon.core.cosines import ShapeCosines


def _rig(n, seed=3):
    """(k, n, 3) deltas: localised random shapes, near-copies, a mirror-like pair, an empty and a NaN shape."""
    rng = np.random.default_rng(seed)
    shapes = []
    for _ in range(24):
        delta = np.zeros((n, 3), dtype=np.float32)
        start = int(rng.integers(0, max(n - n // 5, 1)))
        delta[start:start + n // 5] = rng.normal(size=(len(delta[start:start + n // 5]), 3))
        shapes.append(delta)
    shapes.append(shapes[0] * 1.5 + rng.normal(scale=0.05, size=(n, 3)))  # a near-duplicate of 0, bigger
    shapes.append(shapes[3] + rng.normal(scale=0.6, size=(n, 3)) * (shapes[3] != 0))  # similar, not a duplicate
    shapes.append(-shapes[5])  # opposite motion
    shapes.append(np.zeros((n, 3)))  # empty
    nan = shapes[7].copy()
    nan[n // 2] = np.nan
    shapes.append(nan)
    # a whole-face shape and variants of it at set cosines, on both sides of the bounds tested
    base = rng.normal(size=(n, 3))
    for cosine in NEAR:
        noise = rng.normal(size=(n, 3))
        noise -= base * (noise * base).sum() / (base * base).sum()
        noise *= np.linalg.norm(base) / np.linalg.norm(noise)
        shapes.append(base + np.sqrt(1 / cosine ** 2 - 1) * noise)
    shapes.append(base)
    return np.array(shapes, dtype=np.float32)


#: cosines of shapes 29.. with the last shape
NEAR = (0.995, 0.985, 0.975, 0.9, 0.6, 0.51, 0.49)


def _reference(deltas, bad):
    flat = np.where(np.array(bad)[:, None], 0, deltas.reshape(len(deltas), -1)).astype(np.float64)
    norms = np.sqrt((flat ** 2).sum(axis=1))
    safe = np.where(norms > 0, norms, 1)
    return flat @ flat.T / safe[:, None] / safe[None, :]


def _motion(deltas):
    motion = np.sqrt((deltas.astype(np.float64) ** 2).sum(axis=2)).astype(np.float32)
    bad = [not np.isfinite(row).all() for row in motion]
    motion[bad] = 0
    return motion, bad


@pytest.mark.parametrize("n", [40, 700, 5000])  # under one sample block, a partial run, several runs
@pytest.mark.parametrize("limit", [0.98, 0.5, -1.0])  # the default, a loose bound, every pair (fallback)
def test_pairs_above_matches_the_full_gram_matrix(n, limit):
    deltas = _rig(n)
    motion, bad = _motion(deltas)
    cosines = ShapeCosines(deltas, motion, bad)
    reference = _reference(deltas, bad)
    rows = [i for i in range(len(deltas)) if not bad[i] and motion[i].any()]
    found = {(i, j): value for i, j, value in cosines.pairs_above(rows, limit)}
    expected = {(i, j) for a, i in enumerate(rows) for j in rows[a + 1:] if reference[i, j] > limit}
    assert set(found) == expected
    assert (0, 24) in found  # the near-duplicate is always found
    if limit > 0:  # the random shapes 0-28 are near-orthogonal to the whole-face one
        last = len(deltas) - 1
        assert {i for i, j in found if j == last} == {29 + a for a, cosine in enumerate(NEAR) if cosine > limit}
    for (i, j), value in found.items():
        assert value == pytest.approx(reference[i, j], abs=1e-5)


def test_cosine_of_named_pairs_and_of_empty_or_nan_shapes():
    deltas = _rig(700)
    motion, bad = _motion(deltas)
    cosines = ShapeCosines(deltas, motion, bad)
    reference = _reference(deltas, bad)
    assert cosines.cosine(5, 26) == pytest.approx(-1.0, abs=1e-6)
    assert cosines.cosine(3, 25) == pytest.approx(reference[3, 25], abs=1e-5)
    assert cosines.cosine(0, 27) == 0.0  # empty shape
    assert cosines.cosine(7, 28) == 0.0  # NaN shape
    assert cosines.norms[28] == 0.0
    assert cosines.norms[0] == pytest.approx(np.sqrt((deltas[0].astype(np.float64) ** 2).sum()), rel=1e-5)


def test_update_after_shapes_change_equals_a_fresh_computation():
    deltas = _rig(5000)
    motion, bad = _motion(deltas)
    cosines = ShapeCosines(deltas, motion, bad)
    rows = [i for i in range(len(deltas)) if not bad[i] and motion[i].any()]
    before = cosines.pairs_above(rows, -1.0)  # measures (and keeps) every pair's cosine
    assert (0, 2, cosines.cosine(0, 2)) in before and cosines.cosine(0, 2) < 0.5
    deltas[2] = deltas[0] * 0.9  # now a duplicate of 0
    deltas[28] = deltas[9]  # the NaN shape repaired
    deltas[4, 10] = np.inf  # a shape broken
    motion[:], bad[:] = _motion(deltas)
    cosines.update([2, 28, 4], bad)
    fresh = ShapeCosines(deltas, motion, bad)
    rows = [i for i in range(len(deltas)) if not bad[i] and motion[i].any()]
    assert cosines.pairs_above(rows, 0.98) == fresh.pairs_above(rows, 0.98)
    assert {(i, j) for i, j, _ in cosines.pairs_above(rows, 0.98)} >= {(0, 2), (9, 28)}
    np.testing.assert_allclose(cosines.norms, fresh.norms)
    assert cosines.cosine(4, 0) == 0.0
