"""Co-activation pairs, legitimate correctives and conflation rules from ``rules/coactivation.toml``.

Everything is validated on load: an unknown key, action, variant, measure, rule id or severity
stops the audit with a RuleFileError naming the file and the key.
"""

from dataclasses import dataclass

from .model import SEVERITIES
from .signatures import MEASURES

CHECKS = ("names", "drivers", "animation", "geometry")
SIDES = ("same", "any")
ANCHORS = ("corners", "jaw", "lids")


@dataclass(frozen=True)
class ActionRef:
    """An action, optionally one of its variants (``AD30:left``)."""

    code: str
    variant: str = ""

    def matches(self, parsed):
        return parsed.au == self.code and (not self.variant or parsed.variant == self.variant)

    def __str__(self):
        return f"{self.code}:{self.variant}" if self.variant else self.code


@dataclass(frozen=True)
class Bound:
    """A measure outside a limit: ``value > above`` or ``value < below`` (either may be None)."""

    measure: str
    above: object = None
    below: object = None

    def hit(self, value):
        if value is None or value != value:  # None or NaN: the signature could not be measured
            return False
        return (self.above is not None and value > self.above) or (self.below is not None and value < self.below)

    def limit_text(self):
        return f"above {self.above:g}" if self.above is not None else f"below {self.below:g}"


@dataclass(frozen=True)
class Baked:
    au: ActionRef
    bound: Bound
    says: str


@dataclass(frozen=True)
class Pair:
    first: ActionRef
    second: ActionRef
    severity: str
    sides: str
    checks: frozenset
    reason: str
    baked: tuple = ()

    @property
    def label(self):
        return f"{self.first} with {self.second}"

    def members(self, p, q):
        """True when parsed names ``p`` and ``q`` are this pair's two members, in either order."""
        if not ((self.first.matches(p) and self.second.matches(q)) or (self.first.matches(q) and self.second.matches(p))):
            return False
        return self.sides == "any" or p.side == q.side or "B" in (p.side, q.side)


@dataclass(frozen=True)
class Conflation:
    rule: str
    au: ActionRef
    looks_like: str
    bound: Bound
    says: str
    reason: str
    relative_to: str = ""
    #: "ratio" (this / that) or "difference" (this - that) against the relative_to shape
    relative: str = "ratio"


@dataclass(frozen=True)
class VariantRule:
    au: str
    variants: tuple
    measure: str
    split: float
    names: tuple
    reason: str


@dataclass(frozen=True)
class CoactivationRules:
    pairs: tuple
    #: frozensets of action codes that are legitimate combination (corrective) shapes
    correctives: tuple
    #: (frozenset of codes, reason): the same pose under different names
    interchangeable: tuple
    conflations: tuple
    variants: tuple
    #: (code, code, rule id, reason): actions whose shapes must not be near-identical
    distinct: tuple = ()
    #: "corners" / "jaw" / "lids" -> action codes whose shapes locate those parts for the signatures
    anchors: dict = None

    def pairs_for(self, check):
        return [pair for pair in self.pairs if check in pair.checks]

    def pair_between(self, p, q, check):
        """The first pair for ``check`` whose members are parsed names ``p`` and ``q``, or None."""
        return next((pair for pair in self.pairs_for(check) if pair.members(p, q)), None)

    def is_corrective(self, codes):
        return frozenset(codes) in self.correctives

    def interchangeable_group(self, a, b):
        """The group holding both codes ``a`` and ``b`` (different actions), or None."""
        return next((group for group in self.interchangeable if a != b and a in group[0] and b in group[0]), None)


def parse_coactivation(doc, catalog, findings):
    """Validate ``doc`` (a parsed coactivation.toml) and return CoactivationRules."""
    data = doc.data
    doc.only(data, {"anchors", "pair", "corrective", "interchangeable", "conflation", "variants", "distinct"}, "")
    anchors_table = doc.get(data, "anchors", dict, "", required=True)
    doc.only(anchors_table, set(ANCHORS), "anchors")
    anchors = {name: _anchor_codes(doc, anchors_table, name, catalog) for name in ANCHORS}
    pairs = tuple(_pair(doc, entry, f"pair[{i}]", catalog) for i, entry in enumerate(_tables(doc, data, "pair")))
    correctives = tuple(frozenset(_codes(doc, entry, f"corrective[{i}]", catalog, {"aus"}))
                        for i, entry in enumerate(_tables(doc, data, "corrective")))
    interchangeable = tuple(
        (frozenset(_codes(doc, entry, f"interchangeable[{i}]", catalog, {"aus", "reason"})),
         doc.get(entry, "reason", str, f"interchangeable[{i}]", required=True))
        for i, entry in enumerate(_tables(doc, data, "interchangeable")))
    conflations = tuple(_conflation(doc, entry, f"conflation[{i}]", catalog, findings)
                        for i, entry in enumerate(_tables(doc, data, "conflation")))
    variants = tuple(_variants(doc, entry, f"variants[{i}]", catalog)
                     for i, entry in enumerate(_tables(doc, data, "variants")))
    distinct = tuple(_distinct(doc, entry, f"distinct[{i}]", catalog, findings)
                     for i, entry in enumerate(_tables(doc, data, "distinct")))
    for rule_id in ("coactivation.baked-pair", "coactivation.combination-name", "coactivation.shared-driver",
                    "coactivation.animation-overlap", "conflation.duplicate-shapes", "conflation.variants-indistinct"):
        if rule_id not in findings:
            doc.fail("", f"rule '{rule_id}' is used by these checks but missing from findings.toml")
    return CoactivationRules(pairs, correctives, interchangeable, conflations, variants, distinct, anchors)


def _tables(doc, data, key):
    value = data.get(key, [])
    if not isinstance(value, list):
        doc.fail(key, "expected an array of tables ([[" + key + "]])")
    for i, entry in enumerate(value):
        if not isinstance(entry, dict):
            doc.fail(f"{key}[{i}]", "expected a table")
    return value


def _action(doc, text, key, catalog):
    if not isinstance(text, str):
        doc.fail(key, f"expected an action code, got {type(text).__name__}")
    code, _, variant = text.partition(":")
    if code not in catalog:
        doc.fail(key, f"unknown action '{code}' (not in catalog.toml)")
    if variant and variant not in catalog[code].variants:
        doc.fail(key, f"'{code}' has no variant '{variant}'")
    return ActionRef(code, variant)


def _anchor_codes(doc, table, name, catalog):
    codes = doc.strings(table, name, "anchors", required=True)
    if not codes:
        doc.fail(f"anchors.{name}", "expected one or more actions")
    for j, code in enumerate(codes):
        if code not in catalog:
            doc.fail(f"anchors.{name}[{j}]", f"unknown action '{code}' (not in catalog.toml)")
    return codes


def _codes(doc, entry, where, catalog, allowed):
    doc.only(entry, allowed, where)
    aus = doc.strings(entry, "aus", where, required=True)
    if len(aus) < 2 or len(set(aus)) != len(aus):
        doc.fail(f"{where}.aus", "expected two or more different actions")
    for j, code in enumerate(aus):
        ref = _action(doc, code, f"{where}.aus[{j}]", catalog)
        if ref.variant:
            doc.fail(f"{where}.aus[{j}]", "correctives and groups name whole actions, without a variant")
    return aus


def _bound(doc, entry, where):
    measure = doc.get(entry, "measure", str, where, required=True)
    if measure not in MEASURES:
        doc.fail(f"{where}.measure", f"unknown measure '{measure}' (known: {', '.join(sorted(MEASURES))})")
    above = doc.get(entry, "above", (int, float), where)
    below = doc.get(entry, "below", (int, float), where)
    if (above is None) == (below is None):
        doc.fail(where, "give exactly one of 'above' and 'below'")
    return Bound(measure, None if above is None else float(above), None if below is None else float(below))


def _pair(doc, entry, where, catalog):
    doc.only(entry, {"aus", "severity", "sides", "checks", "reason", "baked"}, where)
    aus = doc.strings(entry, "aus", where, required=True)
    if len(aus) != 2:
        doc.fail(f"{where}.aus", "a pair names exactly two actions")
    first, second = (_action(doc, code, f"{where}.aus[{j}]", catalog) for j, code in enumerate(aus))
    if first == second:
        doc.fail(f"{where}.aus", "the two actions are the same")
    severity = doc.get(entry, "severity", str, where, required=True)
    if severity not in SEVERITIES:
        doc.fail(f"{where}.severity", f"must be one of {', '.join(SEVERITIES)}")
    sides = doc.get(entry, "sides", str, where, default="same")
    if sides not in SIDES:
        doc.fail(f"{where}.sides", f"must be one of {', '.join(SIDES)}")
    checks = doc.strings(entry, "checks", where) or CHECKS
    for j, check in enumerate(checks):
        if check not in CHECKS:
            doc.fail(f"{where}.checks[{j}]", f"unknown check '{check}' (known: {', '.join(CHECKS)})")
    baked = []
    for j, item in enumerate(doc.get(entry, "baked", list, where, default=[])):
        key = f"{where}.baked[{j}]"
        if not isinstance(item, dict):
            doc.fail(key, "expected a table like { au = \"AU24\", measure = \"lip_aperture\", above = 0.3, says = \"...\" }")
        doc.only(item, {"au", "measure", "above", "below", "says"}, key)
        ref = _action(doc, doc.get(item, "au", str, key, required=True), f"{key}.au", catalog)
        if ref not in (first, second):
            doc.fail(f"{key}.au", f"'{ref}' is not a member of this pair")
        baked.append(Baked(ref, _bound(doc, item, key), doc.get(item, "says", str, key, required=True)))
    if baked and "geometry" not in checks:
        doc.fail(f"{where}.baked", "baked signatures need 'geometry' in checks")
    return Pair(first, second, severity, sides, frozenset(checks),
                doc.get(entry, "reason", str, where, required=True), tuple(baked))


def _conflation(doc, entry, where, catalog, findings):
    doc.only(entry, {"rule", "au", "looks_like", "measure", "above", "below", "relative_to", "relative", "says",
                      "reason"}, where)
    rule = _conflation_rule(doc, entry, where, findings)
    au = _action(doc, doc.get(entry, "au", str, where, required=True), f"{where}.au", catalog)
    looks_like = _action(doc, doc.get(entry, "looks_like", str, where, required=True), f"{where}.looks_like", catalog)
    relative_to = doc.get(entry, "relative_to", str, where, default="")
    if relative_to:
        _action(doc, relative_to, f"{where}.relative_to", catalog)
    relative = doc.get(entry, "relative", str, where, default="ratio")
    if relative not in ("ratio", "difference"):
        doc.fail(f"{where}.relative", "must be 'ratio' or 'difference'")
    if "relative" in entry and not relative_to:
        doc.fail(f"{where}.relative", "only with relative_to")
    return Conflation(rule, au, str(looks_like), _bound(doc, entry, where),
                      doc.get(entry, "says", str, where, required=True),
                      doc.get(entry, "reason", str, where, required=True), relative_to, relative)


def _conflation_rule(doc, entry, where, findings):
    rule = doc.get(entry, "rule", str, where, required=True)
    if rule not in findings:
        doc.fail(f"{where}.rule", f"unknown rule id '{rule}' (not in findings.toml)")
    if not rule.startswith("conflation."):
        doc.fail(f"{where}.rule", "conflation entries report conflation.* rules")
    return rule


def _distinct(doc, entry, where, catalog, findings):
    aus = _codes(doc, entry, where, catalog, {"aus", "rule", "reason"})
    if len(aus) != 2:
        doc.fail(f"{where}.aus", "expected exactly two actions")
    return (aus[0], aus[1], _conflation_rule(doc, entry, where, findings),
            doc.get(entry, "reason", str, where, required=True))


def _variants(doc, entry, where, catalog):
    doc.only(entry, {"au", "variants", "measure", "split", "names", "reason"}, where)
    au = _action(doc, doc.get(entry, "au", str, where, required=True), f"{where}.au", catalog)
    variants = doc.strings(entry, "variants", where, required=True)
    if len(variants) != 2:
        doc.fail(f"{where}.variants", "expected exactly two variants")
    for j, variant in enumerate(variants):
        if variant not in catalog[au.code].variants:
            doc.fail(f"{where}.variants[{j}]", f"'{au.code}' has no variant '{variant}'")
    measure = doc.get(entry, "measure", str, where, required=True)
    if measure not in MEASURES:
        doc.fail(f"{where}.measure", f"unknown measure '{measure}' (known: {', '.join(sorted(MEASURES))})")
    split = doc.get(entry, "split", (int, float), where, required=True)
    if split <= 0:
        doc.fail(f"{where}.split", "must be positive")
    names = doc.strings(entry, "names", where, required=True)
    if len(names) != 2:
        doc.fail(f"{where}.names", "expected two words, one per variant")
    return VariantRule(au.code, variants, measure, float(split), names,
                       doc.get(entry, "reason", str, where, required=True))
