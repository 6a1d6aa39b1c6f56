"""Properties: the audit settings (on the Scene) and the last audit's findings (on the WindowManager)."""

import bpy
from bpy.props import (BoolProperty, CollectionProperty, EnumProperty, FloatProperty, IntProperty, PointerProperty,
                       StringProperty)

AUTO = "auto"

CATEGORY_ITEMS = tuple((c, c.capitalize(), f"Show {c} findings") for c in
                       ("naming", "coverage", "symmetry", "region", "coactivation", "conflation", "rig"))

SCOPE_ITEMS = (
    ('ACTIVE', "Active", "The active mesh, or every mesh with shape keys of the active armature"),
    ('RIG', "Rig", "Every mesh with shape keys under the armature of the active object (face, teeth, tongue, "
                   "lashes)"),
    ('COLLECTION', "Collection", "Every mesh with shape keys in the active collection"),
)


class FACS_AUDIT_PG_name(bpy.types.PropertyGroup):
    """One name (the built-in ``name`` property is the value): a shape key, a profile."""


class FACS_AUDIT_PG_settings(bpy.types.PropertyGroup):
    # A string picked from a list (prop_search), not an EnumProperty: the profiles come from the rule
    # files, which preferences can extend while Blender runs, and Blender 4.2 as a Python module crashes
    # at exit after an EnumProperty with a dynamic items callback was registered.
    profile: StringProperty(
        name="Profile",
        description="Rule profile the rig is audited against ('auto': the default profile of each shape set's "
                    "naming convention, or the preference's default profile)",
        default=AUTO,
    )
    scope: EnumProperty(name="Audit", description="Which meshes an audit covers", items=SCOPE_ITEMS,
                        default='ACTIVE')


#: Blender 4.x as a Python module (no binary, no UI) crashes at exit once any property with an update
#: callback was registered; there is nothing to click there anyway, so the callbacks are left out.
UPDATE_CALLBACKS = bpy.app.version >= (5, 0) or bool(bpy.app.binary_path)


def with_update(callback):
    """``{"update": callback}`` where property update callbacks are safe (see UPDATE_CALLBACKS), else {}."""
    return {"update": callback} if UPDATE_CALLBACKS else {}


def _on_active(results, context):
    """Clicking a row selects its finding (the list's active index changed)."""
    from .results import _quiet
    if _quiet:
        return
    from . import see
    see.select_finding(context, results.active_index)


class FACS_AUDIT_PG_finding(bpy.types.PropertyGroup):
    object: StringProperty(name="Object")
    rule: StringProperty(name="Rule")
    category: StringProperty(name="Category")
    severity: StringProperty(name="Severity")
    message: StringProperty(name="Message")
    side: StringProperty(name="Side")
    shapes: CollectionProperty(type=FACS_AUDIT_PG_name)
    #: offending vertex indices, comma-separated (a string keeps long lists cheap to store)
    vertices: StringProperty(name="Vertices")
    #: the finding's numbers as JSON (the report's "measures")
    measures: StringProperty(name="Measures")
    #: the rule's "why it matters" (rules/findings.toml)
    why: StringProperty(name="Why")
    group: StringProperty(name="Group")
    rank: IntProperty(name="Rank")
    magnitude: FloatProperty(name="Magnitude")
    #: the first finding of its root-cause group (the grouped view draws the group there)
    group_first: BoolProperty()
    #: prefix of the shape set the finding's first shape belongs to
    shape_set: StringProperty(name="Shape set")
    #: fix ids that apply (core.fixes), comma-separated
    fixes: StringProperty(name="Fixes")


class FACS_AUDIT_PG_set(bpy.types.PropertyGroup):
    """One shape set of an audited object (``name`` is its prefix)."""

    convention: StringProperty()
    profile: StringProperty()
    shapes: IntProperty()
    recognised: IntProperty()


class FACS_AUDIT_PG_rig(bpy.types.PropertyGroup):
    """One audited object (``name`` is the object's name)."""

    profile: StringProperty()
    convention: StringProperty()
    vertex_count: IntProperty(default=-1)
    errors: IntProperty()
    warnings: IntProperty()
    infos: IntProperty()
    sets: CollectionProperty(type=FACS_AUDIT_PG_set)


class FACS_AUDIT_PG_results(bpy.types.PropertyGroup):
    object_name: StringProperty(name="Object")
    #: vertex count at audit time, to tell when the findings no longer match the mesh
    vertex_count: IntProperty(default=-1)
    profile: StringProperty(name="Profile")
    convention: StringProperty(name="Convention")
    errors: IntProperty()
    warnings: IntProperty()
    infos: IntProperty()
    rigs: CollectionProperty(type=FACS_AUDIT_PG_rig)
    findings: CollectionProperty(type=FACS_AUDIT_PG_finding)
    #: clicking a row (changing the active index) selects the finding
    active_index: IntProperty(name="Finding", default=0, **with_update(_on_active))
    #: one line about the last action (what was selected, what could not be done and why)
    status: StringProperty(name="Status")
    #: the profiles the current rules offer (the profile field picks from these)
    profiles: CollectionProperty(type=FACS_AUDIT_PG_name)
    # triage
    show_errors: BoolProperty(name="Errors", default=True, description="Show errors")
    show_warnings: BoolProperty(name="Warnings", default=True, description="Show warnings")
    show_infos: BoolProperty(name="Info", default=True, description="Show info findings")
    filter_categories: EnumProperty(name="Categories", items=CATEGORY_ITEMS, options={'ENUM_FLAG'},
                                    description="Show only these categories (none: all)")
    filter_set: StringProperty(name="Shape set", description="Show only this shape set's findings (empty: all)")
    filter_object: StringProperty(name="Object", description="Show only this object's findings (empty: all)")
    search: StringProperty(name="Search", description="Show findings whose shape names contain this text",
                           options={'TEXTEDIT_UPDATE'})
    grouped: BoolProperty(name="Grouped", default=True,
                          description="Findings of one root cause together, most important first (as the CLI "
                                      "report ranks them)")
    # see it
    preview_object: StringProperty()
    preview_key: StringProperty()
    preview_show_only: BoolProperty()
    preview_index: IntProperty()
    heat_object: StringProperty()


classes = (FACS_AUDIT_PG_name, FACS_AUDIT_PG_settings, FACS_AUDIT_PG_finding, FACS_AUDIT_PG_set, FACS_AUDIT_PG_rig,
           FACS_AUDIT_PG_results)
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
