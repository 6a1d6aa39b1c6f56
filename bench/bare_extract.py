"""The floor a whole-process audit is compared with: open a .blend with bpy, pull every shape key into numpy.

Usage: python bench/bare_extract.py RIG.blend [RIG.blend ...]

Nothing else: no checks, no report. It uses Blender's fastest bulk read (``ShapeKey.points``
``foreach_get`` into float32) and prints the number of coordinates read to stderr.
"""

import sys

import bpy
import numpy as np

total = 0
for path in sys.argv[1:]:
    bpy.ops.wm.open_mainfile(filepath=path, load_ui=False, use_scripts=False)
    for obj in bpy.data.objects:
        if obj.type != 'MESH' or obj.data.shape_keys is None:
            continue
        blocks = obj.data.shape_keys.key_blocks
        coords = np.empty((len(blocks), 3 * len(obj.data.vertices)), dtype=np.float32)
        for i, block in enumerate(blocks):
            block.points.foreach_get("co", coords[i])
        total += coords.size
print(f"read {total} coordinates", file=sys.stderr)
