"""Where a whole ``audit`` process spends its time: the CLI's steps replayed with timestamps.

Usage: python bench/cli_timeline.py RIG.blend

Prints one JSON object on stderr: seconds from interpreter start (as far as Python can tell) to
each step, and each step's own time. Same order as ``facs_audit_addon.cli._audit``: import the CLI
(numpy + the core), read the rule files, import bpy, open the file (``read_homefile`` +
``open_mainfile``), extract (``snapshot_from_object``), audit (every check), write the JSON report.
"""

import json
import os
import sys
import time

START = time.perf_counter()
steps = []


def mark(label):
    now = time.perf_counter()
    steps.append((label, now))


sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
path = sys.argv[1]
os.dup2(2, 1)  # Blender's log off stdout, as the CLI does

from facs_audit_addon import cli  # noqa: E402,F401
from facs_audit_addon.core import audit_rig, load_rulebook  # noqa: E402
from facs_audit_addon.core.report import to_json  # noqa: E402

mark("import cli + core + numpy")
rulebook = load_rulebook()
mark("read rule files")
import bpy  # noqa: E402

mark("import bpy")
from facs_audit_addon.blender import load  # noqa: E402
from facs_audit_addon.blender.extract import snapshot_from_object  # noqa: E402

load._open(__import__("pathlib").Path(path), ".blend")
mark("open file (read_homefile + open_mainfile)")
objects = [o for o in bpy.data.objects if o.type == 'MESH' and o.data.shape_keys is not None]
prefix = rulebook.regions.override_prefix if rulebook.regions else None  # as the CLI reads region groups
snapshots = [snapshot_from_object(o, source=path, region_prefix=prefix) for o in objects]
mark("extract (snapshot_from_object)")
reports = [audit_rig(s, rulebook, file=path) for s in snapshots]
mark("checks (audit_rig)")
text = to_json(reports)
mark("report (to_json)")

out, previous = {}, START
for label, now in steps:
    out[label] = round(now - previous, 4)
    previous = now
out["total since Python started running this script"] = round(previous - START, 4)
sys.stderr.write(json.dumps(out) + "\n")
