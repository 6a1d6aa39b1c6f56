"""The shipped rules load; malformed rule files fail with one error naming the file and the key."""

import shutil

import pytest

from facs_audit_addon.core import RuleFileError, load_rulebook
from facs_audit_addon.core.rulebook import default_rules_dir


def test_shipped_rules_load():
    rulebook = load_rulebook()
    assert {"facs-core", "facs-film", "arkit-52", "generic"} <= set(rulebook.profiles)
    assert {"arkit", "facs-code", "facs-name"} <= set(rulebook.conventions)
    assert len(rulebook.profile("arkit-52").requirements) == 52


def test_catalog_covers_the_brief():
    catalog = load_rulebook().catalog
    brief = [1, 2, 4, 5, 6, 7, 43, 45, 46, 9, 10, 11, 38, 39, 12, 13, 14, 20, 21, 15, 16, 17, 8, 18, 22, 23, 24,
             28, 25, 26, 27]
    assert all(f"AU{n}" in catalog for n in brief)
    assert {"AD19", "AD32", "AD33", "AD34", "AD35", "AD36", "OEB"} <= set(catalog)
    assert set(catalog["AU23"].variants) == {"H", "V"}
    assert set(catalog["AU4"].variants) == {"corrugator", "depressor", "procerus"}
    assert catalog["AU46"].laterality == "unilateral"


@pytest.fixture
def rules_copy(tmp_path):
    target = tmp_path / "rules"
    shutil.copytree(default_rules_dir(), target)
    return target


def _break(path, old, new):
    text = path.read_text()
    assert old in text, f"fixture text not found in {path.name}: {old!r}"
    path.write_text(text.replace(old, new, 1))


@pytest.mark.parametrize("relative, old, new, key", [
    ("catalog.toml", 'laterality = "lr"', 'laterality = "sideways"', "AU1.laterality"),
    ("catalog.toml", 'name = "Inner Brow Raiser"', 'name = 12', "AU1.name"),
    ("catalog.toml", '[AU1]\n', '[AU1]\ncolour = "red"\n', "AU1.colour"),
    ("conventions/arkit.toml", 'mouthSmile = "AU12"', 'mouthSmile = "AU99"', "names.mouthSmile"),
    ("conventions/arkit.toml", 'mouthSmile = "AU12"', 'mouthSmile = "AU12"\nMOUTH_SMILE = "AU12"',
     "names.MOUTH_SMILE"),
    ("conventions/arkit.toml", 'jawOpen = "AU26"', 'jawOpen = "AU26:sideways"', "names.jawOpen"),
    ("profiles/facs_core.toml", '{ au = "AU2", sides = "LR" }', '{ au = "AU2", sides = "both" }',
     "profile.require[1].sides"),
    ("profiles/facs_core.toml", '{ au = "AU2", sides = "LR" }', '{ au = "AU200", sides = "LR" }',
     "profile.require[1].au"),
    ("profiles/base.toml", "empty_shape = 0.0005", 'empty_shape = "small"', "thresholds.empty_shape"),
    ("profiles/facs_core.toml", 'extends = "base"', 'extends = "base"\n[thresholds]\nbogus = 1', "thresholds.bogus"),
    ("profiles/facs_core.toml", 'extends = "base"', 'extends = "base"\n[severity]\n"naming.nope" = "error"',
     "severity.naming.nope"),
    ("profiles/arkit_52.toml", '"tongueOut",', '"tongueOut", "tongueIn",', "profile.require_names[52]"),
    ("findings.toml", 'severity = "warning"', 'severity = "fatal"', "naming.unknown-name.severity"),
    ("naming.toml", "set_prefix = '^(?P<set>", "set_prefix = '^(?P<set", "set_prefix"),
    ("naming.toml", 'rest_names = ["neutral",', 'rest_names = [1,', "rest_names[0]"),
    ("catalog.toml", 'now = "AD34"', 'now = "AD99"', "AU13.former[0].now"),
    ("catalog.toml", 'measure = "cheek_puff"', 'measure = "puffiness"', "AU13.former[0].shows.measure"),
    ("catalog.toml", 'words = ["slit"]', 'words = []', "AU42.former[0].words"),
    ("catalog.toml", 'manual = "FACS 1978", words = ["slit"]', 'year = 1978, words = ["slit"]', "AU42.former[0].year"),
    ("catalog.toml", 'variant_names = { H = "horizontal"', 'variant_names = { X = "horizontal"',
     "AU23.variant_names.X"),
])
def test_malformed_rule_file_names_file_and_key(rules_copy, relative, old, new, key):
    _break(rules_copy / relative, old, new)
    with pytest.raises(RuleFileError) as caught:
        load_rulebook(rules_copy)
    assert caught.value.path.endswith(relative)
    assert caught.value.key == key
    assert "\n" not in str(caught.value)


def test_invalid_toml_syntax(rules_copy):
    (rules_copy / "profiles" / "facs_core.toml").write_text("[profile\nname = ")
    with pytest.raises(RuleFileError, match=r"facs_core\.toml: not valid TOML"):
        load_rulebook(rules_copy)


def test_extra_convention_file_adds_a_convention(tmp_path):
    extra = tmp_path / "studio.toml"
    extra.write_text('[convention]\nname = "studio"\ndefault_profile = "generic"\n[names]\nbigSmile = "AU12"\n')
    rulebook = load_rulebook(extra_files=[extra])
    assert "studio" in rulebook.conventions
    assert rulebook.conventions["studio"].names["bigsmile"].au == "AU12"
