"""Operators: audit the active mesh, and select what a finding points at."""

import bpy
import numpy as np
from bpy.props import IntProperty

from .props import AUTO


def has_shape_keys(obj):
    return (obj is not None and obj.type == 'MESH' and obj.data.shape_keys is not None
            and len(obj.data.shape_keys.key_blocks) > 1)


class MeshWithShapeKeys:
    @classmethod
    def poll(cls, context):
        if not has_shape_keys(context.active_object):
            cls.poll_message_set("Select a mesh object with shape keys")
            return False
        return True


class FACS_AUDIT_OT_run_audit(MeshWithShapeKeys, bpy.types.Operator):
    bl_idname = "facs_audit.run_audit"
    bl_label = "Audit Shape Keys"
    bl_description = "Audit the active mesh's shape keys against the FACS rules of the chosen profile"

    def execute(self, context):
        from ..core import AuditError

        obj = context.active_object
        try:
            report = audit_object(context, obj)
        except AuditError as error:
            self.report({'ERROR'}, str(error))
            return {'CANCELLED'}
        return finish(self, context, obj, report)


def audit_object(context, obj):
    """Full audit of ``obj`` with the panel's settings, kept for the quick re-audit; returns the RigReport.

    The one audit every operator shares (operators never call each other). Raises AuditError.
    """
    from ..core import AuditSession, load_rulebook
    from .extract import snapshot_from_object

    if obj.mode == 'EDIT':
        obj.update_from_editmode()  # shape keys edited in Edit Mode are not in the mesh data yet
    profile = context.scene.facs_audit.profile
    session = AuditSession(load_rulebook(), profile=None if profile == AUTO else profile, file=bpy.data.filepath)
    report = session.audit(snapshot_from_object(obj, source=bpy.data.filepath))
    _sessions.clear()
    _sessions[obj.name] = (session, _key_names(obj))
    return report


#: The last full audit per object name, for the fast re-audit. Module-level on purpose: it holds
#: numpy arrays, which Blender properties cannot store; it is cleared on every full audit and on
#: unregister, and checked against the object's vertex count and key names before use.
_sessions = {}


def _key_names(obj):
    return len(obj.data.vertices), tuple(block.name for block in obj.data.shape_keys.key_blocks)


def finish(operator, context, obj, report):
    """Store the report for the panel and say one line about it."""
    counts = store_report(context.window_manager.facs_audit, obj, report)
    if not report.findings:
        operator.report({'INFO'}, f"{obj.name}: no issues detected (profile {report.profile})")
    else:
        level = 'WARNING' if counts["error"] else 'INFO'
        operator.report({level}, f"{obj.name}: {len(report.findings)} finding(s), {counts['error']} error(s), "
                        f"{counts['warning']} warning(s), {counts['info']} info (profile {report.profile})")
    return {'FINISHED'}


class FACS_AUDIT_OT_update_audit(MeshWithShapeKeys, bpy.types.Operator):
    bl_idname = "facs_audit.update_audit"
    bl_label = "Re-audit Active Key"
    bl_description = ("Re-read only the active shape key and update the last audit (milliseconds); "
                      "falls back to a full audit when the mesh or its key list changed")

    def execute(self, context):
        from ..core import AuditError
        from .extract import read_shape_delta

        obj = context.active_object
        if obj.mode == 'EDIT':
            obj.update_from_editmode()
        entry = _sessions.get(obj.name)
        if entry is None or entry[1] != _key_names(obj) or obj.active_shape_key_index == 0:
            return bpy.ops.facs_audit.run_audit()
        name = obj.active_shape_key.name
        try:
            report = entry[0].update({name: read_shape_delta(obj, name)})
        except AuditError as error:
            self.report({'ERROR'}, str(error))
            return {'CANCELLED'}
        return finish(self, context, obj, report)


def store_report(results, obj, report):
    """Mirror a RigReport into the WindowManager results for the panel; return the severity counts."""
    results.findings.clear()
    results.object_name = obj.name
    results.vertex_count = len(obj.data.vertices)
    results.profile = report.profile
    results.convention = report.convention
    counts = report.counts()
    results.errors, results.warnings, results.infos = counts["error"], counts["warning"], counts["info"]
    for finding in report.findings:
        item = results.findings.add()
        item.name = finding.rule
        item.rule, item.category, item.severity, item.message = (
            finding.rule, finding.category, finding.severity, finding.message)
        for shape in finding.shapes:
            item.shapes.add().name = shape
        item.vertices = ",".join(str(int(v)) for v in finding.vertices)
    results.active_index = 0
    return counts


class FACS_AUDIT_OT_select_finding(MeshWithShapeKeys, bpy.types.Operator):
    bl_idname = "facs_audit.select_finding"
    bl_label = "Select Finding"
    bl_description = "Make the finding's shape key active and select the vertices it points at"
    bl_options = {'REGISTER', 'UNDO'}

    index: IntProperty(name="Index", description="Finding to select", min=0, options={'SKIP_SAVE'})

    def execute(self, context):
        results = context.window_manager.facs_audit
        obj = context.active_object
        if not 0 <= self.index < len(results.findings):
            self.report({'ERROR'}, f"No finding {self.index}: run the audit first")
            return {'CANCELLED'}
        if results.object_name != obj.name or results.vertex_count != len(obj.data.vertices):
            self.report({'WARNING'}, "The findings are out of date for this object: re-run the audit")
            return {'CANCELLED'}
        results.active_index = self.index
        finding = results.findings[self.index]
        blocks = obj.data.shape_keys.key_blocks
        shape = next((s.name for s in finding.shapes if s.name in blocks), None)
        if shape is not None:
            obj.active_shape_key_index = blocks.find(shape)
        vertices = np.array([int(v) for v in finding.vertices.split(",") if v], dtype=np.int64)
        if vertices.size:
            select_vertices(obj, vertices)
        self.report({'INFO'}, f"{finding.rule}: {shape or 'no shape key'}, {vertices.size} vertex(es) selected")
        return {'FINISHED'}


def select_vertices(obj, indices):
    """Select exactly ``indices`` on the active mesh ``obj``, from Object or Edit Mode (the mode is kept).

    Works through Edit Mode and bmesh: in Blender 5.0, ``mesh.edges.foreach_set("select", ...)`` can
    crash on meshes built with ``from_pydata``, and Edit Mode flushes the vertex selection to edges
    and faces for us. Finding indices are capped by the core, so the per-index loop stays short.
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
    for index in indices.tolist():
        if 0 <= index < count:
            bm.verts[index].select_set(True)
    bm.select_flush_mode()
    bmesh.update_edit_mesh(obj.data, loop_triangles=False, destructive=False)
    if start_mode != 'EDIT':
        bpy.ops.object.mode_set(mode=start_mode)


classes = (FACS_AUDIT_OT_run_audit, FACS_AUDIT_OT_update_audit, FACS_AUDIT_OT_select_finding)
_register, _unregister = bpy.utils.register_classes_factory(classes)


def register():
    _register()


def unregister():
    _sessions.clear()
    _unregister()
