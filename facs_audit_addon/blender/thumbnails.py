"""Workbench pictures of flagged shapes for the HTML report: the face at 1.0 and the neutral face.

Pictures are made from the audit's own view of the rig, not from the file's scene: a fresh scene
holds one mesh built from the snapshot's basis (world orientation) and the file's polygons, turned
into the face frame (front view, character's left on the picture's right) and cropped to a square
around the moving vertices, so bodies, hair and other objects never hide or shrink the face. For
each shape the same mesh takes the basis plus the shape's deltas, coloured as a heat map of how far
each vertex moves, with the vertices the findings point at (``Finding.vertices``) in blue.

Workbench renders in software here, so the cost follows the pixels and the polygons in view: at
192x192, measured 0.13 s a picture on Rocketbox (3.7k vertices), 0.22 s on MPFB (19k), 0.8-0.9 s on
the sample face (23k) and ICT (29k), plus 2-4 s for a process's first render; 256x256 took ~1.5x
as long. Only the shapes named by findings are pictured, once each, plus one neutral per rig.
"""

import math
import struct
import os
import shutil
import tempfile

import numpy as np

import bpy

from ..core.geometry import runs

#: picture side in pixels (the page shows them at 192 px; 256 costs ~1.5x the time)
SIZE = 192
#: most shapes pictured per rig (in report order): a rig with hundreds of flagged shapes stays quick
MAX_SHAPES = 40
#: margin around the box of moving vertices, as a share of its larger side
MARGIN = 0.15
#: vertex colours (linear RGBA): skin, most motion, offending vertices
SKIN = (0.72, 0.72, 0.72, 1.0)
HOT = (0.95, 0.12, 0.05, 1.0)
MARKED = (0.05, 0.3, 1.0, 1.0)


def render_shapes(obj, snapshot, frame, marked, size=SIZE):
    """PNG bytes of the neutral face and of each shape in ``marked``.

    obj : bpy.types.Object
        The mesh the snapshot was read from (its polygons are used).
    snapshot : core.RigSnapshot
    frame : core.frame.Frame
        The face frame of the snapshot (axes, box of moving vertices).
    marked : dict
        Shape name -> offending vertex indices (may be empty) for each shape to picture.

    Returns
    -------
    (neutral, pictures) : bytes, dict of shape name -> bytes
    """
    local = frame.local(snapshot.basis)
    side = (1 + 2 * MARGIN) * float(max(frame.high[0] - frame.low[0], frame.high[1] - frame.low[1], 1e-9))
    middle = (frame.low + frame.high) / 2
    keep, polygons = _cropped_polygons(obj.data, local, middle, side)
    folder = tempfile.mkdtemp(prefix="facs_thumbs_")
    made = ()
    try:
        made = _stage(keep, polygons, local, middle, side, size)
        scene, mesh = made[0], made[1].data

        def picture(name, positions, colors):
            _pose(mesh, positions[keep], colors)
            scene.render.filepath = os.path.join(folder, f"{len(os.listdir(folder))}.png")
            bpy.ops.render.render(write_still=True, scene=scene.name)
            with open(scene.render.filepath, "rb") as handle:
                return bare_png(handle.read())

        skin = np.tile(np.float32(SKIN), (len(keep), 1))
        neutral = picture("", local, skin)
        pictures = {}
        for name, vertices in marked.items():
            delta = frame.local_vectors(snapshot.deltas[snapshot.index(name)])
            if not np.isfinite(delta).all():  # a broken shape: its finding says so, no picture
                continue
            pictures[name] = picture(name, local + delta, _heat(delta[keep], _marked(keep, polygons, vertices)))
        return neutral, pictures
    finally:
        _remove(*made)
        shutil.rmtree(folder, ignore_errors=True)


def _cropped_polygons(mesh, local, middle, side):
    """Vertices kept (indices) and (starts, sizes, loop vertices remapped) of the polygons inside the square."""
    count, loops_n = len(mesh.polygons), len(mesh.loops)
    starts = np.empty(count, dtype=np.int32)
    sizes = np.empty(count, dtype=np.int32)
    loop_vertices = np.empty(loops_n, dtype=np.int32)
    mesh.polygons.foreach_get("loop_start", starts)
    mesh.polygons.foreach_get("loop_total", sizes)
    mesh.loops.foreach_get("vertex_index", loop_vertices)
    inside = np.all(np.abs(local[:, :2] - middle[:2]) <= side / 2, axis=1)
    if count:
        # a polygon stays when every corner is inside
        order = np.argsort(starts)
        starts, sizes = starts[order], sizes[order]
        whole = np.minimum.reduceat(inside[loop_vertices].astype(np.int8), starts) > 0
        starts, sizes = starts[whole], sizes[whole]
    taken = runs(starts, sizes)
    kept_vertices = np.unique(loop_vertices[taken])
    remap = np.full(len(local), -1, dtype=np.int32)
    remap[kept_vertices] = np.arange(len(kept_vertices), dtype=np.int32)
    new_starts = (np.cumsum(sizes) - sizes).astype(np.int32)
    return kept_vertices, (new_starts, sizes, remap[loop_vertices[taken]])


def _stage(keep, polygons, local, middle, side, size):
    """A scene with the cropped face mesh and an orthographic front camera framing the square."""
    starts, sizes, loops = polygons
    scene = bpy.data.scenes.new("facs_audit_thumbnails")
    scene.render.engine = 'BLENDER_WORKBENCH'
    scene.render.resolution_x = scene.render.resolution_y = size
    scene.render.resolution_percentage = 100
    scene.render.film_transparent = True
    scene.render.image_settings.file_format = 'PNG'
    scene.render.image_settings.color_mode = 'RGBA'
    # Blender's default; 100 made the Rocketbox page 20 % smaller (2.6 -> 2.1 MB) but took 9.4 -> 16.9 s
    scene.render.image_settings.compression = 15
    scene.view_settings.view_transform = 'Standard'
    scene.display.shading.light = 'STUDIO'
    scene.display.shading.color_type = 'VERTEX'
    mesh = bpy.data.meshes.new("facs_audit_thumbnail")
    mesh.vertices.add(len(keep))
    mesh.loops.add(len(loops))
    mesh.loops.foreach_set("vertex_index", loops)
    mesh.polygons.add(len(starts))
    mesh.polygons.foreach_set("loop_start", starts)
    mesh.polygons.foreach_set("loop_total", sizes)
    colors = mesh.color_attributes.new("facs_audit_heat", 'FLOAT_COLOR', 'POINT')
    mesh.color_attributes.active_color = colors
    _pose(mesh, local[keep], np.tile(np.float32(SKIN), (len(keep), 1)))
    mesh.validate(verbose=False)
    obj = bpy.data.objects.new("facs_audit_thumbnail", mesh)
    scene.collection.objects.link(obj)
    depth = local[keep, 2] if len(keep) else np.zeros(1, dtype=np.float32)
    lens = bpy.data.cameras.new("facs_audit_thumbnail")
    lens.type = 'ORTHO'
    lens.ortho_scale = side
    lens.clip_start = side / 1000
    lens.clip_end = float(depth.max() - depth.min()) + 4 * side
    camera = bpy.data.objects.new("facs_audit_thumbnail", lens)
    # face frame (lateral, up, forward) -> Blender front view (x, -y, z): the camera looks along +Y
    camera.location = (float(middle[0]), -float(depth.max()) - 2 * side, float(middle[1]))
    camera.rotation_euler = (math.pi / 2, 0.0, 0.0)
    scene.collection.objects.link(camera)
    scene.camera = camera
    return scene, obj, camera


def _pose(mesh, local_positions, colors):
    """Place the thumbnail mesh at ``local_positions`` (face frame) with per-vertex ``colors``."""
    world = np.empty_like(local_positions, dtype=np.float32)
    world[:, 0], world[:, 1], world[:, 2] = local_positions[:, 0], -local_positions[:, 2], local_positions[:, 1]
    mesh.vertices.foreach_set("co", world.ravel())
    mesh.color_attributes["facs_audit_heat"].data.foreach_set("color", np.asarray(colors, np.float32).ravel())
    mesh.update()


def _marked(keep, polygons, vertices):
    """(len(keep),) bool: offending vertices and the corners of polygons around them (visible when dense)."""
    starts, sizes, remapped = polygons
    hit = np.zeros(len(keep), dtype=bool)
    wanted = np.asarray(vertices, dtype=np.int64)
    at = np.searchsorted(keep, wanted)
    found = at < len(keep)
    found[found] = keep[at[found]] == wanted[found]
    hit[at[found]] = True
    if len(starts) and hit.any():
        touched = np.maximum.reduceat(hit[remapped].astype(np.int8), starts) > 0
        hit[remapped[np.repeat(touched, sizes)]] = True
    return hit


def _heat(delta, marked):
    """(m, 4) colours: skin to hot by motion (share of the largest, square root so small motion shows)."""
    motion = np.linalg.norm(delta, axis=1)
    top = float(motion.max()) if len(motion) else 0.0
    share = np.sqrt(motion / top) if top > 0 else np.zeros_like(motion)
    colors = np.float32(SKIN) + share[:, None] * (np.float32(HOT) - np.float32(SKIN))
    colors[marked] = MARKED
    return colors.astype(np.float32)


def _remove(scene=None, *objects):
    """Delete what _stage made (the rig's own data is left as it was)."""
    for obj in objects:
        data = obj.data
        bpy.data.objects.remove(obj)
        (bpy.data.meshes if isinstance(data, bpy.types.Mesh) else bpy.data.cameras).remove(data)
    if scene is not None:
        bpy.data.scenes.remove(scene)


#: PNG chunks kept: the picture itself. Blender also writes the render date and time, which would make
#: two reports of the same rig differ.
_PNG_KEEP = (b"IHDR", b"PLTE", b"tRNS", b"IDAT", b"IEND")


def bare_png(data):
    """``data`` (a PNG file) without its metadata chunks."""
    out, at = [data[:8]], 8
    while at + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[at:at + 8])
        if kind in _PNG_KEEP:
            out.append(data[at:at + 12 + length])
        at += 12 + length
    return b"".join(out)
