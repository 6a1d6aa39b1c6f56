"""Keep stdout for the report: Blender logs from C straight to file descriptor 1 ("Read blend: ...").

Python's ``sys.stdout`` redirection catches none of it, so the descriptor itself is pointed elsewhere
while Blender works, and restored after. No ``bpy`` here: the CLI uses this before Blender is imported.
"""

import contextlib
import ctypes
import os
import sys


@contextlib.contextmanager
def stdout_redirected(to_stderr=True):
    """Point fd 1 at stderr (or at /dev/null) for the duration of the block."""
    flush_all()
    saved = os.dup(1)
    sink = os.dup(2) if to_stderr else os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(sink, 1)
        yield
    finally:
        flush_all()
        os.dup2(saved, 1)
        os.close(saved)
        os.close(sink)


def flush_all():
    """Flush Python's and C's stdout buffers so nothing written meanwhile lands on the wrong descriptor."""
    sys.stdout.flush()
    try:
        ctypes.CDLL(None).fflush(None)
    except (OSError, AttributeError):  # no C library handle (unusual platforms): Python's flush must do
        pass
