"""Cosine similarity of shapes' deltas: exact for every pair a check reads, without a full Gram matrix.

The duplicate check needs every pair above a bound (0.98), the other checks a few named pairs. A full
(k, 3n) x (3n, k) product costs a quarter of the whole audit at 30k x 300, yet nearly every pair in
it is far from the bound. So pairs are screened on a sample of the vertices with a
bound that cannot miss one: if cos(a, b) > L, then |a/|a| - b/|b||^2 = 2 - 2 cos < 2 (1 - L), and
the same difference restricted to any subset of coordinates is smaller still. Only the pairs that
pass are measured on every vertex. The sample is one vertex in eight, so the product costs an eighth.
"""

import numpy as np

from .scratch import new_array

#: the screening sample: the first BLOCK vertices of every EVERY (runs of memory, not single vertices)
BLOCK, EVERY = 64, 512
#: float32 rounding allowance of the screening bound (squared unit distances are at most 4)
SLACK = 1e-3
#: more screened pairs than this per shape and the full Gram matrix is cheaper (a bound near -1)
MAX_PAIRS_PER_SHAPE = 8


class ShapeCosines:
    """Norms and cosines of the shapes' ``deltas`` (k, n, 3), given their per-vertex ``motion`` (k, n)
    lengths; shapes flagged in ``bad`` (NaN deltas) count as zero."""

    def __init__(self, deltas, motion, bad, scratch=None):
        self._flat = deltas.reshape(len(deltas), -1)
        self._motion = motion
        self._bad = np.array(bad, dtype=bool)
        self._sample = _sample(deltas, scratch)
        self._sample[self._bad] = 0.0
        self._gram = self._sample @ self._sample.T
        self.norms = np.array([_norm(row) for row in motion], dtype=np.float64)
        self._exact = {}  # (i, j) with i < j -> cosine, kept until either shape changes

    def cosine(self, i, j):
        """Cosine of the deltas of shapes ``i`` and ``j`` (0 when either is empty or not finite)."""
        if self._bad[i] or self._bad[j] or self.norms[i] == 0 or self.norms[j] == 0:
            return 0.0
        key = (min(i, j), max(i, j))
        if key not in self._exact:
            self._exact[key] = self._from_dot(float(np.dot(self._flat[i], self._flat[j])), i, j)
        return self._exact[key]

    def _from_dot(self, dot, i, j):
        """The cosine of non-empty, finite shapes ``i`` and ``j`` from the dot product of their deltas."""
        return min(max(dot / (self.norms[i] * self.norms[j]), -1.0), 1.0)

    def pairs_above(self, rows, limit, among=None):
        """``(i, j, cosine)`` for every pair of ``rows`` (i < j in ``rows`` order) with cosine > ``limit``.

        ``among``: only the pairs holding one of these shape indices (a re-audit's focus); the values are
        still those of a call without it (the same choice of one full product or single dot products).
        """
        rows = np.asarray(rows, dtype=np.intp)
        norms = self.norms[rows]
        safe = np.where(norms > 0, norms, 1.0)
        gram = self._gram[np.ix_(rows, rows)].astype(np.float64) / safe[:, None] / safe[None, :]
        share = np.diag(gram)  # each shape's squared unit length on the sample
        distance = share[:, None] + share[None, :] - 2 * gram
        live = (norms > 0) & ~self._bad[rows]
        near = np.triu(distance <= 2 * (1 - limit) + SLACK, 1) & live[:, None] & live[None, :]
        screened = int(np.count_nonzero(near))
        if among is not None:
            wanted = np.isin(rows, list(among))
            near &= wanted[:, None] | wanted[None, :]
        first, second = (rows[side] for side in np.nonzero(near))
        if screened > MAX_PAIRS_PER_SHAPE * len(rows):
            full = self._flat @ self._flat.T  # one product beats that many single dot products
            # _from_dot on every pair at once: the same float64 operations in the same order
            values = np.clip(full[first, second].astype(np.float64)
                             / (self.norms[first] * self.norms[second]), -1.0, 1.0)
            keep = np.flatnonzero(values > limit)
            return [(int(first[k]), int(second[k]), float(values[k])) for k in keep]
        found = [(int(i), int(j), self.cosine(int(i), int(j))) for i, j in zip(first, second)]
        return [(i, j, value) for i, j, value in found if value > limit]

    def update(self, rows, bad):
        """Take in the new deltas of shapes ``rows`` (changed in place) and their NaN flags ``bad``."""
        self._bad = np.array(bad, dtype=bool)
        changed = set(rows)
        self._exact = {key: value for key, value in self._exact.items() if not changed.intersection(key)}
        for i in rows:
            self._sample[i] = 0.0 if self._bad[i] else _sample(self._flat[i].reshape(1, -1, 3))[0]
            self.norms[i] = _norm(self._motion[i])
        if len(rows):
            columns = self._sample @ self._sample[list(rows)].T
            self._gram[:, list(rows)] = columns
            self._gram[list(rows), :] = columns.T
        return self


def _norm(motion):
    """A shape's delta norm from its vertices' motion lengths (NaN shapes have all-zero motion)."""
    return float(np.sqrt(np.dot(motion, motion)))


def _sample(deltas, scratch=None):
    """(r, 3m) copy of the screening sample of ``deltas`` (r, n, 3): two strided copies, no fancy index."""
    r, n = deltas.shape[:2]
    runs = n // EVERY
    tail = min(n - runs * EVERY, BLOCK)
    out = new_array(scratch, "sample", (r, runs * BLOCK + tail, 3))
    out[:, :runs * BLOCK].reshape(r, runs, BLOCK, 3)[...] = deltas[:, :runs * EVERY].reshape(r, runs, EVERY, 3)[:, :, :BLOCK]
    out[:, runs * BLOCK:] = deltas[:, runs * EVERY:runs * EVERY + tail]
    return out.reshape(r, -1)
