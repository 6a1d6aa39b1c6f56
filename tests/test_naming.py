"""Names map to action, side and variant under every shipped convention; naming findings are exact."""

import pytest

from facs_audit_addon.core.engine import read_sets
from facs_audit_addon.core.names import NameReader

from core_helpers import RULEBOOK, findings

READER = NameReader(RULEBOOK.catalog, RULEBOOK.conventions, RULEBOOK.naming)
ORDER = list(RULEBOOK.conventions)


@pytest.mark.parametrize("name, au, side, variant, convention", [
    ("AU12_L", "AU12", "L", "", "facs-code"),
    ("AU12L", "AU12", "L", "", "facs-code"),
    ("au_12_left", "AU12", "L", "", "facs-code"),
    ("L12", "AU12", "L", "", "facs-code"),
    ("AU23V", "AU23", "B", "V", "facs-code"),
    ("AU23_vertical", "AU23", "B", "V", "facs-code"),
    ("AU23H_R", "AU23", "R", "H", "facs-code"),
    ("AU4_procerus_L", "AU4", "L", "procerus", "facs-code"),
    ("AD34", "AD34", "B", "", "facs-code"),
    ("AU_12_L_LipCornerPuller", "AU12", "L", "", "facs-code"),
    ("AU_61_EyesTurnLeft", "AU61", "B", "", "facs-code"),
    ("lipCornerPuller_L", "AU12", "L", "", "facs-name"),
    ("LipCornerPuller.L", "AU12", "L", "", "facs-name"),
    ("LIP_CORNER_PULLER_L", "AU12", "L", "", "facs-name"),
    ("LeftLipCornerPuller", "AU12", "L", "", "facs-name"),
    ("lipCornerPuller_r", "AU12", "R", "", "facs-name"),
    ("upperLipFunnelerL", "AU22", "L", "upper", "facs-name"),
    ("mouthSmileLeft", "AU12", "L", "", "arkit"),
    ("MouthSmileLeft", "AU12", "L", "", "arkit"),
    ("mouthSmile_L", "AU12", "L", "", "arkit"),
    ("BS_node.eyeBlinkRight", "AU45", "R", "", "arkit"),
    ("AK_09_EyeBlinkLeft", "AU45", "L", "", "arkit"),
    ("jawOpen", "AU26", "B", "", "arkit"),
    ("jawLeft", "AD30", "B", "left", "arkit"),
    ("eyeLookInLeft", "AU62", "L", "", "arkit"),
    ("eyeLookOutLeft", "AU61", "L", "", "arkit"),
    ("mouthShrugUpper", "AU17", "B", "upper", "arkit"),
])
def test_name_is_read(name, au, side, variant, convention):
    parsed = READER.parse(name, ORDER)
    assert parsed is not None, name
    assert (parsed.au, parsed.side, parsed.variant) == (au, side, variant)
    assert parsed.convention == convention


@pytest.mark.parametrize("name", ["Key 1", "smile", "PupilDilate_L", "AA_VI_10_aa", "eyeLookIn", "AU99_L"])
def test_unknown_names_are_not_guessed(name):
    assert READER.parse(name, ORDER) is None


def test_combination_names_are_read_into_parents():
    parsed = READER.parse_combination("mouthPress_jawOpen", ORDER)
    assert [p.key for p in parsed.parts] == [("AU24", "B", ""), ("AU26", "B", "")]
    assert [p.au for p in READER.parse_combination("AU6_AU12_L", ORDER).parts] == ["AU6", "AU12"]


def test_a_set_is_read_in_one_pass_as_one_name_at_a_time():
    """rows and combinations (what read_sets uses) read each name as row and parse_combination do."""
    reader = NameReader(RULEBOOK.catalog, RULEBOOK.conventions, RULEBOOK.naming)
    names = ["AK_09_EyeBlinkLeft", "_Neutral", "mouthSmile_L", "eyeBlink_L", "mouthSmile_L_eyeBlink_L_combo3",
             "AU6_AU12_L", "mouthPress_jawOpen", "AU1_AU2_AU4", "L_mouthSmile_L", "Key 1"]
    rows = reader.rows(names, frozenset(RULEBOOK.naming.rest_names))
    assert [(name, prefix) for name, prefix, _ in rows] == [(n, "AK" if n.startswith("AK_") else "") for n in names]
    assert [name for name, _, row in rows if row is None] == ["_Neutral"]
    assert [name for name, _, row in rows if row is reader.unread] == ["mouthSmile_L_eyeBlink_L_combo3"]
    assert all(row == READER.row(name) for name, _, row in rows if row is not None and row is not reader.unread)
    unread = [name for name, _, row in rows if row is not None and reader.first(name, row, reader.positions(ORDER)) is None]
    together = reader.combinations(unread, ORDER)
    assert together == {n: p for n in unread if (p := READER.parse_combination(n, ORDER)) is not None}
    assert [p.name for p in together["mouthSmile_L_eyeBlink_L_combo3"].parts] == ["mouthSmile_L", "eyeBlink_L"]
    assert [p.au for p in together["AU1_AU2_AU4"].parts] == ["AU1", "AU2", "AU4"]
    assert "Key 1" not in together and "L_mouthSmile_L" not in together


def test_code_and_description_that_disagree():
    parsed = READER.parse("AU_12_L_Dimpler", ORDER)
    assert (parsed.au, parsed.mismatch) == ("AU12", "AU14")


def test_prefixed_sets_are_grouped_and_detected_separately():
    names = ["AK_01_BrowDownLeft", "AK_02_BrowDownRight", "AK_25_JawOpen", "AU_12_L_LipCornerPuller",
             "AU_12_R_LipCornerPuller", "AA_VI_01_PP", "AA_VI_02_FF", "SR_05_Eye_Left_Blink", "SR_31_Mouth_Pout",
             "SR_03_Cheek_Suck"]
    sets = {s.prefix: s for s in read_sets(names, RULEBOOK)}
    assert set(sets) == {"AK", "AU", "AA_VI", "SR"}
    assert sets["AK"].convention == "arkit" and sets["AK"].profile.name == "arkit-52"
    assert sets["AU"].convention == "facs-code" and sets["AU"].profile.name == "facs-core"
    assert sets["SR"].convention == "sranipal"
    assert sets["AA_VI"].profile is None and sets["AA_VI"].unknown == ["AA_VI_01_PP", "AA_VI_02_FF"]


def _rules(found):
    return sorted((f.rule, f.shapes) for f in found)


def test_unknown_names_are_one_finding_per_set():
    found = findings(["AU12_L", "AU12_R", "qwerty", "asdf"], profile="generic")
    assert _rules(found) == [("naming.unknown-name", ("qwerty", "asdf"))]
    assert found[0].severity == "warning"


def test_unrecognised_prefixed_set_is_one_info_finding():
    found = findings(["AU12_L", "AU12_R", "AA_VI_01_PP", "AA_VI_02_FF", "AA_VI_03_TH"], profile="generic")
    assert _rules(found) == [("naming.unrecognised-set", ("AA_VI_01_PP", "AA_VI_02_FF", "AA_VI_03_TH"))]
    assert found[0].message.startswith("3 of 3 shapes in set AA_VI_ match no known naming convention")
    assert found[0].severity == "info"


def test_duplicate_mapping():
    found = findings(["AU12_L", "AU12_R", "AU12L"], profile="generic")
    assert _rules(found) == [("naming.duplicate-mapping", ("AU12_L", "AU12L")),
                             ("naming.mixed-side-markers", ("AU12L",))]
    assert found[0].severity == "error"


def test_mixed_conventions_names_the_foreign_shapes():
    found = findings(["mouthSmileLeft", "mouthSmileRight", "jawOpen", "lipCornerPuller_L", "eyeBlinkLeft",
                      "eyeBlinkRight"], profile="generic")
    assert ("naming.mixed-conventions", ("lipCornerPuller_L",)) in _rules(found)


def test_mixed_side_markers():
    found = findings(["AU12_L", "AU12_R", "AU2.L", "AU2.R", "AU6_L", "AU6_R"], profile="generic")
    assert _rules(found) == [("naming.mixed-side-markers", ("AU2.L", "AU2.R"))]


def test_ambiguous_code_and_mismatch():
    found = findings(["AU41_L", "AU41_R", "AU_12_L_Dimpler", "AU_12_R_LipCornerPuller"], profile="generic")
    assert _rules(found) == [("naming.ambiguous-code", ("AU41_L", "AU41_R")),
                             ("naming.code-name-mismatch", ("AU_12_L_Dimpler",))]


def test_orphan_combination():
    found = findings(["AU6_L", "AU6_R", "AU6_AU12_L"], profile="generic")
    assert _rules(found) == [("naming.orphan-combination", ("AU6_AU12_L",))]


def test_combination_with_its_parents_is_clean():
    assert findings(["AU6_L", "AU6_R", "AU12_L", "AU12_R", "AU6_AU12_L", "AU6_AU12_R"], profile="generic") == []


def test_set_with_few_recognised_names_is_not_held_to_a_delivery_profile():
    names = ["HB_01_L_Jaw", "HB_02_JawIn", "HB_03_JawOut", "HB_07_MouthSmile", "HB_08_TongueOut"]
    sets = read_sets(names, RULEBOOK)
    assert [(s.prefix, s.convention, s.profile.name) for s in sets] == [("HB", "arkit", "generic")]
