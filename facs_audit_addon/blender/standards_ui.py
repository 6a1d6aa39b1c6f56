"""The Standards section of the sidebar: which runtime standards the active mesh can drive, and its
retarget map for one of them (the same matrix and map as ``python -m facs_audit_addon standards``)."""

import bpy
from bpy.props import CollectionProperty, EnumProperty, IntProperty, PointerProperty, StringProperty

from .operators import MeshWithShapeKeys


def standard_items():
    """Static enum items (a dynamic items callback crashes Blender 4.2 as a module at exit: see props.py)."""
    from ..core import AuditError, load_rulebook
    from ..core.standards import load_standards
    try:
        standards = load_standards(load_rulebook())
    except AuditError:
        return (("", "None", "The standard files could not be read"),)
    return tuple((name, s.title, s.source) for name, s in standards.items())


class FACS_AUDIT_PG_standard_row(bpy.types.PropertyGroup):
    title: StringProperty()
    covered: IntProperty()
    total: IntProperty()
    approximate: IntProperty()
    missing: StringProperty()


class FACS_AUDIT_PG_standards(bpy.types.PropertyGroup):
    object_name: StringProperty()
    rows: CollectionProperty(type=FACS_AUDIT_PG_standard_row)
    standard: EnumProperty(name="Standard", description="Standard whose retarget map to write",
                           items=standard_items())


def active_coverage(obj, names=None):
    """StandardCoverage of ``obj`` for every standard (or those ``names``)."""
    from ..cmd_standards import rig_coverage
    from ..core import load_rulebook
    from ..core.standards import load_standards
    from .extract import snapshot_from_object

    if obj.mode == 'EDIT':
        obj.update_from_editmode()
    rulebook = load_rulebook()
    standards = load_standards(rulebook)
    chosen = [standards[name] for name in (names or standards)]
    prefix = rulebook.regions.override_prefix if rulebook.regions else None
    return rig_coverage(snapshot_from_object(obj, source=bpy.data.filepath, region_prefix=prefix), rulebook, chosen)


class FACS_AUDIT_OT_standards(MeshWithShapeKeys, bpy.types.Operator):
    bl_idname = "facs_audit.standards"
    bl_label = "Check Standards"
    bl_description = "Which runtime standards (ARKit, Roblox, OpenXR, Unified Expressions, SRanipal) this mesh can drive"

    def execute(self, context):
        from ..core import AuditError
        obj = context.active_object
        try:
            covers = active_coverage(obj)
        except AuditError as error:
            self.report({'ERROR'}, str(error))
            return {'CANCELLED'}
        state = context.window_manager.facs_audit_standards
        state.rows.clear()
        state.object_name = obj.name
        for cover in covers:
            row = state.rows.add()
            row.name, row.title = cover.standard.name, cover.standard.title
            row.covered, row.total = cover.covered, len(cover.results)
            row.approximate = len(cover.named("approximate"))
            row.missing = ", ".join(cover.named("missing"))
        self.report({'INFO'}, "; ".join(f"{c.standard.name} {c.covered}/{len(c.results)}" for c in covers))
        return {'FINISHED'}


class FACS_AUDIT_OT_export_retarget_map(MeshWithShapeKeys, bpy.types.Operator):
    bl_idname = "facs_audit.export_retarget_map"
    bl_label = "Write Retarget Map"
    bl_description = "Write which shape keys (and weights) drive each target of the chosen standard, as JSON"

    filepath: StringProperty(subtype='FILE_PATH')
    filter_glob: StringProperty(default="*.json", options={'HIDDEN'})
    standard: EnumProperty(name="Standard", items=standard_items())

    def invoke(self, context, _event):
        self.standard = context.window_manager.facs_audit_standards.standard
        self.filepath = f"{context.active_object.name}.{self.standard}.json"
        context.window_manager.fileselect_add(self)
        return {'RUNNING_MODAL'}

    def execute(self, context):
        from ..cmd_standards import map_json
        from ..core import AuditError
        obj = context.active_object
        try:
            cover, = active_coverage(obj, [self.standard])
            with open(bpy.path.abspath(self.filepath), "w", encoding="utf-8") as handle:
                handle.write(map_json(bpy.data.filepath, obj.name, cover))
        except AuditError as error:
            self.report({'ERROR'}, str(error))
            return {'CANCELLED'}
        except OSError as error:
            self.report({'ERROR'}, f"{self.filepath}: cannot write the retarget map ({error.strerror})")
            return {'CANCELLED'}
        self.report({'INFO'}, f"{self.standard}: {cover.covered}/{len(cover.results)} targets mapped, "
                              f"written to {self.filepath}")
        return {'FINISHED'}


class FACS_AUDIT_PT_standards(bpy.types.Panel):
    bl_label = "Standards"
    bl_idname = "FACS_AUDIT_PT_standards"
    bl_space_type = 'VIEW_3D'
    bl_region_type = 'UI'
    bl_category = "FACS Audit"
    bl_options = {'DEFAULT_CLOSED'}

    def draw(self, context):
        layout = self.layout
        state = context.window_manager.facs_audit_standards
        layout.operator("facs_audit.standards", icon='CHECKMARK')
        if not state.rows:
            return
        box = layout.box()
        box.label(text=state.object_name, icon='MESH_DATA')
        for row in state.rows:
            line = box.row()
            line.label(text=row.title)
            line.label(text=f"{row.covered}/{row.total}" + (f" (~{row.approximate})" if row.approximate else ""),
                       icon='CHECKMARK' if row.covered == row.total else 'ERROR')
            if row.missing:
                box.label(text=f"  missing: {_short(row.missing)}")
        line = layout.row(align=True)
        line.prop(state, "standard", text="")
        line.operator("facs_audit.export_retarget_map", text="Write Map", icon='EXPORT')


def _short(text, most=60):
    return text if len(text) <= most else text[:most - 3] + "..."


_classes = (FACS_AUDIT_PG_standard_row, FACS_AUDIT_PG_standards, FACS_AUDIT_OT_standards,
            FACS_AUDIT_OT_export_retarget_map, FACS_AUDIT_PT_standards)


def register():
    for cls in _classes:
        bpy.utils.register_class(cls)
    bpy.types.WindowManager.facs_audit_standards = PointerProperty(type=FACS_AUDIT_PG_standards)


def unregister():
    del bpy.types.WindowManager.facs_audit_standards
    for cls in reversed(_classes):
        bpy.utils.unregister_class(cls)
