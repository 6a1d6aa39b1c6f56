"""The panel's re-audit is never wrong: after any sequence of edits, undos, key switches and file reverts,
*Re-audit* gives exactly what a fresh full audit gives (issue 13, point 1).

Undo runs through Blender's own ``bpy.ops.ed.undo`` (it works in the bpy module: checked on 5.0.1 and
4.2.23), so the undo_post handler that drops the sessions runs as it would for a rigger. Each sequence
runs on the sample face and on a shared real rig (the Rocketbox male, skipped when absent).
"""

import json
import random

import numpy as np
import pytest

from facs_audit_addon.core import load_rulebook

from blend_helpers import activate
from sample_rigs.build_blend import empty_session

pytest.importorskip("bpy")

RULEBOOK = load_rulebook()  # the shipped rules, read once (the panel's default)
from rig_paths import ROCKETBOX  # noqa: E402


#: the sample face written once for the module (sample_rigs/build_blend.py), copied by each test
_FACE = {}


@pytest.fixture(scope="module", autouse=True)
def _face_file(tmp_path_factory):
    _FACE["path"] = tmp_path_factory.mktemp("sample_face") / "face.blend"
    yield
    _FACE.clear()


def sample_face(bpy, tmp_path):
    import shutil

    from sample_rigs.build_blend import write_blend
    built = _FACE["path"]
    if not built.is_file():
        write_blend(built)
        empty_session()
    path = tmp_path / "face.blend"
    shutil.copy(built, path)
    bpy.ops.wm.open_mainfile(filepath=str(path))
    activate(bpy, bpy.data.objects["Face"])
    bpy.ops.wm.save_as_mainfile(filepath=str(path), compress=False)
    return "Face", path


def rocketbox(bpy, tmp_path):
    if not ROCKETBOX.is_file():
        pytest.skip("../shared/real_rigs is not present on this machine")
    bpy.ops.import_scene.fbx(filepath=str(ROCKETBOX))
    obj = max((o for o in bpy.data.objects if o.type == 'MESH' and o.data.shape_keys),
              key=lambda o: len(o.data.shape_keys.key_blocks))
    activate(bpy, obj)
    path = tmp_path / "rocketbox.blend"
    bpy.ops.wm.save_as_mainfile(filepath=str(path), compress=False)
    return obj.name, path


def panel_findings(bpy):
    results = bpy.context.window_manager.facs_audit
    return sorted((f.object, f.rule, f.severity, tuple(s.name for s in f.shapes), f.side, f.message, f.measures,
                   f.vertices) for f in results.findings)


def full_audit(bpy, name):
    """What a fresh full audit of the object says right now, through the core (no session involved)."""
    from facs_audit_addon.blender.extract import snapshot_from_object
    from facs_audit_addon.core import audit_rig
    obj = bpy.data.objects[name]
    report = audit_rig(snapshot_from_object(obj), RULEBOOK)
    return sorted((name, f.rule, f.severity, f.shapes, f.side, f.message, json.dumps(f.measures, sort_keys=True),
                   ",".join(str(v) for v in f.vertices)) for f in report.findings)


def edit_key(bpy, name, key, rng):
    """A random edit of one key: a sculpt stroke, the key emptied, or noise over its moving part."""
    obj = bpy.data.objects[name]
    blocks = obj.data.shape_keys.key_blocks
    block = blocks[key]
    n = len(obj.data.vertices)
    co, rel = np.empty(3 * n, np.float32), np.empty(3 * n, np.float32)
    block.data.foreach_get("co", co)
    (block.relative_key or obj.data.shape_keys.reference_key).data.foreach_get("co", rel)
    delta = (co - rel).reshape(-1, 3)
    moving = np.flatnonzero(np.linalg.norm(delta, axis=1) > 0)
    kind = rng.choice(["stroke", "stroke", "empty", "noise"])
    if kind == "stroke" and moving.size:
        picked = rng.sample(moving.tolist(), min(6, moving.size))
        delta[picked] *= rng.uniform(0.0, 2.5)
    elif kind == "empty":
        delta[:] = 0
    elif moving.size:
        scale = float(np.abs(delta).max()) * 0.05
        delta[moving] += np.asarray(np.random.default_rng(rng.randrange(1 << 30)).normal(0, scale, (moving.size, 3)),
                                    np.float32)
    block.data.foreach_set("co", (rel + delta.ravel()).astype(np.float32))
    obj.data.update()
    bpy.ops.ed.undo_push(message=f"edit {key}")
    return kind


def reaudit(bpy):
    assert bpy.ops.facs_audit.update_audit() == {'FINISHED'}


def replay(bpy, tmp_path, rig, seed, steps):
    """A seeded random sequence of edits, key switches, undos and reverts on ``rig``; after every step the
    panel's re-audit equals a fresh full audit. Returns (update kinds, actions other than edit/switch)."""
    name, path = rig(bpy, tmp_path)
    rng = random.Random(seed)
    bpy.ops.ed.undo_push(message="opened")
    assert bpy.ops.facs_audit.run_audit() == {'FINISHED'}
    assert panel_findings(bpy) == full_audit(bpy, name)
    done, kinds, actions = [], set(), set()
    for step in range(steps):
        obj = bpy.data.objects[name]
        keys = [b.name for b in obj.data.shape_keys.key_blocks][1:]
        action = rng.choice(["edit", "edit", "edit", "switch", "undo", "revert"] if step else ["edit"])
        if action == "edit":
            edit_key(bpy, name, rng.choice(keys), rng)
            done.append(step)
        elif action == "switch":  # another key active: the re-audit must still see every edit
            obj.active_shape_key_index = rng.randrange(1, len(keys) + 1)
        elif action == "undo" and done:
            assert bpy.ops.ed.undo() == {'FINISHED'}
            done.pop()
            actions.add("undo")
        elif action == "revert":
            bpy.ops.wm.open_mainfile(filepath=str(path))
            bpy.ops.ed.undo_push(message="opened")  # the state an undo returns to
            done.clear()
            actions.add("revert")
        obj = bpy.data.objects[name]
        activate(bpy, obj)
        obj.active_shape_key_index = rng.randrange(1, len(keys) + 1)  # whichever key the rigger is on
        reaudit(bpy)
        kinds.add(bpy.context.window_manager.facs_audit.status.rsplit("[", 1)[-1])
        assert panel_findings(bpy) == full_audit(bpy, name), f"step {step}: {action}"
    return kinds, actions


#: seed and length of the main suite's replay on the real rig: edit, undo, edit, revert (and another key
#: active at every step), with quick re-audits among them; the assertions say it still holds
SHORT = (0, 4)


def test_a_short_random_sequence_on_a_real_rig(registered, tmp_path):
    """The main suite's replay: one short seeded sequence on the Rocketbox male that still holds an undo,
    a revert and a quick re-audit, each checked against a fresh full audit."""
    kinds, actions = replay(registered, tmp_path, rocketbox, *SHORT)
    assert any(k.startswith("quick") for k in kinds), kinds
    assert actions == {"undo", "revert"}


@pytest.mark.slow
@pytest.mark.parametrize("rig", [sample_face, rocketbox], ids=["sample_face", "rocketbox"])
def test_random_edits_undos_switches_and_reverts(registered, tmp_path, rig):
    """The long replays (16 steps, seed 13, on both rigs): the end-to-end tier."""
    kinds, actions = replay(registered, tmp_path, rig, 13, 16)
    assert any(k.startswith("quick") for k in kinds), kinds
    assert actions == {"undo", "revert"}  # the seeded sequence holds both


def _finding(bpy, rule, shape):
    return [f for f in panel_findings(bpy) if f[1] == rule and shape in f[3]]


def test_edit_one_key_reaudit_with_another_active(registered, tmp_path):
    """Issue 13: edit key A, make key B active, re-audit: A's new finding is there."""
    bpy = registered
    name, _ = sample_face(bpy, tmp_path)
    assert bpy.ops.facs_audit.run_audit() == {'FINISHED'}
    assert not _finding(bpy, "coverage.empty-shape", "AU12_R")
    obj = bpy.data.objects[name]
    blocks = obj.data.shape_keys.key_blocks
    basis = np.empty(3 * len(obj.data.vertices), np.float32)
    blocks[0].data.foreach_get("co", basis)
    blocks["AU12_R"].data.foreach_set("co", basis)  # key A emptied
    obj.active_shape_key_index = blocks.find("AU26")  # key B active
    reaudit(bpy)
    assert _finding(bpy, "coverage.empty-shape", "AU12_R")
    assert panel_findings(bpy) == full_audit(bpy, name)


def test_revert_and_undo_leave_no_stale_finding(registered, tmp_path):
    """Issue 13: File > Revert, or undo of a key edit, then re-audit (another key active): nothing stale."""
    bpy = registered
    name, path = sample_face(bpy, tmp_path)
    assert bpy.ops.facs_audit.run_audit() == {'FINISHED'}
    clean = panel_findings(bpy)
    obj = bpy.data.objects[name]
    blocks = obj.data.shape_keys.key_blocks
    basis = np.empty(3 * len(obj.data.vertices), np.float32)
    blocks[0].data.foreach_get("co", basis)
    bpy.ops.ed.undo_push(message="before")
    blocks["AU12_R"].data.foreach_set("co", basis)
    bpy.ops.ed.undo_push(message="empty AU12_R")
    reaudit(bpy)
    assert _finding(bpy, "coverage.empty-shape", "AU12_R")
    # undo, then re-audit with another key active
    assert bpy.ops.ed.undo() == {'FINISHED'}
    from facs_audit_addon.blender import live
    assert not live._live  # the undo handler dropped the sessions
    obj = bpy.data.objects[name]
    obj.active_shape_key_index = obj.data.shape_keys.key_blocks.find("AU26")
    reaudit(bpy)
    assert panel_findings(bpy) == clean
    # the edit again, saved nowhere; File > Revert; re-audit
    obj.data.shape_keys.key_blocks["AU12_R"].data.foreach_set("co", basis)
    reaudit(bpy)
    assert _finding(bpy, "coverage.empty-shape", "AU12_R")
    bpy.ops.wm.revert_mainfile()
    assert not live._live and not bpy.context.window_manager.facs_audit.findings  # load_post cleared both
    activate(bpy, bpy.data.objects[name])
    reaudit(bpy)
    assert panel_findings(bpy) == clean


def test_a_change_only_the_checksum_sees(registered, tmp_path):
    """Two vertices of a key swap places: same values, other positions. The checksum still sees it."""
    bpy = registered
    from facs_audit_addon.blender.live import key_checksums
    name, _ = sample_face(bpy, tmp_path)
    obj = bpy.data.objects[name]
    before = key_checksums(obj)
    block = obj.data.shape_keys.key_blocks["AU12_L"]
    a, b = tuple(block.data[10].co), tuple(block.data[20].co)
    block.data[10].co, block.data[20].co = b, a
    after = key_checksums(obj)
    assert np.flatnonzero(before != after).tolist() == [obj.data.shape_keys.key_blocks.find("AU12_L")]


def test_handlers_are_persistent_and_removed_on_unregister(registered):
    bpy = registered
    from facs_audit_addon.blender import live
    for name in ("load_post", "undo_post", "redo_post"):
        handlers = getattr(bpy.app.handlers, name)
        assert any(h in handlers for h in (live._on_load, live._on_undo))
    assert hasattr(live._on_load, "_bpy_persistent")
