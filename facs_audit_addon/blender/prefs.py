"""Add-on preferences: extra rule files or folders (what --rules reads on the command line), the default
profile, and whether a heat map may be saved into the user's file."""

import os
from pathlib import Path

import bpy
from bpy.props import BoolProperty, StringProperty

from .props import with_update

#: the add-on's module: "bl_ext.<repo>.facs_audit" as an extension, "facs_audit" as a legacy add-on
ADDON = __package__.rsplit(".facs_audit_addon", 1)[0] if ".facs_audit_addon" in __package__ else "facs_audit"
#: the shipped examples folder (in the zip too), as a hint in the preferences
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _rules_changed(_self, context):
    from .rules import refresh_profiles
    refresh_profiles(context)


class FACS_AUDIT_AP_preferences(bpy.types.AddonPreferences):
    bl_idname = ADDON

    rule_paths: StringProperty(
        name="Extra rules",
        description="Convention or profile TOML files, or folders of them, separated by ';' (what the command "
                    "line's --rules reads)",
        default="", **with_update(_rules_changed),
    )
    default_profile: StringProperty(
        name="Default profile",
        description="Profile used when the panel's profile is 'auto' (empty: each shape set's convention default)",
        default="",
    )
    keep_heat_map: BoolProperty(
        name="Save heat maps", default=False,
        description="Keep the heat-map colour attribute when saving (off: it is removed from the saved file)",
    )

    def draw(self, _context):
        layout = self.layout
        layout.prop(self, "rule_paths")
        if EXAMPLES.is_dir():
            layout.label(text=f"Examples: {EXAMPLES}", icon='INFO')
        layout.prop(self, "default_profile")
        layout.prop(self, "keep_heat_map")


class _Defaults:
    rule_paths = ""
    default_profile = ""
    keep_heat_map = False


def preferences(context=None):
    """The add-on's preferences, or their defaults when it runs without being an enabled add-on (tests)."""
    context = context or bpy.context
    addon = context.preferences.addons.get(ADDON)
    return addon.preferences if addon is not None and addon.preferences is not None else _Defaults()


def rule_files(text):
    """The TOML files named by the preference text: files as given, folders as their *.toml (sorted)."""
    files = []
    for part in (p.strip() for p in text.split(";")):
        if not part:
            continue
        path = Path(bpy.path.abspath(part) if part.startswith("//") else os.path.expanduser(part))
        files.extend(sorted(path.glob("*.toml")) if path.is_dir() else [path])
    return files


classes = (FACS_AUDIT_AP_preferences,)
register, unregister = bpy.utils.register_classes_factory(classes)
