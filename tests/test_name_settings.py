"""The settings of rules/naming.toml do what their comments say: side words, combination joiners and
corrective tags are read from the rule file, and a malformed table is one rule-file error."""

import itertools
import shutil

import pytest

from facs_audit_addon.core import RuleFileError, load_rulebook
from facs_audit_addon.core.engine import read_sets
from facs_audit_addon.core.rulebook import default_rules_dir

from core_helpers import RULEBOOK

ORDER = list(RULEBOOK.conventions)


@pytest.fixture
def rules_copy(tmp_path):
    target = tmp_path / "rules"
    shutil.copytree(default_rules_dir(), target)
    return target


def _set(rules, key, value):
    """Replace the line ``key = ...`` of naming.toml with ``key = value``."""
    path = rules / "naming.toml"
    lines = path.read_text().splitlines()
    hits = [i for i, line in enumerate(lines) if line.startswith(f"{key} =")]
    assert len(hits) == 1, key
    lines[hits[0]] = f"{key} = {value}"
    path.write_text("\n".join(lines) + "\n")


def _read(rulebook, name):
    parsed = rulebook.reader.parse(name, list(rulebook.conventions))
    return None if parsed is None else (parsed.au, parsed.side, parsed.convention)


def test_side_words_come_from_the_rule_file(rules_copy):
    _set(rules_copy, "left", '["l", "left", "links", "li"]')
    _set(rules_copy, "right", '["r", "right", "rechts", "re"]')
    rulebook = load_rulebook(rules_copy)
    assert _read(rulebook, "mouthSmile_links") == ("AU12", "L", "arkit")
    assert _read(rulebook, "mouthSmileRechts") == ("AU12", "R", "arkit")
    assert _read(rulebook, "LinksLipCornerPuller") == ("AU12", "L", "facs-name")
    assert _read(rulebook, "AU12_re") == ("AU12", "R", "facs-code")
    assert _read(rulebook, "mouthSmileLeft") == ("AU12", "L", "arkit")
    # the shipped words that were dropped are no longer sides
    assert _read(RULEBOOK, "mouthSmile_links") is None
    assert _read(RULEBOOK, "AU12_lf") == ("AU12", "L", "facs-code")
    assert _read(RULEBOOK, "mouthSmileRt") == ("AU12", "R", "arkit")


def test_side_words_set_the_marker_styles(rules_copy):
    _set(rules_copy, "left", '["l", "left", "links"]')
    _set(rules_copy, "right", '["r", "right", "rechts"]')
    rulebook = load_rulebook(rules_copy)
    style = rulebook.naming.sides.marker_style
    assert style("_links") == style("_rechts") == "_links"
    assert style("Rechts") == "Links" and style("_R") == "_L" and style(".r") == ".l"


def test_side_words_without_left_and_right_give_a_rule_file_error_not_a_crash(rules_copy):
    # The example: the shipped rules that write "Left" (SRanipal's side styles, ARKit's
    # eyeBlinkLeft in the arkit-52 profile) no longer fit, and loading says so in one line.
    _set(rules_copy, "left", '["l", "lf"]')
    with pytest.raises(RuleFileError) as caught:
        load_rulebook(rules_copy)
    assert caught.value.path.endswith("sranipal.toml") and caught.value.key == "convention.side_styles[0]"
    assert "\n" not in str(caught.value)
    (rules_copy / "conventions" / "sranipal.toml").unlink()
    with pytest.raises(RuleFileError) as caught:
        load_rulebook(rules_copy)
    assert caught.value.path.endswith("arkit_52.toml") and caught.value.key.startswith("profile.require_names")


@pytest.mark.parametrize("key, value, where", [
    ("left", '["l", "le ft"]', "left[1]"),
    ("left", "[]", "left"),
    ("left", '"l"', "left"),
    ("right", '["r", 3]', "right[1]"),
    ("right", '["l", "right"]', "right[0]"),
    ("right", '["r", "r"]', "right[1]"),
    ("combination_joiners", '["_", "x"]', "combination_joiners[1]"),
    ("combination_tags", '["combo1"]', "combination_tags[0]"),
])
def test_malformed_naming_table_is_one_line_naming_file_and_key(rules_copy, key, value, where):
    _set(rules_copy, key, value)
    with pytest.raises(RuleFileError) as caught:
        load_rulebook(rules_copy)
    assert caught.value.path.endswith("naming.toml")
    assert caught.value.key == where
    assert "\n" not in str(caught.value)


def _parts(rulebook, name):
    parsed = rulebook.reader.parse_combination(name, list(rulebook.conventions))
    return None if parsed is None else [p.key for p in parsed.parts]


def test_combination_joiners_are_where_names_are_cut(rules_copy):
    assert _parts(RULEBOOK, "mouthPress_jawOpen") == [("AU24", "B", ""), ("AU26", "B", "")]
    assert _parts(RULEBOOK, "mouthPress+jawOpen") == [("AU24", "B", ""), ("AU26", "B", "")]
    _set(rules_copy, "combination_joiners", '["+"]')
    rulebook = load_rulebook(rules_copy)
    assert _parts(rulebook, "mouthPress_jawOpen") is None
    assert _parts(rulebook, "mouthPress+jawOpen") == [("AU24", "B", ""), ("AU26", "B", "")]


@pytest.mark.parametrize("name, parts", [
    ("mouthSmile_L_eyeBlink_L_combo240", [("AU12", "L", ""), ("AU45", "L", "")]),
    ("jawOpen_mouthClose_fix", [("AU26", "B", ""), ("AU8", "B", "")]),
    ("AU6_AU12_L_corr", [("AU6", "B", ""), ("AU12", "L", "")]),
    ("browInnerUp_browOuterUp_L_cheekSquint_L_Combo7", [("AU1", "B", ""), ("AU2", "L", ""), ("AU6", "L", "")]),
])
def test_correctives_with_a_trailing_tag_read_as_their_parts(name, parts):
    assert RULEBOOK.reader.parse(name, ORDER) is None
    assert _parts(RULEBOOK, name) == parts


def test_corrective_tags_come_from_the_rule_file(rules_copy):
    _set(rules_copy, "combination_tags", '["shape"]')
    rulebook = load_rulebook(rules_copy)
    assert _parts(rulebook, "mouthSmile_L_eyeBlink_L_combo240") is None
    assert _parts(rulebook, "mouthSmile_L_eyeBlink_L_shape3") == [("AU12", "L", ""), ("AU45", "L", "")]


def test_a_tag_alone_is_not_a_combination():
    assert _parts(RULEBOOK, "mouthSmile_L_corr") is None
    assert _parts(RULEBOOK, "jawOpen_combo12") is None


ARKIT_LATERAL = ["browDown", "browOuterUp", "cheekSquint", "eyeBlink", "eyeSquint", "eyeWide", "mouthDimple",
                 "mouthFrown", "mouthLowerDown", "mouthPress", "mouthSmile", "mouthStretch", "mouthUpperUp",
                 "noseSneer"]
ARKIT_AU = {"browDown": "AU4", "browOuterUp": "AU2", "cheekSquint": "AU6", "eyeBlink": "AU45", "eyeSquint": "AU7",
            "eyeWide": "AU5", "mouthDimple": "AU14", "mouthFrown": "AU15", "mouthLowerDown": "AU16",
            "mouthPress": "AU24", "mouthSmile": "AU12", "mouthStretch": "AU20", "mouthUpperUp": "AU10",
            "noseSneer": "AU9"}


def test_a_thousand_names_with_correctives_read_right():
    """A film-style set: 28 ARKit shapes with _L/_R, every same-side pair as a corrective with and
    without a tag, and three-part correctives."""
    base = [f"{stem}_{side}" for stem in ARKIT_LATERAL for side in "LR"]
    correctives = {}
    for side in "LR":
        for i, (a, b) in enumerate(itertools.combinations(ARKIT_LATERAL, 2)):
            parts = [(ARKIT_AU[a], side, ""), (ARKIT_AU[b], side, "")]
            correctives[f"{a}_{side}_{b}_{side}_combo{i}"] = parts
            correctives[f"{b}_{side}_{a}_{side}"] = parts[::-1]
    triples = itertools.chain(itertools.combinations(base[::2], 3), itertools.combinations(base[1::2], 3))
    extra = [f"{a}_{b}_{c}_fix" for a, b, c in triples][: 1000 - len(base) - len(correctives)]
    names = base + list(correctives) + extra
    assert len(names) == 1000
    (shape_set,) = read_sets(names, RULEBOOK)
    assert shape_set.convention == "arkit" and shape_set.unknown == []
    assert set(shape_set.parsed) == set(base)
    assert all(shape_set.parsed[f"{stem}_L"].key == (ARKIT_AU[stem], "L", "") for stem in ARKIT_LATERAL)
    assert {n: [p.key for p in shape_set.combinations[n].parts] for n in correctives} == correctives
    assert all(len(shape_set.combinations[n].parts) == 3 for n in extra)
