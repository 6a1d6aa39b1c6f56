"""Render the sample face in a few expressions into one PNG (Workbench, headless).

Usage::

    python sample_rigs/render_expressions.py [OUT.png] [--size 256]

Default output: ``docs/sample_face.png``. Each tile is the Basis plus one or more shape deltas, shown
from slightly to the character's left so depth reads; tiles are composed with numpy.
"""

import argparse
import math
import sys
import tempfile
from pathlib import Path

import numpy as np

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sample_rigs.face_model import build_face, facs_shapes  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]

# (title, {internal shape id: weight})
EXPRESSIONS = [
    ("neutral", {}),
    ("AU12 smile", {"AU12_L": 1.0, "AU12_R": 1.0, "AU6_L": 0.6, "AU6_R": 0.6}),
    ("AU26 jaw drop", {"AU26": 1.0, "AU25": 0.5}),
    ("AU1+AU2 brows", {"AU1_L": 1.0, "AU1_R": 1.0, "AU2_L": 1.0, "AU2_R": 1.0, "AU5_L": 0.6, "AU5_R": 0.6}),
    ("AU18 pucker", {"AU18": 1.0, "AU17": 0.5}),
    ("AU4+AU46_L", {"AU4_L": 1.0, "AU4_R": 1.0, "AU46_L": 1.0, "AU15_L": 0.5, "AU15_R": 0.5}),
]


def _setup_scene(size):
    import bpy

    bpy.ops.wm.read_factory_settings(use_empty=True)
    scene = bpy.context.scene
    scene.render.engine = "BLENDER_WORKBENCH"
    scene.render.resolution_x = scene.render.resolution_y = size
    scene.render.resolution_percentage = 100
    scene.render.image_settings.file_format = "PNG"
    scene.render.image_settings.color_mode = "RGB"
    scene.view_settings.view_transform = "Standard"   # keep the vertex colours as painted
    shading = scene.display.shading
    shading.light = "STUDIO"
    shading.color_type = "VERTEX"
    shading.show_cavity = True
    shading.cavity_type = "WORLD"
    scene.display.render_aa = "8"
    cam_data = bpy.data.cameras.new("Camera")
    cam_data.type = "ORTHO"
    cam_data.ortho_scale = 0.33
    cam = bpy.data.objects.new("Camera", cam_data)
    scene.collection.objects.link(cam)
    yaw, pitch, dist = math.radians(22), math.radians(6), 1.0
    target = np.array([0.0, 0.0, 0.092])
    eye = target + dist * np.array([math.sin(yaw) * math.cos(pitch), -math.cos(yaw) * math.cos(pitch),
                                    math.sin(pitch)])
    cam.location = eye.tolist()
    cam.rotation_euler = (math.pi / 2 - pitch, 0.0, yaw)
    scene.camera = cam
    return scene


def _colours(face):
    """Per-vertex RGBA: skin, darker brows, red lips, white eyes with a dark iris."""
    v = face.vertices
    ax, z = np.abs(v[:, 0]), v[:, 2]
    col = np.tile(np.array([0.60, 0.34, 0.24, 1.0]), (len(v), 1))
    brow_z = 0.142 + 0.006 * np.sin(np.pi * np.clip((ax - 0.010) / 0.048, 0, 1))
    brow = np.exp(-0.5 * ((z - brow_z) / 0.0035) ** 2) * (ax > 0.012) * (ax < 0.058) * (v[:, 1] < 0)
    col[:, :3] = col[:, :3] * (1 - 0.75 * brow[:, None]) + 0.75 * brow[:, None] * np.array([0.05, 0.03, 0.02])
    lip_width = np.clip(1.0 - (ax / 0.026) ** 2, 0.0, None)
    lips = np.clip(lip_width * 3, 0, 1) * np.exp(-0.5 * ((z - 0.0395) / 0.0055) ** 4) * (v[:, 1] < -0.05)
    col[:, :3] = col[:, :3] * (1 - 0.8 * lips[:, None]) + 0.8 * lips[:, None] * np.array([0.45, 0.09, 0.09])
    hair = np.clip((z - 0.195) / 0.01, 0, 1)
    col[:, :3] = col[:, :3] * (1 - hair[:, None]) + hair[:, None] * np.array([0.04, 0.025, 0.015])
    for side, sign in ((1, 1.0), (2, -1.0)):
        ball = face.eyeball == side
        centre = face.landmarks["eye_L" if side == 1 else "eye_R"]
        d = v[ball] - centre
        front = -d[:, 1] / np.linalg.norm(d, axis=1)
        c = np.tile(np.array([0.95, 0.95, 0.93, 1.0]), (ball.sum(), 1))
        c[front > 0.80, :3] = [0.30, 0.20, 0.12]
        c[front > 0.95, :3] = [0.03, 0.03, 0.03]
        col[ball] = c
    return col.astype(np.float32)


def render_tiles(face, expressions, size=256):
    """Render each (title, weights) and return a list of (size, size, 3) uint8 images."""
    import bpy

    from sample_rigs.build_blend import make_mesh_object

    shapes = facs_shapes(face)
    scene = _setup_scene(size)
    obj = make_mesh_object("Face", face.vertices, face.faces)
    mesh = obj.data
    for poly in mesh.polygons:
        poly.use_smooth = True
    colours = _colours(face)
    attr = mesh.color_attributes.new("Col", "FLOAT_COLOR", "POINT")
    attr.data.foreach_set("color", colours.ravel())
    mesh.color_attributes.active_color = attr
    tiles = []
    with tempfile.TemporaryDirectory() as tmp:
        for i, (_, weights) in enumerate(expressions):
            co = face.vertices.astype(np.float64).copy()
            for key, w in weights.items():
                co += w * shapes[key]
            mesh.vertices.foreach_set("co", co.astype(np.float32).ravel())
            mesh.update()
            path = str(Path(tmp) / f"tile{i}.png")
            scene.render.filepath = path
            bpy.ops.render.render(write_still=True)
            image = bpy.data.images.load(path)
            pixels = np.array(image.pixels[:], dtype=np.float32).reshape(size, size, 4)[::-1, :, :3]
            bpy.data.images.remove(image)
            tiles.append((np.clip(pixels, 0, 1) * 255).astype(np.uint8))
    return tiles


def compose(tiles, columns=3):
    rows = math.ceil(len(tiles) / columns)
    h, w = tiles[0].shape[:2]
    grid = np.full((rows * h, columns * w, 3), 255, dtype=np.uint8)
    for i, tile in enumerate(tiles):
        r, c = divmod(i, columns)
        grid[r * h:(r + 1) * h, c * w:(c + 1) * w] = tile
    return grid


def save_png(array, path):
    """Write an (h, w, 3) uint8 array as a PNG through Blender's image API."""
    import bpy

    h, w = array.shape[:2]
    image = bpy.data.images.new("grid", width=w, height=h, alpha=False)
    rgba = np.ones((h, w, 4), dtype=np.float32)
    rgba[:, :, :3] = array[::-1].astype(np.float32) / 255.0
    image.pixels.foreach_set(rgba.ravel())
    image.filepath_raw = str(path)
    image.file_format = "PNG"
    image.save()
    bpy.data.images.remove(image)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", nargs="?", default=str(ROOT / "docs" / "sample_face.png"))
    parser.add_argument("--size", type=int, default=256)
    args = parser.parse_args(argv)
    face = build_face()
    tiles = render_tiles(face, EXPRESSIONS, args.size)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    save_png(compose(tiles), args.out)
    print(f"wrote {args.out} ({', '.join(t for t, _ in EXPRESSIONS)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
