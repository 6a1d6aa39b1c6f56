"""Open a rig file in the running Blender and read every mesh with shape keys (headless use: CLI, batch).

Loading replaces the session's data (``read_factory_settings`` / ``open_mainfile``): call it from the
command line or a script, not from an interactive session with unsaved work. The user's file is only
read, never saved.
"""

import os
from pathlib import Path

import bpy

from ..core import RigInputError
from ..stdio import stdout_redirected
from .extract import snapshot_from_object

BLEND = (".blend",)
FBX = (".fbx",)
GLTF = (".glb", ".gltf")
USD = (".usd", ".usda", ".usdc", ".usdz")
SUPPORTED = BLEND + FBX + GLTF + USD


def load_snapshots(path, object_name=None, *, verbose=False, scratch=None, region_prefix=None):
    """Read the rig file at ``path`` and return one RigSnapshot per mesh object with shape keys.

    object_name : str, optional
        Read only this object (it must be a mesh with shape keys).
    verbose : bool
        Send Blender's own log lines to stderr instead of discarding them. They never reach stdout,
        which carries only the report.
    scratch : core.scratch.Scratch, optional
        Memory for the deltas reused from the previous file (batches): the snapshots of one call are
        valid until the next call with the same scratch.
    region_prefix : str, optional
        The rulebook's region-override prefix (``rulebook.regions.override_prefix``): vertex groups
        named with it are read into the snapshots.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if not path.is_file():
        raise RigInputError(f"{path}: no such file")
    if suffix not in SUPPORTED:
        raise RigInputError(f"{path}: unsupported file type '{suffix}' (expected one of {', '.join(SUPPORTED)})")
    # Blender's own log lines never reach stdout, which carries only the report
    with stdout_redirected(to_stderr=verbose):
        _open(path, suffix)
        objects = sorted(bpy.data.objects, key=lambda o: o.name)
        if object_name is not None:
            obj = bpy.data.objects.get(object_name)
            if obj is None:
                raise RigInputError(f"{path}: no object named '{object_name}'")
            if obj.type != 'MESH':
                raise RigInputError(f"{path}: object '{object_name}' is not a mesh ({obj.type.lower()})")
            return [_snapshot(obj, path, scratch.slot(0) if scratch else None, region_prefix)]
        meshes = [o for o in objects if o.type == 'MESH']
        if not meshes:
            raise RigInputError(f"{path}: the file has no mesh")
        keyed = [o for o in meshes if o.data.shape_keys is not None and len(o.data.shape_keys.key_blocks) > 1]
        if not keyed:
            raise RigInputError(f"{path}: the file has no mesh with shape keys")
        return [_snapshot(o, path, scratch.slot(i) if scratch else None, region_prefix) for i, o in enumerate(keyed)]


def _snapshot(obj, path, scratch, region_prefix):
    try:
        return snapshot_from_object(obj, source=str(path), scratch=scratch, region_prefix=region_prefix)
    except RigInputError as error:
        raise RigInputError(f"{path}: {error}") from None


#: file suffixes -> the importer operator that reads them
IMPORTERS = {**dict.fromkeys(FBX, "import_scene.fbx"), **dict.fromkeys(GLTF, "import_scene.gltf"),
             **dict.fromkeys(USD, "wm.usd_import")}


def _open(path, suffix):
    """Load ``path`` into a fresh, empty session. Scripts in the file and scripted drivers never run."""
    if suffix not in BLEND:  # open_mainfile replaces the whole session itself; an importer adds to it
        # read_homefile, not read_factory_settings: the latter also resets the preferences, which disables
        # every add-on, this extension included, when the audit runs inside Blender (--command facs_audit).
        bpy.ops.wm.read_homefile(use_empty=True, use_factory_startup=True, load_ui=False)
    # Blender 4.2 resolves a relative path that starts with "../" against another folder than the
    # current one: hand it the absolute path (reports keep the path as given)
    filepath = os.path.abspath(path)
    try:
        if suffix in BLEND:
            # use_scripts=False overrides the "Auto Run Python Scripts" preference for this file: text
            # blocks marked to run stay inert and scripted drivers are refused (bpy.app.autoexec_fail).
            bpy.ops.wm.open_mainfile(filepath=filepath, load_ui=False, use_scripts=False)
        else:
            _importer(path, suffix)(filepath=filepath)
    except RuntimeError as error:
        raise RigInputError(f"{path}: cannot read the file: {_first_line(error)}") from None
    # Importers may leave parent transforms unevaluated; matrix_world must be current.
    if bpy.context.view_layer is not None:
        bpy.context.view_layer.update()


def _importer(path, suffix):
    category, name = IMPORTERS[suffix].split(".")
    operator = getattr(getattr(bpy.ops, category), name)
    try:
        operator.get_rna_type()
    except KeyError:
        raise RigInputError(f"{path}: Blender's {suffix} importer is not available (enable its add-on)") from None
    return operator


def _first_line(error):
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    text = lines[0] if lines else type(error).__name__
    return text.removeprefix("Error:").strip()
