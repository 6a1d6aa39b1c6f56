"""The panel: View3D > Sidebar > FACS Audit, and the same panel in Properties > Object Data.

The Properties copy sits beside Blender's own Shape Keys panel; it is also the one older Blender (3.4)
can show by script, which has no way to pick a sidebar tab.
"""

import textwrap

import bpy

from .results import measures_of, visible

SEVERITY_ICONS = {"error": 'CANCEL', "warning": 'ERROR', "info": 'INFO'}


class FACS_AUDIT_UL_findings(bpy.types.UIList):
    bl_idname = "FACS_AUDIT_UL_findings"

    def draw_item(self, _context, layout, data, item, _icon, _active_data, _active_property, index=0, _flt_flag=0):
        row = layout.row(align=True)
        if data.grouped and not item.group_first:
            row.label(text="", icon='BLANK1')  # the same root cause as the row above
        text = item.message
        if len(data.rigs) > 1:
            text = f"{item.object}: {text}"
        row.label(text=text, icon=SEVERITY_ICONS.get(item.severity, 'DOT'))

    def filter_items(self, _context, data, propname):
        items = getattr(data, propname)
        shown = visible(data)
        flags = [0] * len(items)
        order = [0] * len(items)
        for position, i in enumerate(shown):
            flags[i] = self.bitflag_filter_item
            order[i] = position
        rest = len(shown)
        for i in range(len(items)):
            if not flags[i]:
                order[i] = rest
                rest += 1
        return flags, order


def draw_panel(layout, context):
    settings = context.scene.facs_audit
    results = context.window_manager.facs_audit
    if len(results.profiles):
        layout.prop_search(settings, "profile", results, "profiles")
    else:
        layout.prop(settings, "profile")
    layout.prop(settings, "scope", expand=True)
    row = layout.row(align=True)
    row.operator("facs_audit.run_audit", icon='VIEWZOOM')
    row.operator("facs_audit.update_audit", text="", icon='FILE_REFRESH')
    if results.status:
        column = layout.column(align=True)
        for line in _wrap(results.status, 52):
            column.label(text=line)
    if not results.rigs:
        return
    for rig in results.rigs:
        box = layout.box()
        box.label(text=f"{rig.name}: {rig.errors} error(s), {rig.warnings} warning(s), {rig.infos} info",
                  icon='MESH_DATA')
        column = box.column(align=True)
        for shape_set in rig.sets:  # each set with its own profile
            column.label(text=f"{shape_set.name or '(no prefix)'}  {shape_set.convention or 'unrecognised'}, "
                              f"profile {shape_set.profile or '-'}, {shape_set.recognised}/{shape_set.shapes} read")
    if not results.findings:
        layout.label(text="No issues detected.", icon='CHECKMARK')
        return
    draw_filters(layout, results)
    layout.template_list("FACS_AUDIT_UL_findings", "", results, "findings", results, "active_index", rows=8)
    if 0 <= results.active_index < len(results.findings):
        draw_detail(layout, results, results.findings[results.active_index], results.active_index)
    layout.operator("facs_audit.write_regions", icon='GROUP_VERTEX')


def draw_filters(layout, results):
    row = layout.row(align=True)
    row.prop(results, "show_errors", text="", icon=SEVERITY_ICONS["error"])
    row.prop(results, "show_warnings", text="", icon=SEVERITY_ICONS["warning"])
    row.prop(results, "show_infos", text="", icon=SEVERITY_ICONS["info"])
    row.prop(results, "search", text="", icon='VIEWZOOM')
    row.prop(results, "grouped", text="", icon='OUTLINER')
    row = layout.row(align=True)
    categories = ", ".join(sorted(results.filter_categories)) or "all categories"
    row.prop_menu_enum(results, "filter_categories", text=categories, icon='FILTER')
    row.prop(results, "filter_set", text="", icon='SHAPEKEY_DATA')
    if len(results.rigs) > 1:
        row.prop_search(results, "filter_object", results, "rigs", text="")


def draw_detail(layout, results, finding, index):
    box = layout.box()
    box.label(text=f"{finding.rule} ({finding.severity})", icon=SEVERITY_ICONS.get(finding.severity, 'DOT'))
    column = box.column(align=True)
    # Labels do not wrap: split the message into short lines so the sidebar shows all of it.
    for line in _wrap(finding.message, 48):
        column.label(text=line)
    if finding.group or finding.rank:
        column.label(text=f"rank {finding.rank}, group {finding.group or '-'}")
    measures = measures_of(finding)
    if measures:
        grid = box.column(align=True)
        for name, text in measures:
            split = grid.split(factor=0.45)
            split.label(text=name)
            split.label(text=text)
    if finding.why:
        column = box.column(align=True)
        for i, line in enumerate(_wrap(finding.why, 48)):
            column.label(text=line, icon='QUESTION' if i == 0 else 'BLANK1')
    fixes = [f for f in finding.fixes.split(",") if f]
    if fixes:
        column = box.column(align=True)
        can_fix = hasattr(bpy.types, "FACS_AUDIT_OT_apply_fix")
        for fix in fixes:
            if can_fix:
                op = column.operator("facs_audit.apply_fix", text=f"Fix: {fix}", icon='TOOL_SETTINGS')
                op.index, op.fix = index, fix
            else:
                column.label(text=f"Fix: {fix}", icon='TOOL_SETTINGS')
    row = box.row(align=True)
    row.operator("facs_audit.select_finding", text="Select", icon='RESTRICT_SELECT_OFF').index = index
    previewing = bool(results.preview_object)
    row.operator("facs_audit.preview_finding", text="Back" if previewing else "Preview",
                 icon='HIDE_OFF', depress=previewing).index = index
    row = box.row(align=True)
    row.operator("facs_audit.show_heat", icon='COLOR').index = index
    row.operator("facs_audit.clear_heat", text="Clear", icon='X')


class FACS_AUDIT_PT_panel(bpy.types.Panel):
    bl_label = "FACS Audit"
    bl_idname = "FACS_AUDIT_PT_panel"
    bl_space_type = 'VIEW_3D'
    bl_region_type = 'UI'
    bl_category = "FACS Audit"

    def draw(self, context):
        draw_panel(self.layout, context)


class FACS_AUDIT_PT_data(bpy.types.Panel):
    bl_label = "FACS Audit"
    bl_idname = "FACS_AUDIT_PT_data"
    bl_space_type = 'PROPERTIES'
    bl_region_type = 'WINDOW'
    bl_context = "data"

    @classmethod
    def poll(cls, context):
        return context.object is not None and context.object.type in {'MESH', 'ARMATURE'}

    def draw(self, context):
        draw_panel(self.layout, context)


def _wrap(text, width):
    return textwrap.wrap(text, width) or [""]


classes = (FACS_AUDIT_UL_findings, FACS_AUDIT_PT_panel, FACS_AUDIT_PT_data)
register, unregister = bpy.utils.register_classes_factory(classes)
