"""How fast facs-audit audits a film-density face, against how fast Blender hands over its data.

Run with the bpy module (not part of the test suite)::

    .venv/bin/python bench/bench_audit.py                      # sizes + whole process + profile
    .venv/bin/python bench/bench_audit.py --batch              # ... plus --jobs 1 vs 2 on 20 rigs
    .venv/bin/python bench/bench_audit.py --sizes 30kx300 --json build/bench/figures.json

For every size (vertices x shape keys) a rig is built from the sample face (see ``bench/rigs.py``)
and saved under ``build/bench/``; then a fresh process per size opens it and measures, in that one
process:

(a) raw extraction: every key block's coordinates into one float32 numpy buffer with
    ``ShapeKey.points.foreach_get("co", ...)``, Blender's fastest bulk read (buffer allocation included);
(b) the full audit: ``snapshot_from_object`` (the audit's own extraction) + ``audit_rig`` (every check)
    + ``to_json`` (the report), with the split between the three;
(c) b / a;
(d) peak memory of one audit: tracemalloc's peak (every numpy array and Python object the audit
    allocates; Blender's own C allocations are not traced) against the deltas as float32 (k x n x 3 x 4
    bytes), and the growth of the process's peak RSS (ru_maxrss) over that first audit;
(e) on the smallest size only: a naive per-vertex Python audit (``bench/naive.py``).

The file load itself (``open_mainfile``) is timed separately and not part of (a) or (b). Times are
medians over ``--repeat`` interleaved runs (the minimum is recorded too); "1st" is the first audit
in the fresh process, right after the file load, which is what a one-rig CLI run pays (first touch
of every freshly allocated page; numpy asks for transparent huge pages, and the kernel sometimes
stalls on them the first time).

Whole process: ``python -m facs_audit_addon audit RIG --format json`` against ``bench/bare_extract.py``
(import bpy, open the .blend, pull every key into numpy), both complete processes, interleaved runs;
then ``bench/cli_timeline.py`` replays the CLI's steps with timestamps (median of 3 processes).

Batch (``--batch``): the same rig hard-linked 20 times, audited by one command with ``--jobs 1`` and
with ``--jobs 2``; the reports must be byte-identical.
"""

import argparse
import compileall
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH = Path(__file__).resolve().parent
for entry in (str(ROOT), str(BENCH)):
    if entry not in sys.path:
        sys.path.insert(0, entry)

from rigs import parse_size, size_label  # noqa: E402

DEFAULT_SIZES = "10kx100,30kx300,100kx150"
PYTHON = sys.executable


# -- in the measuring process --------------------------------------------------------------------

def _median(values):
    return statistics.median(values)


def _raw_extract(obj):
    import numpy as np

    blocks = obj.data.shape_keys.key_blocks
    coords = np.empty((len(blocks), 3 * len(obj.data.vertices)), dtype=np.float32)
    for i, block in enumerate(blocks):
        block.points.foreach_get("co", coords[i])
    return coords


def _full_audit(obj, rulebook, path):
    """One complete audit of the loaded object; returns (extract, checks, report) seconds and the report."""
    from facs_audit_addon.blender.extract import snapshot_from_object
    from facs_audit_addon.core import audit_rig
    from facs_audit_addon.core.report import to_json

    t0 = time.perf_counter()
    snapshot = snapshot_from_object(obj, source=path)
    t1 = time.perf_counter()
    report = audit_rig(snapshot, rulebook, file=path)
    t2 = time.perf_counter()
    text = to_json([report])
    t3 = time.perf_counter()
    return (t1 - t0, t2 - t1, t3 - t2), report, text


def _profile(obj, rulebook, path, top):
    import cProfile
    import pstats

    profiler = cProfile.Profile()
    profiler.enable()
    _full_audit(obj, rulebook, path)
    profiler.disable()
    stats = pstats.Stats(profiler)
    rows = []
    for (filename, line, function), (_, ncalls, tottime, cumtime, _) in stats.stats.items():
        where = filename
        for prefix in (str(ROOT) + os.sep, os.path.dirname(os.__file__) + os.sep):
            where = where.removeprefix(prefix)
        rows.append({"function": f"{where}:{line}({function})", "calls": ncalls,
                     "tottime": round(tottime, 4), "cumtime": round(cumtime, 4)})
    by_cum = sorted(rows, key=lambda r: -r["cumtime"])[:top]
    by_tot = sorted(rows, key=lambda r: -r["tottime"])[:top]
    return {"total": round(stats.total_tt, 4), "by_cumtime": by_cum, "by_tottime": by_tot}


def breakdown(obj, rulebook, path, memory=False):
    """Seconds per step of one audit: extraction, name reading, each shared measure, each check.

    Replays ``engine.audit_rig`` step by step: the shared measures (``AuditContext``'s cached
    properties) are computed first, in the order they are defined, so each check's time is its own.
    memory=True: under tracemalloc, each step also gets the memory it needs on top of what is held
    before it (``transient_bytes``) and what it keeps (``kept_bytes``); its times are then not used.
    """
    import tracemalloc
    from functools import cached_property

    from facs_audit_addon.blender.extract import snapshot_from_object
    from facs_audit_addon.core.checks import CHECKS
    from facs_audit_addon.core.context import AuditContext
    from facs_audit_addon.core.engine import read_sets

    steps = []

    if memory:
        tracemalloc.start()

    def timed(label, fn):
        held = tracemalloc.get_traced_memory()[0] if memory else 0
        if memory:
            tracemalloc.reset_peak()
        t = time.perf_counter()
        try:
            value = fn()
        except Exception as error:  # a measure another check family has not finished yet
            steps.append({"step": label, "seconds": time.perf_counter() - t, "error": repr(error)[:200]})
            return None
        steps.append({"step": label, "seconds": time.perf_counter() - t})
        if memory:
            now, peak = tracemalloc.get_traced_memory()
            steps[-1].update(transient_bytes=peak - held, kept_bytes=now - held)
        return value

    snapshot = timed("extract: snapshot_from_object", lambda: snapshot_from_object(obj, source=path))
    sets = timed("names: read_sets", lambda: read_sets(snapshot.names, rulebook))
    recognised = [s for s in sets if s.profile is not None]
    main = max(recognised, key=lambda s: len(s.parsed), default=None)
    primary = main.profile if main else rulebook.profile("generic")
    ctx = timed("context: AuditContext()", lambda: AuditContext(snapshot, rulebook, sets, primary))
    for name, member in vars(AuditContext).items():
        if isinstance(member, cached_property):
            timed(f"measure: AuditContext.{name}", lambda name=name: getattr(ctx, name))
    for check in CHECKS:
        timed(f"check: {check.__name__}", lambda check=check: list(check(ctx)))
    if memory:
        tracemalloc.stop()
    return steps


def measure(path, repeat, naive_budget=None, profile_top=0):
    """Everything about one rig file, in this process (see the module docstring)."""
    import tracemalloc

    import bpy
    import numpy as np

    from facs_audit_addon.core import load_rulebook

    rulebook = load_rulebook()
    out = {"file": str(path), "bpy": bpy.app.version_string, "numpy": np.__version__}
    t0 = time.perf_counter()
    bpy.ops.wm.open_mainfile(filepath=str(path), load_ui=False, use_scripts=False)
    out["open_seconds"] = time.perf_counter() - t0
    obj = next(o for o in bpy.data.objects if o.type == 'MESH' and o.data.shape_keys is not None)
    n, k = len(obj.data.vertices), len(obj.data.shape_keys.key_blocks) - 1
    out.update(vertices=n, keys=k, deltas_bytes=k * n * 3 * 4)

    # The first audit in a fresh process with only the file loaded: what one CLI run pays (cold caches,
    # first touch of every fresh page), and the growth of the process's peak RSS (ru_maxrss) it causes.
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    t0 = time.perf_counter()
    first_split, report, _ = _full_audit(obj, rulebook, str(path))
    out["audit_first_seconds"] = time.perf_counter() - t0
    out["audit_first_split"] = first_split
    rss1 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    # (d) tracemalloc's peak over one audit: every numpy array and Python object it allocates
    tracemalloc.start()
    tracemalloc.reset_peak()
    _full_audit(obj, rulebook, str(path))
    traced_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    tracemalloc.start()
    coords = _raw_extract(obj)
    raw_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    del coords
    out.update(audit_traced_peak_bytes=traced_peak, audit_rss_growth_bytes=rss1 - rss0,
               raw_traced_peak_bytes=raw_peak, peak_over_deltas=traced_peak / out["deltas_bytes"],
               findings=len(report.findings))

    # (a) raw extraction and (b) the full audit, interleaved
    raw, full, parts = [], [], []
    for _ in range(repeat):
        t = time.perf_counter()
        coords = _raw_extract(obj)
        raw.append(time.perf_counter() - t)
        del coords
        t = time.perf_counter()
        split, _, _ = _full_audit(obj, rulebook, str(path))
        full.append(time.perf_counter() - t)
        parts.append(split)
    out.update(raw_seconds=_median(raw), raw_min_seconds=min(raw), audit_seconds=_median(full),
               audit_min_seconds=min(full),
               extract_seconds=_median(p[0] for p in parts), checks_seconds=_median(p[1] for p in parts),
               report_seconds=_median(p[2] for p in parts))
    out["ratio"] = out["audit_seconds"] / out["raw_seconds"]
    out["raw_gb_per_s"] = (k + 1) * n * 12 / out["raw_seconds"] / 1e9

    if profile_top:
        out["profile"] = _profile(obj, rulebook, str(path), profile_top)
        runs = [breakdown(obj, rulebook, str(path)) for _ in range(3)]
        out["breakdown"] = [dict(step, seconds=_median(r[i]["seconds"] for r in runs))
                            for i, step in enumerate(runs[0])]
        for step, traced in zip(out["breakdown"], breakdown(obj, rulebook, str(path), memory=True)):
            step.update({key: traced[key] for key in ("transient_bytes", "kept_bytes") if key in traced})
    if naive_budget is not None:
        from naive import naive_audit
        result = naive_audit(obj, rulebook, budget=naive_budget)
        out["naive"] = result
        out["naive_over_audit"] = result["seconds"] / out["audit_seconds"]
    return out


# -- driving processes ---------------------------------------------------------------------------

def machine():
    info = {"cores": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()}
    try:
        text = Path("/proc/cpuinfo").read_text()
        info["cpu"] = next(line.split(":", 1)[1].strip() for line in text.splitlines()
                           if line.startswith("model name"))
        mem = Path("/proc/meminfo").read_text().split()
        info["memory_gb"] = round(int(mem[mem.index("MemTotal:") + 1]) / 1024 / 1024, 1)
    except (OSError, StopIteration, ValueError):
        pass
    import numpy
    info["numpy"] = numpy.__version__
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                              text=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "facs_audit_addon"], cwd=ROOT,
                               capture_output=True, text=True).stdout.strip()
        info["commit"] = head + ("+uncommitted core/adapter changes" if dirty else "")
    except OSError:
        pass
    return info


def rig_path(build, vertices, keys):
    return build / f"rig_{vertices}x{keys}.blend"


def ensure_rig(build, vertices, keys, rebuild=False):
    path = rig_path(build, vertices, keys)
    if rebuild or not path.is_file():
        _log(f"building {size_label(vertices, keys)} -> {path}")
        result = subprocess.run([PYTHON, str(BENCH / "rigs.py"), str(path), f"{vertices}x{keys}"], cwd=ROOT,
                                capture_output=True, text=True)
        if result.returncode != 0:
            raise SystemExit(f"building {path} failed:\n{result.stderr[-3000:]}")
    return path


def run_measure(path, args, naive=False, profile=False):
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as handle:
        out = handle.name
    command = [PYTHON, str(Path(__file__).resolve()), "--_measure", str(path), "--_out", out,
               "--repeat", str(args.repeat)]
    if naive:
        command += ["--_naive", str(args.naive_budget)]
    if profile:
        command += ["--_profile", str(args.profile_top)]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"measuring {path} failed:\n{result.stderr[-3000:]}")
    data = json.loads(Path(out).read_text())
    os.unlink(out)
    return data


def _children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _machine_busy():
    """CPU seconds the whole machine has spent busy (all cores, from /proc/stat); None off Linux."""
    try:
        fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return None
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def _timed(command, stdout=subprocess.DEVNULL, cpu=None, others=None):
    """Wall-clock seconds of a whole process; appends its CPU seconds (user + system) to ``cpu`` and
    the cores other processes on the machine kept busy meanwhile (average) to ``others``."""
    c = _children_cpu()
    busy = _machine_busy()
    t = time.perf_counter()
    result = subprocess.run(command, cwd=ROOT, stdout=stdout, stderr=subprocess.PIPE, text=True)
    elapsed = time.perf_counter() - t
    ours = _children_cpu() - c
    if cpu is not None:
        cpu.append(ours)
    if others is not None and busy is not None:
        others.append(round(max(0.0, (_machine_busy() - busy - ours) / elapsed), 2))
    if result.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(command)} failed ({result.returncode}):\n{result.stderr[-3000:]}")
    return elapsed


def whole_process(path, repeat):
    audit = [PYTHON, "-m", "facs_audit_addon", "audit", str(path), "--format", "json"]
    bare = [PYTHON, str(BENCH / "bare_extract.py"), str(path)]
    _timed(bare)  # warm the page cache and the interpreter's files
    # an installed extension or a first run leaves bytecode behind; where PYTHONDONTWRITEBYTECODE is set
    # (CI images, this project's machine) every run would compile the edited modules again (~60 ms)
    compileall.compile_dir(str(ROOT / "facs_audit_addon"), quiet=1)
    audits, bares, audit_cpu, bare_cpu, others = [], [], [], [], []
    for _ in range(repeat):
        audits.append(_timed(audit, cpu=audit_cpu, others=others))
        bares.append(_timed(bare, cpu=bare_cpu, others=others))
    timelines = []
    for _ in range(3):
        done = subprocess.run([PYTHON, str(BENCH / "cli_timeline.py"), str(path)], cwd=ROOT, capture_output=True,
                              text=True)
        rows = [line for line in done.stderr.splitlines() if line.startswith("{")]
        if done.returncode == 0 and rows:
            timelines.append(json.loads(rows[-1]))
    timeline = {step: _median(t[step] for t in timelines) for step in timelines[0]} if timelines else {}
    return {"file": str(path), "timeline": timeline, "timeline_runs": timelines,
            "audit_seconds": _median(audits), "bare_seconds": _median(bares),
            "audit_runs": audits, "bare_runs": bares, "ratio": _median(audits) / _median(bares),
            "audit_cpu_seconds": _median(audit_cpu), "bare_cpu_seconds": _median(bare_cpu),
            "cpu_ratio": _median(audit_cpu) / _median(bare_cpu), "other_processes_cores": others}


def batch(path, count, repeat, folder):
    folder.mkdir(parents=True, exist_ok=True)
    files = []
    for i in range(count):
        link = folder / f"rig_{i:02d}.blend"
        if link.exists():
            link.unlink()
        try:
            os.link(path, link)
        except OSError:
            shutil.copyfile(path, link)
        files.append(str(link))
    command = [PYTHON, "-m", "facs_audit_addon", "audit", *files, "--format", "json"]
    outputs, times, cpu, others = {}, {1: [], 2: []}, {1: [], 2: []}, {1: [], 2: []}
    for _ in range(repeat):
        for jobs in (1, 2):
            out = folder / f"report_jobs{jobs}.json"
            with open(out, "w") as handle:
                times[jobs].append(_timed(command + ["--jobs", str(jobs)], stdout=handle, cpu=cpu[jobs],
                                          others=others[jobs]))
            outputs[jobs] = out.read_bytes()
    one, two = _median(times[1]), _median(times[2])
    return {"rig": str(path), "rigs": count, "jobs1_seconds": one, "jobs2_seconds": two,
            "jobs1_runs": times[1], "jobs2_runs": times[2], "scaling": one / two,
            # CPU seconds of all the command's processes, and the cores the rest of the machine kept busy
            # during each run: with another process holding a core, two jobs have no second core to use
            "jobs1_cpu_seconds": _median(cpu[1]), "jobs2_cpu_seconds": _median(cpu[2]),
            "other_processes_cores": others, "identical_reports": outputs[1] == outputs[2]}


def _log(message):
    print(f"bench: {message}", file=sys.stderr, flush=True)


def _mb(value):
    return f"{value / 1e6:.0f} MB"


def print_table(figures, stream=sys.stdout):
    lines = ["", f"machine: {figures['machine'].get('cpu', '?')}, {figures['machine']['cores']} cores, "
                 f"Python {figures['machine']['python']}, bpy {figures.get('bpy', '?')}, "
                 f"numpy {figures['machine']['numpy']}, load {figures['loadavg_start']}"]
    header = (f"{'size':>12} {'verts':>7} {'keys':>5} {'open':>7} {'(a) raw':>8} {'(b) audit':>9} {'1st':>6} {'extract':>8} "
              f"{'checks':>7} {'report':>7} {'(c) b/a':>7} {'(d) peak':>9} {'deltas':>7} {'peak/d':>6} "
              f"{'rss+':>7}")
    lines += [header, "-" * len(header)]
    for s in figures["sizes"]:
        lines.append(
            f"{s['label']:>12} {s['vertices']:>7} {s['keys']:>5} {s['open_seconds']:>6.3f}s {s['raw_seconds']:>7.4f}s "
            f"{s['audit_seconds']:>8.3f}s {s['audit_first_seconds']:>5.2f}s {s['extract_seconds']:>7.3f}s "
            f"{s['checks_seconds']:>6.3f}s "
            f"{s['report_seconds']:>6.4f}s {s['ratio']:>7.1f} {_mb(s['audit_traced_peak_bytes']):>9} "
            f"{_mb(s['deltas_bytes']):>7} {s['peak_over_deltas']:>6.2f} {_mb(s['audit_rss_growth_bytes']):>7}")
        if "naive" in s:
            nv = s["naive"]
            lines.append(f"{'':>12} (e) naive per-vertex audit: {nv['seconds']:.2f} s "
                         f"({'extrapolated from ' + str(nv['keys_read']) + ' keys' if nv['extrapolated'] else 'all keys'})"
                         f" = {s['naive_over_audit']:.0f}x the audit")
    if "process" in figures:
        p = figures["process"]
        lines.append(f"whole process on {Path(p['file']).name}: audit {p['audit_seconds']:.2f} s, bare load+extract "
                     f"{p['bare_seconds']:.2f} s, ratio {p['ratio']:.2f} (CPU seconds {p['audit_cpu_seconds']:.2f} vs "
                     f"{p['bare_cpu_seconds']:.2f}, ratio {p['cpu_ratio']:.2f})")
        for step, seconds in p["timeline"].items():
            lines.append(f"  {seconds:>7.3f}  {step}")
        if p["timeline_runs"]:
            lines.append("  extraction in each timeline run: " + ", ".join(
                f"{t['extract (snapshot_from_object)']:.3f}" for t in p["timeline_runs"]))
    if "batch" in figures:
        b = figures["batch"]
        lines.append(f"batch of {b['rigs']} x {Path(b['rig']).name}: --jobs 1 {b['jobs1_seconds']:.2f} s, --jobs 2 "
                     f"{b['jobs2_seconds']:.2f} s, scaling {b['scaling']:.2f}x, identical reports: "
                     f"{b['identical_reports']} (CPU {b['jobs1_cpu_seconds']:.1f} s vs {b['jobs2_cpu_seconds']:.1f} s; "
                     f"cores busy with other processes during the runs: {b['other_processes_cores']})")
    for s in figures["sizes"]:
        if "profile" in s:
            lines.append(f"profile of one audit of {s['label']} (cProfile total {s['profile']['total']:.3f} s), "
                         "top by cumulative time:")
            for row in s["profile"]["by_cumtime"]:
                lines.append(f"  {row['cumtime']:>7.3f} {row['tottime']:>7.3f} {row['calls']:>7}  {row['function']}")
            lines.append("step by step (median of 3): seconds, then memory on top of what the step found held "
                         "(transient peak / kept), in MB")
            for step in s["breakdown"]:
                memory = (f"{step['transient_bytes'] / 1e6:>7.1f} {step['kept_bytes'] / 1e6:>7.1f}"
                          if "transient_bytes" in step else f"{'':>15}")
                lines.append(f"  {step['seconds']:>7.3f} {memory}  {step['step']}"
                             f"{'  ' + step['error'] if 'error' in step else ''}")
    print("\n".join(lines), file=stream)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=DEFAULT_SIZES,
                        help=f"comma-separated vertices x keys (default {DEFAULT_SIZES}); empty for none")
    parser.add_argument("--repeat", type=int, default=5, help="runs per in-process figure (median)")
    parser.add_argument("--json", metavar="FILE", help="also write every figure as JSON ('-' for stdout)")
    parser.add_argument("--build", default=str(ROOT / "build" / "bench"), help="where rigs are written")
    parser.add_argument("--rebuild", action="store_true", help="rebuild the rigs even if present")
    parser.add_argument("--naive-budget", type=float, default=120.0,
                        help="seconds the naive per-vertex audit may run before it extrapolates")
    parser.add_argument("--no-naive", action="store_true")
    parser.add_argument("--process", default="30kx300", help="size for the whole-process comparison ('' for none)")
    parser.add_argument("--process-repeat", type=int, default=5)
    parser.add_argument("--profile", default="30kx300", help="size to profile with cProfile ('' for none)")
    parser.add_argument("--profile-top", type=int, default=25)
    parser.add_argument("--batch", action="store_true", help="measure --jobs 1 vs --jobs 2 on --batch-rigs rigs")
    parser.add_argument("--batch-size", default="30kx300")
    parser.add_argument("--batch-rigs", type=int, default=20)
    parser.add_argument("--batch-repeat", type=int, default=5)
    parser.add_argument("--_measure", help=argparse.SUPPRESS)
    parser.add_argument("--_out", help=argparse.SUPPRESS)
    parser.add_argument("--_naive", type=float, help=argparse.SUPPRESS)
    parser.add_argument("--_profile", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args._measure:  # child: keep Blender's C log off stdout, write figures to --_out
        os.dup2(2, 1)
        data = measure(args._measure, args.repeat, args._naive, args._profile)
        Path(args._out).write_text(json.dumps(data))
        return 0

    build = Path(args.build)
    sizes = [parse_size(s) for s in args.sizes.split(",") if s.strip()]
    process = parse_size(args.process) if args.process else None
    profile = parse_size(args.profile) if args.profile else None
    figures = {"machine": machine(), "loadavg_start": [round(x, 2) for x in os.getloadavg()], "sizes": []}
    smallest = min(sizes, key=lambda s: s[0] * s[1]) if sizes else None
    for vertices, keys in sizes:
        path = ensure_rig(build, vertices, keys, args.rebuild)
        naive = (vertices, keys) == smallest and not args.no_naive
        _log(f"measuring {size_label(vertices, keys)}{' (+ naive baseline)' if naive else ''}"
             f"{' (+ profile)' if (vertices, keys) == profile else ''}")
        data = run_measure(path, args, naive=naive, profile=(vertices, keys) == profile)
        data["label"] = size_label(vertices, keys)
        figures["bpy"] = data["bpy"]
        figures["sizes"].append(data)
    if profile and profile not in sizes:
        path = ensure_rig(build, *profile, args.rebuild)
        _log(f"profiling {size_label(*profile)}")
        data = run_measure(path, args, profile=True)
        data["label"] = size_label(*profile)
        figures["sizes"].append(data)
    if process:
        path = ensure_rig(build, *process, args.rebuild)
        _log(f"whole process on {size_label(*process)}")
        figures["process"] = whole_process(path, args.process_repeat)
    if args.batch:
        size = parse_size(args.batch_size)
        path = ensure_rig(build, *size, args.rebuild)
        _log(f"batch: {args.batch_rigs} x {size_label(*size)}, --jobs 1 vs --jobs 2")
        figures["batch"] = batch(path, args.batch_rigs, args.batch_repeat, build / "batch")
    figures["loadavg_end"] = [round(x, 2) for x in os.getloadavg()]
    print_table(figures, sys.stderr if args.json == "-" else sys.stdout)
    if args.json:
        text = json.dumps(figures, indent=1)
        if args.json == "-":
            print(text)
        else:
            Path(args.json).parent.mkdir(parents=True, exist_ok=True)
            Path(args.json).write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
