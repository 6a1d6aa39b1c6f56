"""Load and validate the rule files in ``rules/`` (TOML data, never evaluated as code).

Every problem raises :class:`RuleFileError` naming the file and the key, so a malformed rule
file stops the audit with one clear line.
"""

import re
from dataclasses import dataclass, field
from pathlib import Path

from .errors import AuditError, RuleFileError
from .tomldoc import _Doc  # noqa: F401  (rule-file readers import it from here too)
from .model import CATEGORIES, SEVERITIES
from .names import NameReader
from .sides import SideWords
from .text import normalize

LATERALITIES = ("lr", "bilateral", "unilateral")
KINDS = ("au", "ad", "gaze", "extra")
REQUIRE_SIDES = ("LR", "B", "any")  # require_names adds single-side "L" / "R" slots


def default_rules_dir():
    """``rules/`` beside the package: the repository root, or the installed extension's root."""
    return Path(__file__).resolve().parents[2] / "rules"


@dataclass(frozen=True)
class Action:
    """One catalog entry: an Action Unit, a descriptor, a gaze code or a named extra."""

    code: str
    name: str
    kind: str
    muscles: tuple
    regions: tuple
    laterality: str
    #: variant id -> tuple of normalised aliases
    variants: dict
    mirror: str
    #: variant -> its mirrored variant
    mirror_variants: dict
    note: str
    #: the code means different actions in the 1978 and 2002 manuals
    ambiguous: bool = False
    #: variant id -> the word messages use for it (AU23 H -> "horizontal"); the id itself otherwise
    variant_names: dict = field(default_factory=dict)
    #: earlier meanings of the code (Former entries), read from the words of a shape name
    former: tuple = ()
    #: what the code means in FACS 2002 when ``name`` is an earlier meaning (AU41, AU42, AU44)
    current: str = ""

    def variant_word(self, variant):
        return self.variant_names.get(variant, variant)


@dataclass(frozen=True)
class Former:
    """An earlier meaning of a code (AU13 "Cheek Puffer" in FACS 1978) and how a name reveals it."""

    name: str
    manual: str
    #: normalised words; a shape name containing one of them uses this meaning
    words: tuple
    #: the catalogued action that carries this meaning today (puffing: AD34)
    now: str
    #: pairs.Bound a shape built with this meaning shows (a puff: cheek_puff above 0.45), or None
    shows: object = None


@dataclass(frozen=True)
class Target:
    """What a name maps to. ``au`` is a code, or ``{'L': code, 'R': code}`` when it depends on the side."""

    au: object
    variant: str = ""
    side: str = ""


@dataclass(frozen=True)
class Convention:
    name: str
    description: str
    default_profile: str
    #: normalised name -> Target
    names: dict
    code_pattern: object = None
    descriptive: str = ""
    path: str = ""
    #: side-marker styles the convention itself uses (sides.SideWords.marker_style form: "_Left", "Left")
    side_styles: tuple = ()


@dataclass(frozen=True)
class Requirement:
    """One required action: any of ``aus``, on ``sides``, in each of ``variants``."""

    aus: tuple
    sides: str
    variants: tuple = ()
    #: display names for (side) slots, from require_names: {(side, variant): name}
    labels: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Profile:
    name: str
    description: str
    conventions: tuple
    requirements: tuple
    thresholds: dict
    severity: dict
    path: str = ""


@dataclass(frozen=True)
class NamingRules:
    strip_prefixes: tuple
    set_prefix: object
    left: tuple
    right: tuple
    separators: str
    max_listed_unknown: int
    combination_joiners: tuple
    min_recognised_share: float = 0.5
    #: normalised names of rest poses (neutral, viseme sil) that move nothing on purpose
    rest_names: tuple = ()
    #: trailing tags of corrective names (``_combo240``, ``_corr``), read off before the parts
    combination_tags: tuple = ()
    #: the left/right words compiled (sides.SideWords)
    sides: object = None


@dataclass(frozen=True)
class FindingRule:
    id: str
    category: str
    severity: str
    summary: str
    why: str
    #: stable ids of the fixes that may resolve this rule's findings (see core/fixes.py)
    fixes: tuple = ()


@dataclass(frozen=True)
class Rulebook:
    catalog: dict
    conventions: dict
    profiles: dict
    naming: NamingRules
    findings: dict
    #: parsed regions.toml (see regions.py), or None when absent
    regions: object = None
    #: parsed coactivation.toml (see pair_rules.py), or None when absent
    coactivation: object = None
    root: str = ""
    #: parsed identify.toml (see identify.py), or None when absent
    identify: object = None
    #: names.NameReader: every convention compiled into lookup tables, built once here
    reader: object = None

    def profile(self, name):
        if name not in self.profiles:
            known = ", ".join(sorted(self.profiles))
            raise AuditError(f"unknown profile '{name}' (known: {known})")
        return self.profiles[name]

    def convention(self, name):
        if name not in self.conventions:
            known = ", ".join(self.conventions)
            raise AuditError(f"unknown naming convention '{name}' (known: {known})")
        return self.conventions[name]


#: the last rulebooks read, by the bytes of their files (a Rulebook is frozen; its name reader's caches
#: only grow): the panel, and a process that runs the command line more than once, read them once
_LOADED = {}
_LOADED_MOST = 4


def load_rulebook(rules_dir=None, extra_files=()):
    """Read every rule file under ``rules_dir`` (default: the shipped rules) plus ``extra_files``.

    An extra file holds a ``[convention]`` or a ``[profile]``; it is added to (or replaces by name)
    the shipped ones. The same files with the same bytes give the same (shared) Rulebook.
    """
    root = Path(rules_dir) if rules_dir else default_rules_dir()
    if not root.is_dir():
        raise RuleFileError(root, "", "rules folder not found")
    key = _files_key(root, extra_files)
    book = _LOADED.get(key)
    if book is None:
        book = _read_rulebook(root, extra_files)
        if len(_LOADED) >= _LOADED_MOST:
            _LOADED.clear()
        _LOADED[key] = book
    return book


def _files_key(root, extra_files):
    """What a rulebook is read from: every TOML file under ``root`` and the extra files, with their bytes
    (a missing or unreadable file is left out here and reported by the reading itself)."""
    paths = sorted(root.rglob("*.toml")) + [Path(p) for p in extra_files]
    key = [str(root.resolve())]
    for path in paths:
        try:
            key.append((str(path), path.read_bytes()))
        except OSError:
            key.append((str(path), None))
    return tuple(key)


def _read_rulebook(root, extra_files):
    catalog = _load_catalog(_Doc(root / "catalog.toml"))
    findings = _load_findings(_Doc(root / "findings.toml"))
    naming = _load_naming(_Doc(root / "naming.toml"))
    conventions, profile_docs = {}, {}
    for path in sorted((root / "conventions").glob("*.toml")):
        convention = _load_convention(_Doc(path), catalog, naming)
        conventions[convention.name] = convention
    for path in sorted((root / "profiles").glob("*.toml")):
        doc = _Doc(path)
        profile_docs[_profile_name(doc)] = doc
    for path in extra_files:
        doc = _Doc(path)
        if "convention" in doc.data:
            convention = _load_convention(doc, catalog, naming)
            conventions[convention.name] = convention
        elif "profile" in doc.data:
            profile_docs[_profile_name(doc)] = doc
        else:
            doc.fail("", "expected a [convention] or a [profile] table")
    for name, convention in conventions.items():
        if convention.descriptive and convention.descriptive not in conventions:
            raise RuleFileError(convention.path, "convention.descriptive",
                                f"unknown convention '{convention.descriptive}'")
    # every convention compiled once into the name reader the audits share
    reader = NameReader(catalog, conventions, naming)
    profiles = _load_profiles(profile_docs, catalog, conventions, findings, reader)
    for convention in conventions.values():
        if convention.default_profile and convention.default_profile not in profiles:
            raise RuleFileError(convention.path, "convention.default_profile",
                                f"unknown profile '{convention.default_profile}'")
    regions = coactivation = None
    if (root / "regions.toml").is_file():
        from .regions import parse_regions
        doc = _Doc(root / "regions.toml")
        regions = parse_regions(doc, catalog)
    if (root / "coactivation.toml").is_file():
        from .pair_rules import parse_coactivation
        doc = _Doc(root / "coactivation.toml")
        coactivation = parse_coactivation(doc, catalog, findings)
    book = Rulebook(catalog=catalog, conventions=conventions, profiles=profiles, naming=naming,
                    findings=findings, regions=regions, coactivation=coactivation, root=str(root), reader=reader)
    if regions is not None and (root / "identify.toml").is_file():
        from dataclasses import replace
        from .identify import load_identify_rules
        book = replace(book, identify=load_identify_rules(book))
    return book


def _load_catalog(doc):
    allowed = {"name", "kind", "muscles", "regions", "laterality", "variants", "mirror", "mirror_variants", "note",
               "ambiguous", "variant_names", "former", "current"}
    catalog = {}
    for code, entry in doc.data.items():
        if not isinstance(entry, dict):
            doc.fail(code, "expected a table")
        if not re.fullmatch(r"[A-Z]{2,4}\d{0,2}", code):
            doc.fail(code, "catalog codes look like AU12, AD34 or OEB")
        doc.only(entry, allowed, code)
        laterality = doc.get(entry, "laterality", str, code, required=True)
        if laterality not in LATERALITIES:
            doc.fail(f"{code}.laterality", f"must be one of {', '.join(LATERALITIES)}")
        kind = doc.get(entry, "kind", str, code, required=True)
        if kind not in KINDS:
            doc.fail(f"{code}.kind", f"must be one of {', '.join(KINDS)}")
        variants = {}
        for variant, aliases in doc.get(entry, "variants", dict, code, default={}).items():
            if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
                doc.fail(f"{code}.variants.{variant}", "expected a list of aliases")
            variants[variant] = tuple(normalize(a) for a in aliases) + (normalize(variant),)
        mirror_variants = {}
        for i, pair in enumerate(doc.get(entry, "mirror_variants", list, code, default=[])):
            if not (isinstance(pair, list) and len(pair) == 2 and all(p in variants for p in pair)):
                doc.fail(f"{code}.mirror_variants[{i}]", "expected a pair of this entry's variants")
            mirror_variants[pair[0]], mirror_variants[pair[1]] = pair[1], pair[0]
        variant_names = doc.get(entry, "variant_names", dict, code, default={})
        for variant, word in variant_names.items():
            if variant not in variants or not isinstance(word, str) or not word:
                doc.fail(f"{code}.variant_names.{variant}", "expected a word for one of this entry's variants")
        catalog[code] = Action(
            code=code, name=doc.get(entry, "name", str, code, required=True), kind=kind,
            muscles=doc.strings(entry, "muscles", code), regions=doc.strings(entry, "regions", code, required=True),
            laterality=laterality, variants=variants, mirror=doc.get(entry, "mirror", str, code, default=""),
            mirror_variants=mirror_variants, note=doc.get(entry, "note", str, code, default=""),
            ambiguous=doc.get(entry, "ambiguous", bool, code, default=False), variant_names=dict(variant_names),
            former=tuple(_former(doc, item, f"{code}.former[{i}]")
                         for i, item in enumerate(doc.get(entry, "former", list, code, default=[]))),
            current=doc.get(entry, "current", str, code, default=""))
    for code, action in catalog.items():
        if action.mirror and action.mirror not in catalog:
            doc.fail(f"{code}.mirror", f"unknown action '{action.mirror}'")
        for i, former in enumerate(action.former):
            if former.now not in catalog or former.now == code:
                doc.fail(f"{code}.former[{i}].now", f"expected another catalog action, got '{former.now}'")
    return catalog


def _former(doc, item, key):
    """One earlier meaning: { name, manual, words, now, shows = { measure, above | below } }."""
    from .pair_rules import Bound
    from .signatures import MEASURES

    if not isinstance(item, dict):
        doc.fail(key, "expected a table like { name = \"Cheek Puffer\", manual = \"FACS 1978\", words = [...], now = \"AD34\" }")
    doc.only(item, {"name", "manual", "words", "now", "shows"}, key)
    words = tuple(normalize(w) for w in doc.strings(item, "words", key, required=True))
    if not words or not all(words):
        doc.fail(f"{key}.words", "expected one or more non-empty words")
    shows = doc.get(item, "shows", dict, key)
    bound = None
    if shows is not None:
        doc.only(shows, {"measure", "above", "below"}, f"{key}.shows")
        measure = doc.get(shows, "measure", str, f"{key}.shows", required=True)
        if measure not in MEASURES:
            doc.fail(f"{key}.shows.measure", f"unknown measure '{measure}' (known: {', '.join(sorted(MEASURES))})")
        above, below = (doc.get(shows, k, (int, float), f"{key}.shows") for k in ("above", "below"))
        if (above is None) == (below is None):
            doc.fail(f"{key}.shows", "give exactly one of 'above' and 'below'")
        bound = Bound(measure, None if above is None else float(above), None if below is None else float(below))
    return Former(name=doc.get(item, "name", str, key, required=True),
                  manual=doc.get(item, "manual", str, key, required=True), words=words,
                  now=doc.get(item, "now", str, key, required=True), shows=bound)


def _load_findings(doc):
    from .fixes import FIXES  # here, not at the top: fixes.py reads names through names.py, which imports this module
    findings = {}
    for rule_id, entry in doc.data.items():
        if not re.fullmatch(r"[a-z]+\.[a-z0-9-]+", rule_id):
            doc.fail(rule_id, "rule ids look like 'category.kebab-name'")
        if not isinstance(entry, dict):
            doc.fail(rule_id, "expected a table")
        doc.only(entry, {"category", "severity", "summary", "why", "fixes"}, rule_id)
        category = doc.get(entry, "category", str, rule_id, required=True)
        if category not in CATEGORIES or not rule_id.startswith(category + "."):
            doc.fail(f"{rule_id}.category", f"must be one of {', '.join(CATEGORIES)} and prefix the id")
        severity = doc.get(entry, "severity", str, rule_id, required=True)
        if severity not in SEVERITIES:
            doc.fail(f"{rule_id}.severity", f"must be one of {', '.join(SEVERITIES)}")
        fixes = doc.strings(entry, "fixes", rule_id)
        for i, fix in enumerate(fixes):
            if fix not in FIXES:
                doc.fail(f"{rule_id}.fixes[{i}]", f"unknown fix '{fix}' (known: {', '.join(FIXES)})")
        findings[rule_id] = FindingRule(rule_id, category, severity,
                                        doc.get(entry, "summary", str, rule_id, required=True),
                                        doc.get(entry, "why", str, rule_id, required=True), fixes)
    return findings


def _load_naming(doc):
    data = doc.data
    doc.only(data, {"strip_prefixes", "set_prefix", "left", "right", "separators", "max_listed_unknown",
                    "combination_joiners", "combination_tags", "min_recognised_share", "rest_names"}, "")
    strip = []
    for i, pattern in enumerate(doc.strings(data, "strip_prefixes", "")):
        try:
            strip.append(re.compile(pattern, re.IGNORECASE))
        except re.error as error:
            doc.fail(f"strip_prefixes[{i}]", f"bad regular expression ({error})")
    set_prefix = doc.regex(data, "set_prefix", "", required=True)
    if "set" not in set_prefix.groupindex:
        doc.fail("set_prefix", "needs a named group (?P<set>...)")
    left, right = _side_words(doc, "left"), _side_words(doc, "right")
    for i, word in enumerate(right):
        if word in left:
            doc.fail(f"right[{i}]", f"'{word}' is also a left word")
    joiners = doc.strings(data, "combination_joiners", "")
    for i, joiner in enumerate(joiners):
        if not joiner or any(c.isalnum() for c in joiner):
            doc.fail(f"combination_joiners[{i}]", "a joiner is one or more non-letter, non-digit characters")
    tags = doc.strings(data, "combination_tags", "")
    for i, tag in enumerate(tags):
        if not re.fullmatch(r"[A-Za-z]+", tag):
            doc.fail(f"combination_tags[{i}]", "a tag is a word of letters (digits after it are read as part of it)")
    return NamingRules(
        strip_prefixes=tuple(strip), set_prefix=set_prefix, left=left, right=right,
        separators=doc.get(data, "separators", str, "", default="_.- "),
        max_listed_unknown=doc.get(data, "max_listed_unknown", int, "", default=12),
        combination_joiners=joiners, combination_tags=tags,
        min_recognised_share=float(doc.get(data, "min_recognised_share", (int, float), "", default=0.5)),
        rest_names=tuple(normalize(n) for n in doc.strings(data, "rest_names", "")),
        sides=SideWords(left, right))


def _side_words(doc, key):
    words = tuple(w.lower() for w in doc.strings(doc.data, key, "", required=True))
    if not words:
        doc.fail(key, "needs at least one side word")
    for i, word in enumerate(words):
        if not re.fullmatch(r"[a-z]+", word):
            doc.fail(f"{key}[{i}]", f"side words are letters only, got '{word}'")
        if word in words[:i]:
            doc.fail(f"{key}[{i}]", f"'{word}' is listed twice")
    return words


def _parse_target(doc, value, key, catalog):
    """``"AU12"``, ``"AU23:V"``, ``{au=..., variant=..., side=...}`` or ``{L="AU62", R="AU61"}``."""
    if isinstance(value, str):
        code, _, variant = value.partition(":")
        target = Target(code, variant)
    elif isinstance(value, dict) and set(value) <= {"L", "R"} and value:
        for side, code in value.items():
            _check_action(doc, catalog, code, "", f"{key}.{side}")
        return Target(dict(value))
    elif isinstance(value, dict):
        doc.only(value, {"au", "variant", "side"}, key)
        target = Target(doc.get(value, "au", str, key, required=True),
                        doc.get(value, "variant", str, key, default=""), doc.get(value, "side", str, key, default=""))
        if target.side not in ("", "L", "R", "B"):
            doc.fail(f"{key}.side", "must be L, R or B")
    else:
        doc.fail(key, f"expected an action code or a table, got {type(value).__name__}")
    _check_action(doc, catalog, target.au, target.variant, key)
    return target


def _check_action(doc, catalog, code, variant, key):
    if not isinstance(code, str) or code not in catalog:
        doc.fail(key, f"unknown action '{code}' (not in catalog.toml)")
    if variant and variant not in catalog[code].variants:
        doc.fail(key, f"'{code}' has no variant '{variant}'")


def _load_convention(doc, catalog, naming):
    doc.only(doc.data, {"convention", "names"}, "")
    head = doc.get(doc.data, "convention", dict, "", required=True)
    doc.only(head, {"name", "description", "default_profile", "code_pattern", "descriptive", "side_styles"},
             "convention")
    side_styles = []
    for i, style in enumerate(doc.strings(head, "side_styles", "convention")):
        word = style.lstrip(naming.separators)
        if word.lower() not in naming.sides.side or not set(style[: len(style) - len(word)]) <= set(naming.separators):
            doc.fail(f"convention.side_styles[{i}]", f"'{style}' is not a side word of naming.toml after optional "
                                                     "separators (like '_Left' or 'Left')")
        side_styles.append(naming.sides.marker_style(style))
    code_pattern = doc.regex(head, "code_pattern", "convention")
    if code_pattern is not None and "num" not in code_pattern.groupindex:
        doc.fail("convention.code_pattern", "needs a named group (?P<num>...)")
    names = {}
    for key, value in doc.get(doc.data, "names", dict, "", default={}).items():
        norm = normalize(key)
        if not norm:
            doc.fail(f"names.{key}", "empty name")
        if norm in names:
            doc.fail(f"names.{key}", f"duplicate alias (same as another name once case and separators are ignored)")
        names[norm] = _parse_target(doc, value, f"names.{key}", catalog)
    if not names and code_pattern is None:
        doc.fail("names", "a convention needs a [names] table or a code_pattern")
    return Convention(
        name=doc.get(head, "name", str, "convention", required=True),
        description=doc.get(head, "description", str, "convention", default=""),
        default_profile=doc.get(head, "default_profile", str, "convention", default=""),
        names=names, code_pattern=code_pattern,
        descriptive=doc.get(head, "descriptive", str, "convention", default=""), path=str(doc.path),
        side_styles=tuple(dict.fromkeys(side_styles)))


def _profile_name(doc):
    head = doc.get(doc.data, "profile", dict, "", required=True)
    return doc.get(head, "name", str, "profile", required=True)


def _load_profiles(docs, catalog, conventions, findings, reader):
    profiles = {}
    resolving = set()

    def resolve(name, child_doc, key):
        if name in profiles:
            return profiles[name]
        if name not in docs:
            child_doc.fail(key, f"unknown profile '{name}'")
        if name in resolving:
            child_doc.fail(key, f"profile '{name}' extends itself")
        resolving.add(name)
        profiles[name] = _load_profile(docs[name], resolve, catalog, conventions, findings, reader)
        return profiles[name]

    for name, doc in docs.items():
        resolve(name, doc, "profile.name")
    return {name: p for name, p in profiles.items() if not docs[name].data["profile"].get("abstract")}


def _load_profile(doc, resolve, catalog, conventions, findings, reader):
    doc.only(doc.data, {"profile", "thresholds", "severity"}, "")
    head = doc.data["profile"]
    doc.only(head, {"name", "description", "extends", "abstract", "conventions", "require", "require_names"}, "profile")
    parent = None
    if "extends" in head:
        parent = resolve(doc.get(head, "extends", str, "profile"), doc, "profile.extends")
    known_conventions = doc.strings(head, "conventions", "profile")
    for i, name in enumerate(known_conventions):
        if name not in conventions:
            doc.fail(f"profile.conventions[{i}]", f"unknown convention '{name}'")

    thresholds = dict(parent.thresholds) if parent else {}
    for key, value in doc.get(doc.data, "thresholds", dict, "", default={}).items():
        if parent is not None and key not in parent.thresholds:
            doc.fail(f"thresholds.{key}", "unknown threshold (not defined in the base profile)")
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            doc.fail(f"thresholds.{key}", f"expected a number, got {type(value).__name__}")
        thresholds[key] = float(value)
    severity = dict(parent.severity) if parent else {}
    for key, value in doc.get(doc.data, "severity", dict, "", default={}).items():
        if key not in findings:
            doc.fail(f"severity.{key}", "unknown rule id (not in findings.toml)")
        if value not in SEVERITIES + ("off",):
            doc.fail(f"severity.{key}", "must be error, warning, info or off")
        severity[key] = value

    requirements = []
    for i, entry in enumerate(doc.get(head, "require", list, "profile", default=[])):
        key = f"profile.require[{i}]"
        if not isinstance(entry, dict):
            doc.fail(key, "expected a table like { au = \"AU12\", sides = \"LR\" }")
        doc.only(entry, {"au", "sides", "variants"}, key)
        aus = entry.get("au")
        aus = (aus,) if isinstance(aus, str) else tuple(aus) if isinstance(aus, list) else doc.fail(
            f"{key}.au", "expected an action code or a list of them")
        variants = doc.strings(entry, "variants", key)
        for code in aus:
            for variant in variants or ("",):
                _check_action(doc, catalog, code, variant, f"{key}.au")
        sides = doc.get(entry, "sides", str, key, default="any")
        if sides not in REQUIRE_SIDES:
            doc.fail(f"{key}.sides", f"must be one of {', '.join(REQUIRE_SIDES)}")
        requirements.append(Requirement(aus, sides, variants))
    names = doc.strings(head, "require_names", "profile")
    if names:
        requirements.extend(_requirements_from_names(doc, names, known_conventions, conventions, reader))
    if parent and not requirements:
        requirements = list(parent.requirements)
    return Profile(name=doc.get(head, "name", str, "profile", required=True),
                   description=doc.get(head, "description", str, "profile", default=""),
                   conventions=known_conventions or (parent.conventions if parent else ()),
                   requirements=tuple(requirements), thresholds=thresholds, severity=severity, path=str(doc.path))


def _requirements_from_names(doc, names, known_conventions, conventions, reader):
    """Turn ``require_names`` (read with the profile's convention) into one requirement per name."""
    if len(known_conventions) != 1:
        doc.fail("profile.conventions", "require_names needs exactly one convention to read the names with")
    convention = conventions[known_conventions[0]]
    requirements, seen = [], set()
    for i, name in enumerate(names):
        parsed = reader.parse_with(convention, name)
        if parsed is None:
            doc.fail(f"profile.require_names[{i}]", f"'{name}' is not a name of convention '{convention.name}'")
        slot = (parsed.au, parsed.side, parsed.variant)
        if slot in seen:
            doc.fail(f"profile.require_names[{i}]", f"'{name}' maps to the same action as an earlier name")
        seen.add(slot)
        variants = (parsed.variant,) if parsed.variant else ()
        requirements.append(Requirement((parsed.au,), parsed.side, variants, {(parsed.side, parsed.variant): name}))
    return requirements
