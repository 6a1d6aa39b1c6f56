"""Show a finding where the rigger looks: select its vertices, frame them, preview its key, paint a heat map,
write the estimated regions as vertex groups. Shared by the operators and the list's click callback.

Every function returns ``(ok, message)``: one line saying what was done, or what cannot be done and why.
Nothing here raises on a linked or non-editable mesh.
"""

import bpy
import numpy as np
from bpy.app.handlers import persistent

#: the heat map's colour attribute (documented in the README): the selected finding's per-vertex measure
HEAT_ATTRIBUTE = "facs_audit_heat"


def editable_problem(obj, geometry=True):
    """Why ``obj`` (or, with ``geometry``, its mesh) cannot be edited: one phrase, or None when it can."""
    if obj.library is not None:
        return f"the object is linked from the library '{obj.library.filepath}' (make it local to edit it)"
    override = obj.override_library
    if override is not None and getattr(override, "is_system_override", False):
        return "the object is a non-editable library override (make it editable in the Outliner first)"
    if not geometry:
        return None
    mesh = obj.data
    if mesh.library is not None:
        return f"its mesh is linked from the library '{mesh.library.filepath}' (make the mesh local to edit it)"
    if mesh.override_library is not None:
        return "its mesh is a library override, whose vertices cannot be edited (make the mesh local first)"
    return None


def _finding_and_object(results, index):
    """(item, obj, None) for finding ``index`` of the panel and its mesh, or (None, None, the line why not)."""
    if not 0 <= index < len(results.findings):
        return None, None, f"No finding {index}: run the audit first"
    item = results.findings[index]
    obj = _finding_object(results, item)
    if obj is None:
        return item, None, "The findings are out of date for this object: re-run the audit"
    return item, obj, None


def _finding_object(results, item):
    obj = bpy.data.objects.get(item.object or results.object_name)
    rig = results.rigs.get(obj.name) if obj is not None else None
    count = rig.vertex_count if rig is not None else results.vertex_count
    if obj is None or obj.type != 'MESH' or len(obj.data.vertices) != count:
        return None
    return obj


def _make_active(context, obj):
    """Make ``obj`` the active object (leaving another object's Edit/Sculpt/Pose Mode first)."""
    view_layer = context.view_layer
    active = view_layer.objects.active
    if active is obj:
        return
    if active is not None and active.mode != 'OBJECT':
        bpy.ops.object.mode_set(mode='OBJECT')
    for other in context.selected_objects:
        other.select_set(False)
    view_layer.objects.active = obj
    obj.select_set(True)


def select_finding(context, index):
    """Make finding ``index``'s key active and select exactly its vertices (none: clear the selection).

    The mode is kept (Object, Edit or Sculpt); with a 3D view on screen the view is framed on them.
    Sets ``results.status`` to the one line returned.
    """
    results = context.window_manager.facs_audit
    ok, message = _select(context, results, index)
    results.status = message
    return ok, message


def _select(context, results, index):
    item, obj, why = _finding_and_object(results, index)
    if why is not None:
        return False, why
    problem = editable_problem(obj)
    if problem is not None:
        return False, f"Cannot select the vertices of {item.rule} on '{obj.name}': {problem}."
    _make_active(context, obj)
    blocks = obj.data.shape_keys.key_blocks
    shape = next((s.name for s in item.shapes if s.name in blocks), None)
    if shape is not None:
        obj.active_shape_key_index = blocks.find(shape)
    vertices = np.array([int(v) for v in item.vertices.split(",") if v], dtype=np.int64)
    try:
        framed = select_vertices(obj, vertices, frame=True)
    except RuntimeError as error:  # a mode Blender refuses to enter here: say so, never a traceback
        return False, f"Cannot select the vertices of {item.rule} on '{obj.name}': {_first_line(error)}"
    where = ", framed in the 3D view" if framed else ""
    return True, f"{item.rule}: {shape or 'no shape key'}, {vertices.size} vertex(es) selected{where}"


def select_vertices(obj, indices, frame=False):
    """Select exactly ``indices`` on the active mesh ``obj`` (empty: deselect all); the mode is kept.

    Works through Edit Mode and bmesh: in Blender 5.0, ``mesh.edges.foreach_set("select", ...)`` can
    crash on meshes built with ``from_pydata``, and Edit Mode flushes the vertex selection to edges
    and faces for us. Finding indices are capped by the core, so the per-index loop stays short.
    With ``frame``, a 3D view on screen is framed on the selection; returns whether one was.
    """
    import bmesh

    start_mode = obj.mode
    if start_mode != 'EDIT':
        bpy.ops.object.mode_set(mode='EDIT')
    bpy.ops.mesh.select_mode(type='VERT')
    bpy.ops.mesh.select_all(action='DESELECT')
    bm = bmesh.from_edit_mesh(obj.data)
    bm.verts.ensure_lookup_table()
    count = len(bm.verts)
    for index in np.asarray(indices).tolist():
        if 0 <= index < count:
            bm.verts[index].select_set(True)
    bm.select_flush_mode()
    bmesh.update_edit_mesh(obj.data, loop_triangles=False, destructive=False)
    framed = frame and len(indices) > 0 and frame_selected()
    if start_mode != 'EDIT':
        bpy.ops.object.mode_set(mode=start_mode)
    return framed


def view3d_areas():
    """(window, area, region) of every 3D view on screen (none in background mode)."""
    out = []
    wm = bpy.context.window_manager
    for window in getattr(wm, "windows", ()):
        for area in window.screen.areas:
            if area.type == 'VIEW_3D':
                region = next((r for r in area.regions if r.type == 'WINDOW'), None)
                if region is not None:
                    out.append((window, area, region))
    return out


def frame_selected():
    """Frame the selection in the first 3D view on screen; False when there is none."""
    areas = view3d_areas()
    if not areas:
        return False
    window, area, region = areas[0]
    with bpy.context.temp_override(window=window, area=area, region=region):
        bpy.ops.view3d.view_selected()
    return True


# -- preview --------------------------------------------------------------------------------------
def toggle_preview(context, index):
    """Show finding ``index``'s key alone at full strength (show_only_shape_key), or put things back."""
    results = context.window_manager.facs_audit
    if results.preview_object:
        return _end_preview(results)
    item, obj, why = _finding_and_object(results, index)
    if why is not None:
        return False, why
    blocks = obj.data.shape_keys.key_blocks
    shape = next((s.name for s in item.shapes if s.name in blocks), None)
    if shape is None:
        return False, f"{item.rule} names no shape key to preview"
    problem = editable_problem(obj, geometry=False)
    if problem is not None:
        return False, f"Cannot preview {shape} on '{obj.name}': {problem}."
    results.preview_object, results.preview_key = obj.name, shape
    results.preview_show_only, results.preview_index = obj.show_only_shape_key, obj.active_shape_key_index
    obj.active_shape_key_index = blocks.find(shape)
    obj.show_only_shape_key = True
    return True, f"Previewing {shape} alone at full strength on '{obj.name}'"


def _end_preview(results):
    obj = bpy.data.objects.get(results.preview_object)
    name = results.preview_key
    results.preview_object = results.preview_key = ""
    if obj is None or obj.type != 'MESH' or obj.data.shape_keys is None:
        return True, "Preview ended"
    obj.show_only_shape_key = results.preview_show_only
    if results.preview_index < len(obj.data.shape_keys.key_blocks):
        obj.active_shape_key_index = results.preview_index
    return True, f"Preview of {name} ended"


# -- heat map -------------------------------------------------------------------------------------
def show_heat(context, index):
    """Paint finding ``index``'s per-vertex measure into the HEAT_ATTRIBUTE colour attribute and show it."""
    from ..core.heat import finding_heat, heat_colours
    from ..core.model import Finding
    from . import live

    results = context.window_manager.facs_audit
    item, obj, why = _finding_and_object(results, index)
    if why is not None:
        return False, why
    session = live.session_of(obj.name)
    if session is None or session.context is None:
        return False, "Re-run the audit to show a heat map (the audit data was dropped by an undo or file load)"
    problem = editable_problem(obj)
    if problem is not None:
        return False, f"Cannot add a heat map to '{obj.name}': {problem}."
    finding = Finding(rule=item.rule, category=item.category, severity=item.severity, message=item.message,
                      shapes=tuple(s.name for s in item.shapes), side=item.side)
    values = finding_heat(session.context, finding)
    if values is None:
        return False, f"{item.rule} has no per-vertex measure (it names no shape of the mesh)"
    clear_heat(context)
    write_heat(obj, heat_colours(values))
    results.heat_object = obj.name
    shown = _show_attribute_colours(True)
    where = "" if shown else " (open a 3D view in Solid shading, Attribute colour, to see it)"
    return True, f"Heat map of {item.rule} on '{obj.name}': attribute {HEAT_ATTRIBUTE}{where}"


def write_heat(obj, rgba):
    """Write (n, 4) colours into the mesh's HEAT_ATTRIBUTE (point domain) and make it the active colour."""
    mesh = obj.data
    edit = obj.mode == 'EDIT'
    if edit:
        bpy.ops.object.mode_set(mode='OBJECT')  # attributes written in Edit Mode are lost on leaving it
    attribute = mesh.color_attributes.get(HEAT_ATTRIBUTE)
    if attribute is None:
        attribute = mesh.color_attributes.new(HEAT_ATTRIBUTE, 'FLOAT_COLOR', 'POINT')
    attribute.data.foreach_set("color", np.ascontiguousarray(rgba, dtype=np.float32).ravel())
    mesh.color_attributes.active_color = attribute
    mesh.update()
    if edit:
        bpy.ops.object.mode_set(mode='EDIT')


def clear_heat(context):
    """Remove the heat map attribute from every mesh and put the 3D views' colouring back."""
    removed = remove_heat_attributes()
    _show_attribute_colours(False)
    context.window_manager.facs_audit.heat_object = ""
    return True, f"Heat map cleared ({removed} mesh(es))" if removed else "No heat map to clear"


def remove_heat_attributes():
    """Remove HEAT_ATTRIBUTE from every local mesh; returns how many held one."""
    removed = 0
    for mesh in bpy.data.meshes:
        if mesh.library is None and HEAT_ATTRIBUTE in mesh.color_attributes:
            mesh.color_attributes.remove(mesh.color_attributes[HEAT_ATTRIBUTE])
            removed += 1
    return removed


def _show_attribute_colours(on):
    """Solid shading with Attribute colour in every 3D view (``on``), or Material colour back."""
    areas = view3d_areas()
    for _, area, _ in areas:
        shading = area.spaces.active.shading
        if on:
            shading.type = 'SOLID'
            shading.color_type = 'VERTEX'
        elif shading.color_type == 'VERTEX':
            shading.color_type = 'MATERIAL'
    return bool(areas)


# the heat map stays out of saved files unless the preference says otherwise: removed before saving,
# put back after (so the viewport keeps showing it)
_stashed = {}


@persistent
def _before_save(_scene=None, _path=None):
    from .prefs import preferences
    _stashed.clear()
    if preferences().keep_heat_map:
        return
    for mesh in bpy.data.meshes:
        attribute = mesh.color_attributes.get(HEAT_ATTRIBUTE) if mesh.library is None else None
        if attribute is not None:
            rgba = np.empty(4 * len(attribute.data), dtype=np.float32)
            attribute.data.foreach_get("color", rgba)
            _stashed[mesh.name] = rgba
    remove_heat_attributes()


@persistent
def _after_save(_scene=None, _path=None):
    for name, rgba in _stashed.items():
        mesh = bpy.data.meshes.get(name)
        if mesh is not None and mesh.library is None:
            attribute = mesh.color_attributes.new(HEAT_ATTRIBUTE, 'FLOAT_COLOR', 'POINT')
            attribute.data.foreach_set("color", rgba)
            mesh.color_attributes.active_color = attribute
    _stashed.clear()


_HANDLERS = (("save_pre", _before_save), ("save_post", _after_save))


def register():
    for name, handler in _HANDLERS:
        if handler not in getattr(bpy.app.handlers, name):
            getattr(bpy.app.handlers, name).append(handler)


def unregister():
    for name, handler in _HANDLERS:
        if handler in getattr(bpy.app.handlers, name):
            getattr(bpy.app.handlers, name).remove(handler)


# -- regions --------------------------------------------------------------------------------------
def write_region_groups(obj, context=None):
    """Write the audit's estimated face regions as ``facs_region_<region>`` vertex groups on ``obj``.

    Groups that already exist are left alone: they are the rigger's overrides. Weights are written in
    steps of 1/100 (Blender has no bulk write for vertex weights: one call per weight step).
    """
    from . import live

    session = live.session_of(obj.name)
    if session is None or session.context is None:
        return False, "Re-run the audit first: the regions come from the last audit"
    problem = editable_problem(obj, geometry=False)
    if problem is not None:
        return False, f"Cannot add vertex groups to '{obj.name}': {problem}."
    ctx = session.context
    masks = ctx.region_masks
    if masks is None:
        return False, "The rules define no face regions"
    prefix = ctx.rulebook.regions.override_prefix
    edit = obj.mode == 'EDIT'
    if edit:
        bpy.ops.object.mode_set(mode='OBJECT')  # vertex weights cannot be written in Edit Mode
    written, kept = [], []
    for base in dict.fromkeys(b for b in masks.bases if b != masks.bases[-1]):
        name = prefix + base
        if name in obj.vertex_groups:
            kept.append(name)
            continue
        weights = masks.weights[[i for i, b in enumerate(masks.bases) if b == base]].sum(axis=0)
        steps = np.rint(np.clip(weights, 0.0, 1.0) * 100).astype(np.int64)
        group = obj.vertex_groups.new(name=name)
        for step in np.unique(steps[steps > 0]).tolist():
            group.add(np.flatnonzero(steps == step).tolist(), step / 100.0, 'REPLACE')
        written.append(name)
    if edit:
        bpy.ops.object.mode_set(mode='EDIT')
    note = f"; kept {len(kept)} existing" if kept else ""
    return True, f"Wrote {len(written)} region vertex group(s) on '{obj.name}' ({prefix}*){note}"


def _first_line(error):
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return (lines[0] if lines else type(error).__name__).removeprefix("Error:").strip()
