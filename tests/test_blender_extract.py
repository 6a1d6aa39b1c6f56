"""The Blender adapter on real bpy: extraction in world orientation, file loading, and its errors."""

import math

import numpy as np
import pytest

from conftest import GRID
from sample_rigs.build_blend import empty_session

bpy = pytest.importorskip("bpy")

from facs_audit_addon.blender.extract import snapshot_from_object  # noqa: E402
from facs_audit_addon.blender.load import load_snapshots  # noqa: E402
from facs_audit_addon.core import RigInputError, load_rulebook  # noqa: E402

#: the shipped rules' region-override prefix (regions.toml override_prefix)
PREFIX = load_rulebook().regions.override_prefix

# Rotation of 90 degrees about X, as glTF/FBX importers leave on the object, and a centimetre scale.
ROTATION = (math.pi / 2, 0.0, 0.0)
SCALE = 0.01
LOCATION = (1.0, 2.0, 3.0)


def to_world(local, translate=True):
    """Rx(90) maps (x, y, z) to (x, -z, y); then scale, then (for positions) translation."""
    local = np.asarray(local, dtype=np.float64)
    world = np.stack([local[..., 0], -local[..., 2], local[..., 1]], axis=-1) * SCALE
    return world + np.asarray(LOCATION) if translate else world


SHAPES = {
    "AU12_L": {0: (0.0, 0.0, 0.5)},
    # relative to AU12_L: its delta is its own motion only, not AU12_L's
    "AU12_R": ({2: (1.0, 0.0, 0.0)}, {"relative_key": "AU12_L"}),
    "AU1": ({4: (0.0, 2.0, 0.0)}, {"mute": True}),
}


def build_face(make_rig):
    return make_rig(SHAPES, rotation=ROTATION, scale=SCALE, location=LOCATION,
                    groups={"facs_region_brow": [3, 4, 5], "spine": [0]})


def expected_deltas():
    deltas = np.zeros((3, 9, 3))
    deltas[0, 0] = to_world((0.0, 0.0, 0.5), translate=False)
    deltas[1, 2] = to_world((1.0, 0.0, 0.0), translate=False)
    deltas[2, 4] = to_world((0.0, 2.0, 0.0), translate=False)
    return deltas


def check_face(snapshot):
    assert snapshot.names == ("AU12_L", "AU12_R", "AU1")
    assert snapshot.basis.dtype == np.float32 and snapshot.deltas.dtype == np.float32
    np.testing.assert_allclose(snapshot.basis, to_world(GRID), atol=1e-6)
    np.testing.assert_allclose(snapshot.deltas, expected_deltas(), atol=1e-6)
    assert snapshot.relative_keys == ("Basis", "AU12_L", "Basis")
    assert snapshot.muted == (False, False, True)
    # only region-override groups are read, not every skinning group
    assert set(snapshot.vertex_groups) == {"facs_region_brow"}
    np.testing.assert_array_equal(snapshot.vertex_groups["facs_region_brow"], [0, 0, 0, 1, 1, 1, 0, 0, 0])
    # the mesh edges of the 2 x 2 quad grid, as vertex index pairs
    assert snapshot.edges.dtype == np.int32
    assert {tuple(sorted(e)) for e in snapshot.edges.tolist()} == {
        (0, 1), (1, 2), (3, 4), (4, 5), (6, 7), (7, 8), (0, 3), (3, 6), (1, 4), (4, 7), (2, 5), (5, 8)}


def test_snapshot_from_object_in_world_orientation(make_rig):
    """Deltas are key minus relative key, rotated and scaled into world space; basis is also translated."""
    obj = build_face(make_rig)
    bpy.context.view_layer.update()
    check_face(snapshot_from_object(obj, region_prefix=PREFIX))


def test_region_groups_are_read_with_the_rulebooks_prefix(make_rig, tmp_path):
    """regions.toml's override_prefix names the vertex groups the extraction reads."""
    import shutil

    from facs_audit_addon.core.rulebook import default_rules_dir

    rules = tmp_path / "rules"
    shutil.copytree(default_rules_dir(), rules)
    path = rules / "regions.toml"
    path.write_text(path.read_text().replace(f'override_prefix = "{PREFIX}"', 'override_prefix = "studio_"', 1))
    prefix = load_rulebook(rules).regions.override_prefix
    assert prefix == "studio_"
    obj = make_rig(SHAPES, groups={"studio_brow": [3, 4], "facs_region_mouth": [0], "spine": [0]})
    assert set(snapshot_from_object(obj, region_prefix=prefix).vertex_groups) == {"studio_brow"}
    assert set(snapshot_from_object(obj, region_prefix=PREFIX).vertex_groups) == {"facs_region_mouth"}
    assert snapshot_from_object(obj).vertex_groups == {}


def test_load_blend_matches_in_session_read(make_rig, save_blend):
    """A saved .blend reads back the same snapshot, with its source set and the file untouched."""
    build_face(make_rig)
    path = save_blend()
    before = (path.read_bytes(), path.stat().st_mtime_ns)
    snapshots = load_snapshots(path, region_prefix=PREFIX)
    assert [s.name for s in snapshots] == ["Face"]
    check_face(snapshots[0])
    assert snapshots[0].source == str(path)
    assert (path.read_bytes(), path.stat().st_mtime_ns) == before
    # a second load in the same process (batch use) works
    assert load_snapshots(path, object_name="Face")[0].names == snapshots[0].names


def test_drivers_and_animation_are_read_not_evaluated(make_rig, save_blend, tmp_path):
    """Driver targets and expressions are recorded as text; value animation is sampled per frame."""
    obj = make_rig({"AU12_L": {0: (0, 0, 1)}, "AU1": {4: (0, 1, 0)}})
    key = obj.data.shape_keys
    driver = key.key_blocks["AU1"].driver_add("value").driver
    variable = driver.variables.new()
    variable.targets[0].id = obj
    variable.targets[0].data_path = "location.x"
    driver.expression = "var * 2"
    block = key.key_blocks["AU12_L"]
    for frame, value in ((1, 0.0), (5, 1.0)):
        block.value = value
        block.keyframe_insert("value", frame=frame)
    snapshot = load_snapshots(save_blend())[0]
    assert len(snapshot.drivers) == 1
    recorded = snapshot.drivers[0]
    assert (recorded.shape, recorded.targets, recorded.expression) == ("AU1", (("Face", "location.x"),), "var * 2")
    frames, values = snapshot.animation["AU12_L"]
    assert frames == (1.0, 2.0, 3.0, 4.0, 5.0)
    assert values[0] == pytest.approx(0.0) and values[-1] == pytest.approx(1.0)
    assert list(snapshot.animation) == ["AU12_L"]


def test_scripts_in_the_file_do_not_run(make_rig, save_blend, tmp_path):
    """An auto-run text block and a scripted driver that would write a marker file stay inert."""
    marker = tmp_path / "marker.txt"
    payload = f"__import__('pathlib').Path({str(marker)!r}).write_text('ran')"
    obj = make_rig({"AU12_L": {0: (0, 0, 1)}})
    text = bpy.data.texts.new("autorun.py")
    text.write(payload + "\n")
    text.use_module = True
    driver = obj.data.shape_keys.key_blocks["AU12_L"].driver_add("value").driver
    driver.expression = f"({payload}) and 0"
    path = save_blend()
    marker.unlink(missing_ok=True)  # the driver may have run while the rig was built in this session
    # even with the user's "Auto Run Python Scripts" preference on, loading a rig runs nothing
    bpy.context.preferences.filepaths.use_scripts_auto_execute = True
    try:
        snapshots = load_snapshots(path)
    finally:
        bpy.context.preferences.filepaths.use_scripts_auto_execute = False
    assert snapshots[0].drivers[0].expression.startswith("(__import__")
    assert not marker.exists()


def test_corrupt_blend(tmp_path):
    """Garbage bytes in a .blend give a one-line RigInputError, not a traceback from Blender."""
    path = tmp_path / "x.blend"
    path.write_bytes(b"not a blend file" * 64)
    with pytest.raises(RigInputError, match="cannot read the file") as error:
        load_snapshots(path)
    assert "\n" not in str(error.value)


@pytest.mark.parametrize("shapes, message", [
    (None, "has no mesh$"),
    ({}, "has no mesh with shape keys"),
])
def test_blend_without_usable_mesh(make_rig, save_blend, shapes, message):
    """No mesh at all, or meshes without shape keys, are reported as such."""
    if shapes is None:
        bpy.context.scene.collection.objects.link(bpy.data.objects.new("Empty", None))
    else:
        make_rig(shapes)
    with pytest.raises(RigInputError, match=message):
        load_snapshots(save_blend())


def test_object_name_errors(make_rig, save_blend):
    """An unknown object name, or one naming a non-mesh, is an input error."""
    make_rig({"AU12_L": {0: (0, 0, 1)}})
    bpy.context.scene.collection.objects.link(bpy.data.objects.new("Empty", None))
    path = save_blend()
    with pytest.raises(RigInputError, match="no object named 'Head'"):
        load_snapshots(path, object_name="Head")
    with pytest.raises(RigInputError, match="'Empty' is not a mesh \\(empty\\)"):
        load_snapshots(path, object_name="Empty")
    empty_session()
    make_rig({})
    path = save_blend("plain.blend")
    with pytest.raises(RigInputError, match=r"plain\.blend: Face: the mesh has no shape keys"):
        load_snapshots(path, object_name="Face")


def test_path_errors(tmp_path):
    """A missing file and an unsupported extension fail before Blender is touched."""
    with pytest.raises(RigInputError, match="no such file"):
        load_snapshots(tmp_path / "missing.blend")
    other = tmp_path / "rig.obj"
    other.write_text("v 0 0 0\n")
    with pytest.raises(RigInputError, match="unsupported file type '.obj'"):
        load_snapshots(other)


def test_gltf_import_round_trip(make_rig, tmp_path):
    """A glTF export of the rig imports back with its shape keys, upright in world space."""
    make_rig({"AU12_L": {0: (0, 0, 0.5)}})
    path = tmp_path / "rig.glb"
    bpy.ops.export_scene.gltf(filepath=str(path), export_format='GLB', export_morph=True)
    snapshot = load_snapshots(path)[0]
    assert snapshot.names == ("AU12_L",)
    # glTF is Y-up; the importer's object rotation brings the +Z motion back to +Z
    np.testing.assert_allclose(snapshot.deltas[0].sum(axis=0), (0.0, 0.0, 0.5), atol=1e-5)
