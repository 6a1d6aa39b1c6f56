"""Per-vertex measures behind a finding, for the panel's heat map.

Each is the quantity the finding's check measured, vertex by vertex, in rig units:

- symmetry.pair-mismatch / symmetry.bilateral-asymmetric: |shape - mirror image of its twin| (for a
  bilateral shape, its own mirror image);
- symmetry.side-crossover / symmetry.sides-swapped: the motion beyond the midline fall-off band, on
  the side the shape should not move;
- region.leakage: the motion weighted by how far each vertex lies outside the regions its action
  may move;
- anything else with a shape: that shape's motion.
"""

import numpy as np

from .geometry import mirror_difference


def finding_heat(ctx, finding):
    """(n,) float32 measure per vertex for ``finding`` on the audited context ``ctx``, or None.

    None when the finding names no shape of the rig (naming and coverage findings about absent shapes).
    """
    names = [s for s in finding.shapes if s in ctx.snapshot.names]
    if not names:
        return None
    rows = [ctx.snapshot.index(s) for s in names]
    rule = finding.rule
    if rule == "symmetry.pair-mismatch" and len(rows) >= 2:
        return np.sqrt(_mirror_squared(ctx, rows[0], rows[1]))
    if rule == "symmetry.bilateral-asymmetric":
        return np.sqrt(_mirror_squared(ctx, rows[0], rows[0]))
    motion = ctx.motion[rows[0]].astype(np.float32)
    parsed = ctx.parsed(names[0])
    if rule in ("symmetry.side-crossover", "symmetry.sides-swapped") and parsed is not None and parsed.side in "LR":
        lateral = ctx.frame.local(ctx.snapshot.basis)[:, 0]
        band = ctx.threshold("midline_falloff", names[0]) * ctx.frame.width
        sign = 1.0 if parsed.side == "L" else -1.0
        return np.where(sign * lateral < -band, motion, 0.0).astype(np.float32)
    if rule == "region.leakage" and parsed is not None and ctx.region_masks is not None:
        masks = ctx.region_masks
        allowed = masks.allowed(ctx.action(parsed.au).regions)
        return (motion * masks.weights[~allowed].sum(axis=0)).astype(np.float32)
    return motion


def _mirror_squared(ctx, i, j):
    """(n,) float32: per-vertex squared difference of shape ``i`` and shape ``j`` seen in the mirror."""
    deltas, motion, mirror = ctx.snapshot.deltas, ctx.motion, ctx.mirror_map
    return mirror_difference(deltas[i], deltas[j], motion[i], motion[j], mirror.partner, mirror.reflect)[1]


def heat_colours(values):
    """(n, 4) float32 RGBA: ``values`` normalised to their maximum, dark blue (0) through red (max).

    The ramp (blue, cyan, yellow, red) reads in Solid shading without lighting tricks; alpha is 1.
    """
    values = np.nan_to_num(np.asarray(values, dtype=np.float32))
    top = float(values.max()) if values.size else 0.0
    t = values / top if top > 0 else np.zeros_like(values)
    stops = np.array([[0.05, 0.05, 0.4], [0.0, 0.8, 0.9], [1.0, 0.9, 0.0], [0.9, 0.05, 0.05]], dtype=np.float32)
    position = np.clip(t, 0.0, 1.0) * (len(stops) - 1)
    low = np.minimum(position.astype(np.int64), len(stops) - 2)
    mix = (position - low)[:, None]
    rgb = stops[low] * (1 - mix) + stops[low + 1] * mix
    return np.hstack([rgb, np.ones((len(values), 1), dtype=np.float32)]).astype(np.float32)
