"""Operators: audit, re-audit, select, preview, heat map, regions. Each calls shared functions (live, see,
results); no operator calls another operator.

``classes`` lists this module's operators; other modules (e.g. ``fix_ops``) register their own.
"""

from collections.abc import Mapping

import bpy
from bpy.props import IntProperty

from . import live, see
from .live import has_shape_keys
from .see import select_vertices  # noqa: F401  (kept importable from here)


def _meshes_of(armature, objects):
    """Meshes deformed by or parented (at any depth) to ``armature``."""
    out = []
    for obj in objects:
        if obj.type != 'MESH':
            continue
        parent = obj.parent
        while parent is not None and parent is not armature:
            parent = parent.parent
        if parent is armature or any(m.type == 'ARMATURE' and m.object is armature for m in obj.modifiers):
            out.append(obj)
    return out


def audit_targets(context):
    """The meshes with shape keys an audit covers under the scene's scope, the active mesh first."""
    scope = context.scene.facs_audit.scope
    active = context.active_object
    if scope == 'COLLECTION':
        collection = context.view_layer.active_layer_collection.collection
        found = list(collection.all_objects)
    elif active is None:
        found = []
    elif active.type == 'ARMATURE':
        found = _meshes_of(active, context.view_layer.objects)
    elif scope == 'RIG':
        armature = active.find_armature() if active.type == 'MESH' else None
        armature = armature or (active.parent if active.parent and active.parent.type == 'ARMATURE' else None)
        found = _meshes_of(armature, context.view_layer.objects) if armature else [active]
    else:
        found = [active]
    found = sorted({o.name: o for o in found if has_shape_keys(o)}.values(), key=lambda o: o.name)
    if active in found:
        found.remove(active)
        found.insert(0, active)
    return found


class AuditTargets:
    @classmethod
    def poll(cls, context):
        if not audit_targets(context):
            cls.poll_message_set("Select a mesh with shape keys, or an armature or collection holding some")
            return False
        return True


def run_audits(context, objects):
    """Full audit of ``objects``: (entries [(obj, report)], problems [one line each], rulebook)."""
    from ..core import AuditError
    from .rules import chosen_profile, rulebook

    rules = rulebook(context)  # a bad rule file stops everything: raised to the caller
    profile = chosen_profile(context)
    entries, problems = [], []
    for obj in objects:
        try:
            entries.append((obj, live.full_audit(obj, rules, profile, bpy.data.filepath)))
        except AuditError as error:
            problems.append(str(error))
    return entries, problems, rules


def reaudit_all(context):
    """Re-audit what an audit would cover now: changed keys only where a session holds the last audit,
    a full audit elsewhere. Returns (entries, problems, rulebook, how each object was re-audited)."""
    from ..core import AuditError
    from .rules import chosen_profile, rulebook

    objects = audit_targets(context)
    rules = rulebook(context)
    profile = chosen_profile(context)
    entries, problems, hows = [], [], []
    for obj in objects:
        try:
            report, how = live.reaudit(obj, rules, profile, bpy.data.filepath)
        except AuditError as error:
            problems.append(str(error))
            continue
        entries.append((obj, report))
        hows.append(how)
    return entries, problems, rules, hows


def audit_object(context, obj):
    """Full audit of one object with the panel's settings, kept for re-audits; returns the RigReport.

    Shared by every operator that needs a fresh audit (fix operators too). Raises AuditError.
    """
    from .rules import chosen_profile, rulebook
    return live.full_audit(obj, rulebook(context), chosen_profile(context), bpy.data.filepath)


def reaudit_object(context, obj):
    """Re-audit of one object with the panel's settings (blender/live.py: the held report when no key
    changed, changed keys only, or a full audit): the RigReport a full audit would give now. Raises AuditError.
    """
    from .rules import chosen_profile, rulebook
    return live.reaudit(obj, rulebook(context), chosen_profile(context), bpy.data.filepath)[0]


class _SessionView(Mapping):
    """Read-only ``{object name: (AuditSession, None)}`` over the live sessions (blender.live)."""

    def __getitem__(self, name):
        session = live.session_of(name)
        if session is None:
            raise KeyError(name)
        return session, None

    def __iter__(self):
        return iter(list(live._live))

    def __len__(self):
        return len(live._live)

    def clear(self):
        live.drop_all()


#: the sessions by object name, for operators in other modules (fix_ops)
_sessions = _SessionView()


class MeshWithShapeKeys:
    """Poll: the active object is a mesh with shape keys."""

    @classmethod
    def poll(cls, context):
        if not has_shape_keys(context.active_object):
            cls.poll_message_set("Select a mesh object with shape keys")
            return False
        return True


def finish(operator, context, obj, report):
    """Store one object's report for the panel and say one line about it (see finish_reports)."""
    from .rules import rulebook
    return finish_reports(operator, context, [(obj, report)], [], rulebook(context))


def finish_reports(operator, context, entries, problems, rules, suffix=""):
    """Store the reports for the panel and say one line about them."""
    from .results import store_reports
    from .rules import refresh_profiles

    results = context.window_manager.facs_audit
    if not entries:
        operator.report({'ERROR'}, problems[0] if problems else "Nothing to audit")
        return {'CANCELLED'}
    refresh_profiles(context)
    counts = store_reports(results, entries, rules)
    names = ", ".join(obj.name for obj, _ in entries)
    total = sum(len(r.findings) for _, r in entries)
    if not total:
        line = f"{names}: no issues detected (profile {entries[0][1].profile}){suffix}"
    else:
        line = (f"{names}: {total} finding(s), {counts['error']} error(s), {counts['warning']} warning(s), "
                f"{counts['info']} info (profile {entries[0][1].profile}){suffix}")
    if problems:
        line += f"; not audited: {problems[0]}"
    results.status = line
    operator.report({'WARNING' if counts["error"] or problems else 'INFO'}, line)
    return {'FINISHED'}


class FACS_AUDIT_OT_run_audit(AuditTargets, bpy.types.Operator):
    bl_idname = "facs_audit.run_audit"
    bl_label = "Audit Shape Keys"
    bl_description = ("Audit the shape keys of the active mesh (or every mesh of the active armature or "
                      "collection) against the FACS rules of the chosen profile")

    def execute(self, context):
        from ..core import AuditError
        try:
            entries, problems, rules = run_audits(context, audit_targets(context))
        except AuditError as error:
            self.report({'ERROR'}, str(error))
            return {'CANCELLED'}
        return finish_reports(self, context, entries, problems, rules)


class FACS_AUDIT_OT_update_audit(AuditTargets, bpy.types.Operator):
    bl_idname = "facs_audit.update_audit"
    bl_label = "Re-audit"
    bl_description = ("Re-read the shape keys that changed since the last audit and update it (milliseconds); "
                      "a full audit where an edit moved the face's landmarks or anything besides key coordinates")

    def execute(self, context):
        from ..core import AuditError
        try:
            entries, problems, rules, hows = reaudit_all(context)
        except AuditError as error:
            self.report({'ERROR'}, str(error))
            return {'CANCELLED'}
        how = "full" if "full" in hows else "quick" if "quick" in hows else "unchanged"
        return finish_reports(self, context, entries, problems, rules, suffix=f" [{how} re-audit]")


class _FindingOperator:
    index: IntProperty(name="Index", description="Finding (-1: the list's active one)", default=-1,
                       options={'SKIP_SAVE'})

    def target(self, context):
        return context.window_manager.facs_audit.active_index if self.index < 0 else self.index

    def done(self, ok, message):
        bpy.context.window_manager.facs_audit.status = message
        self.report({'INFO'} if ok else {'WARNING'}, message)
        return {'FINISHED'} if ok else {'CANCELLED'}


class FACS_AUDIT_OT_select_finding(_FindingOperator, bpy.types.Operator):
    bl_idname = "facs_audit.select_finding"
    bl_label = "Select Finding"
    bl_description = "Make the finding's shape key active and select the vertices it points at"
    bl_options = {'REGISTER', 'UNDO'}

    def execute(self, context):
        results = context.window_manager.facs_audit
        index = self.target(context)
        if 0 <= index < len(results.findings) and index != results.active_index:
            from .results import _quiet
            _quiet.append(True)  # the click callback must not select a second time
            try:
                results.active_index = index
            finally:
                _quiet.pop()
        return self.done(*see.select_finding(context, index))


class FACS_AUDIT_OT_preview_finding(_FindingOperator, bpy.types.Operator):
    bl_idname = "facs_audit.preview_finding"
    bl_label = "Preview Shape"
    bl_description = "Show the finding's shape key alone at full strength; again to put the shape keys back"
    bl_options = {'REGISTER', 'UNDO'}

    def execute(self, context):
        return self.done(*see.toggle_preview(context, self.target(context)))


class FACS_AUDIT_OT_show_heat(_FindingOperator, bpy.types.Operator):
    bl_idname = "facs_audit.show_heat"
    bl_label = "Heat Map"
    bl_description = (f"Colour the mesh by the finding's per-vertex measure (colour attribute "
                      f"'{see.HEAT_ATTRIBUTE}', shown with Solid shading's Attribute colour)")
    bl_options = {'REGISTER', 'UNDO'}

    def execute(self, context):
        return self.done(*see.show_heat(context, self.target(context)))


class FACS_AUDIT_OT_clear_heat(bpy.types.Operator):
    bl_idname = "facs_audit.clear_heat"
    bl_label = "Clear Heat Map"
    bl_description = "Remove the heat-map colour attribute"
    bl_options = {'REGISTER', 'UNDO'}

    def execute(self, context):
        ok, message = see.clear_heat(context)
        context.window_manager.facs_audit.status = message
        self.report({'INFO'}, message)
        return {'FINISHED'}


class FACS_AUDIT_OT_write_regions(bpy.types.Operator):
    bl_idname = "facs_audit.write_regions"
    bl_label = "Write Region Groups"
    bl_description = ("Write the audit's estimated face regions as facs_region_* vertex groups, to see and "
                      "correct them (a corrected group overrides the estimate in the next audit)")
    bl_options = {'REGISTER', 'UNDO'}

    @classmethod
    def poll(cls, context):
        return has_shape_keys(context.active_object)

    def execute(self, context):
        ok, message = see.write_region_groups(context.active_object, context)
        context.window_manager.facs_audit.status = message
        self.report({'INFO'} if ok else {'WARNING'}, message)
        return {'FINISHED'} if ok else {'CANCELLED'}


classes = [FACS_AUDIT_OT_run_audit, FACS_AUDIT_OT_update_audit, FACS_AUDIT_OT_select_finding,
           FACS_AUDIT_OT_preview_finding, FACS_AUDIT_OT_show_heat, FACS_AUDIT_OT_clear_heat,
           FACS_AUDIT_OT_write_regions]


def register():
    for cls in classes:
        bpy.utils.register_class(cls)


def unregister():
    live.drop_all()
    for cls in reversed(classes):
        bpy.utils.unregister_class(cls)
