"""Defects added to the shared real rigs are found; the clean rigs stay quiet.

Each variant is built with real Blender: the shared rig is loaded (read only, never saved back), one or
two shape keys are changed, the scene is saved as a .blend under pytest's tmp_path and audited through
the CLI. Skipped when ../shared/real_rigs is absent.
"""

import bpy
import numpy as np
import pytest

from blend_helpers import audit_json_once
from rig_paths import ICT, MPFB, REAL, ROCKETBOX, ROOT, needs_blender_5

pytestmark = pytest.mark.skipif(not REAL.is_dir(), reason="../shared/real_rigs is not present on this machine")
MPFB_RULES = ("--rules", ROOT / "examples" / "mpfb_convention.toml")


# -- building variants in Blender ---------------------------------------------------------------------
def load(path):
    """A fresh session holding the rig; returns its mesh object with shape keys."""
    bpy.ops.wm.read_homefile(use_empty=True, use_factory_startup=True, load_ui=False)
    if path.suffix == ".blend":
        bpy.ops.wm.open_mainfile(filepath=str(path), load_ui=False, use_scripts=False)
    else:
        bpy.ops.import_scene.gltf(filepath=str(path))
    bpy.context.view_layer.update()
    obj, = [o for o in bpy.data.objects if o.type == 'MESH' and o.data.shape_keys is not None]
    return obj


class Keys:
    """Shape keys of one object in world orientation (the frame the audit reads them in)."""

    def __init__(self, obj):
        self.obj = obj
        self.blocks = obj.data.shape_keys.key_blocks
        self.linear = np.array(obj.matrix_world, dtype=np.float64)[:3, :3].T  # world = local @ linear
        self.basis = self.read(obj.data.shape_keys.reference_key.name)

    def read(self, name):
        flat = np.empty(3 * len(self.obj.data.vertices), dtype=np.float32)
        self.blocks[name].data.foreach_get("co", flat)
        return flat.reshape(-1, 3) @ self.linear

    def delta(self, name):
        return self.read(name) - self.basis

    def write_delta(self, name, delta):
        local = (self.basis + delta) @ np.linalg.inv(self.linear)
        self.blocks[name].data.foreach_set("co", local.astype(np.float32).ravel())


def add_brow_bump(keys, target, brows, share):
    """Lift ``target`` where each of the ``brows`` shapes moves most: a compact bump (about a tenth of
    the brow-to-``target`` distance wide) peaking at ``share`` of ``target``'s own peak."""
    delta = keys.delta(target)
    motion = np.linalg.norm(delta, axis=1)
    bump = np.zeros(len(motion))
    for brow in brows:
        centre = keys.basis[np.argmax(np.linalg.norm(keys.delta(brow), axis=1))]
        sigma = 0.08 * np.linalg.norm(centre - keys.basis[np.argmax(motion)])
        bump = np.maximum(bump, np.exp(-((keys.basis - centre) ** 2).sum(axis=1) / (2 * sigma ** 2)))
    delta[:, 2] += share * motion.max() * bump  # world up
    keys.write_delta(target, delta)


def save(tmp_path, name):
    path = tmp_path / f"{name}.blend"
    bpy.ops.wm.save_as_mainfile(filepath=str(path), copy=True, compress=False)
    return path


def findings(document, rule):
    return [f for rig in document["rigs"] for f in rig["findings"] if f["rule"] == rule]


# -- variants ------------------------------------------------------------------------------------------
def test_ict_brow_bump_in_jaw_open_and_a_weak_right_smile_are_found(tmp_path, audit_json):
    keys = Keys(load(ICT))
    add_brow_bump(keys, "jawOpen", ("browOuterUp_L", "browOuterUp_R"), 0.4)
    keys.write_delta("mouthSmile_R", 0.6 * keys.delta("mouthSmile_R"))
    result, document = audit_json(save(tmp_path, "ict_variant"))
    assert result.returncode == 0
    island, = findings(document, "region.detached-island")
    assert island["shapes"] == ["jawOpen"] and island["measures"]["region"] == "brow"
    assert island["measures"]["island_share"] == pytest.approx(0.4, abs=0.03)
    assert island["measures"]["distance"] > 0.8
    assert island["vertices"]
    # the energy share cannot see it: no leakage line for the same bump
    assert not findings(document, "region.leakage")
    smile, = [f for f in findings(document, "symmetry.pair-mismatch") if "mouthSmile_R" in f["shapes"]]
    assert smile["shapes"] == ["mouthSmile_L", "mouthSmile_R"] and smile["severity"] == "error"
    assert smile["measures"]["strength_ratio"] == pytest.approx(0.6, abs=0.02)


def test_ict_brow_bump_in_a_one_sided_smile_and_a_distorted_right_brow_are_found(tmp_path, audit_json):
    keys = Keys(load(ICT))
    add_brow_bump(keys, "mouthSmile_L", ("browOuterUp_L",), 0.45)
    # the right brow-down loses its outer half: same peak, wrong shape
    delta = keys.delta("browDown_R")
    outer = keys.basis[:, 0] < np.percentile(keys.basis[np.linalg.norm(delta, axis=1) > 0, 0], 50)
    delta[outer] *= 0.3
    keys.write_delta("browDown_R", delta)
    result, document = audit_json(save(tmp_path, "ict_variant_sided"))
    island, = findings(document, "region.detached-island")
    assert (island["shapes"], island["side"], island["measures"]["region"]) == (["mouthSmile_L"], "L", "left brow")
    pairs = {tuple(f["shapes"]) for f in findings(document, "symmetry.pair-mismatch")}
    assert ("browDown_L", "browDown_R") in pairs


@needs_blender_5
def test_makehuman_brow_bump_in_mouth_open_is_found(tmp_path, audit_json):
    keys = Keys(load(MPFB))
    add_brow_bump(keys, "mouth-open", ("eyebrows-left-extern-up", "eyebrows-right-extern-up"), 0.4)
    result, document = audit_json(save(tmp_path, "mpfb_variant"), *MPFB_RULES)
    assert result.returncode == 0
    island, = findings(document, "region.detached-island")
    assert island["shapes"] == ["mouth-open"] and island["measures"]["region"] == "brow"


# -- the clean rigs ------------------------------------------------------------------------------------
def test_clean_ict_has_no_region_findings(cli):
    result, document = audit_json_once(cli, ICT)  # shared with test_real_rigs (blend_helpers.run_once)
    assert [f for rig in document["rigs"] for f in rig["findings"] if f["category"] == "region"] == []


@needs_blender_5
def test_clean_makehuman_has_no_region_findings(cli):
    result, document = audit_json_once(cli, MPFB, *MPFB_RULES)  # shared with test_real_rigs
    assert [f for rig in document["rigs"] for f in rig["findings"] if f["category"] == "region"] == []


def test_clean_rocketbox_keeps_only_the_broad_spills(cli):
    # shared with test_real_rig_coverage (blend_helpers.run_once)
    result, document = audit_json_once(cli, ROCKETBOX, "--profile", "arkit-52")
    assert not findings(document, "region.detached-island")
    leaking = {f["shapes"][0] for f in findings(document, "region.leakage")}
    # lips narrowing drag the cheek edge, the frontalis lifts the nose root: fall-offs, not leakage
    assert not leaking & {"AU_23_LipTightener", "AU_01_InnerBrowRaiser", "AK_03_BrowInnerUp", "AU_02_OuterBrowRaiser"}
    # the Vive eye squeezes still pull the cheek well beyond what the lids drag along
    assert leaking == {"SR_09_Eye_Left_squeeze", "SR_16_Eye_Right_squeeze"}
