"""The face frame: where the face is, how big, and which way is left, up and forward.

First version (to be refined by the geometric checks): the mirror plane is X=0 and the axes are
Blender's front view (the face looks along -Y, Z up, the character's left is +X). The size is the
diagonal of the box around the vertices the shape keys move.

API other modules rely on:
- ``frame.scale``: float, face size in rig units; divide lengths by it.
- ``frame.center``: (3,) float32, centre of the face box.
- ``frame.active``: (n,) bool, vertices that some shape moves noticeably.
- ``frame.axes``: (3, 3) float32 rows = lateral (+ = character's left), up, forward (toward the viewer).
- ``frame.local(points)``: (m, 3) -> (m, 3) coordinates (lateral, up, forward), origin on the mirror plane
  at the face centre, not normalised.
- ``frame.local_vectors(vectors)``: rotate (..., 3) delta vectors into (lateral, up, forward).
"""

from dataclasses import dataclass, field

import numpy as np

BLENDER_AXES = np.array([[1, 0, 0], [0, 0, 1], [0, -1, 0]], dtype=np.float32)


@dataclass(frozen=True)
class Frame:
    scale: float
    center: np.ndarray
    active: np.ndarray
    axes: np.ndarray = field(default_factory=BLENDER_AXES.copy)

    def local(self, points):
        return (np.asarray(points, dtype=np.float32) - self.center) @ self.axes.T

    def local_vectors(self, vectors):
        return np.asarray(vectors, dtype=np.float32) @ self.axes.T


def estimate_frame(ctx):
    basis = ctx.snapshot.basis
    peak = ctx.motion.max(axis=0) if ctx.motion.shape[0] else np.zeros(basis.shape[0], dtype=np.float32)
    top = float(peak.max()) if peak.size else 0.0
    # 2% of the largest motion anywhere: export noise (ICT) stays out, every real shape gets in
    active = peak > 0.02 * top if top > 0 else np.ones(basis.shape[0], dtype=bool)
    points = basis[active]
    low, high = points.min(axis=0), points.max(axis=0)
    scale = float(np.linalg.norm(high - low))
    if not np.isfinite(scale) or scale <= 0:
        low, high = basis.min(axis=0), basis.max(axis=0)
        scale = float(np.linalg.norm(high - low)) or 1.0
    center = ((low + high) / 2).astype(np.float32)
    center[0] = 0.0  # mirror plane X=0 until the frame is estimated properly
    return Frame(scale=scale, center=center, active=active)
