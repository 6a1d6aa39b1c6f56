"""Properties: the audit settings (on the Scene) and the last audit's findings (on the WindowManager)."""

import bpy
from bpy.props import CollectionProperty, EnumProperty, FloatProperty, IntProperty, PointerProperty, StringProperty

AUTO = "auto"


def profile_items():
    """Enum items for the profile selector, read from the rulebook once, when the module loads.

    A static list, not an items callback: Blender 4.2 as a Python module crashes at exit after an
    EnumProperty with a dynamic items callback was registered, and the rules do not change while
    Blender runs.
    """
    from ..core import AuditError, load_rulebook
    items = [(AUTO, "Auto", "The default profile of the naming convention the rig uses")]
    try:
        profiles = load_rulebook().profiles
    except AuditError:
        return tuple(items)  # the Run operator reports the rule-file error itself
    items += [(name, name, profiles[name].description) for name in sorted(profiles)]
    return tuple(items)


class FACS_AUDIT_PG_settings(bpy.types.PropertyGroup):
    profile: EnumProperty(
        name="Profile",
        description="Rule profile the rig is audited against",
        items=profile_items(),
    )


class FACS_AUDIT_PG_name(bpy.types.PropertyGroup):
    """One shape-key name (the built-in ``name`` property is the value)."""


class FACS_AUDIT_PG_finding(bpy.types.PropertyGroup):
    rule: StringProperty(name="Rule")
    category: StringProperty(name="Category")
    severity: StringProperty(name="Severity")
    message: StringProperty(name="Message")
    shapes: CollectionProperty(type=FACS_AUDIT_PG_name)
    #: offending vertex indices, comma-separated (a string keeps long lists cheap to store)
    vertices: StringProperty(name="Vertices")
    #: root cause, order of importance and visible size (core/triage.py), as in the JSON report
    group: StringProperty(name="Root Cause")
    rank: IntProperty(name="Rank")
    magnitude: FloatProperty(name="Visible Size", description="Visible effect as a share of the face size")


class FACS_AUDIT_PG_results(bpy.types.PropertyGroup):
    object_name: StringProperty(name="Object")
    #: vertex count at audit time, to tell when the findings no longer match the mesh
    vertex_count: IntProperty(default=-1)
    profile: StringProperty(name="Profile")
    convention: StringProperty(name="Convention")
    errors: IntProperty()
    warnings: IntProperty()
    infos: IntProperty()
    findings: CollectionProperty(type=FACS_AUDIT_PG_finding)
    active_index: IntProperty(name="Finding", default=0)


classes = (FACS_AUDIT_PG_settings, FACS_AUDIT_PG_name, FACS_AUDIT_PG_finding, FACS_AUDIT_PG_results)
_register_classes, _unregister_classes = bpy.utils.register_classes_factory(classes)


def register():
    _register_classes()
    bpy.types.Scene.facs_audit = PointerProperty(type=FACS_AUDIT_PG_settings)
    bpy.types.WindowManager.facs_audit = PointerProperty(type=FACS_AUDIT_PG_results)


def unregister():
    for owner in (bpy.types.WindowManager, bpy.types.Scene):
        try:
            del owner.facs_audit
        except AttributeError:
            pass
    _unregister_classes()
