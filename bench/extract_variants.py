"""Evidence for the extraction hotspot: today's ``snapshot_from_object`` against a one-buffer read.

Usage: python bench/extract_variants.py RIG.blend [--runs 5]

Each variant runs in a fresh process (the first run after the file load is what a CLI run pays:
first touch of freshly allocated pages), then warm; tracemalloc gives each one's peak.

- ``raw``: every key block into one (k+1, n, 3) float32 buffer (the floor);
- ``current``: ``facs_audit_addon.blender.extract.snapshot_from_object`` (reads a (k+1, n, 3) buffer,
  then writes the (k, n, 3) deltas into a second one);
- ``one_buffer``: the basis into an (n, 3) array, each key straight into its row of the (k, n, 3)
  deltas, then its relative key subtracted in place (keys relative to another key read that key
  into an (n, 3) scratch). Same deltas, bit for bit, with half the fresh memory.
"""

import json
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def raw(obj):
    blocks = obj.data.shape_keys.key_blocks
    out = np.empty((len(blocks), len(obj.data.vertices), 3), dtype=np.float32)
    for i, block in enumerate(blocks):
        block.points.foreach_get("co", out[i].reshape(-1))
    return out


def current(obj):
    from facs_audit_addon.blender.extract import snapshot_from_object
    return snapshot_from_object(obj).deltas


def one_buffer(obj):
    key = obj.data.shape_keys
    blocks = list(key.key_blocks)
    reference = key.reference_key
    n = len(obj.data.vertices)
    basis = np.empty((n, 3), dtype=np.float32)
    reference.points.foreach_get("co", basis.reshape(-1))
    shapes = [b for b in blocks if b.name != reference.name]
    deltas = np.empty((len(shapes), n, 3), dtype=np.float32)
    scratch = None
    for j, block in enumerate(shapes):
        block.points.foreach_get("co", deltas[j].reshape(-1))
        relative = block.relative_key
        if relative is None or relative.name == reference.name:
            deltas[j] -= basis
        elif relative.name == block.name:
            deltas[j] = 0.0
        else:
            if scratch is None:
                scratch = np.empty((n, 3), dtype=np.float32)
            relative.points.foreach_get("co", scratch.reshape(-1))
            deltas[j] -= scratch
    return deltas


VARIANTS = {"raw": raw, "current": current, "one_buffer": one_buffer}


def child(path, variant, runs):
    import os

    import bpy

    os.dup2(2, 1)
    bpy.ops.wm.open_mainfile(filepath=path, load_ui=False, use_scripts=False)
    obj = next(o for o in bpy.data.objects if o.type == 'MESH' and o.data.shape_keys is not None)
    fn = VARIANTS[variant]
    t = time.perf_counter()
    result = fn(obj)
    first = time.perf_counter() - t
    del result
    warm = []
    for _ in range(runs):
        t = time.perf_counter()
        result = fn(obj)
        warm.append(time.perf_counter() - t)
        del result
    tracemalloc.start()
    result = fn(obj)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    if variant == "one_buffer":  # same numbers as today's extraction (identity world matrix here)
        assert np.array_equal(result, current(obj)), "one_buffer deltas differ from snapshot_from_object"
    return {"variant": variant, "first": first, "warm": sorted(warm)[len(warm) // 2], "peak": peak,
            "deltas_bytes": result.nbytes if variant != "raw" else result[1:].nbytes}


def main():
    if sys.argv[1] == "--child":
        sys.stderr.write(json.dumps(child(sys.argv[2], sys.argv[3], int(sys.argv[4]))) + "\n")
        return
    path = sys.argv[1]
    runs = int(sys.argv[sys.argv.index("--runs") + 1]) if "--runs" in sys.argv else 5
    rounds = 3
    results = {name: [] for name in VARIANTS}
    for _ in range(rounds):  # interleaved fresh processes
        for name in VARIANTS:
            done = subprocess.run([sys.executable, __file__, "--child", path, name, str(runs)], cwd=ROOT,
                                  capture_output=True, text=True)
            line = [ln for ln in done.stderr.splitlines() if ln.startswith("{")]
            if done.returncode != 0 or not line:
                raise SystemExit(done.stderr[-2000:])
            results[name].append(json.loads(line[-1]))
    print(f"{Path(path).name}: median of {rounds} fresh processes")
    print(f"{'variant':>11} {'first run':>10} {'warm':>8} {'tracemalloc peak':>17} {'peak/deltas':>12}")
    for name, rows in results.items():
        first = sorted(r["first"] for r in rows)[rounds // 2]
        warm = sorted(r["warm"] for r in rows)[rounds // 2]
        peak = rows[0]["peak"]
        print(f"{name:>11} {first:>9.3f}s {warm:>7.3f}s {peak / 1e6:>14.0f} MB {peak / rows[0]['deltas_bytes']:>12.2f}")


if __name__ == "__main__":
    main()
