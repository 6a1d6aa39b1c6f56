"""The sidebar panel: View3D > Sidebar > FACS Audit."""

import bpy

SEVERITY_ICONS = {"error": 'CANCEL', "warning": 'ERROR', "info": 'INFO'}


class FACS_AUDIT_UL_findings(bpy.types.UIList):
    bl_idname = "FACS_AUDIT_UL_findings"

    def draw_item(self, _context, layout, _data, item, _icon, _active_data, _active_property, index=0, _flt_flag=0):
        row = layout.row(align=True)
        row.label(text=item.message, icon=SEVERITY_ICONS.get(item.severity, 'DOT'))
        if item.shapes or item.vertices:
            row.operator("facs_audit.select_finding", text="", icon='RESTRICT_SELECT_OFF',
                         emboss=False).index = index


class FACS_AUDIT_PT_panel(bpy.types.Panel):
    bl_label = "FACS Audit"
    bl_idname = "FACS_AUDIT_PT_panel"
    bl_space_type = 'VIEW_3D'
    bl_region_type = 'UI'
    bl_category = "FACS Audit"

    def draw(self, context):
        layout = self.layout
        layout.prop(context.scene.facs_audit, "profile")
        row = layout.row(align=True)
        row.operator("facs_audit.run_audit", icon='VIEWZOOM')
        row.operator("facs_audit.update_audit", text="", icon='FILE_REFRESH')
        results = context.window_manager.facs_audit
        if not results.object_name:
            return
        box = layout.box()
        box.label(text=f"{results.object_name}: {results.profile or 'no profile'}", icon='MESH_DATA')
        row = box.row()
        row.label(text=str(results.errors), icon=SEVERITY_ICONS["error"])
        row.label(text=str(results.warnings), icon=SEVERITY_ICONS["warning"])
        row.label(text=str(results.infos), icon=SEVERITY_ICONS["info"])
        if not results.findings:
            box.label(text="No issues detected.", icon='CHECKMARK')
            return
        layout.template_list("FACS_AUDIT_UL_findings", "", results, "findings", results, "active_index", rows=6)
        if 0 <= results.active_index < len(results.findings):
            self.draw_detail(layout, results.findings[results.active_index], results.active_index)

    @staticmethod
    def draw_detail(layout, finding, index):
        box = layout.box()
        box.label(text=f"{finding.rule} ({finding.severity})", icon=SEVERITY_ICONS.get(finding.severity, 'DOT'))
        column = box.column(align=True)
        # Labels do not wrap: split the message into short lines so the sidebar shows all of it.
        for line in _wrap(finding.message, 48):
            column.label(text=line)
        if finding.group:
            size = f", {finding.magnitude:.1%} of the face" if finding.magnitude else ""
            column.label(text=f"#{finding.rank} {finding.group}{size}")
        if finding.shapes or finding.vertices:
            box.operator("facs_audit.select_finding", text="Select", icon='RESTRICT_SELECT_OFF').index = index


def _wrap(text, width):
    import textwrap
    return textwrap.wrap(text, width) or [""]


classes = (FACS_AUDIT_UL_findings, FACS_AUDIT_PT_panel)
register, unregister = bpy.utils.register_classes_factory(classes)
