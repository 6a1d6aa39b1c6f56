"""Read one Blender mesh object into a RigSnapshot: the only place that reads shape keys from bpy.

Everything crosses the bpy boundary in bulk (``foreach_get`` into float32 buffers); no bpy object is
kept in the snapshot. Drivers are recorded, never evaluated.
"""

import re

import numpy as np

from ..core import Driver, RigInputError, RigSnapshot
from ..core.scratch import new_array

#: More integer frames than this and animation is sampled at its keyframes only.
MAX_ANIMATION_SAMPLES = 20000

_KEY_VALUE_PATH = re.compile(r'^key_blocks\["((?:[^"\\]|\\.)*)"\]\.value$')


def snapshot_from_object(obj, *, source="", scratch=None, region_prefix=None):
    """Read a mesh object's shape keys into a RigSnapshot in world orientation.

    Positions and deltas get the object's world rotation and scale (positions also its translation),
    so imported rigs carrying a 90-degree X rotation or a 0.01 scale are audited upright, in metres.
    ``scratch`` (a core.scratch.Slot, batches only): memory for the deltas, reused by the next rig.
    ``region_prefix``: the rulebook's region-override prefix (``rulebook.regions.override_prefix``,
    e.g. ``facs_region_``); the vertex groups named with it are read. None: no group is read.
    """
    if obj is None or obj.type != 'MESH':
        kind = "no object" if obj is None else obj.type.lower()
        raise RigInputError(f"{getattr(obj, 'name', 'active object')}: expected a mesh object ({kind})")
    mesh = obj.data
    key = mesh.shape_keys
    if key is None or len(key.key_blocks) < 2:
        raise RigInputError(f"{obj.name}: the mesh has no shape keys besides its basis")
    blocks = list(key.key_blocks)
    reference = key.reference_key
    n = len(mesh.vertices)

    index = {block.name: i for i, block in enumerate(blocks)}
    ref_i = index[reference.name]
    shapes = [i for i in range(len(blocks)) if i != ref_i]
    # A key relative to itself gets a zero delta: that is how Blender evaluates it (it has no effect).
    rel_i = [index.get(getattr(blocks[i].relative_key, "name", ""), ref_i) for i in shapes]

    # Each key is read straight into its row of the result and turned into a delta in place: one
    # (k, n, 3) buffer in all, instead of raw coordinates plus deltas (twice the memory, and a slow
    # first touch of a second huge allocation).
    local_basis = np.empty((n, 3), dtype=np.float32)
    _read_co(reference, local_basis)
    shape = (len(shapes), n, 3)
    deltas = new_array(scratch, "deltas", shape)
    row_of = {i: j for j, i in enumerate(shapes)}
    for j, i in enumerate(shapes):
        _read_co(blocks[i], deltas[j])
    # Raw positions of the (few) keys other keys are relative to, before their rows become deltas.
    relatives = {r: deltas[row_of[r]].copy() for r in set(rel_i) if r != ref_i}
    for j, (i, r) in enumerate(zip(shapes, rel_i)):
        deltas[j] -= local_basis if r == ref_i else relatives[r]

    # Row vectors: world = local @ M^T + t.
    matrix = np.array(obj.matrix_world, dtype=np.float64)
    linear = matrix[:3, :3].T.astype(np.float32)
    basis = local_basis @ linear + matrix[:3, 3].astype(np.float32)
    if not np.allclose(linear, np.eye(3)):
        # Blocks of keys: a few BLAS calls, and no second (k, n, 3) array.
        for start in range(0, len(shapes), 32):
            block = deltas[start:start + 32]
            block[...] = (block.reshape(-1, 3) @ linear).reshape(block.shape)

    names = tuple(blocks[i].name for i in shapes)
    return RigSnapshot(
        name=obj.name,
        basis=basis,
        deltas=deltas,
        names=names,
        relative_keys=tuple(blocks[r].name for r in rel_i),
        muted=tuple(bool(blocks[i].mute) for i in shapes),
        vertex_groups=_read_vertex_groups(obj, region_prefix) if region_prefix else {},
        drivers=_read_drivers(key, set(names)),
        animation=_read_animation(key, set(names)),
        basis_name=reference.name,
        source=source,
        edges=read_edges(mesh),
    )


def read_edges(mesh):
    """(e, 2) int32 vertex pairs of the mesh's edges, in one bulk read.

    From the ``.edge_verts`` attribute where Blender keeps them (4.x): ~0.05 ms for the sample face's
    45k edges, against ~7 ms through ``MeshEdge.vertices``, which reads item by item.
    """
    edges = np.empty(2 * len(mesh.edges), dtype=np.int32)
    stored = mesh.attributes.get(".edge_verts")
    if stored is not None and stored.domain == 'EDGE' and stored.data_type == 'INT32_2D':
        stored.data.foreach_get("value", edges)
    else:
        mesh.edges.foreach_get("vertices", edges)
    return edges.reshape(-1, 2)


def read_shape_delta(obj, name):
    """One shape key's delta in world orientation, (n, 3) float32: what a re-audit reads after an edit."""
    blocks = obj.data.shape_keys.key_blocks
    block = blocks[name]
    n = len(obj.data.vertices)
    delta = np.empty((n, 3), dtype=np.float32)
    relative = np.empty((n, 3), dtype=np.float32)
    _read_co(block, delta)
    _read_co(block.relative_key if block.relative_key is not None else obj.data.shape_keys.reference_key, relative)
    delta -= relative
    linear = np.array(obj.matrix_world, dtype=np.float64)[:3, :3].T.astype(np.float32)
    return delta if np.allclose(linear, np.eye(3)) else delta @ linear


def _read_co(block, out):
    """Fill ``out`` ((n, 3) float32) with a key block's positions, by the fastest path available."""
    flat = out.reshape(-1)
    # ShapeKey.points (4.1+) reads ~150x faster than .data, which goes through generic RNA items.
    points = getattr(block, "points", None)
    if points is not None:
        points.foreach_get("co", flat)
    else:
        block.data.foreach_get("co", flat)


def _read_vertex_groups(obj, prefix):
    """Weights of the region-override groups (named ``prefix<region>``): {name: (n,) float32}, 0 where
    unassigned. Only these: Blender has no bulk read for vertex weights, so reading every group of a
    skinned character would cost one Python step per vertex and group for data the audit never uses."""
    groups = {g.index: g.name for g in obj.vertex_groups if g.name.startswith(prefix)}
    n = len(obj.data.vertices)
    weights = {name: np.zeros(n, dtype=np.float32) for name in groups.values()}
    if not groups:
        return weights
    by_index = {i: weights[name] for i, name in groups.items()}
    # No bulk API exists for vertex weights: one pass over the vertices, only for the groups above.
    for vertex in obj.data.vertices:
        for element in vertex.groups:
            target = by_index.get(element.group)
            if target is not None:
                target[vertex.index] = element.weight
    return weights


def _shape_of(data_path):
    match = _KEY_VALUE_PATH.match(data_path)
    return match.group(1).replace('\\"', '"').replace("\\\\", "\\") if match else None


def _read_drivers(key, names):
    """Drivers on shape-key values: targets and expression as text. Nothing is evaluated."""
    anim = key.animation_data
    if anim is None:
        return ()
    drivers = []
    for fcurve in anim.drivers:
        shape = _shape_of(fcurve.data_path)
        if shape not in names:
            continue
        driver = fcurve.driver
        targets = []
        for variable in driver.variables:
            for target in variable.targets:
                id_name = target.id.name if target.id is not None else ""
                # Property variables point at a data path; transform variables at a bone/channel.
                if variable.type in {'SINGLE_PROP', 'CONTEXT_PROP'}:
                    path = target.data_path
                else:
                    path = ":".join(p for p in (target.bone_target, target.transform_type) if p)
                targets.append((id_name, path))
        # Non-scripted drivers (SUM, AVERAGE, MIN, MAX) have no expression; record their type instead.
        expression = driver.expression if driver.type == 'SCRIPTED' else driver.type
        drivers.append(Driver(shape=shape, targets=tuple(targets), expression=expression))
    return tuple(drivers)


def _value_fcurves(action, anim):
    """F-curves of an action: through the assigned slot on layered actions (5.0), else action.fcurves."""
    slot = getattr(anim, "action_slot", None)
    if slot is not None:
        try:
            from bpy_extras.anim_utils import action_get_channelbag_for_slot
        except ImportError:
            action_get_channelbag_for_slot = None
        if action_get_channelbag_for_slot is not None:
            bag = action_get_channelbag_for_slot(action, slot)
            return list(bag.fcurves) if bag is not None else []
    return list(getattr(action, "fcurves", ()))


def _read_animation(key, names):
    """Shape-key value animation: {shape: ((frames...), (values...))} at each integer frame of its keys."""
    anim = key.animation_data
    if anim is None or anim.action is None:
        return {}
    animation = {}
    for fcurve in _value_fcurves(anim.action, anim):
        shape = _shape_of(fcurve.data_path)
        if shape not in names or len(fcurve.keyframe_points) == 0:
            continue
        keys = np.empty(2 * len(fcurve.keyframe_points), dtype=np.float32)
        fcurve.keyframe_points.foreach_get("co", keys)
        key_frames = keys[0::2]
        first, last = int(np.floor(key_frames.min())), int(np.ceil(key_frames.max()))
        if last - first + 1 <= MAX_ANIMATION_SAMPLES:
            frames = np.arange(first, last + 1, dtype=np.float64)
            values = [fcurve.evaluate(float(f)) for f in frames]
        else:
            frames, values = key_frames.astype(np.float64), keys[1::2].astype(np.float64)
        animation[shape] = (tuple(float(f) for f in frames), tuple(float(v) for v in values))
    return animation
