"""bpy.ops.facs_audit.apply_fix in real Blender: every fix on the sample face and on the shared Rocketbox
rig removes its finding, changes no other key, writes the key it promises, and Blender's undo restores
the key data exactly.

Undo runs for real in the bpy module: an operator called as ``op('EXEC_DEFAULT', True, ...)`` pushes
its undo step the way a click in the panel does, and ``bpy.ops.ed.undo()`` steps back over it.
"""


import numpy as np
import pytest

bpy = pytest.importorskip("bpy")

from facs_audit_addon.blender.extract import snapshot_from_object  # noqa: E402
from facs_audit_addon.core import audit_rig, load_rulebook  # noqa: E402
from facs_audit_addon.core.engine import audit_context  # noqa: E402
from sample_rigs.build_blend import empty_session, make_mesh_object  # noqa: E402
from sample_rigs.defects import build_variant  # noqa: E402

from rig_paths import ROCKETBOX  # noqa: E402
needs_rocketbox = pytest.mark.skipif(not ROCKETBOX.is_file(), reason=f"shared real rig not found: {ROCKETBOX}")
RULEBOOK = load_rulebook()


# -- rigs ---------------------------------------------------------------------------------------
def sample(variant, edit=None):
    built = build_variant(variant)
    shapes = dict(built.shapes)
    if edit is not None:
        shapes = edit(shapes)
    return make_mesh_object("Face", built.vertices, built.faces, shapes)


def _bilateral_au12(shapes):
    merged = shapes.pop("AU12_L") + shapes.pop("AU12_R")
    return {**shapes, "AU12": merged}


def _camel_au12_left(shapes):
    return {("AU12Left" if name == "AU12_L" else name): delta for name, delta in shapes.items()}


@pytest.fixture(scope="module")
def rocketbox_blend(tmp_path_factory):
    """The Rocketbox FBX imported once and saved as a .blend: each test opens its own fresh copy of it."""
    if not ROCKETBOX.is_file():
        return None
    empty_session()
    bpy.ops.import_scene.fbx(filepath=str(ROCKETBOX))
    path = tmp_path_factory.mktemp("rocketbox") / "rocketbox.blend"
    bpy.ops.wm.save_as_mainfile(filepath=str(path), compress=False)
    empty_session()
    return path


@pytest.fixture
def rocketbox(registered, rocketbox_blend):
    """``rocketbox(edit=None)``: the imported Rocketbox rig, opened afresh (the saved import), edited by ``edit``."""
    def open_rig(edit=None):
        bpy.ops.wm.open_mainfile(filepath=str(rocketbox_blend), load_ui=False)
        return rig(edit)
    return open_rig


def rig(edit=None):
    obj = next(o for o in bpy.data.objects if o.type == 'MESH' and o.data.shape_keys is not None)
    if edit is not None:
        edit(obj)
    return obj


def _copy_key(obj, source, name):
    block = obj.shape_key_add(name=name, from_mix=False)
    co = read(obj.data.shape_keys.key_blocks[source])
    block.points.foreach_set("co", co.ravel())


def _nan_in_key(obj):
    block = obj.data.shape_keys.key_blocks["AK_09_EyeBlinkLeft"]
    co = read(block)
    co[0] = np.nan
    block.points.foreach_set("co", co.ravel())


def _without(name):
    def edit(obj):
        obj.shape_key_remove(obj.data.shape_keys.key_blocks[name])
    return edit


# -- helpers ------------------------------------------------------------------------------------
def read(block):
    out = np.empty(len(block.points) * 3, dtype=np.float32)
    block.points.foreach_get("co", out)
    return out.reshape(-1, 3)


def same(a, b):
    """Bit for bit the same key data (NaN included; ~10x quicker than np.array_equal(equal_nan=True))."""
    return a.shape == b.shape and a.tobytes() == b.tobytes()


def keys(name):
    """{key name: (n, 3) positions} of object ``name``, read afresh (undo replaces the Python objects)."""
    return {block.name: read(block) for block in bpy.data.objects[name].data.shape_keys.key_blocks}


def audit(obj, profile):
    bpy.context.view_layer.objects.active = obj
    obj.select_set(True)
    bpy.context.scene.facs_audit.profile = profile
    assert bpy.ops.facs_audit.run_audit() == {'FINISHED'}
    return bpy.context.window_manager.facs_audit


def item_index(results, rule, shapes):
    for i, item in enumerate(results.findings):
        if item.rule == rule and set(shapes) <= {s.name for s in item.shapes}:
            return i
    raise AssertionError(f"no {rule} {shapes}: {[(f.rule, [s.name for s in f.shapes]) for f in results.findings]}")


def world(obj, name):
    """Context of a fresh audit and the world-space delta of key ``name``."""
    snapshot = snapshot_from_object(obj)
    return audit_context(snapshot, RULEBOOK), snapshot.deltas[snapshot.index(name)]


def mirror_error(ctx, fixed, source):
    """Largest |fixed - mirror(source)| over the vertices the audit pairs, as a share of the face size."""
    partner = ctx.mirror_map.partner
    has = partner >= 0
    return float(np.abs(fixed[has] - source[partner[has]] @ ctx.mirror_map.reflect).max()) / ctx.frame.scale


def fix_undo(obj, profile, rule, fix, shapes=(), changed=(), created=(), deleted=(), renamed=None):
    """Apply ``fix`` to the ``rule`` finding through the operator and check the contract.

    Returns (before, after) key data; undo has been checked to restore ``before`` exactly.
    """
    name = obj.name
    results = audit(obj, profile)
    index = item_index(results, rule, shapes)
    target = {s.name for s in results.findings[index].shapes}
    before = keys(name)
    bpy.ops.ed.undo_push(message="before the fix")
    assert bpy.ops.facs_audit.apply_fix('EXEC_DEFAULT', True, index=index, fix=fix) == {'FINISHED'}
    after = keys(name)
    renamed = renamed or {}
    target = {renamed.get(n, n) for n in target}
    # the finding is gone from the re-audited panel list
    assert not [f for f in results.findings if f.rule == rule and target & {s.name for s in f.shapes}]
    assert set(after) == (set(before) - set(deleted) - set(renamed)) | set(created) | set(renamed.values())
    moved = {n for n in before if n in after and not same(before[n], after[n])}
    assert moved == set(changed)
    for old, new in renamed.items():
        assert same(before[old], after[new])
    fixed = after
    # undo restores every key, names and order included, bit for bit
    assert bpy.ops.ed.undo() == {'FINISHED'}
    undone = keys(name)
    assert list(undone) == list(before)
    assert all(same(undone[n], before[n]) for n in before)
    # and redo brings the fix back (the promise checks that follow read the redone keys)
    assert bpy.ops.ed.redo() == {'FINISHED'}
    redone = keys(name)
    assert list(redone) == list(fixed) and all(same(redone[n], fixed[n]) for n in fixed)
    return before, fixed


# -- the sample face ----------------------------------------------------------------------------
@pytest.mark.parametrize("fix, source, target", [("mirror-left-to-right", "AU12_L", "AU12_R"),
                                                  ("mirror-right-to-left", "AU12_R", "AU12_L")])
def test_mirror_pair_sample(registered, fix, source, target):
    obj = sample("pair-mismatch")
    fix_undo(obj, "facs-film", "symmetry.pair-mismatch", fix, changed={target})
    ctx, new = world(bpy.data.objects["Face"], target)
    assert mirror_error(ctx, new, world(bpy.data.objects["Face"], source)[1]) < 1e-5
    assert len(bpy.context.window_manager.facs_audit.findings) == 0  # fixed to a clean re-audit


def test_symmetrize_sample(registered):
    fix_undo(sample("bilateral-asymmetric"), "facs-film", "symmetry.bilateral-asymmetric", "symmetrize-left-to-right",
             changed={"AU17"})
    ctx, new = world(bpy.data.objects["Face"], "AU17")
    assert mirror_error(ctx, new, new) < 1e-5


def test_zero_nonfinite_sample(registered):
    _, after = fix_undo(sample("nan-delta"), "facs-film", "rig.invalid-deltas", "zero-nonfinite", changed={"AU12_L"})
    assert np.isfinite(after["AU12_L"]).all()
    assert np.array_equal(after["AU12_L"][100], after["Basis"][100])


def test_create_missing_side_sample(registered):
    fix_undo(sample("missing-au12-right"), "facs-film", "coverage.missing-side", "create-missing-side",
             created={"AU12_R"})
    ctx, new = world(bpy.data.objects["Face"], "AU12_R")
    assert mirror_error(ctx, new, world(bpy.data.objects["Face"], "AU12_L")[1]) < 1e-5


def test_split_sides_sample(registered):
    before, after = fix_undo(sample("clean", _bilateral_au12), "facs-core", "coverage.missing-side", "split-sides",
                             created={"AU12_L", "AU12_R"})
    basis = after["Basis"]
    assert np.allclose((after["AU12_L"] - basis) + (after["AU12_R"] - basis), before["AU12"] - basis, atol=1e-6)


def test_clip_to_side_sample(registered):
    _, after = fix_undo(sample("side-crossover"), "facs-film", "symmetry.side-crossover", "clip-to-side",
                        shapes=("AU15_L",), changed={"AU15_L"})
    right = after["Basis"][:, 0] < -0.02
    assert np.array_equal(after["AU15_L"][right], after["Basis"][right])


def test_remove_outside_regions_sample(registered):
    before, after = fix_undo(sample("leakage-au26-forehead"), "facs-film", "region.leakage", "remove-outside-regions",
                             changed={"AU26"})
    old, new = before["AU26"] - before["Basis"], after["AU26"] - after["Basis"]
    assert (np.linalg.norm(new, axis=1) <= np.linalg.norm(old, axis=1) + 1e-6).all()


def test_rename_sample(registered):
    fix_undo(sample("clean", _camel_au12_left), "facs-film", "naming.mixed-side-markers", "rename",
             renamed={"AU12Left": "AU12_L"})


def test_delete_duplicate_sample(registered):
    fix_undo(sample("duplicate-mapping"), "facs-film", "naming.duplicate-mapping", "delete-duplicate",
             deleted={"AU012_L"})


def test_apply_fix_refuses_what_does_not_apply(registered):
    obj = sample("pair-mismatch")
    results = audit(obj, "facs-film")
    with pytest.raises(RuntimeError, match="does not apply"):
        bpy.ops.facs_audit.apply_fix(index=0, fix="zero-nonfinite")
    with pytest.raises(RuntimeError, match="No finding 7"):
        bpy.ops.facs_audit.apply_fix(index=7, fix="mirror-left-to-right")
    assert len(results.findings) == 1


def test_apply_fix_from_edit_mode(registered):
    obj = sample("pair-mismatch")
    results = audit(obj, "facs-film")
    bpy.ops.object.mode_set(mode='EDIT')
    assert bpy.ops.facs_audit.apply_fix(index=0, fix="mirror-left-to-right") == {'FINISHED'}
    assert obj.mode == 'OBJECT' and len(results.findings) == 0


def test_apply_fix_reads_keys_edited_after_the_audit(registered):
    """The source key is resculpted after the panel's audit: the mirror is of the key as it is now."""
    obj = sample("pair-mismatch")
    results = audit(obj, "facs-film")
    block = obj.data.shape_keys.key_blocks["AU12_L"]
    co = read(block)
    basis = read(obj.data.shape_keys.key_blocks["Basis"])
    block.points.foreach_set("co", (basis + 0.7 * (co - basis)).ravel())  # a weaker smile, not audited yet
    assert bpy.ops.facs_audit.apply_fix(index=0, fix="mirror-left-to-right") == {'FINISHED'}
    ctx, new = world(bpy.data.objects["Face"], "AU12_R")
    source = world(bpy.data.objects["Face"], "AU12_L")[1]
    assert np.abs(source).max() > 0
    assert mirror_error(ctx, new, source) < 1e-5
    assert len(results.findings) == 0


def test_fix_panel_lists_the_fixes(registered):
    from facs_audit_addon.blender.fix_ops import item_fixes
    results = audit(sample("pair-mismatch"), "facs-film")
    assert item_fixes(bpy.context, results.findings[0]) == ("mirror-left-to-right", "mirror-right-to-left")
    assert hasattr(bpy.types, "FACS_AUDIT_PT_fixes")


# -- the shared Rocketbox rig (FBX, 0.01 scale, 3,749 vertices of which 1,253 have no mirror partner) ---
@needs_rocketbox
def test_mirror_pair_rocketbox(rocketbox):
    obj = rocketbox()
    name = obj.name
    ctx0, _ = world(obj, "SR_20_Jaw_Left")
    lonely = ctx0.mirror_map.partner < 0
    assert lonely.sum() > 1000
    fix_undo(obj, "auto", "symmetry.pair-mismatch", "mirror-left-to-right",
             shapes=("SR_20_Jaw_Left", "SR_22_Jaw_Right"), changed={"SR_22_Jaw_Right"})
    obj = bpy.data.objects[name]
    ctx, new = world(obj, "SR_22_Jaw_Right")
    source = world(obj, "SR_20_Jaw_Left")[1]
    assert mirror_error(ctx, new, source) < 1e-5
    # every vertex is mapped: the jaw's unpaired vertices move too (a mirror by partners only leaves
    # them still), and as many vertices move as on the source side
    peak = np.linalg.norm(source, axis=1).max()
    moving = np.linalg.norm(source, axis=1) > 0.1 * peak
    mirrored_moving = np.linalg.norm(new, axis=1) > 0.1 * peak
    assert (mirrored_moving & lonely).sum() >= 20
    assert abs(int(mirrored_moving.sum()) - int(moving.sum())) <= 0.1 * moving.sum()
    # the panel's list after the fix (the fixed key re-audited) is what a fresh full audit finds
    fresh = audit_rig(snapshot_from_object(obj), RULEBOOK)
    listed = bpy.context.window_manager.facs_audit.findings
    assert sorted((f.rule, tuple(s.name for s in f.shapes), f.side, f.message) for f in listed) == \
        sorted((f.rule, f.shapes, f.side, f.message) for f in fresh.findings)


@needs_rocketbox
def test_symmetrize_rocketbox(rocketbox):
    obj = rocketbox()
    name = obj.name
    fix_undo(obj, "auto", "symmetry.bilateral-asymmetric", "symmetrize-left-to-right",
             shapes=("AU_10_UpperLipRaiser",), changed={"AU_10_UpperLipRaiser"})
    ctx, new = world(bpy.data.objects[name], "AU_10_UpperLipRaiser")
    partner = ctx.mirror_map.partner
    both_ways = (partner >= 0) & (partner[np.maximum(partner, 0)] == np.arange(len(partner)))
    assert np.abs(new[both_ways] - new[partner[both_ways]] @ ctx.mirror_map.reflect).max() / ctx.frame.scale < 1e-5


@needs_rocketbox
def test_split_sides_rocketbox(rocketbox):
    # AU4 alone without sides: the FACS set's other bilateral-only actions removed (they then count as
    # missing actions), so the missing-side line is about AU_04_BrowLowerer only
    def only_au4_bilateral(obj):
        for name in ("AU_07_LidTightener", "AU_09_NoseWrinkler", "AU_10_UpperLipRaiser", "AU_14_Dimpler",
                     "AU_15_LipCornerDepressor", "AU_20_LipStretcher"):
            obj.shape_key_remove(obj.data.shape_keys.key_blocks[name])
    obj = rocketbox(only_au4_bilateral)
    before, after = fix_undo(obj, "auto", "coverage.missing-side", "split-sides", shapes=("AU_04_BrowLowerer",),
                             created={"AU_04_L_BrowLowerer", "AU_04_R_BrowLowerer"})
    basis = after["Basis"] if "Basis" in after else next(iter(after.values()))
    split = (after["AU_04_L_BrowLowerer"] - basis) + (after["AU_04_R_BrowLowerer"] - basis)
    assert np.abs(split - (before["AU_04_BrowLowerer"] - basis)).max() < 1e-3  # local units (cm)


@needs_rocketbox
def test_create_missing_side_rocketbox(rocketbox):
    obj = rocketbox(_without("AK_45_MouthSmileRight"))
    name = obj.name
    fix_undo(obj, "auto", "coverage.missing-side", "create-missing-side", shapes=("AK_44_MouthSmileLeft",),
             created={"AK_44_MouthSmileRight"})
    ctx, new = world(bpy.data.objects[name], "AK_44_MouthSmileRight")
    assert mirror_error(ctx, new, world(bpy.data.objects[name], "AK_44_MouthSmileLeft")[1]) < 1e-5


@needs_rocketbox
def test_clip_to_side_rocketbox(rocketbox):
    fix_undo(rocketbox(), "auto", "symmetry.side-crossover", "clip-to-side", shapes=("AU_13_L_CheekPuffer",),
             changed={"AU_13_L_CheekPuffer"})


@needs_rocketbox
def test_remove_outside_regions_rocketbox(rocketbox):
    fix_undo(rocketbox(), "auto", "region.leakage", "remove-outside-regions", shapes=("SR_09_Eye_Left_squeeze",),
             changed={"SR_09_Eye_Left_squeeze"})


@needs_rocketbox
def test_rename_rocketbox(rocketbox):
    # one ARKit pair written with _L/_R among the set's Left/Right names (SRanipal's two styles are its own)
    def odd_markers(obj):
        keys = obj.data.shape_keys.key_blocks
        keys["AK_01_BrowDownLeft"].name, keys["AK_02_BrowDownRight"].name = "AK_01_BrowDown_L", "AK_02_BrowDown_R"
    fix_undo(rocketbox(odd_markers), "auto", "naming.mixed-side-markers", "rename",
             renamed={"AK_01_BrowDown_L": "AK_01_BrowDownLeft", "AK_02_BrowDown_R": "AK_02_BrowDownRight"})


@needs_rocketbox
def test_zero_nonfinite_rocketbox(rocketbox):
    _, after = fix_undo(rocketbox(_nan_in_key), "auto", "rig.invalid-deltas", "zero-nonfinite",
                        changed={"AK_09_EyeBlinkLeft"})
    assert np.isfinite(after["AK_09_EyeBlinkLeft"]).all()


@needs_rocketbox
def test_delete_duplicate_rocketbox(rocketbox):
    def duplicate(obj):
        _copy_key(obj, "AK_44_MouthSmileLeft", "AK_52_MouthSmileLeft")  # a second ARKit smile left
    fix_undo(rocketbox(duplicate), "auto", "naming.duplicate-mapping", "delete-duplicate",
             shapes=("AK_52_MouthSmileLeft",), deleted={"AK_52_MouthSmileLeft"})


def test_apply_fix_refuses_a_linked_mesh(registered, tmp_path):
    """A mesh linked from a library cannot be changed here: one line says so, nothing is written."""
    library = tmp_path / "library.blend"
    local = sample("pair-mismatch")
    bpy.ops.wm.save_as_mainfile(filepath=str(library), copy=True, compress=False)
    mesh = local.data
    bpy.data.objects.remove(local)
    bpy.data.meshes.remove(mesh)
    with bpy.data.libraries.load(str(library), link=True) as (_, linked):
        linked.objects = ["Face"]
    obj = linked.objects[0]
    bpy.context.scene.collection.objects.link(obj)
    results = audit(obj, "facs-film")
    before = keys(obj.name)
    with pytest.raises(RuntimeError, match="linked from the library"):
        bpy.ops.facs_audit.apply_fix(index=0, fix="mirror-left-to-right")
    assert len(results.findings) == 1
    after = keys(obj.name)
    assert all(np.array_equal(before[n], after[n]) for n in before)
