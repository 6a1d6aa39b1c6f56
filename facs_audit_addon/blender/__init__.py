"""The Blender side: extraction (extract, load), properties, operators, the sidebar panel, the CLI command.

``register()`` is called by the extension entry point (the repository's root ``__init__.py``).
The CLI command lets a Blender binary run the audit: ``blender -b --command facs_audit audit rig.blend``.
"""

import bpy

from . import fix_ops, operators, props, standards_ui, ui

_modules = (props, operators, ui, fix_ops, standards_ui)
#: handles from register_cli_command, released in unregister
_cli_handles = []


def _cli_command(argv):
    from .. import cli
    return cli.main(argv, prog="blender --command facs_audit")


def register():
    for module in _modules:
        module.register()
    _cli_handles.append(bpy.utils.register_cli_command("facs_audit", _cli_command))


def unregister():
    while _cli_handles:
        bpy.utils.unregister_cli_command(_cli_handles.pop())
    for module in reversed(_modules):
        module.unregister()
