"""Fix a finding: one undoable operator, ``bpy.ops.facs_audit.apply_fix(index=N, fix="ID")``, and a Fix panel.

The fix itself is computed by the pure core (core/fixes.py) from a fresh audit of the mesh; this module
only writes the resulting plan into the shape keys (bulk ``foreach_set``) and re-audits through the
shared audit function. Blender's undo restores the key data: the operator carries ``UNDO``.
"""

import bpy
import numpy as np
from bpy.props import IntProperty, StringProperty

from .operators import MeshWithShapeKeys, _sessions, finish, reaudit_object


def write_plan(obj, plan):
    """Write a core FixPlan into ``obj``'s shape keys (the object must be in Object Mode).

    Deltas in the plan are in world orientation (like RigSnapshot.deltas); they are turned back into
    the mesh's own space and added to each key's relative key. New keys are relative to the basis.
    """
    mesh = obj.data
    key = mesh.shape_keys
    blocks = key.key_blocks
    count = len(mesh.vertices)
    linear = np.array(obj.matrix_world, dtype=np.float64)[:3, :3].T  # world = local @ linear
    to_local = None if np.allclose(linear, np.eye(3)) else np.linalg.inv(linear)

    def local(delta):
        delta = np.asarray(delta, dtype=np.float32)
        return delta if to_local is None else (delta.astype(np.float64) @ to_local).astype(np.float32)

    for name, delta in plan.deltas.items():
        block = blocks[name]
        relative = block.relative_key if block.relative_key is not None else key.reference_key
        _write_co(block, _read(relative, count) + local(delta))
    for name, delta in plan.created.items():
        block = obj.shape_key_add(name=name, from_mix=False)
        block.relative_key = key.reference_key
        _write_co(block, _read(key.reference_key, count) + local(delta))
    for old, new in plan.renamed.items():
        blocks[old].name = new  # Blender renames the key's F-curve and driver paths with it
    for name in plan.deleted:
        obj.shape_key_remove(blocks[name])
    mesh.update()


def _read(block, count):
    from .extract import _read_co
    out = np.empty((count, 3), dtype=np.float32)
    _read_co(block, out)
    return out


def _write_co(block, co):
    flat = np.ascontiguousarray(co, dtype=np.float32).reshape(-1)
    points = getattr(block, "points", None)  # ShapeKey.points (4.1+) writes ~150x faster than .data
    (points if points is not None else block.data).foreach_set("co", flat)


def linked_reason(obj):
    """Why ``obj``'s shape keys cannot be changed here ('' when they can)."""
    for what, data in (("object", obj), ("mesh", obj.data), ("shape keys", obj.data.shape_keys)):
        if data is None:
            continue
        if getattr(data, "library", None) is not None:
            return f"its {what} is linked from the library {data.library.filepath}: make it local first"
        override = getattr(data, "override_library", None)
        if override is not None and getattr(override, "is_system_override", False):
            return f"its {what} is a non-editable library override: make it editable first"
    return ""


def _shapes(item):
    return tuple(s.name for s in item.shapes)


def finding_of(report, item):
    """The report's Finding a panel item stands for (same rule and shapes), or None."""
    shapes = _shapes(item)
    matches = [f for f in report.findings if f.rule == item.rule and tuple(f.shapes) == shapes]
    return next((f for f in matches if f.message == item.message), matches[0] if matches else None)


def item_fixes(context, item):
    """Fix ids for a panel item, from the last audit of the panel's object (no audit runs while drawing)."""
    entry = _sessions.get(context.window_manager.facs_audit.object_name)
    report = entry[0].report if entry else None
    finding = finding_of(report, item) if report is not None else None
    return tuple(getattr(finding, "fixes", ())) if finding is not None else ()


def fix_label(fix):
    return fix.replace("-", " ").capitalize()


class FACS_AUDIT_OT_apply_fix(MeshWithShapeKeys, bpy.types.Operator):
    bl_idname = "facs_audit.apply_fix"
    bl_label = "Apply Fix"
    bl_description = "Apply a fix to the finding and re-audit (undo restores the shape keys)"
    bl_options = {'REGISTER', 'UNDO'}

    index: IntProperty(name="Index", description="Finding to fix (its row in the panel's list)", min=0,
                       options={'SKIP_SAVE'})
    fix: StringProperty(name="Fix", description="Stable fix id (see the finding's fixes)", options={'SKIP_SAVE'})

    @classmethod
    def description(cls, _context, properties):
        from ..core.fixes import FIXES
        spec = FIXES.get(properties.fix)
        return spec.summary if spec else cls.bl_description

    def execute(self, context):
        from ..core import AuditError
        from ..core.fixes import plan_fix

        results = context.window_manager.facs_audit
        obj = context.active_object
        if not 0 <= self.index < len(results.findings):
            self.report({'ERROR'}, f"No finding {self.index}: run the audit first")
            return {'CANCELLED'}
        if results.object_name != obj.name or results.vertex_count != len(obj.data.vertices):
            self.report({'WARNING'}, "The findings are out of date for this object: re-run the audit")
            return {'CANCELLED'}
        reason = linked_reason(obj)
        if reason:
            self.report({'ERROR'}, f"Cannot fix {obj.name}: {reason}")
            return {'CANCELLED'}
        item = results.findings[self.index]
        rule, shapes = item.rule, _shapes(item)
        if obj.mode != 'OBJECT':
            # Edit and Sculpt Mode hold their own copy of the keys; leaving flushes it into the mesh.
            try:
                bpy.ops.object.mode_set(mode='OBJECT')
            except RuntimeError as error:
                self.report({'ERROR'}, f"Cannot fix {obj.name} outside Object Mode: {str(error).strip()}")
                return {'CANCELLED'}
        try:
            # the fix is computed on the keys as they are now: the panel's last audit when no key changed
            # since (checksums), else a re-audit (blender/live.py), which equals a fresh full audit
            report = reaudit_object(context, obj)
            finding = finding_of(report, item)
            if finding is None:
                self.report({'WARNING'}, f"{rule} on {', '.join(shapes) or obj.name} is no longer found: "
                                         "the findings were refreshed")
                finish(self, context, obj, report)
                return {'CANCELLED'}
            plan = plan_fix(_sessions[obj.name][0].context, finding, self.fix)
            write_plan(obj, plan)
            # the fixed keys re-audited (a full audit when keys were added, renamed or deleted), as the
            # fix command does: the same findings as a full audit
            report = reaudit_object(context, obj)
        except AuditError as error:
            self.report({'ERROR'}, str(error))
            return {'CANCELLED'}
        finish(self, context, obj, report)
        self.report({'INFO'}, "; ".join(plan.changes))
        return {'FINISHED'}


class FACS_AUDIT_PT_fixes(bpy.types.Panel):
    """The fixes of the selected finding, under the findings list."""

    bl_label = "Fix"
    bl_idname = "FACS_AUDIT_PT_fixes"
    bl_space_type = 'VIEW_3D'
    bl_region_type = 'UI'
    bl_category = "FACS Audit"
    bl_parent_id = "FACS_AUDIT_PT_panel"

    @classmethod
    def poll(cls, context):
        results = context.window_manager.facs_audit
        return 0 <= results.active_index < len(results.findings)

    def draw(self, context):
        from ..core.fixes import FIXES

        results = context.window_manager.facs_audit
        index = results.active_index
        fixes = item_fixes(context, results.findings[index])
        column = self.layout.column(align=True)
        if not fixes:
            column.label(text="No automatic fix for this finding.")
            return
        for fix in fixes:
            button = column.operator("facs_audit.apply_fix", text=fix_label(fix),
                                     icon='CHECKMARK' if FIXES[fix].safe else 'MODIFIER')
            button.index = index
            button.fix = fix


classes = (FACS_AUDIT_OT_apply_fix, FACS_AUDIT_PT_fixes)
register, unregister = bpy.utils.register_classes_factory(classes)
