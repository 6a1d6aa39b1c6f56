"""Screenshots of the panel in a real Blender window (docs/panel_*.png), for the README.

Runs inside a Blender binary with a window, e.g. Debian's Blender 3.4 on a virtual screen:

    Xvfb :99 -screen 0 1600x1000x24 &
    DISPLAY=:99 blender --factory-startup --python tools/screenshots.py -- [--output docs]

Blender needs numpy in its Python (Debian: ``apt-get install python3-numpy``). The script:

1. loads the add-on the legacy way (``bl_info``, from a temporary scripts/addons folder linking to this
   repository), so what is shown is what a Blender 3.4-4.1 user installs;
2. builds the sample face inside this Blender (from ``sample_rigs/``: Blender 3.4 cannot open files
   saved by newer Blender) with a lopsided smile (AU12_R at half strength);
3. splits the 3D view to open a Properties editor on Object Data, where the panel also lives (3.4 has
   no API to pick the sidebar tab), with Blender's own Object Data panels collapsed so ours is in view;
4. audits, selects the symmetry finding (Edit Mode shows its vertices), shows its heat map and a
   preview, taking a screenshot after each: panel_select.png, panel_heat.png, panel_preview.png;
5. with ``--baseline`` (the test), also a screenshot before the add-on is enabled (baseline.png) and
   screenshots.json: the window size and each editor's rectangle; then quits.

Run it with HOME pointing at a temporary folder if your own Blender preferences must stay untouched.
"""

import json
import sys
import tempfile
from pathlib import Path

import addon_utils
import bpy

ROOT = Path(__file__).resolve().parents[1]
ARGS = sys.argv[sys.argv.index("--") + 1:] if "--" in sys.argv else []
OUTPUT = Path(ARGS[ARGS.index("--output") + 1]) if "--output" in ARGS else ROOT / "docs"
SHOTS = ("panel_select", "panel_heat", "panel_preview")
#: --baseline: also a screenshot before the add-on is enabled (baseline.png), for the test
BASELINE = "--baseline" in ARGS
#: seconds between steps: the window must redraw before each screenshot
STEP = 1.5

state = {"shots": [], "errors": [], "status": {}}


def load_addon():
    scripts = Path(tempfile.mkdtemp(prefix="facs_audit_scripts_"))
    (scripts / "addons").mkdir()
    (scripts / "addons" / "facs_audit").symlink_to(ROOT, target_is_directory=True)
    bpy.context.preferences.filepaths.script_directory = str(scripts)
    bpy.utils.refresh_script_paths()
    module = addon_utils.enable("facs_audit", default_set=True, handle_error=lambda e: state["errors"].append(repr(e)))
    if module is None or not hasattr(bpy.types, "FACS_AUDIT_PT_data"):
        raise SystemExit(f"screenshots: the add-on did not load: {state['errors']}")


def build_face():
    sys.path.insert(0, str(ROOT))
    from sample_rigs.build_blend import make_mesh_object
    from sample_rigs.face_model import build_face as face_geometry, named_shapes
    for obj in list(bpy.data.objects):
        bpy.data.objects.remove(obj)
    face = face_geometry()
    shapes = named_shapes(face, "facs")
    shapes["AU12_R"] = shapes["AU12_R"] * 0.5  # a lopsided smile: one symmetry finding to look at
    del shapes["AU28"]  # and a missing action, a muted key
    obj = make_mesh_object("Face", face.vertices, face.faces, shapes, muted=("AU26",))
    bpy.context.view_layer.objects.active = obj
    obj.select_set(True)
    return obj


def collapse_blender_data_panels():
    """Re-register Blender's own Object Data panels closed, so the FACS Audit panel is in view."""
    for name in dir(bpy.types):
        cls = getattr(bpy.types, name)
        if (name.startswith("DATA_PT_") and getattr(cls, "bl_space_type", "") == 'PROPERTIES'
                and getattr(cls, "bl_context", "") == "data" and "context" not in name):
            try:
                bpy.utils.unregister_class(cls)
                cls.bl_options = set(getattr(cls, "bl_options", set())) | {'DEFAULT_CLOSED'}
                bpy.utils.register_class(cls)
            except (RuntimeError, ValueError):
                pass


def layout_screen():
    window = bpy.context.window_manager.windows[0]
    screen = window.screen
    view = max((a for a in screen.areas if a.type == 'VIEW_3D'), key=lambda a: a.width * a.height)
    region = next(r for r in view.regions if r.type == 'WINDOW')
    with bpy.context.temp_override(window=window, area=view, region=region):
        bpy.ops.screen.area_split(direction='VERTICAL', factor=0.58)
    new = max((a for a in screen.areas if a.type == 'VIEW_3D' and a != view), key=lambda a: a.x, default=None)
    right = new if new is not None and new.x > view.x else view
    right.type = 'PROPERTIES'  # its tabs exist after the next redraw: Object Data is chosen in steps()
    view = next(a for a in screen.areas if a.type == 'VIEW_3D')
    space = view.spaces.active
    space.shading.type = 'SOLID'
    space.overlay.show_floor = False
    region = next(r for r in view.regions if r.type == 'WINDOW')
    with bpy.context.temp_override(window=window, area=view, region=region):
        bpy.ops.view3d.view_axis(type='FRONT')
        bpy.ops.view3d.view_selected()


def areas():
    """Window size and the largest 3D view and Properties editor, as [x, y, width, height] (y from the bottom)."""
    window = bpy.context.window_manager.windows[0]
    largest = {}
    for area in window.screen.areas:
        if area.type in ('VIEW_3D', 'PROPERTIES'):
            if area.type not in largest or area.width * area.height > largest[area.type].width * largest[area.type].height:
                largest[area.type] = area
    return {"window": [window.width, window.height], "view3d": _rect(largest['VIEW_3D']),
            "properties": _rect(largest['PROPERTIES'])}


def _rect(area):
    return [area.x, area.y, area.width, area.height]  # y from the bottom of the window


def shot(name):
    results = getattr(bpy.context.window_manager, "facs_audit", None)
    state["status"][name] = results.status if results is not None else ""
    path = OUTPUT / f"{name}.png"
    window = bpy.context.window_manager.windows[0]
    with bpy.context.temp_override(window=window):
        bpy.ops.screen.screenshot(filepath=str(path))
    state["shots"].append(path.name)


def finding_index(rule):
    results = bpy.context.window_manager.facs_audit
    return next(i for i, f in enumerate(results.findings) if f.rule == rule)


def frame_face():
    window = bpy.context.window_manager.windows[0]
    view = next(a for a in window.screen.areas if a.type == 'VIEW_3D')
    region = next(r for r in view.regions if r.type == 'WINDOW')
    with bpy.context.temp_override(window=window, area=view, region=region):
        bpy.ops.view3d.view_selected()


def steps():
    """The tour, one step per timer tick (the window redraws in between)."""
    obj = bpy.data.objects["Face"]
    for area in bpy.context.window_manager.windows[0].screen.areas:
        if area.type == 'PROPERTIES':
            area.spaces.active.context = 'DATA'
    yield
    if BASELINE:  # the same window before the add-on is enabled: what the panel changes
        shot("baseline")
        load_addon()
        yield
    bpy.context.scene.facs_audit.profile = "facs-film"
    yield bpy.ops.facs_audit.run_audit()
    results = bpy.context.window_manager.facs_audit
    index = finding_index("symmetry.pair-mismatch")
    bpy.ops.object.mode_set(mode='EDIT')
    results.active_index = index  # a click on the row: selects the finding
    bpy.ops.facs_audit.select_finding(index=index)
    yield
    shot("panel_select")
    bpy.ops.object.mode_set(mode='OBJECT')
    frame_face()
    bpy.ops.facs_audit.show_heat(index=index)
    yield
    shot("panel_heat")
    bpy.ops.facs_audit.clear_heat()
    bpy.ops.facs_audit.preview_finding(index=index)
    obj.data.update()
    yield
    shot("panel_preview")
    bpy.ops.facs_audit.preview_finding(index=index)
    yield


def run(tour):
    window = bpy.context.window_manager.windows[0]
    try:
        with bpy.context.temp_override(window=window, screen=window.screen):
            next(tour)
        return STEP
    except StopIteration:
        if BASELINE:
            (OUTPUT / "screenshots.json").write_text(json.dumps({"shots": state["shots"], "status": state["status"], **areas()}, indent=1))
        bpy.ops.wm.quit_blender()
    except Exception as error:  # noqa: BLE001 - report and leave, never hang the window
        print(f"screenshots: {type(error).__name__}: {error}", file=sys.stderr)
        import traceback
        traceback.print_exc()
        bpy.ops.wm.quit_blender()
    return None


def main():
    bpy.context.preferences.view.show_splash = False
    OUTPUT.mkdir(parents=True, exist_ok=True)
    try:
        if not BASELINE:
            load_addon()
        collapse_blender_data_panels()
        build_face()
        layout_screen()
    except Exception:
        import traceback
        traceback.print_exc()
        bpy.ops.wm.quit_blender()
        return
    tour = steps()
    bpy.app.timers.register(lambda: run(tour), first_interval=2.0)


main()
