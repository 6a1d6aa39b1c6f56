"""Regions: strict rule-file validation, leakage with the worst region named, overrides, rigid motion."""

import shutil

import numpy as np
import pytest

from facs_audit_addon.core import RigSnapshot, audit_rig, load_rulebook
from facs_audit_addon.core.errors import RuleFileError
from facs_audit_addon.core.rulebook import default_rules_dir

from core_helpers import RULEBOOK, blob, geometric, head_points, mirror, synthetic_head, synthetic_shapes

POINTS = head_points()
SHAPES = synthetic_shapes(POINTS)


def findings_of(snapshot, rule):
    return [f for f in audit_rig(snapshot, RULEBOOK, profile="facs-core").findings if f.rule == rule]


def test_regions_toml_is_parsed():
    rules = RULEBOOK.regions
    assert {"brows", "lip_corners", "mouth_interior", "eyes"} <= set(rules.regions)
    assert rules.override_prefix == "facs_region_"
    assert "AU45" in rules.landmarks["eyes"]


@pytest.mark.parametrize("old, new, key", [
    ("feather = 0.06", "feather = 0.06\nfeathers = 1", "settings.feathers"),
    ("feather = 0.06", 'feather = "wide"', "settings.feather"),
    ('label = "brow"', 'label = "brow"\ncolour = 1', "regions.brows.colour"),
    ('[regions.neck]', '[regions.nek]', "regions"),  # the catalog's 'neck' is then undefined
    ('height = [1.55, 3.5]', 'height = [3.5, 1.55]', "regions.forehead.boxes[0].height"),
    ('anchor = "eyes" }]', 'anchor = "ears" }]', ".anchor"),
    ('eyes = ["AU43"', 'eyes = ["AU99"', "landmarks.eyes[0]"),
])
def test_bad_regions_file_names_file_and_key(tmp_path, old, new, key):
    rules = tmp_path / "rules"
    shutil.copytree(default_rules_dir(), rules)
    text = (rules / "regions.toml").read_text()
    assert old in text
    (rules / "regions.toml").write_text(text.replace(old, new, 1))
    with pytest.raises(RuleFileError) as error:
        load_rulebook(rules)
    assert "regions.toml" in str(error.value) and key in str(error.value)


def brow_leak():
    """AU12 that also lifts the brow on its own side (and its twin mirrors that)."""
    lifted = SHAPES["AU12_L"] + SHAPES["AU2_L"]
    return synthetic_head({"AU12_L": lifted, "AU12_R": mirror(POINTS, lifted)})


def test_leakage_names_the_worst_region_on_the_shapes_side():
    assert geometric(brow_leak()) == [("region.leakage", ("AU12_L",)), ("region.leakage", ("AU12_R",))]
    left = findings_of(brow_leak(), "region.leakage")[0]
    assert left.measures["worst_region"] == "left brow"
    assert left.measures["share"] > 0.25
    assert "AU12_L moves the left brow" in left.message
    assert left.vertices and all(POINTS[v, 0] > 0 for v in left.vertices[:50])


def test_remote_leakage_is_caught_even_when_small():
    """A jaw drop that also drags the forehead: little energy next to the jaw, but far from it."""
    forehead = blob(POINTS, (0.0, 0.2), 0.05)[:, None] * np.float32([0, 0, -0.012])
    snapshot = synthetic_head({"AU26": SHAPES["AU26"] + forehead})
    assert geometric(snapshot) == [("region.leakage", ("AU26",))]
    found = findings_of(snapshot, "region.leakage")[0]
    assert found.measures["worst_region"] == "forehead"  # bilateral: no side
    assert found.measures["share"] < 0.25 <= found.measures["remote_share"] * 10


def test_vertex_group_override_wins():
    """A rigger who declares everything above the eyes part of the cheeks silences the AU12 brow leak."""
    snapshot = brow_leak()
    group = (POINTS[:, 2] > 0.14).astype(np.float32)
    overridden = RigSnapshot(name=snapshot.name, basis=snapshot.basis, deltas=snapshot.deltas,
                             names=snapshot.names, vertex_groups={"facs_region_cheeks": group})
    leaks = [f.shapes for f in findings_of(overridden, "region.leakage")]
    # AU12 may move the cheeks; AU2 (forehead, brows, upper lids) now leaks into them
    assert leaks == [("AU2_L",), ("AU2_R",)]
    assert findings_of(overridden, "region.leakage")[0].measures["worst_region"] == "left cheek"


def test_rigid_translation_is_detected_and_not_called_leakage():
    snapshot = synthetic_head({"AD29": np.tile(np.float32([0, -0.006, 0]), (len(POINTS), 1))})
    assert geometric(snapshot) == [("region.rigid-motion", ("AD29",))]
    found = findings_of(snapshot, "region.rigid-motion")[0]
    assert found.measures["explained"] == pytest.approx(1.0)
    assert found.measures["rotation_degrees"] == pytest.approx(0.0, abs=0.01)


def test_rigid_rotation_of_the_head_is_detected_but_a_jaw_drop_is_not():
    angle = np.radians(4)
    rotation = np.array([[1, 0, 0], [0, np.cos(angle), -np.sin(angle)], [0, np.sin(angle), np.cos(angle)]])
    center = POINTS.mean(axis=0)
    nod = ((POINTS - center) @ rotation.T + center - POINTS).astype(np.float32)
    snapshot = synthetic_head({"AD29": nod})
    assert geometric(snapshot) == [("region.rigid-motion", ("AD29",))]
    assert findings_of(snapshot, "region.rigid-motion")[0].measures["rotation_degrees"] == pytest.approx(4, abs=0.05)
    assert not findings_of(synthetic_head(), "region.rigid-motion")  # AU26 rotates the jaw only


def test_body_far_from_the_face_stays_out_of_the_regions():
    """A head on a body at 0.01 scale: the frame is the face's, not the body's."""
    body = np.stack(np.meshgrid(np.linspace(-0.6, 0.6, 30), [0.0], np.linspace(-1.6, -0.1, 40)), -1).reshape(-1, 3)
    basis = np.vstack([POINTS, body]).astype(np.float32)
    shapes = {name: np.vstack([d, np.zeros_like(body)]).astype(np.float32) for name, d in SHAPES.items()}
    assert geometric(RigSnapshot.from_shapes("Avatar", basis, shapes)) == []
