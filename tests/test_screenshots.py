"""The panel drawn in a real Blender window (issue 13, point 8): tools/screenshots.py in Debian's Blender
under Xvfb, checked pixel by pixel. Skipped where ``blender`` or ``Xvfb`` is missing."""

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]

pytestmark = [pytest.mark.slow,  # a Blender binary under Xvfb
              pytest.mark.skipif(not (shutil.which("blender") and shutil.which("Xvfb")),
                                 reason="needs a Blender binary and Xvfb (apt-get install blender xvfb xauth)")]


def _free_display():
    for number in range(140, 200):
        if not Path(f"/tmp/.X{number}-lock").exists() and not Path(f"/tmp/.X11-unix/X{number}").exists():
            return number
    pytest.skip("no free X display number")


@pytest.fixture(scope="module")
def shots(tmp_path_factory):
    out = tmp_path_factory.mktemp("shots")
    home = tmp_path_factory.mktemp("home")
    display = _free_display()
    server = subprocess.Popen(["Xvfb", f":{display}", "-screen", "0", "1600x1000x24", "-nolisten", "tcp"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(1.5)
        env = {**os.environ, "DISPLAY": f":{display}", "HOME": str(home)}
        done = subprocess.run(["blender", "--factory-startup", "--python", str(ROOT / "tools" / "screenshots.py"),
                               "--", "--output", str(out), "--baseline"],
                              capture_output=True, text=True, env=env, timeout=300)
    finally:
        server.terminate()
        server.wait(timeout=10)
    if "No module named 'numpy'" in done.stderr + done.stdout:
        pytest.skip("Blender's Python has no numpy (apt-get install python3-numpy)")
    assert (out / "screenshots.json").is_file(), done.stdout[-2000:] + done.stderr[-2000:]
    return out, json.loads((out / "screenshots.json").read_text())


def pixels(path):
    """(height, width, 3) float RGB of a PNG, bottom row first (as Blender areas count y)."""
    bpy = pytest.importorskip("bpy")
    image = bpy.data.images.load(str(path))
    try:
        width, height = image.size
        data = np.empty(width * height * 4, dtype=np.float32)
        image.pixels.foreach_get(data)
    finally:
        bpy.data.images.remove(image)
    return data.reshape(height, width, 4)[:, :, :3]


def crop(image, rect):
    x, y, width, height = rect
    return image[y:y + height, x:x + width]


def test_screenshots_are_real_and_show_the_panel(shots):
    out, layout = shots
    assert layout["shots"] == ["baseline.png", "panel_select.png", "panel_heat.png", "panel_preview.png"]
    # what the panel said at each shot: the selection framed in the window's 3D view, the heat map, the preview
    assert "framed in the 3D view" in layout["status"]["panel_select"]
    assert "facs_audit_heat" in layout["status"]["panel_heat"]
    assert layout["status"]["panel_preview"].startswith("Previewing AU12_")
    baseline = pixels(out / "baseline.png")
    assert baseline.shape[:2] == (layout["window"][1], layout["window"][0])
    for name in layout["shots"][1:]:
        image = pixels(out / name)
        assert image.shape == baseline.shape
        assert image.std() > 0.05, f"{name} is blank"
        # the Properties editor changed where the panel is drawn: a large share of its pixels differ
        before, after = crop(baseline, layout["properties"]), crop(image, layout["properties"])
        changed = (np.abs(after - before).max(axis=2) > 0.1).mean()
        assert changed > 0.05, f"{name}: the panel's editor looks as it did without the add-on ({changed:.1%})"
    # the heat map paints the face: its ramp starts at dark blue, which no other shot's 3D view holds
    def blue(name):
        view = crop(pixels(out / name), layout["view3d"])
        return ((view[:, :, 2] > 0.2) & (view[:, :, 2] > 2 * view[:, :, 0]) & (view[:, :, 2] > 2 * view[:, :, 1])).mean()
    assert blue("panel_heat.png") > 0.05 and blue("panel_heat.png") > 10 * blue("panel_preview.png")
