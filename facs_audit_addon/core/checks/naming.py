"""Naming: unknown, duplicate, mixed and inconsistent shape names."""

import re

from ..text import listing
from .coverage import required_aus


def check_naming(ctx):
    most = ctx.rulebook.naming.max_listed_unknown
    for shape_set in ctx.sets:
        where = f" in set {shape_set.prefix}_" if shape_set.prefix else ""
        total = len(shape_set.names) - len(shape_set.rest)  # rest poses (AA_VI_00_Sil) are read as such
        read = total - len(shape_set.unknown)
        if shape_set.prefix and read < ctx.rulebook.naming.min_recognised_share * total:
            # a vendor set (visemes, tracker extras) that no convention covers: one summary line
            yield ctx.finding("naming.unrecognised-set",
                              f"{len(shape_set.unknown)} of {total} shapes{where} match no known "
                              f"naming convention ({listing(shape_set.unknown, 4)}); they are not audited against FACS"
                              + (f" ({listing(shape_set.rest, 2)}: rest pose)." if shape_set.rest else "."),
                              shapes=shape_set.unknown, measures={"count": len(shape_set.unknown), "read": read})
            if not shape_set.recognised:
                continue
        elif shape_set.unknown:
            yield ctx.finding("naming.unknown-name",
                              f"{len(shape_set.unknown)} shape name(s){where} match no naming convention: "
                              f"{listing(shape_set.unknown, most)}.",
                              shapes=shape_set.unknown, measures={"count": len(shape_set.unknown)},
                              profile=shape_set.profile)
        if not shape_set.recognised:
            continue
        yield from _duplicates(ctx, shape_set, where)
        yield from _mixed_conventions(ctx, shape_set, where)
        yield from _side_markers(ctx, shape_set, where)
        yield from _code_problems(ctx, shape_set)
        yield from _orphan_combinations(ctx, shape_set)


def _duplicates(ctx, shape_set, where):
    by_key = {}
    for name, parsed in shape_set.parsed.items():
        by_key.setdefault(parsed.key, []).append(name)
    for names in by_key.values():
        if len(names) > 1:
            parsed = shape_set.parsed[names[0]]
            yield ctx.finding("naming.duplicate-mapping",
                              f"{_joined(names)} map to {ctx.label(parsed)}{where}; keep one or rename the others.",
                              shapes=names, aus=(parsed.au,), side=parsed.side)


def _mixed_conventions(ctx, shape_set, where):
    if not shape_set.foreign:
        return
    by_convention = {}
    for name, convention in shape_set.foreign.items():
        by_convention.setdefault(convention, []).append(name)
    parts = "; ".join(f"{convention}: {listing(names, 6)}" for convention, names in sorted(by_convention.items()))
    own = len(shape_set.parsed) + len(shape_set.combinations) - len(shape_set.foreign)
    yield ctx.finding("naming.mixed-conventions",
                      f"Set{where or ''} is named under {shape_set.convention} ({own} shapes) but "
                      f"{len(shape_set.foreign)} follow another convention ({parts}).",
                      shapes=sorted(shape_set.foreign), profile=shape_set.profile,
                      measures={"convention": shape_set.convention, "foreign": len(shape_set.foreign),
                                **{f"count_{c}": len(n) for c, n in sorted(by_convention.items())}})


def _marker_style(style):
    """Separator and word form of a side marker: ``_L`` and ``_R`` are one style, ``Left`` another."""
    separator = re.sub(r"[A-Za-z]", "", style)
    word = re.sub(r"[^A-Za-z]", "", style)
    form = {"l": "L", "r": "L", "left": "Left", "right": "Left", "lf": "Lf", "rt": "Lf", "lft": "Lft", "rgt": "Lft"}
    shape = form.get(word.lower(), word)
    if word.islower():
        shape = shape.lower()
    elif word.isupper() and len(word) > 1:
        shape = shape.upper()
    return separator + shape


def _side_markers(ctx, shape_set, where):
    styles = {}
    for name, parsed in shape_set.parsed.items():
        if parsed.side_style:
            styles.setdefault(_marker_style(parsed.side_style), []).append(name)
    if len(styles) > 1:
        parts = "; ".join(f"'{style}' ({listing(names, 3)})" for style, names in sorted(styles.items()))
        odd = sorted(styles.items(), key=lambda item: (-len(item[1]), item[0]))[1:]
        yield ctx.finding("naming.mixed-side-markers",
                          f"Side markers{where} are written {len(styles)} ways: {parts}.",
                          shapes=sorted(n for _, names in odd for n in names), profile=shape_set.profile,
                          measures={f"style_{style}": len(names) for style, names in sorted(styles.items())})


def _code_problems(ctx, shape_set):
    ambiguous = [name for name, parsed in shape_set.parsed.items() if parsed.ambiguous]
    if ambiguous:
        codes = sorted({shape_set.parsed[n].au for n in ambiguous})
        yield ctx.finding("naming.ambiguous-code",
                          f"{listing(ambiguous)} use {', '.join(codes)}, which mean lid droop/slit/squint in 1978 "
                          "tables but AU4 components in FACS 2002; add a descriptive name to say which.",
                          shapes=ambiguous, aus=codes, profile=shape_set.profile)
    for name, parsed in shape_set.parsed.items():
        if parsed.mismatch:
            described = ctx.action(parsed.mismatch)
            yield ctx.finding("naming.code-name-mismatch",
                              f"{name} carries the code {parsed.au} ({ctx.action(parsed.au).name}) but describes "
                              f"{parsed.mismatch} ({described.name}).",
                              shapes=(name,), aus=(parsed.au, parsed.mismatch), side=parsed.side)


def _orphan_combinations(ctx, shape_set):
    present = {parsed.key for parsed in shape_set.parsed.values()}
    covered = required_aus(shape_set.profile)  # a required action only in combinations: coverage says so
    by_au = {}
    for parsed in shape_set.parsed.values():
        by_au.setdefault(parsed.au, set()).add(parsed.side)
    for name, combination in shape_set.combinations.items():
        missing = [ctx.label(part) for part in combination.parts
                   if part.key not in present and not (part.side == "B" and by_au.get(part.au)) and part.au not in covered]
        if missing:
            yield ctx.finding("naming.orphan-combination",
                              f"{name} combines {' + '.join(ctx.label(p) for p in combination.parts)} but the rig has no "
                              f"{', '.join(missing)} shape.",
                              shapes=(name,), aus=tuple(p.au for p in combination.parts))


def _joined(names):
    return " and ".join(names) if len(names) == 2 else ", ".join(names[:-1]) + " and " + names[-1]
