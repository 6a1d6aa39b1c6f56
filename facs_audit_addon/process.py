"""Settings of this process for auditing: how it exits, its math threads, its memory.

No bpy and no numpy at import: the CLI and worker start-up use these before either is loaded.
"""

import contextlib
import ctypes
import os
import shutil
import sys

from .stdio import flush_all


def exit_now(code):
    """End this process at once with ``code``, skipping Blender's teardown.

    At exit Blender frees the loaded rig datablock by datablock (~0.08 s for 30k x 300), which an audit
    that only read the file has no use for. Output is flushed and Blender's session temp folder
    removed first, as its own exit would.
    """
    bpy = sys.modules.get("bpy")
    tempdir = getattr(getattr(bpy, "app", None), "tempdir", "")
    if tempdir and os.path.basename(os.path.normpath(tempdir)).startswith("blender_"):
        shutil.rmtree(tempdir, ignore_errors=True)
    flush_all()
    sys.stderr.flush()
    os._exit(code)


#: thread-count variables of the BLAS libraries numpy may use, pinned to 1 in worker processes
MATH_THREADS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


@contextlib.contextmanager
def single_threaded_math():
    """One BLAS thread per worker (unless the user set a count): N jobs already fill N cores, and
    numpy's OpenBLAS threads on top of them only spin (measured: 2 workers on 2 cores, 10 rigs of
    30k x 300: 3.5 s instead of 4.1-5.9 s, a third less system time)."""
    added = [name for name in MATH_THREADS if name not in os.environ]
    for name in added:
        os.environ[name] = "1"
    try:
        yield
    finally:
        for name in added:
            os.environ.pop(name, None)


def limit_math_threads():
    """One OpenBLAS thread from now on in this process (already loaded: the variables come too late).

    Unless the user set OPENBLAS_NUM_THREADS. Looks the library up the way threadpoolctl does, by the
    names numpy's builds give it; does nothing where none is found. Measured with
    bench/bench_process.py (10 rigs of 30k x 300): without it 10 % more CPU time with --jobs 1, 17 %
    with --jobs 2, and 7-10 % more wall-clock time.
    """
    if "OPENBLAS_NUM_THREADS" in os.environ:
        return
    for _, set_threads in _openblas_threads():
        set_threads(1)


@contextlib.contextmanager
def one_math_thread():
    """One OpenBLAS thread inside the block, then the count it had before.

    For the panel's audits, which run inside the user's Blender: other add-ons keep their threads. The
    re-audit's products are small; a second BLAS thread spins beside them (bench_reaudit.py, 30k x 300,
    five interleaved runs: CPU time per re-audit 32-47 ms with one thread, 59-91 ms with two, wall time
    the same within the VM's noise), which a rigger's other work on the machine would pay for.
    """
    calls = () if "OPENBLAS_NUM_THREADS" in os.environ else _openblas_threads()
    before = [get() for get, _ in calls]
    for _, set_threads in calls:
        set_threads(1)
    try:
        yield
    finally:
        for (_, set_threads), count in zip(calls, before):
            set_threads(count)


_THREAD_CALLS = []


def _openblas_threads():
    """[(get, set)] thread-count calls of every loaded OpenBLAS (numpy's and any other); kept once found."""
    if _THREAD_CALLS:
        return _THREAD_CALLS
    for path in _loaded_libraries("openblas"):
        try:
            library = ctypes.CDLL(path)
        except OSError:
            continue
        for name in ("openblas_{}_num_threads64_", "scipy_openblas_{}_num_threads64_", "openblas_{}_num_threads"):
            get, set_threads = getattr(library, name.format("get"), None), getattr(library, name.format("set"), None)
            if get is not None and set_threads is not None:
                _THREAD_CALLS.append((get, set_threads))
                break
    return _THREAD_CALLS


def _loaded_libraries(word):
    try:
        with open("/proc/self/maps", encoding="utf-8", errors="replace") as maps:
            paths = {line.split()[-1] for line in maps if word in line and "/" in line}
    except OSError:  # not Linux
        return []
    return sorted(paths)


def steady_memory():
    """Stop numpy asking the kernel for transparent huge pages on big arrays (a private numpy switch).

    A batch opens rig after rig, each a few hundred MB of arrays; with huge pages the kernel zeroes
    and compacts memory for them, and two jobs at once contend for that. Measured with
    bench/bench_process.py (10 rigs of 30k x 300, --jobs 2, two runs of 3 interleaved rounds): 15 %
    more CPU time with huge pages. (glibc's mallopt to keep freed memory gained under 5 % once the
    scratch memory of core/scratch.py reused each rig's arrays, and was removed.)
    """
    import numpy as np
    multiarray = getattr(getattr(np, "_core", None), "multiarray", None) or np.core.multiarray
    if hasattr(multiarray, "_set_madvise_hugepage"):
        multiarray._set_madvise_hugepage(False)
