"""The panel's audit state: one AuditSession per audited object, change detection, and its lifetime.

A re-audit must never show what a fresh full audit would not. Three things make it so:

- every shape key is checked for changes, not just the active one: each key's coordinates are read in
  bulk and reduced to a 64-bit checksum (a random odd weight per 64-bit word, summed modulo 2**64: any
  change of one word always changes it, other changes with a chance of about 2**-64 of being missed);
- anything else the audit reads (key names and order, relative keys, mute, slider ranges, masks,
  the object's transform, region vertex groups, drivers, animation) is compared as a whole; any
  difference means a full audit;
- sessions are dropped when a file is loaded, and on undo and redo (persistent handlers), so nothing
  outlives the data it was made from.

Operators and the panel call the functions here; they never call each other's operators.
"""

import bpy
import numpy as np
from bpy.app.handlers import persistent

from ..process import one_math_thread
from .extract import _read_drivers, _read_vertex_groups, _value_fcurves, read_shape_delta, snapshot_from_object

#: object name -> _Live
_live = {}
_WEIGHTS = {}


class _Live:
    __slots__ = ("session", "structure", "sums")

    def __init__(self, session, structure, sums):
        self.session, self.structure, self.sums = session, structure, sums


def region_prefix(rulebook):
    """The vertex-group prefix of region overrides (regions.toml), or None when the rulebook has none."""
    return rulebook.regions.override_prefix if rulebook.regions else None


def has_shape_keys(obj):
    return (obj is not None and obj.type == 'MESH' and obj.data.shape_keys is not None
            and len(obj.data.shape_keys.key_blocks) > 1)


# -- change detection -----------------------------------------------------------------------------
def _weights(words):
    weights = _WEIGHTS.get(words)
    if weights is None:
        rng = np.random.default_rng(13)
        weights = rng.integers(0, 2 ** 63, size=words, dtype=np.int64).view(np.uint64) * np.uint64(2) + np.uint64(1)
        _WEIGHTS.clear()
        _WEIGHTS[words] = weights
    return weights


def key_checksums(obj):
    """(blocks,) uint64: one checksum per key block of ``obj``'s coordinates, as stored (local space).

    Reads each key straight from Blender in bulk (``ShapeKey.points`` where it exists) into one
    reused buffer. 30k vertices x 300 keys: about 8 ms of reading and 8 ms of summing.
    """
    blocks = obj.data.shape_keys.key_blocks
    n3 = 3 * len(obj.data.vertices)
    buffer = np.zeros(n3 + (n3 % 2), dtype=np.float32)  # an even length: whole 64-bit words
    flat = buffer[:n3]
    words = buffer.view(np.uint64)
    weights = _weights(len(words))
    product = np.empty_like(words)
    sums = np.empty(len(blocks), dtype=np.uint64)
    for i, block in enumerate(blocks):
        points = getattr(block, "points", None)  # 4.1+; .data on older Blender
        (points if points is not None else block.data).foreach_get("co", flat)
        # two SIMD passes: np.dot of uint64 is a scalar loop (callgrind: 107M instructions per 300 keys
        # against 87M for multiply and sum)
        np.multiply(words, weights, out=product)
        sums[i] = product.sum(dtype=np.uint64)
    return sums


def structure(obj, prefix=None):
    """Everything besides key coordinates that the audit reads from ``obj``, as one comparable value
    (``prefix``: the rulebook's region-override group prefix, whose groups the audit reads)."""
    mesh = obj.data
    key = mesh.shape_keys
    blocks = list(key.key_blocks)
    groups = _read_vertex_groups(obj, prefix) if prefix else {}
    return (
        mesh.as_pointer(), key.as_pointer(), len(mesh.vertices), key.reference_key.name,
        tuple((b.name, getattr(b.relative_key, "name", ""), bool(b.mute), float(b.slider_min),
               float(b.slider_max), b.vertex_group) for b in blocks),
        tuple(v for row in obj.matrix_world for v in row),
        tuple(sorted((name, weights.tobytes()) for name, weights in groups.items())),
        _read_drivers(key, {b.name for b in blocks}),
        _animation(key),
    )


def _animation(key):
    anim = key.animation_data
    if anim is None or anim.action is None:
        return ()
    out = []
    for fcurve in _value_fcurves(anim.action, anim):
        points = np.empty(2 * len(fcurve.keyframe_points), dtype=np.float32)
        fcurve.keyframe_points.foreach_get("co", points)
        out.append((fcurve.data_path, points.tobytes()))
    return tuple(sorted(out))


# -- audits ---------------------------------------------------------------------------------------
@one_math_thread()
def full_audit(obj, rulebook, profile=None, source=""):
    """Audit ``obj`` from scratch and keep its session for re-audits; returns the RigReport."""
    from ..core import AuditSession

    if obj.mode == 'EDIT':
        obj.update_from_editmode()  # shape keys edited in Edit Mode are not in the mesh data yet
    session = AuditSession(rulebook, profile=profile, file=source)
    report = session.audit(snapshot_from_object(obj, source=source, region_prefix=region_prefix(rulebook)))
    _live[obj.name] = _Live(session, structure(obj, region_prefix(rulebook)), key_checksums(obj))
    return report


@one_math_thread()
def reaudit(obj, rulebook, profile=None, source=""):
    """Re-audit ``obj`` after edits: (RigReport, how) with how in "unchanged", "quick" or "full".

    Only changed keys are read again; anything the quick path cannot answer exactly becomes a full audit.
    """
    if obj.mode == 'EDIT':
        obj.update_from_editmode()
    live = _live.get(obj.name)
    if live is None or live.session.rulebook is not rulebook or live.session.options["profile"] != profile:
        return full_audit(obj, rulebook, profile, source), "full"
    if live.structure != structure(obj, region_prefix(rulebook)):
        return full_audit(obj, rulebook, profile, source), "full"
    sums = key_checksums(obj)
    changed = np.flatnonzero(sums != live.sums).tolist()
    if not changed:
        return live.session.report, "unchanged"
    blocks = obj.data.shape_keys.key_blocks
    reference = blocks.find(obj.data.shape_keys.reference_key.name)
    if reference in changed:
        return full_audit(obj, rulebook, profile, source), "full"
    moved = {blocks[i].name for i in changed}
    # a key measured against a changed key changed too
    names = moved | {b.name for i, b in enumerate(blocks) if i != reference and
                     getattr(b.relative_key, "name", "") in moved}
    report = live.session.update({name: read_shape_delta(obj, name) for name in names})
    live.sums = sums
    return report, live.session.last_update


def session_of(name):
    """The AuditSession of the object named ``name`` (None when it has none)."""
    live = _live.get(name)
    return live.session if live else None


def drop_all():
    """Forget every session (their data may no longer be Blender's)."""
    _live.clear()


# -- handlers: sessions never outlive the data they were made from --------------------------------
@persistent
def _on_load(_scene=None, _path=None):
    drop_all()
    wm = getattr(bpy.context, "window_manager", None)
    results = getattr(wm, "facs_audit", None) if wm is not None else None
    if results is not None:
        from .results import clear_results
        clear_results(results)


@persistent
def _on_undo(_scene=None, _path=None):
    drop_all()


_HANDLERS = (("load_post", _on_load), ("undo_post", _on_undo), ("redo_post", _on_undo))


def register():
    for name, handler in _HANDLERS:
        handlers = getattr(bpy.app.handlers, name)
        if handler not in handlers:
            handlers.append(handler)


def unregister():
    for name, handler in _HANDLERS:
        handlers = getattr(bpy.app.handlers, name)
        if handler in handlers:
            handlers.remove(handler)
    drop_all()
