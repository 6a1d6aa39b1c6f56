# Add-on entry point: the repository root is the extension's source directory (Blender 4.2+ reads
# blender_manifest.toml) and, as a folder named facs_audit under scripts/addons, a legacy add-on
# (Blender 3.4+ reads bl_info). Everything lives in the facs_audit_addon package; this file only hands
# over registration.

bl_info = {
    "name": "FACS Audit",
    "author": "facs-audit developers",
    "version": (0, 1, 0),
    "blender": (3, 4, 0),
    "location": "View3D > Sidebar > FACS Audit; Properties > Object Data > FACS Audit",
    "description": "Audit facial shape keys against FACS Action Units",
    "category": "Rigging",
}


def register():
    from .facs_audit_addon.blender import register as register_addon
    register_addon()


def unregister():
    from .facs_audit_addon.blender import unregister as unregister_addon
    unregister_addon()
