"""The VIVE SRanipal convention holds the standard's own names (EyeShape_v2, LipShape_v2) and its two
side-marker styles; checked on synthetic names and on the Rocketbox male's SR_ set."""

import json

import pytest

from facs_audit_addon.core.engine import read_sets

from blend_helpers import run_once
from core_helpers import RULEBOOK, findings
from rig_paths import ROCKETBOX

EYE_SHAPE_V2 = ["Eye_Left_Blink", "Eye_Left_Wide", "Eye_Left_Right", "Eye_Left_Left", "Eye_Left_Up", "Eye_Left_Down",
                "Eye_Right_Blink", "Eye_Right_Wide", "Eye_Right_Right", "Eye_Right_Left", "Eye_Right_Up",
                "Eye_Right_Down", "Eye_Frown", "Eye_Left_Squeeze", "Eye_Right_Squeeze"]
LIP_SHAPE_V2 = ["Jaw_Right", "Jaw_Left", "Jaw_Forward", "Jaw_Open", "Mouth_Ape_Shape", "Mouth_Upper_Right",
                "Mouth_Upper_Left", "Mouth_Lower_Right", "Mouth_Lower_Left", "Mouth_Upper_Overturn",
                "Mouth_Lower_Overturn", "Mouth_Pout", "Mouth_Smile_Right", "Mouth_Smile_Left", "Mouth_Sad_Right",
                "Mouth_Sad_Left", "Cheek_Puff_Right", "Cheek_Puff_Left", "Cheek_Suck", "Mouth_Upper_UpRight",
                "Mouth_Upper_UpLeft", "Mouth_Lower_DownRight", "Mouth_Lower_DownLeft", "Mouth_Upper_Inside",
                "Mouth_Lower_Inside", "Mouth_Lower_Overlay", "Tongue_LongStep1", "Tongue_LongStep2", "Tongue_Down",
                "Tongue_Up", "Tongue_Right", "Tongue_Left", "Tongue_Roll", "Tongue_UpLeft_Morph",
                "Tongue_UpRight_Morph", "Tongue_DownLeft_Morph", "Tongue_DownRight_Morph"]


def test_every_name_of_the_standard_is_read_once():
    names = EYE_SHAPE_V2 + LIP_SHAPE_V2
    (shape_set,) = read_sets(names, RULEBOOK)
    assert shape_set.convention == "sranipal" and shape_set.unknown == [] and not shape_set.foreign
    keys = [shape_set.parsed[n].key for n in names]
    assert len(set(keys)) == len(names)  # no two names of the standard map to one slot
    read = {n: shape_set.parsed[n].key for n in names}
    assert read["Mouth_Lower_Left"] == ("MS", "B", "lower_left")
    assert read["Mouth_Upper_Right"] == ("MS", "B", "upper_right")
    assert read["Mouth_Lower_Overlay"] == ("AU17", "B", "lower")
    assert read["Mouth_Upper_UpLeft"] == ("AU10", "L", "")
    assert read["Cheek_Puff_Right"] == ("AD34", "R", "")
    assert read["Tongue_LongStep2"] == ("AD19", "B", "long")


def test_the_standards_two_side_styles_are_not_a_mix():
    found = findings(EYE_SHAPE_V2 + LIP_SHAPE_V2, profile="generic", rule_prefix=("naming.",))
    assert found == []


def test_a_side_style_the_standard_does_not_use_is_reported_alone():
    names = [n for n in EYE_SHAPE_V2 + LIP_SHAPE_V2 if not n.startswith("Mouth_Sad_")] + ["Mouth_Sad_L", "Mouth_Sad_R"]
    found = findings(names, profile="generic", rule_prefix=("naming.",))
    assert [(f.rule, f.shapes) for f in found] == [("naming.mixed-side-markers", ("Mouth_Sad_L", "Mouth_Sad_R"))]
    assert found[0].message.endswith("sranipal itself writes '_Left' and 'Left'.")


def test_other_conventions_still_report_mixed_markers():
    found = findings(["mouthSmile_L", "mouthSmile_R", "eyeBlinkLeft", "eyeBlinkRight", "jawOpen"], profile="generic",
                     rule_prefix=("naming.mixed-side",))
    assert [(f.rule, f.shapes) for f in found] == [("naming.mixed-side-markers", ("mouthSmile_L", "mouthSmile_R"))]


@pytest.mark.skipif(not ROCKETBOX.is_file(), reason="../shared/real_rigs (Rocketbox male) is not on this machine")
def test_rocketbox_sr_set_is_read_whole_without_naming_findings(cli):
    pytest.importorskip("bpy")
    # the very audit tests/test_real_rigs.py reads too: run once (in this process, see conftest.cli)
    result = run_once(cli, "audit", ROCKETBOX, "--format", "json", "--fail-on", "never")
    assert result.returncode == 0, result.stderr[-2000:]
    rig, = json.loads(result.stdout)["rigs"]
    sr = next(s for s in rig["sets"] if s["prefix"] == "SR")
    assert (sr["convention"], sr["shapes"], sr["recognised"]) == ("sranipal", 42, 42)
    naming = [f for f in rig["findings"] if f["rule"].startswith("naming.") and any(s.startswith("SR_") for s in f["shapes"])]
    assert naming == []


def test_a_vendor_set_no_convention_covers_gets_no_mixed_convention_finding():
    # HeadBox extras: two tongue directions read as SRanipal, TongueOut as ARKit, the rest unknown
    names = ["AU12_L", "AU12_R", "HB_01_L_Jaw", "HB_02_JawIn", "HB_03_JawOut", "HB_05_MouthDeflated", "HB_08_TongueOut",
             "HB_09_TongueIn", "HB_11_TongueDown", "HB_12_TongueUp"]
    found = findings(names, profile="generic", rule_prefix=("naming.",))
    assert [f.rule for f in found] == ["naming.unrecognised-set"]
    assert found[0].shapes == ("HB_01_L_Jaw", "HB_02_JawIn", "HB_03_JawOut", "HB_05_MouthDeflated", "HB_09_TongueIn")
