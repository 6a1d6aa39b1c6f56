"""The baseline: the audit a TD would write by hand, one vertex at a time over ``ShapeKey.data``.

It covers the per-vertex work of the core's geometric families, the way most scripts in the wild
do it (``for point in kb.data: point.co``, mathutils, plain Python arithmetic):

- rig: NaN / infinite coordinates per key;
- coverage: per-vertex motion and each shape's largest motion (empty shapes);
- symmetry: a mirror map from a ``mathutils.kdtree.KDTree`` (C, fast: the best a TD has), then, for
  every left/right pair, the largest difference between the left delta and the mirrored right delta;
- region: each shape's motion energy in the upper, middle and lower third of the face;
- naming and coverage of names: the core's own name reader (pure Python, already cheap).

It leaves out the all-pairs comparisons of the conflation family (duplicates, AU25/26/27, ...): a
hand-written loop over every pair of shapes and every vertex is O(k^2 n) and would dwarf the rest,
so the baseline is a *lower bound* on what a naive script costs. Its findings are not compared with
the core's; only its running time is used.
"""

import math
import time

import numpy as np


def naive_audit(obj, rulebook, *, budget=None):
    """Audit ``obj`` vertex by vertex. Returns a dict of timings and counts.

    budget : float, optional
        Seconds. When the per-key loop would take longer, it stops after the keys read so far and
        the total is extrapolated from the time per key (reported as ``extrapolated``).
    """
    from mathutils.kdtree import KDTree

    from facs_audit_addon.core import read_sets

    start = time.perf_counter()
    key = obj.data.shape_keys
    blocks = list(key.key_blocks)
    reference = key.reference_key
    names = [b.name for b in blocks if b.name != reference.name]

    sets = read_sets(names, rulebook)  # naming + coverage inputs: same reader as the core

    base = [tuple(point.co) for point in reference.data]
    n = len(base)
    tree = KDTree(n)
    for i, co in enumerate(base):
        tree.insert(co, i)
    tree.balance()
    mirror = []
    for x, y, z in base:
        _, index, distance = tree.find((-x, y, z))
        mirror.append(index if distance is not None and distance < 1e-5 else -1)
    zs = [co[2] for co in base]
    low, high = min(zs), max(zs)
    third = (high - low) / 3 or 1.0
    region = [min(2, int((z - low) / third)) for z in zs]

    deltas, max_motion, nonfinite, energy = {}, {}, {}, {}
    keys_start = time.perf_counter()
    read = 0
    for block in blocks:
        if block.name == reference.name:
            continue
        relative = block.relative_key if block.relative_key is not None else reference
        delta = []
        largest = 0.0
        bad = False
        bands = [0.0, 0.0, 0.0]
        for i, (point, rest) in enumerate(zip(block.data, relative.data)):
            co, rc = point.co, rest.co
            dx, dy, dz = co[0] - rc[0], co[1] - rc[1], co[2] - rc[2]
            if not (math.isfinite(dx) and math.isfinite(dy) and math.isfinite(dz)):
                bad = True
                delta.append((0.0, 0.0, 0.0))
                continue
            delta.append((dx, dy, dz))
            squared = dx * dx + dy * dy + dz * dz
            motion = math.sqrt(squared)
            if motion > largest:
                largest = motion
            bands[region[i]] += squared
        deltas[block.name] = delta
        max_motion[block.name] = largest
        nonfinite[block.name] = bad
        energy[block.name] = bands
        read += 1
        if budget is not None and time.perf_counter() - keys_start > budget:
            break
    keys_time = time.perf_counter() - keys_start
    per_key = keys_time / max(read, 1)

    symmetry_start = time.perf_counter()
    pairs = 0
    asymmetry = {}
    for name in list(deltas):
        if not name.endswith("_L") or name[:-1] + "R" not in deltas:
            continue
        left, right = deltas[name], deltas[name[:-1] + "R"]
        worst = 0.0
        for i, m in enumerate(mirror):
            if m < 0:
                continue
            lx, ly, lz = left[i]
            rx, ry, rz = right[m]
            error = math.sqrt((lx + rx) ** 2 + (ly - ry) ** 2 + (lz - rz) ** 2)
            if error > worst:
                worst = error
        asymmetry[name] = worst
        pairs += 1
    symmetry_time = time.perf_counter() - symmetry_start
    empty = [name for name, largest in max_motion.items() if largest < 1e-5]

    total_keys = len(names)
    # extrapolate the symmetry pass to every pair when the key loop was cut short
    expected_pairs = sum(1 for nm in names if nm.endswith("_L") and nm[:-1] + "R" in names)
    symmetry_full = symmetry_time / pairs * expected_pairs if pairs else 0.0
    setup = keys_start - start
    total = setup + per_key * total_keys + symmetry_full
    return {
        "seconds": total,
        "measured_seconds": time.perf_counter() - start,
        "setup_seconds": setup,
        "per_key_seconds": per_key,
        "keys_read": read,
        "keys": total_keys,
        "symmetry_pairs": pairs,
        "extrapolated": read < total_keys,
        "empty_shapes": len(empty),
        "sets": len(sets),
        "nonfinite_keys": sum(nonfinite.values()),
        "worst_asymmetry": float(max(asymmetry.values(), default=0.0)),
        "region_energy_sum": float(np.sum([sum(b) for b in energy.values()])),
    }
