"""Which runtime standards a rig can drive (ARKit, Roblox, OpenXR, Unified Expressions, SRanipal ...).

Each standard is data (``rules/standards/*.toml``): its targets, spelled as the standard spells them,
each read as a FACS action with side and variant. The rig's shapes are read by the audit's own naming
conventions, so a target is matched through FACS, whatever names the rig uses. A target is

- exact: a shape of the same action, side and variant drives it at 1.0 (a bilateral target from a left
  and a right shape, both at 1.0; an action from all of its variants together);
- approximate: a documented stand-in drives it (the target only approximates its action, a bilateral
  shape stands for one side, a whole action for one of its parts, or an ``also`` action). A shape that
  stands in for k targets of one standard is driven at 1/k by each, so the targets add up to the shape;
- missing, with the reason: missing action, missing side or variant, only in combination, or a shape
  that moves nothing.
"""

import re
from dataclasses import dataclass
from pathlib import Path

from .errors import RuleFileError
from .rulebook import _check_action, _Doc
from .text import normalize
from .text import SIDE_WORDS

STATUSES = ("exact", "approximate", "missing")


@dataclass(frozen=True)
class Target:
    """One target of a standard, read as a FACS action (``au`` is '' for targets no action describes)."""

    name: str
    au: str = ""
    side: str = "B"
    variant: str = ""
    #: the standard's target only approximates the action (ARKit cheekSquint ~ AU6)
    approximate: bool = False
    #: actions that may stand in for it, approximately (ARKit eyeBlink <- AU43 eyes closed)
    also: tuple = ()
    #: why no FACS action describes it; such a target is driven only by a shape of its own name
    none: str = ""
    note: str = ""

    @property
    def key(self):
        return (self.au, self.side, self.variant)


@dataclass(frozen=True)
class Standard:
    name: str
    title: str
    source: str
    #: how many targets the source says the standard has (the file must list exactly that many)
    count: int
    targets: tuple
    #: the naming convention whose names are this standard's own ('' when none)
    convention: str = ""
    path: str = ""


@dataclass(frozen=True)
class TargetResult:
    target: str
    status: str
    #: ((shape, weight), ...) driving the target
    shapes: tuple = ()
    reason: str = ""


@dataclass(frozen=True)
class StandardCoverage:
    standard: Standard
    results: tuple

    @property
    def covered(self):
        return sum(r.status != "missing" for r in self.results)

    def named(self, status):
        return [r.target for r in self.results if r.status == status]

    def retarget_map(self):
        """``{target: [[shape, weight], ...]}`` for every drivable target, in the standard's order."""
        return {r.target: [[shape, weight] for shape, weight in r.shapes] for r in self.results if r.shapes}


# -- loading ---------------------------------------------------------------------------------------

def load_standards(rulebook, extra_files=()):
    """Every standard under ``rules/standards/`` plus ``extra_files``, by name (file order)."""
    root = Path(rulebook.root) / "standards"
    paths = sorted(root.glob("*.toml")) if root.is_dir() else []
    standards = {}
    for path in [*paths, *extra_files]:
        standard = _load_standard(_Doc(path), rulebook)
        standards[standard.name] = standard
    return standards


def is_standard_file(path):
    """Whether a rule file given with ``--rules`` holds a ``[standard]`` (others go to the rulebook)."""
    try:
        return "standard" in _Doc(path).data
    except RuleFileError:
        return False  # the rulebook loader reports the file's problem


def _load_standard(doc, rulebook):
    doc.only(doc.data, {"standard", "targets"}, "")
    head = doc.get(doc.data, "standard", dict, "", required=True)
    doc.only(head, {"name", "title", "source", "count", "convention"}, "standard")
    name = doc.get(head, "name", str, "standard", required=True)
    convention = doc.get(head, "convention", str, "standard", default="")
    if convention and convention not in rulebook.conventions:
        doc.fail("standard.convention", f"unknown convention '{convention}'")
    count = doc.get(head, "count", int, "standard", required=True)
    table = doc.get(doc.data, "targets", dict, "", required=True)
    targets = tuple(_parse_target(doc, key, value, rulebook.catalog) for key, value in table.items())
    if count != len(targets):
        doc.fail("standard.count", f"the source states {count} targets but the file lists {len(targets)}")
    return Standard(name=name, title=doc.get(head, "title", str, "standard", default=name),
                    source=doc.get(head, "source", str, "standard", required=True), count=count,
                    targets=targets, convention=convention, path=str(doc.path))


def _parse_target(doc, name, value, catalog):
    where = f"targets.{name}"
    if isinstance(value, str):
        code, _, variant = value.partition(":")
        _check_action(doc, catalog, code, variant, where)
        return Target(name, code, "B", variant)
    if not isinstance(value, dict):
        doc.fail(where, f"expected an action code or a table, got {type(value).__name__}")
    doc.only(value, {"au", "side", "variant", "approximate", "also", "none", "note"}, where)
    if "none" in value:
        if "au" in value:
            doc.fail(where, "give either 'au' or 'none', not both")
        return Target(name, none=doc.get(value, "none", str, where), note=doc.get(value, "note", str, where, ""))
    target = Target(name, doc.get(value, "au", str, where, required=True),
                    doc.get(value, "side", str, where, default="B"), doc.get(value, "variant", str, where, ""),
                    doc.get(value, "approximate", bool, where, False), doc.strings(value, "also", where),
                    note=doc.get(value, "note", str, where, ""))
    if target.side not in ("L", "R", "B"):
        doc.fail(f"{where}.side", "must be L, R or B")
    _check_action(doc, catalog, target.au, target.variant, where)
    for i, code in enumerate(target.also):
        _check_action(doc, catalog, code, "", f"{where}.also[{i}]")
    return target


# -- matching --------------------------------------------------------------------------------------

class _Inventory:
    """The rig's single-action shapes that move, by (action, side, variant), best first."""

    def __init__(self, ctx, native):
        self.shapes, self.still, self.combined, self.by_name = {}, {}, {}, {}
        rows = []
        for shape_set in ctx.sets:
            for name, parsed in shape_set.parsed.items():
                rows.append((parsed.convention != native, ctx.snapshot.index(name), name, parsed))
            for name, parsed in shape_set.combinations.items():
                for part in parsed.parts:
                    self.combined.setdefault(part.au, []).append(name)
            for name in shape_set.names:
                self.by_name.setdefault(_bare(name), name)
        for _, i, name, parsed in sorted(rows, key=lambda row: row[:2]):
            moves = name not in ctx.invalid and not _empty(ctx, i, name)
            (self.shapes if moves else self.still).setdefault(parsed.key, []).append((name, parsed.convention))

    def first(self, key):
        found = self.shapes.get(key)
        return found[0] if found else None

    def keys_of(self, au):
        return [key for key in self.shapes if key[0] == au]


#: a numbered set prefix (Rocketbox ``SR_27_``), dropped when a name is matched as written
_SET_NUMBER = re.compile(r"^[A-Za-z]+_\d+_")


def _bare(name):
    return normalize(_SET_NUMBER.sub("", name))


def _empty(ctx, i, name):
    return float(ctx.max_motion[i]) < ctx.threshold("empty_shape", name) * ctx.frame.scale


def coverage(ctx, standards):
    """A StandardCoverage per standard for the rig of ``ctx`` (an engine.audit_context)."""
    return [_cover(ctx, standard) for standard in standards]


def _cover(ctx, standard):
    inventory = _Inventory(ctx, standard.convention)
    raw = [_match(inventory, ctx.rulebook.catalog, standard, target) for target in standard.targets]
    # a shape that stands in for k targets is driven at 1/k by each: together they add up to the shape
    shared = {}
    for status, shapes, _ in raw:
        for shape, _ in shapes if status == "approximate" else ():
            shared[shape] = shared.get(shape, 0) + 1
    results = []
    for target, (status, shapes, reason) in zip(standard.targets, raw):
        if status == "approximate":
            shapes = tuple((shape, round(weight / shared[shape], 4)) for shape, weight in shapes)
        results.append(TargetResult(target.name, status, tuple(shapes), reason))
    return StandardCoverage(standard, tuple(results))


def _match(inventory, catalog, standard, target):
    """(status, ((shape, weight), ...), reason) for one target."""
    if not target.au:
        shape = inventory.by_name.get(_bare(target.name))
        if shape is not None:
            return "exact", ((shape, 1.0),), "matched by name"
        return "missing", (), f"no FACS action ({target.none}) and no shape of that name"
    found = _drive(inventory, catalog, target.au, target.side, target.variant)
    if found is not None:
        shapes, whole = found
        native = all(convention == standard.convention for _, convention in shapes)
        if whole and (native or not target.approximate):
            return "exact", tuple((shape, 1.0) for shape, _ in shapes), ""
        why = "only some variants of the action" if not whole else f"{target.au} approximates this target"
        return "approximate", tuple((shape, 1.0) for shape, _ in shapes), why
    # stand-ins: a bilateral shape for one side, the whole action for one part, another action
    for key, why in _stand_ins(target):
        hit = inventory.first(key)
        if hit is not None:
            return "approximate", ((hit[0], 1.0),), why
    for code in target.also:
        found = _drive(inventory, catalog, code, target.side, "")
        if found is not None:
            return ("approximate", tuple((shape, 1.0) for shape, _ in found[0]),
                    f"{code} stands in for {target.au}")
    return "missing", (), _why_missing(inventory, target)


def _drive(inventory, catalog, au, side, variant):
    """([(shape, convention), ...], whole) of shapes that together are the action, or None."""
    hit = inventory.first((au, side, variant))
    if hit is not None:
        return [hit], True
    if side == "B":
        left, right = inventory.first((au, "L", variant)), inventory.first((au, "R", variant))
        if left and right:
            return [left, right], True
    if not variant and catalog[au].variants:
        parts = [_drive(inventory, catalog, au, side, v) for v in catalog[au].variants]
        present = [shape for part in parts if part for shape in part[0]]
        if present:
            return present, all(parts)
    return None


def _stand_ins(target):
    au, side, variant = target.key
    if side != "B":
        yield (au, "B", variant), f"the bilateral {au} shape stands in for one side"
    if variant:
        yield (au, side, ""), f"the whole {au} stands in for its {variant} part"
        if side != "B":
            yield (au, "B", ""), f"the bilateral, whole {au} stands in for its {SIDE_WORDS[side]} {variant} part"


def _why_missing(inventory, target):
    au, side, variant = target.key
    still = [name for key, shapes in inventory.still.items() if key[0] == au for name, _ in shapes]
    if still:
        return f"its shape moves nothing ({', '.join(still[:2])})"
    present = inventory.keys_of(au)
    if present:
        sides = sorted({SIDE_WORDS[key[1]] for key in present})
        variants = sorted({key[2] for key in present if key[2]})
        if variant and variant not in variants:
            return f"missing the {variant} variant of {au}" + (f" (has {', '.join(variants)})" if variants else "")
        return f"missing the {SIDE_WORDS[side]} side of {au} (has {', '.join(sides)})"
    if au in inventory.combined:
        return f"{au} only in combination ({', '.join(inventory.combined[au][:2])})"
    return f"missing action {au}"
