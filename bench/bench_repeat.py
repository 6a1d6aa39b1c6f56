"""What a second audit of the same head costs: the whole-head measures core/kept.py keeps.

Run with the bpy module (not part of the test suite)::

    .venv/bin/python bench/bench_repeat.py build/sample_face.blend ../shared/real_rigs/*/*.{glb,fbx,blend}

Each rig file is read once (``load_snapshots``); then, per run, its first mesh is audited with an empty
store (``kept.forget_all``: what a fresh process pays) and again ``--repeat`` times with the
store filled (what a re-audit after a structural change, a ``fix`` round, a ``diff`` of two deliveries or a
batch of one character's variants pays). CPU seconds of ``audit_rig``, one BLAS thread; the figure is the
median over ``--runs`` runs of each run's median.
"""

import argparse
import dataclasses
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def _audit_cpu(snapshot, rulebook):
    from facs_audit_addon.core import audit_rig
    copy = dataclasses.replace(snapshot, deltas=snapshot.deltas.copy())
    start = time.process_time()
    audit_rig(copy, rulebook)
    return time.process_time() - start


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)

    from facs_audit_addon.blender.load import load_snapshots
    from facs_audit_addon.core import load_rulebook
    from facs_audit_addon.core.kept import forget_all

    rulebook = load_rulebook()
    snapshots = {Path(path).name: load_snapshots(path)[0] for path in args.files}
    print(f"{'rig':40s} {'first (ms)':>11s} {'again (ms)':>11s}")
    for name, snapshot in snapshots.items():
        first, again = [], []
        for _ in range(args.runs):
            forget_all()
            first.append(_audit_cpu(snapshot, rulebook))
            again.append(statistics.median(_audit_cpu(snapshot, rulebook) for _ in range(args.repeat)))
        print(f"{name[:40]:40s} {1000 * statistics.median(first):11.0f} {1000 * statistics.median(again):11.0f}")


if __name__ == "__main__":
    main()
