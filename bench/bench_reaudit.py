"""Time the panel's re-audit after a sculpt stroke on one key of a big rig (issue 6/13, < 50 ms target).

Usage: python bench/bench_reaudit.py [RIG.blend]   (default: the 30k x 300 benchmark rig)

Measures, in one process, what the panel's *Re-audit* button runs (``blender.live.reaudit``): change
detection over every key (a checksum of each key's coordinates, plus everything else the audit reads),
re-reading the changed key, and ``AuditSession.update``, which turns into a full audit when the edit
moved what the update holds (a landmark, the set of moving vertices, a zone anchor). A stroke scales the
motion of a few of the key's moving vertices (alternately by 0.9 and back), as a sculpt brush would.
"""

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import bpy  # noqa: E402
import numpy as np  # noqa: E402

from facs_audit_addon.blender import live  # noqa: E402
from facs_audit_addon.core import load_rulebook  # noqa: E402

NAMES = ["AU12_L", "AU26", "AU18", "AU4_corrugator_R", "AU45_L"]


def stroke(obj, name, factor):
    """Scale the motion of three moving vertices of key ``name`` by ``factor``."""
    block = obj.data.shape_keys.key_blocks[name]
    basis = obj.data.shape_keys.reference_key
    for index in _moving(obj, name):
        point, rest = block.data[index], basis.data[index].co
        point.co = rest + (point.co - rest) * factor


_picked = {}


def _moving(obj, name):
    if name not in _picked:
        n = len(obj.data.vertices)
        co, rest = np.empty(3 * n, np.float32), np.empty(3 * n, np.float32)
        obj.data.shape_keys.key_blocks[name].data.foreach_get("co", co)
        obj.data.shape_keys.reference_key.data.foreach_get("co", rest)
        motion = np.linalg.norm((co - rest).reshape(-1, 3), axis=1)
        moving = np.flatnonzero(motion > 0.25 * motion.max())
        _picked[name] = moving[:: max(1, len(moving) // 3)][:3].tolist()
    return _picked[name]


def _timed(fn):
    """(result, seconds): wall time, as the rigger waits; BENCH_CPU=1 for this process's CPU time, which
    other jobs on a shared machine inflate less (it counts every math thread, though)."""
    clock = time.process_time if os.environ.get("BENCH_CPU") else time.perf_counter
    start = clock()
    result = fn()
    return result, clock() - start


def main(argv):
    path = argv[0] if argv else str(ROOT / "build" / "bench" / "rig_30000x300.blend")
    if not Path(path).is_file():
        print(f"{path}: not found (run bench/bench_audit.py first to build the rigs)", file=sys.stderr)
        return 2
    bpy.ops.wm.open_mainfile(filepath=path, load_ui=False, use_scripts=False)
    obj = next(o for o in bpy.data.objects if o.type == 'MESH' and o.data.shape_keys)
    rulebook = load_rulebook()
    start = time.perf_counter()
    live.full_audit(obj, rulebook)
    full = time.perf_counter() - start
    detect = min(_timed(lambda: live.key_checksums(obj))[1] for _ in range(5))
    times, hows = [], []
    for round_ in range(4):
        for name in NAMES:
            stroke(obj, name, 0.9 if round_ % 2 == 0 else 1 / 0.9)
            (_, how), seconds = _timed(lambda: live.reaudit(obj, rulebook))
            times.append(seconds)
            hows.append(how)
    quick = [t for t, h in zip(times, hows) if h == "quick"]
    verts, keys = len(obj.data.vertices), len(obj.data.shape_keys.key_blocks) - 1
    print(f"{Path(path).name}: {verts} vertices x {keys} keys: full audit {full:.3f} s; checksums of every key "
          f"{detect * 1000:.1f} ms; re-audit after a stroke on one key (change detection included): median "
          f"{statistics.median(times) * 1000:.1f} ms, worst {max(times) * 1000:.1f} ms ({len(times)} runs, "
          f"{len(quick)} quick: median {statistics.median(quick) * 1000 if quick else 0:.1f} ms, "
          f"{hows.count('full')} full)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
