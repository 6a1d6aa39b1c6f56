"""How fast shape-key names are read, and what a rig of correctives costs a whole audit process.

Run with the bpy module (not part of the test suite)::

    .venv/bin/python bench/bench_names.py                 # names in process + whole process
    .venv/bin/python bench/bench_names.py --no-process    # names only (pure core, no bpy)

(a) Names, in this process: ``read_sets`` (group by set prefix, detect each set's convention, read
    every name, read the rest as combinations) on 1,000 names: the 300 of the corrective rig below
    (52 ARKit shapes named ICT-style, ``mouthSmile_L``, and 248 correctives named like
    ``mouthSmile_L_eyeBlink_L_combo240``) and 700 more correctives over the same parents. Each run
    starts from a freshly compiled name reader (what a new process has), so nothing is cached from the
    run before. Wall and CPU seconds, median and best of ``--repeat`` runs.
(b) Whole process on the corrective rig (26.7k vertices x 300 keys, ``bench/rigs.py --correctives``,
    built under ``build/bench/``): ``python -m facs_audit_addon audit RIG --format json`` against
    ``bench/bare_extract.py``, interleaved, as ``bench_audit.py`` measures the sample rig.
"""

import argparse
import itertools
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH = Path(__file__).resolve().parent
for entry in (str(ROOT), str(BENCH)):
    if entry not in sys.path:
        sys.path.insert(0, entry)

from rigs import corrective_rig_names  # noqa: E402

SIZE = "26.7kx300"


def thousand_names():
    """The corrective rig's 300 names and 700 more correctives over its 52 ARKit parents."""
    rig = [name for name, _, _ in corrective_rig_names(300)]
    base = rig[:52]
    more = (f"{a}_{b}_combo{1000 + i}" for i, (a, b) in enumerate(itertools.combinations(base, 2)))
    return (rig + [name for name in more if name not in rig])[:1000]


def time_names(names, repeat):
    from facs_audit_addon.core import load_rulebook
    from facs_audit_addon.core.engine import read_sets
    from facs_audit_addon.core.names import NameReader

    rulebook = load_rulebook()
    walls, cpus = [], []
    for _ in range(repeat):
        object.__setattr__(rulebook, "reader", NameReader(rulebook.catalog, rulebook.conventions, rulebook.naming))
        wall, cpu = time.perf_counter(), time.process_time()
        sets = read_sets(names, rulebook)
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    read = sum(len(s.parsed) + len(s.combinations) for s in sets)
    return {"names": len(names), "read": read, "wall_median": statistics.median(walls), "wall_best": min(walls),
            "cpu_median": statistics.median(cpus), "cpu_best": min(cpus)}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=21, help="runs of the name reading (median, best)")
    parser.add_argument("--no-process", action="store_true", help="skip the whole-process comparison")
    parser.add_argument("--process-repeat", type=int, default=7)
    parser.add_argument("--build", default=str(ROOT / "build" / "bench"))
    parser.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    args = parser.parse_args(argv)

    figures = {"names": time_names(thousand_names(), args.repeat)}
    n = figures["names"]
    print(f"read_sets, {n['names']} names ({n['read']} read): median {n['wall_median'] * 1e3:.1f} ms wall "
          f"({n['cpu_median'] * 1e3:.1f} ms CPU), best {n['wall_best'] * 1e3:.1f} ms wall "
          f"({n['cpu_best'] * 1e3:.1f} ms CPU)")
    if not args.no_process:
        from bench_audit import whole_process
        from rigs import parse_size

        vertices, keys = parse_size(SIZE)
        path = Path(args.build) / f"correctives_{vertices}x{keys}.blend"
        if not path.is_file():
            import subprocess
            done = subprocess.run([sys.executable, str(BENCH / "rigs.py"), str(path), SIZE, "--correctives"],
                                  cwd=ROOT, capture_output=True, text=True)
            if done.returncode != 0:
                raise SystemExit(f"building {path} failed:\n{done.stderr[-3000:]}")
        figures["process"] = p = whole_process(path, args.process_repeat)
        print(f"whole process on {path.name}: audit {p['audit_seconds']:.2f} s, bare load+extract "
              f"{p['bare_seconds']:.2f} s, ratio {p['ratio']:.2f} (best runs {min(p['audit_runs']):.2f} s vs "
              f"{min(p['bare_runs']):.2f} s: {min(p['audit_runs']) / min(p['bare_runs']):.2f}; CPU ratio "
              f"{p['cpu_ratio']:.2f}; other processes kept {statistics.median(p['other_processes_cores'] or [0]):.2f} "
              "cores busy)")
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
