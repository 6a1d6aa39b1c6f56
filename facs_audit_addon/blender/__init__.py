"""The Blender side: extraction (extract, load), properties, operators, the panels, the CLI command.

``register()`` is called by the add-on entry point (the repository's root ``__init__.py``), as an
extension (Blender 4.2+) or as a legacy add-on (3.4+). The CLI command lets a Blender binary run the
audit: ``blender -b --command facs_audit audit rig.blend`` (Blender 4.2+; older Blender has no
``register_cli_command`` and runs ``python -m facs_audit_addon`` instead).

Each module of ``_modules()`` has its own ``register()``/``unregister()``; an optional ``fix_ops`` module
(the fix operators) joins them when it exists, after the panels (its sub-panel needs them). They are
imported on registration, not with this package: the CLI and batch workers import ``load`` and
``extract`` from here, and the panels' modules cost them 0.1-0.2 s (the Standards section reads every
standard file for its menu).
"""

import bpy

#: handles from register_cli_command, released in unregister
_cli_handles = []


def _modules():
    from . import live, operators, prefs, props, see, standards_ui, ui
    try:
        from . import fix_ops
    except ImportError:
        fix_ops = None
    return tuple(m for m in (prefs, props, operators, ui, fix_ops, standards_ui, live, see) if m is not None)


def _cli_command(argv):
    from .. import cli
    return cli.main(argv, prog="blender --command facs_audit")


def register():
    for module in _modules():
        module.register()
    if hasattr(bpy.utils, "register_cli_command"):  # Blender 4.2+
        _cli_handles.append(bpy.utils.register_cli_command("facs_audit", _cli_command))


def unregister():
    while _cli_handles:
        bpy.utils.unregister_cli_command(_cli_handles.pop())
    for module in reversed(_modules()):
        module.unregister()
