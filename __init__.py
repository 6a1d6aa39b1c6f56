# Blender extension entry point: the repository root is the extension's source directory.
# Everything lives in the facs_audit_addon package; this file only hands over registration.


def register():
    from .facs_audit_addon.blender import register as register_addon
    register_addon()


def unregister():
    from .facs_audit_addon.blender import unregister as unregister_addon
    unregister_addon()
