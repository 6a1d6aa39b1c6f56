"""Coverage in context (issue 11): measured variants count as present, actions only inside combination
shapes, profiles the user did not ask for, rest poses, and variants and sides named in words."""

import re

import numpy as np

from core_helpers import findings, snapshot, RULEBOOK
from facs_audit_addon.core import audit_rig
from test_coverage import CORE
from test_signatures import audit, mouth_face, WIDTH, MOUTH_Z


def _coverage(report, code):
    return [f for f in report.findings if f.rule.startswith("coverage.") and code in f.aus]


# -- point 1: a shape whose variant is measured counts as that variant ------------------------------

def _jaw_sideways(basis, direction):
    """The chin and jaw below the mouth moved sideways (+1: toward the character's left, +X)."""
    below = (basis[:, 2] < MOUTH_Z - 0.3 * WIDTH) & (np.abs(basis[:, 0]) < 0.07)
    delta = np.zeros_like(basis)
    delta[below, 0] = 0.004 * direction
    return delta


def test_measured_jaw_direction_counts_as_that_variant():
    basis, shapes = mouth_face()
    shapes["AD30"] = _jaw_sideways(basis, +1)  # named without a direction, moves the jaw to the left
    found = _coverage(audit(shapes, profile="facs-film"), "AD30")
    assert [(f.rule, f.shapes, f.measures["variants"]) for f in found] == [
        ("coverage.missing-variant", ("AD30",), ["right"])]
    message = found[0].message
    assert message.startswith("Missing AD30 right (Jaw Sideways): AD30 is the left type by measure (chin_sideways +1.00)")
    # a named pair is complete; a jaw named for the left that moves right is not typed by its measure
    shapes["AD30_right"] = _jaw_sideways(basis, -1)
    assert _coverage(audit(shapes, profile="facs-film"), "AD30") == []


def test_unclear_variant_keeps_both_missing_in_one_line():
    basis, shapes = mouth_face()
    shapes["AU23"] = 0.5 * (shapes.pop("AU23H") + shapes.pop("AU23V"))
    found = _coverage(audit(shapes, profile="facs-film"), "AU23")
    assert [(f.rule, f.measures["variants"]) for f in found] == [("coverage.missing-variant", ["H", "V"])]
    value = found[0].measures["lip_tightening_axis"]
    assert abs(value) <= 0.25
    assert "AU23 horizontal and vertical" in found[0].message and "neither type clearly" in found[0].message


def test_several_missing_actions_are_one_line():
    names = [n for n in CORE if not n.startswith(("AU45", "AU28", "AU16"))]
    found = findings(names, profile="facs-core")
    assert [(f.rule, f.aus, f.measures["count"]) for f in found] == [
        ("coverage.missing-au", ("AU16", "AU28", "AU43", "AU45"), 3)]
    assert found[0].message == ("Missing 3 actions facs-core requires: AU16 (Lower Lip Depressor); AU28 (Lip Suck); "
                                "AU43 or AU45 (Eyes Closed) left and right.")


# -- point 9: present only in combination -------------------------------------------------------------

def test_action_only_in_a_combination_is_not_missing():
    names = [n for n in CORE if n != "AU22"] + ["22_25"]
    found = findings(names, profile="facs-core")
    assert [(f.rule, f.severity, f.aus, f.shapes) for f in found] == [
        ("coverage.only-in-combination", "info", ("AU22",), ("22_25",))]
    assert found[0].message == ("AU22 (Lip Funneler) only in combination with AU25 (22_25): no shape performs it "
                                "alone. Required by facs-core.")
    film = [f for f in findings(names, profile="facs-film") if "AU22" in f.aus]
    assert [(f.rule, f.severity) for f in film] == [("coverage.only-in-combination", "warning")]


def test_orphan_combination_still_reported_for_actions_no_profile_needs():
    found = findings(CORE + ["AU27_AU12_L"], profile="facs-core")
    assert [(f.rule, f.shapes) for f in found] == [("naming.orphan-combination", ("AU27_AU12_L",))]
    assert "no AU27 shape" in found[0].message


# -- point 8: only what was asked ----------------------------------------------------------------------

def _two_sets(drop=()):
    arkit = [label for r in RULEBOOK.profile("arkit-52").requirements for label in r.labels.values()]
    names = [f"AK_{i:02d}_{n}" for i, n in enumerate(arkit, 1)]
    facs = [re.sub(r"^AU(\d+)", lambda m: f"AU_{int(m.group(1)):02d}", n) for n in CORE if n not in drop]
    return names + facs


def test_other_sets_profile_is_one_info_line_when_a_profile_is_chosen():
    names = _two_sets(drop=("AU12_R", "AU10_R"))
    chosen = audit_rig(snapshot(names), RULEBOOK, profile="arkit-52")
    found = [f for f in chosen.findings if f.rule.startswith("coverage.")]
    assert [(f.rule, f.severity) for f in found] == [("coverage.other-profile", "info")]
    assert found[0].message == ("Set AU_ (facs-code) follows its convention's profile facs-core, not the chosen "
                                "arkit-52: 2 missing sides (AU10, AU12). Audit with --profile facs-core to list them.")
    assert found[0].measures == {"profile": "facs-core", "chosen": "arkit-52", "missing-side": 2}
    # no --profile: every set's own default profile is in force
    default = audit_rig(snapshot(names), RULEBOOK)
    found = [f for f in default.findings if f.rule.startswith("coverage.")]
    # several missing sides of one set: one line listing them
    assert [(f.rule, f.severity, f.aus, f.shapes, f.side) for f in found] == [
        ("coverage.missing-side", "error", ("AU10", "AU12"), ("AU_10_L", "AU_12_L"), "R")]
    assert found[0].message == ("2 actions lack a side facs-core requires (the rig has them only bilateral or on one "
                                "side): AU10 (Upper Lip Raiser) right; AU12 (Lip Corner Puller) right.")
    # asking for that set's profile: its gaps are errors again
    asked = audit_rig(snapshot(names), RULEBOOK, profile="facs-core")
    assert [f.severity for f in asked.findings if f.rule.startswith("coverage.")] == ["error"]


def test_complete_other_set_says_nothing():
    chosen = audit_rig(snapshot(_two_sets()), RULEBOOK, profile="arkit-52")
    assert [f for f in chosen.findings if f.rule.startswith(("coverage.", "naming."))] == []


# -- point 7: rest poses ------------------------------------------------------------------------------

def test_rest_poses_move_nothing_without_a_warning():
    names = CORE + ["_Neutral", "neutral", "AA_VI_00_Sil", "AA_VI_01_PP"]
    found = findings(names, profile="facs-core", empty=("_Neutral", "neutral", "AA_VI_00_Sil"))
    # the viseme set is one unrecognised-set line; its rest pose is not counted among the unread shapes
    assert [(f.rule, f.shapes) for f in found] == [("naming.unrecognised-set", ("AA_VI_01_PP",))]
    assert found[0].message.startswith("1 of 1 shapes in set AA_VI_")
    assert found[0].message.endswith("(AA_VI_00_Sil: rest pose).")
    # an empty shape that is not a rest pose is still reported
    found = findings(CORE + ["Neutralish"], profile="facs-core", empty=("Neutralish",))
    assert {f.rule for f in found} == {"coverage.empty-shape", "naming.unknown-name"}


# -- words, not letters --------------------------------------------------------------------------------

BARE = re.compile(r"\((?:AU|AD)\d+[A-Z]?_[LR]\)|(?<![\w'])[HVLR](?=[\s.,:;)])")


def test_messages_name_sides_and_variants_in_words():
    basis, shapes = mouth_face()
    shapes["AU23"] = shapes.pop("AU23H")
    del shapes["AU23V"]
    shapes["AU_12_R_LipCornerPuller"] = shapes.pop("AU12_R")
    shapes["AU_12_L_LipCornerPuller"] = 0.5 * shapes.pop("AU12_L")
    shapes["AU13_L"] = shapes["AU_12_L_LipCornerPuller"] * 1.01
    messages = [f.message for f in audit(shapes, profile="facs-film").findings]
    messages += [f.message for f in findings([n for n in CORE if n != "AU12_R"] + ["AU13_L"], profile="facs-core")]
    assert not [m for m in messages if BARE.search(m)]
    assert any("(AU13 left)" in m for m in messages)
