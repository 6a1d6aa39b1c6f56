"""Motion an action's own motion does not explain: fall-offs excused, detached islands reported.

- ``beyond_falloff``: the motion energy outside an action's regions that is not a fall-off of its
  allowed motion. Skin next to a moving region is dragged along (lip corners pulled toward the midline
  drag the cheek edge; the frontalis lifts the skin at the root of the nose with the inner brows); it
  moves less than what drags it and lies close to it. region.leakage counts only the rest.
- ``detached_island`` (region.detached-island): a compact bump far from the shape's main motion, such
  as a brow raise added to a jaw drop. Its energy is small next to a big shape's, so the energy share
  cannot see it; the merge tree of the motion along the mesh edges can (see ``core/islands.py``).
"""

import numpy as np

from ..islands import apart_levels, reached_by_level, surely_within, within_reach
from ..text import listing
from ..geometry import worst_vertices
from ..regions import by_side, region_label

#: Falling cut-offs (shares of the shape's peak) at which pieces of motion are told apart: each a
#: fifth below the last, down to about 5% (below that, export noise joins everything).
CUTOFFS = tuple(0.8 ** k for k in range(1, 14))
#: Vertices below this share of the shape's peak are neither leakage nor part of an island.
FLOOR = CUTOFFS[-1]


def face_points(ctx, index):
    """(len(index), 3) float32 positions of vertices ``index`` in the face frame, in eye-to-mouth distances."""
    return ctx.region_masks.points[index]


def beyond_falloff(ctx, i, inside, reach):
    """(n,) float64: motion energy of shape ``i``, 0 where it is a fall-off of its allowed motion or noise.

    inside : (n,) float32
        Membership in the regions the action may move.
    reach : float
        Fall-off reach in eye-to-mouth distances.

    A vertex outside the allowed regions (membership under 1) falls off the allowed motion when a
    vertex mostly inside them (membership at least 0.5) within ``reach`` moves at least as much (to
    one cut-off step: vertices are compared by bands between CUTOFFS).
    """
    motion = ctx.motion[i].astype(np.float64)
    peak = float(motion.max())
    energy = np.square(motion)
    if peak <= 0:
        return energy
    level = motion / peak
    candidates = np.flatnonzero((level >= FLOOR) & (inside < 1.0))
    source = np.flatnonzero((inside >= 0.5) & (level >= FLOOR))
    falls = reached_by_level(face_points(ctx, candidates), level[candidates], face_points(ctx, source),
                             level[source], (np.inf,) + CUTOFFS, reach)
    energy[candidates[falls]] = 0.0
    energy[level < FLOOR] = 0.0
    return energy


def detached_island(ctx, i, name, parsed, allowed):
    """region.detached-island: the shape's largest detached bump in regions its action may not move.

    allowed : (m,) bool
        Region rows the action may move.
    """
    if ctx.snapshot.edges is None or not len(ctx.snapshot.edges):
        return None  # no topology: nothing is known about what connects to what
    masks = ctx.region_masks
    motion = ctx.motion[i]
    peak = float(ctx.max_motion[i])
    share = ctx.threshold("island_share", name)
    # cheap tests first, on few vertices: some mostly outside the allowed regions move high enough ...
    tops = np.flatnonzero(motion >= np.float32(share * peak))
    tops = tops[~masks.mostly_in(allowed, tops)]
    if not len(tops):
        return None
    main = np.flatnonzero(motion >= np.float32(ctx.threshold("island_main", name) * peak))
    main = main[masks.mostly_in(allowed, main)]
    if not len(main):
        main = np.array([int(np.argmax(motion))])
    far = ctx.threshold("island_distance", name)
    # ... and lie far from the strong motion
    strong = face_points(ctx, main)
    top_points = face_points(ctx, tops)
    maybe_far = np.flatnonzero(~surely_within(top_points, strong, far))
    far_tops = tops[maybe_far[~within_reach(top_points[maybe_far], strong, far)]]
    if not len(far_tops):
        return None
    inside = masks.inside(allowed)
    level = motion / np.float32(peak)
    seeds = np.zeros(len(level), dtype=bool)
    seeds[main] = True
    piece, apart = apart_levels(level, ctx.mesh_graph, seeds, CUTOFFS, watch=far_tops)
    ids = np.unique(piece[piece >= 0])
    if not len(ids):
        return None
    rise, outside_min = ctx.threshold("island_rise", name), ctx.threshold("island_outside", name)
    islands = []
    for pid in ids:
        members = np.flatnonzero(piece == pid)
        top = members[np.argmax(level[members])]
        high = float(level[top])
        if high < share or inside[top] >= 0.5 or float(apart[top]) > rise * high:
            continue
        energy = np.square(level[members].astype(np.float64))
        outside = float((energy * (1.0 - inside[members])).sum() / energy.sum())
        if outside < outside_min:
            continue
        core = members[level[members] >= 0.5 * high]
        core = core[np.argsort(-level[core], kind="stable")]
        # the island's core is at least `far` from every strong vertex: not a fall-off seen at a distance
        if within_reach(face_points(ctx, core), strong, far).any():
            continue
        distance = _distance(face_points(ctx, core), strong)
        islands.append((high, members, float(apart[top]), outside, distance))
    if not islands:
        return None
    islands.sort(key=lambda island: -island[0])
    high, members, below, outside, distance = islands[0]
    everything = np.concatenate([island[1] for island in islands])
    # named after where the bumps are high, not after the long tails they may drag into a dense eye
    core = np.concatenate([part[level[part] >= 0.5 * height] for height, part, *_ in islands])
    energy = np.zeros(len(level), dtype=np.float32)
    energy[core] = np.square(level[core])
    shares = by_side(masks, masks.shares(energy), parsed.side)
    row = int(np.argmax(np.where(allowed, -1.0, shares)))
    label = region_label(masks, row, parsed.side)
    action = ctx.action(parsed.au)
    what = f"{name} ({ctx.label(parsed)})" if parsed.label != name else name
    more = f" ({len(islands)} such bumps in all)" if len(islands) > 1 else ""
    finding = ctx.finding(
        "region.detached-island",
        f"{what} moves the {label} in a bump of its own{more}: {high:.0%} of the shape's peak, "
        f"{distance:.1f} eye-to-mouth distances from its main motion and joining it only below "
        f"{below:.0%}; {parsed.au} may move {listing(action.regions)}.",
        shapes=(name,), aus=(parsed.au,), side=parsed.side,
        measures={"island_share": high, "apart_below": below, "outside_share": outside,
                  "distance": distance, "island_vertices": int(len(members)), "islands": len(islands),
                  "displacement": high * peak / ctx.frame.scale, "region": label,
                  "threshold": share, "error_threshold": ctx.threshold("island_error_share", name),
                  "distance_threshold": far},
        vertices=everything[worst_vertices(level[everything])],
        to_error=high >= ctx.threshold("island_error_share", name))
    return finding


def _distance(points, sources):
    """Smallest distance between two point sets (sources thinned to at most ~2000 points)."""
    sources = sources[::max(1, len(sources) // 2000)].astype(np.float64)
    points = points[:64].astype(np.float64)
    squared = (points ** 2).sum(axis=1)[:, None] + (sources ** 2).sum(axis=1)[None] - 2 * points @ sources.T
    return float(np.sqrt(max(0.0, squared.min())))
