"""Audit a list of rig files: one after the other in this process, or N at a time (``--jobs N``).

With N jobs this process audits too, beside N-1 worker processes, all taking the next file from one
queue as they finish, so a batch ends when the last file does, not when one job's share does. Each
worker is a fresh interpreter ("spawn": nothing inherited) that imports bpy once and gets the
rulebook already read. Every job yields ``(index, outcome)``: the file's RigReports, or the message
of its input error (str).
"""

import atexit
import contextlib
import ctypes
import os
import queue
import shutil
import sys
import threading
from collections import deque
from dataclasses import dataclass

from .core import AuditError, audit_rig
from .core.scratch import Scratch
from .stdio import flush_all, stdout_redirected


@dataclass(frozen=True)
class Job:
    """What auditing one file needs besides its path."""

    rulebook: object
    profile: str = None
    convention: str = None
    object_name: str = None

    def audit(self, path):
        """Load and audit one file: a list of RigReports, or the input error's message (str)."""
        from .blender.load import load_snapshots  # bpy is imported only when rigs are loaded

        scratch = _SCRATCH
        try:
            return [audit_rig(snapshot, self.rulebook, profile=self.profile, convention=self.convention, file=path,
                              scratch=scratch.slot(i))
                    for i, snapshot in enumerate(load_snapshots(path, self.object_name, scratch=scratch))]
        except AuditError as error:
            return str(error).removeprefix(f"{path}: ")


def audit_here(files, job):
    """Yield ``(index, outcome)`` for each file, audited in order in this process."""
    steady_memory()
    if len(files) > 1:
        # measured on 20 rigs of 30k x 300: the same time with one BLAS thread, 40 % less CPU
        limit_math_threads()
    with stdout_redirected():
        for index, path in enumerate(files):
            yield index, job.audit(path)


def audit_in_jobs(files, job, jobs):
    """Yield ``(index, outcome)`` as files finish (completion order), ``jobs`` at a time."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    # Biggest files first: the batch ends with small ones, so no job is left alone with a big rig
    # while the others have nothing to do. The report keeps the input order all the same.
    todo = deque(sorted(range(len(files)), key=lambda index: -_size(files[index])))
    done = queue.SimpleQueue()

    def feed(future, index):
        """Keep one worker busy, one file at a time (a thread per worker; the work is in the worker)."""
        while True:
            try:
                done.put((index, future.result()))
            except BrokenProcessPool:
                done.put((index, RuntimeError(f"a worker process stopped while auditing {files[index]} "
                                              "(Blender crashed or ran out of memory)")))
                return
            except BaseException as error:  # noqa: BLE001  (re-raised by the consuming thread)
                done.put((index, error))
                return
            try:
                index = todo.popleft()
                future = executor.submit(_worker_audit, files[index])
            except (IndexError, RuntimeError):  # nothing left, or the batch stopped (shut down)
                return

    # Workers start in these first submits, before this process imports bpy (which adds Blender's
    # script folders to sys.path, and a spawned child inherits sys.path), and inherit the environment.
    with single_threaded_math():
        executor = ProcessPoolExecutor(max_workers=jobs - 1, mp_context=multiprocessing.get_context("spawn"),
                                       initializer=_worker_start, initargs=(job, _blender_paths()))
        first = [(executor.submit(_worker_audit, files[index]), index)
                 for index in [todo.popleft() for _ in range(jobs - 1)]]
    for future, index in first:
        threading.Thread(target=feed, args=(future, index), daemon=True).start()
    limit_math_threads()  # this process's numpy was loaded before: its BLAS pool would take a worker's core
    steady_memory()
    try:
        for _ in range(len(files)):
            while todo and done.empty():
                try:
                    index = todo.popleft()
                except IndexError:
                    break
                with stdout_redirected():
                    done.put((index, job.audit(files[index])))
            index, outcome = done.get()
            if isinstance(outcome, BaseException):
                raise outcome
            yield index, outcome
    finally:
        todo.clear()
        executor.shutdown(wait=True, cancel_futures=True)


def _size(path):
    try:
        return os.path.getsize(path)
    except OSError:  # a missing file: its job reports it
        return 0


#: set in each worker process by _worker_start
_JOB = None

#: this process's memory for one rig after another (see core/scratch.py)
_SCRATCH = Scratch()


def _worker_start(job, blender_paths):
    global _JOB
    # Blender's script folders on sys.path (from a parent that had imported bpy) hide the bpy module
    sys.path[:] = [path for path in sys.path if path not in blender_paths]
    flush_all()
    os.dup2(2, 1)  # this process never writes a report: Blender's C-level log goes to stderr
    steady_memory()
    atexit.register(exit_now, 0)  # registered last, so run first at exit
    from .blender import load  # noqa: F401  (import bpy once, before the first file)

    _JOB = job


def _worker_audit(path):
    return _JOB.audit(path)


def _blender_paths():
    """sys.path entries inside Blender's script folders, if bpy is loaded (it puts them there)."""
    utils = getattr(sys.modules.get("bpy"), "utils", None)
    if utils is None:
        return []
    roots = tuple(os.path.join(os.path.normpath(root), "") for root in utils.script_paths())
    return [path for path in sys.path if os.path.normpath(path).startswith(roots)]


# -- process settings -------------------------------------------------------------------------------

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
    names numpy's builds give it; does nothing where none is found.
    """
    if "OPENBLAS_NUM_THREADS" in os.environ:
        return
    for path in _loaded_libraries("openblas"):
        try:
            library = ctypes.CDLL(path)
        except OSError:
            continue
        for name in ("openblas_set_num_threads64_", "scipy_openblas_set_num_threads64_",
                     "openblas_set_num_threads"):
            setter = getattr(library, name, None)
            if setter is not None:
                setter(1)
                break


def _loaded_libraries(word):
    try:
        with open("/proc/self/maps", encoding="utf-8", errors="replace") as maps:
            paths = {line.split()[-1] for line in maps if word in line and "/" in line}
    except OSError:  # not Linux
        return []
    return sorted(paths)


#: glibc mallopt parameters
_M_TRIM_THRESHOLD, _M_MMAP_MAX = -1, -4


def steady_memory():
    """No huge pages for numpy, and freed memory kept for the next rig (glibc only).

    A batch opens rig after rig, each a few hundred MB of arrays of the same sizes. By default glibc
    maps every big array afresh and unmaps it when freed, and numpy asks for huge pages, so each rig
    faults in (and the kernel zeroes, and compacts for) its memory again; two jobs at once contend
    for that in the kernel (measured: the first rigs of a worker took 0.6-0.7 s instead of 0.35 s).
    A single rig gains steadiness: the huge-page compaction stalls now and then (whole process on
    30k x 300, 8 runs: 0.86-1.13 s with huge pages, 0.89-0.94 s without).
    """
    import numpy as np
    multiarray = getattr(getattr(np, "_core", None), "multiarray", None) or np.core.multiarray
    if hasattr(multiarray, "_set_madvise_hugepage"):
        multiarray._set_madvise_hugepage(False)
    try:
        libc = ctypes.CDLL(None)
        libc.mallopt(_M_MMAP_MAX, 0)
        libc.mallopt(_M_TRIM_THRESHOLD, 2 ** 31 - 1)
    except (OSError, AttributeError):  # not glibc: its defaults stay
        pass
