"""Read the rigs of a list of files for a command that measures each mesh (identify, standards): every
input error is one line on stderr, the other files are still read."""

import contextlib
import sys


def each_rig(paths, object_name, measure):
    """([(path, object name, measure(snapshot)), ...], [(path, message), ...]) over every mesh with shape
    keys in ``paths`` (or only ``object_name``)."""
    from .core import AuditError

    rigs, errors = [], []
    for path in paths:
        try:
            rigs.extend((path, snapshot.name, measure(snapshot)) for snapshot in snapshots(path, object_name))
        except AuditError as error:
            message = str(error).removeprefix(f"{path}: ")
            errors.append((path, message))
            print(f"facs-audit: error: {path}: {message}", file=sys.stderr)
    return rigs, errors


def snapshots(path, object_name=None):
    """The RigSnapshots of one file, with importers' log lines (C and Python) kept off stdout."""
    from .blender.load import load_snapshots  # bpy only when rigs are loaded
    with contextlib.redirect_stdout(sys.stderr):
        return load_snapshots(path, object_name)
