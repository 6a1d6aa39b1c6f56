"""The face frame: where the face is, how big, and which way is left, up and forward.

Minimal first version: the mirror plane is X=0 and the axes are Blender's (face looks along -Y,
Z up). The size is the diagonal of the box around the vertices the shape keys move.
"""

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Frame:
    #: diagonal of the box around the moving vertices, in the rig's units
    scale: float
    #: (3,) centre of that box
    center: np.ndarray
    #: (n,) bool: vertices any shape moves noticeably
    active: np.ndarray


def estimate_frame(ctx):
    basis = ctx.snapshot.basis
    if basis.shape[0] == 0:
        return Frame(1.0, np.zeros(3, dtype=np.float32), np.zeros(0, dtype=bool))
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
    return Frame(scale=scale, center=(low + high) / 2, active=active)
