"""Does each process setting of ``facs_audit_addon/process.py`` still pay? Interleaved A/B batches.

Run with the bpy module (not part of the test suite)::

    .venv/bin/python bench/bench_process.py                 # 10 rigs of 30k x 300, 3 rounds
    .venv/bin/python bench/bench_process.py --rigs 20 --rounds 5

The batch of ``bench_audit.py --batch`` (the same rig hard-linked N times, one command) is run with
``--jobs 1`` and ``--jobs 2`` under each variant, variants interleaved round by round:

- ``all``: the CLI as shipped;
- ``huge-pages``: without ``steady_memory`` (numpy asks for transparent huge pages as by default);
- ``blas-threads``: without ``limit_math_threads`` (this process keeps numpy's OpenBLAS thread pool;
  workers still get ``OPENBLAS_NUM_THREADS=1`` from ``single_threaded_math``).

(Until commit 9128344 a ``no-mallopt`` variant measured glibc's ``mallopt``, since removed: see
docs/performance.md.) Reports medians of wall-clock and CPU seconds (user + system of every process of the command) per
variant and job count, and whether each variant's reports are byte-identical to ``all``'s.
"""

import argparse
import os
import shutil
import statistics
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(BENCH.parent))

VARIANTS = ("all", "huge-pages", "blas-threads")

#: run by each measured process: the CLI with one setting switched off
RUN = """
import sys
from facs_audit_addon import batch, process
variant = sys.argv[1]
if variant == "huge-pages":
    batch.steady_memory = lambda: None
elif variant == "blas-threads":
    batch.limit_math_threads = lambda: None
from facs_audit_addon.cli import main
process.exit_now(main(sys.argv[2:]))
"""


def main(argv=None):
    from bench_audit import PYTHON, _timed, ensure_rig
    from rigs import parse_size

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="30kx300")
    parser.add_argument("--rigs", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--build", default=str(BENCH.parent / "build" / "bench"))
    parser.add_argument("--variants", default=",".join(VARIANTS), help="comma-separated, 'all' always included")
    args = parser.parse_args(argv)
    variants = ["all"] + [v for v in args.variants.split(",") if v in VARIANTS and v != "all"]
    build = Path(args.build)
    path = ensure_rig(build, *parse_size(args.size))
    folder = build / "process_batch"
    folder.mkdir(parents=True, exist_ok=True)
    files = []
    for i in range(args.rigs):
        link = folder / f"rig_{i:02d}.blend"
        if not link.exists():
            try:
                os.link(path, link)
            except OSError:
                shutil.copyfile(path, link)
        files.append(str(link))
    times = {(v, j): [] for v in variants for j in (1, 2)}
    cpu = {(v, j): [] for v in variants for j in (1, 2)}
    reports = {}
    for round_ in range(args.rounds):
        for jobs in (1, 2):
            for variant in variants:
                out = folder / f"report_{variant}_{jobs}.json"
                command = [PYTHON, "-c", RUN, variant, "audit", *files, "--format", "json", "--jobs", str(jobs)]
                with open(out, "w") as handle:
                    times[variant, jobs].append(_timed(command, stdout=handle, cpu=cpu[variant, jobs]))
                reports[variant, jobs] = out.read_bytes()
        print(f"round {round_ + 1}/{args.rounds} done", file=sys.stderr)
    print(f"{args.rigs} rigs of {args.size}, medians of {args.rounds} interleaved rounds")
    print(f"{'variant':<14} {'jobs':>4} {'wall s':>8} {'vs all':>7} {'cpu s':>8} {'vs all':>7}  runs (wall / cpu)")
    for jobs in (1, 2):
        base_wall = statistics.median(times["all", jobs])
        base_cpu = statistics.median(cpu["all", jobs])
        for variant in variants:
            wall, used = statistics.median(times[variant, jobs]), statistics.median(cpu[variant, jobs])
            same = reports[variant, jobs] == reports["all", 1]
            print(f"{variant:<14} {jobs:>4} {wall:8.2f} {wall / base_wall - 1:+7.1%} {used:8.2f} "
                  f"{used / base_cpu - 1:+7.1%}  {', '.join(f'{t:.2f}' for t in times[variant, jobs])} / cpu "
                  f"{', '.join(f'{t:.2f}' for t in cpu[variant, jobs])}"
                  f"{'' if same else '  REPORT DIFFERS'}")


if __name__ == "__main__":
    main()
