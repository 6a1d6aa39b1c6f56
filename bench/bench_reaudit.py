"""Time the panel's incremental re-audit: one shape key changed on a big rig (issue 6, < 50 ms target).

Usage: python bench/bench_reaudit.py [RIG.blend]   (default: the 30k x 300 benchmark rig)

Measures, in one process: the full audit that starts a session, then re-audits after one shape key
changed: reading that key back from Blender (``read_shape_delta``) plus ``AuditSession.update``.
"""

import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import bpy  # noqa: E402

from facs_audit_addon.blender.extract import read_shape_delta, snapshot_from_object  # noqa: E402
from facs_audit_addon.core import load_rulebook  # noqa: E402
from facs_audit_addon.core import AuditSession  # noqa: E402


def main(argv):
    path = argv[0] if argv else str(ROOT / "build" / "bench" / "rig_30000x300.blend")
    if not Path(path).is_file():
        print(f"{path}: not found (run bench/bench_audit.py first to build the rigs)", file=sys.stderr)
        return 2
    bpy.ops.wm.open_mainfile(filepath=path, load_ui=False, use_scripts=False)
    obj = next(o for o in bpy.data.objects if o.type == 'MESH' and o.data.shape_keys)
    session = AuditSession(load_rulebook())
    start = time.perf_counter()
    session.audit(snapshot_from_object(obj))
    full = time.perf_counter() - start
    names = ["AU12_L", "AU26", "AU18", "AU4_corrugator_R", "AU45_L"]
    times = []
    for round_ in range(4):
        for name in names:
            block = obj.data.shape_keys.key_blocks[name]
            scale = 0.9 if round_ % 2 == 0 else 1 / 0.9
            for point in (block.points[0], block.points[1]):  # a sculpt stroke: a few vertices move
                point.co = point.co * scale
            start = time.perf_counter()
            session.update({name: read_shape_delta(obj, name)})
            times.append(time.perf_counter() - start)
    verts, keys = len(obj.data.vertices), len(obj.data.shape_keys.key_blocks) - 1
    print(f"{Path(path).name}: {verts} vertices x {keys} keys: full audit {full:.3f} s; re-audit after one key "
          f"changed: median {statistics.median(times) * 1000:.1f} ms, worst {max(times) * 1000:.1f} ms "
          f"({len(times)} runs)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
