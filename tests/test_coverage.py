"""Coverage against delivery profiles: exactly the missing actions, sides and variants."""

from core_helpers import findings

CORE = ["AU1", "AU2_L", "AU2_R", "AU4_L", "AU4_R", "AU5_L", "AU5_R", "AU6_L", "AU6_R", "AU7_L", "AU7_R",
        "AU9_L", "AU9_R", "AU10_L", "AU10_R", "AU12_L", "AU12_R", "AU14_L", "AU14_R", "AU15_L", "AU15_R", "AU16",
        "AU17", "AU18", "AU20_L", "AU20_R", "AU22", "AU23", "AU24", "AU25", "AU26", "AU28", "AU45_L", "AU45_R"]


def _rules(found):
    return sorted((f.rule, f.aus, f.side, f.shapes) for f in found)


def test_complete_core_rig_is_clean():
    assert findings(CORE, profile="facs-core") == []


def test_missing_right_side():
    names = [n for n in CORE if n != "AU12_R"]
    assert _rules(findings(names, profile="facs-core")) == [("coverage.missing-side", ("AU12",), "R", ("AU12_L",))]


def test_missing_action_and_alternatives():
    names = [n for n in CORE if not n.startswith("AU45")]
    assert _rules(findings(names, profile="facs-core")) == [("coverage.missing-au", ("AU43", "AU45"), "LR", ())]
    names += ["AU43_L", "AU43_R"]
    assert findings(names, profile="facs-core") == []


def test_bilateral_only_when_split_required():
    names = [n for n in CORE if not n.startswith("AU4_")] + ["AU4"]
    assert _rules(findings(names, profile="facs-core")) == [("coverage.missing-side", ("AU4",), "LR", ("AU4",))]


def test_lone_side_outside_the_profile():
    found = findings(CORE + ["AU13_L"], profile="facs-core")
    assert _rules(found) == [("coverage.missing-twin", ("AU13",), "L", ("AU13_L",))]


def test_film_needs_au23_vertical():
    film = findings(CORE + ["AU23H"], profile="facs-film")
    variant = [f for f in film if f.rule == "coverage.missing-variant"]
    # variants in words, the three AU4 components in one line
    assert [(f.aus, f.message.split(":")[0]) for f in variant] == [
        (("AU23",), "Missing AU23 vertical (Lip Tightener)"),
        (("AU4",), "Missing AU4 corrugator, depressor and procerus (Brow Lowerer) left and right")]


def test_arkit_names_missing_are_named():
    from facs_audit_addon.core import load_rulebook
    names = [n for n in load_rulebook().profile("arkit-52").requirements]
    arkit = [label for r in names for label in r.labels.values()]
    assert len(arkit) == 52
    assert findings(arkit, profile="arkit-52") == []
    found = findings([n for n in arkit if n != "eyeSquintRight"], profile="arkit-52")
    assert [(f.rule, f.message) for f in found] == [
        ("coverage.missing-side", "Missing eyeSquintRight (AU7 right): the rig has only the other side. Required by arkit-52.")]


def test_arkit_bilateral_satisfied_by_split():
    from facs_audit_addon.core import load_rulebook
    arkit = [label for r in load_rulebook().profile("arkit-52").requirements for label in r.labels.values()]
    names = [n for n in arkit if n != "browInnerUp"] + ["browInnerUp_L", "browInnerUp_R"]
    assert findings(names, profile="arkit-52", rule_prefix="coverage.") == []


def test_empty_shape():
    found = findings(CORE, profile="facs-core", empty=("AU25",), rule_prefix=("coverage.",))
    assert _rules(found) == [("coverage.empty-shape", ("AU25",), "B", ("AU25",))]
