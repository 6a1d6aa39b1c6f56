"""Coverage: what a delivery profile requires and the rig lacks; lone sides; shapes that do nothing.

A shape named without a variant whose variant is measured (AU23 tightening horizontally) counts as
that variant. An action that exists only inside combination shapes (``22_25``) is reported as such,
not as missing. Sets held to a profile the user did not ask for get one summary line each.
"""

from ..model import OTHER_SIDE
from ..text import SIDE_WORDS, action_label, listing
from .conflation import measured_variant

#: how the summary of a set held to a profile the user did not ask for counts each kind of gap
GAP_WORDS = {
    "coverage.missing-au": "missing actions",
    "coverage.missing-side": "missing sides",
    "coverage.missing-variant": "missing variants",
    "coverage.only-in-combination": "actions only in combination shapes",
    "coverage.missing-twin": "lone sides",
}


#: kinds of gap listed in one finding per set when there are several: the message for the list
MERGED = {
    "coverage.missing-au": "Missing {count} actions {profile} requires: {items}.",
    "coverage.missing-side": "{count} actions lack a side {profile} requires (the rig has them only bilateral or "
                             "on one side): {items}.",
}


def check_coverage(ctx):
    for shape_set in ctx.sets:
        if shape_set.profile is None:
            continue
        present = {parsed.key for parsed in shape_set.parsed.values()}
        measured = _measured(ctx, shape_set)
        # a shape whose variant is measured counts as that variant
        present |= {(p.au, p.side, measured[n][0]) for n, p in shape_set.parsed.items() if measured.get(n, ("",))[0]}
        present = _Keys(present)
        gaps, reported, combined = [], set(), _Keys(_combined(shape_set))
        for requirement in shape_set.profile.requirements:
            for finding, item, aus in _requirement(ctx, shape_set, requirement, present, combined, measured):
                reported.update(aus)
                gaps.append((finding, item))
        gaps.extend((finding, None) for finding in _lone_sides(ctx, shape_set, present, reported))
        gaps = [(f, item) for f, item in gaps if f is not None]
        if gaps and not ctx.asked(shape_set):
            yield _summary(ctx, shape_set, [f for f, _ in gaps])
        else:
            yield from _merged(ctx, shape_set, gaps)


def required_aus(profile):
    """Every action code a profile requires (naming.orphan-combination leaves these to coverage)."""
    return {au for requirement in profile.requirements for au in requirement.aus} if profile else set()


def _measured(ctx, shape_set):
    """name -> (variant or '', value, VariantRule) for shapes named without a variant that has a measure."""
    rules = ctx.rulebook.coactivation
    if rules is None or not rules.variants:
        return {}
    out = {}
    for i, name, parsed in ctx.mapped_shapes():
        if parsed.variant or ctx.set_of(name) is not shape_set:
            continue
        for rule in rules.variants:
            if rule.au == parsed.au:
                value, found = measured_variant(ctx, i, rule)
                out[name] = (found, value, rule)
    return out


class _Keys(frozenset):
    """A set of (action, side, variant) keys that also answers for an action and side in any variant."""

    def __init__(self, keys):
        super().__init__()
        self.pairs = {key[:2] for key in self}


def _has(present, au, side, variant):
    """Whether ``present`` (_Keys) holds ``au`` on ``side``: in ``variant``, or in any when it is ''."""
    return (au, side, variant) in present if variant else (au, side) in present.pairs


def _requirement(ctx, shape_set, requirement, present, combined, measured):
    aus = requirement.aus
    gaps = []
    for variant in requirement.variants or ("",):
        have = {side: any(_has(present, au, side, variant) for au in aus) for side in ("L", "R", "B")}
        wanted = _wanted_sides(requirement.sides, have)
        if not wanted:
            continue
        anything = any(_has(present, au, side, "") for au in aus for side in ("L", "R", "B"))
        with_combinations = {side: have[side] or any(_has(combined, au, side, variant) for au in aus) for side in have}
        if not _wanted_sides(requirement.sides, with_combinations):
            rule = "coverage.only-in-combination"
        elif variant and anything:
            rule = "coverage.missing-variant"
        elif any(have.values()) or (anything and wanted != ["B"]):
            rule = "coverage.missing-side"
        else:
            rule = "coverage.missing-au"
        gaps.append((rule, tuple(wanted), variant))
    # one finding per kind of gap: "AU4 corrugator, depressor and procerus", not three lines
    for rule, wanted in dict.fromkeys((r, w) for r, w, _ in gaps):
        variants = [v for r, w, v in gaps if (r, w) == (rule, wanted)]
        yield *_gap(ctx, shape_set, requirement, rule, list(wanted), variants, measured), set(aus)


def _gap(ctx, shape_set, requirement, rule, wanted, variants, measured):
    profile = shape_set.profile
    aus = requirement.aus
    action = ctx.action(aus[0])
    words = _joined([action.variant_word(v) for v in variants if v])
    name = requirement.labels.get((wanted[0], variants[0])) if len(wanted) == 1 and len(variants) == 1 else None
    sides_text = " and ".join(SIDE_WORDS[s] for s in wanted if s != "B")
    if name:  # a profile that lists names (arkit-52) reports the name it expects
        what, where = f"{name} ({action_label(aus[0], wanted[0], words)})", ""
    else:
        what = " or ".join(action_label(au, "", words) for au in aus) + f" ({action.name})"
        where = f" {sides_text}" if sides_text else ""
    related = [n for n, p in shape_set.parsed.items() if p.au in aus]
    measures = {"profile": profile.name, "sides": "".join(wanted)}
    if any(variants):
        measures["variants"] = [v for v in variants if v]
    if rule == "coverage.only-in-combination":
        shapes = _combinations_with(shape_set, aus)
        partners = sorted({p.au for n in shapes for p in shape_set.combinations[n].parts if p.au not in aus},
                          key=_code_order)
        text = (f"{what}{where} only in combination with {_joined(partners)} ({listing(shapes, 4)}): "
                "no shape performs it alone.")
        return ctx.finding(rule, f"{text} Required by {profile.name}.", aus=aus, side="".join(wanted),
                           shapes=shapes, measures=measures, profile=profile), None
    item = what if name else f"{what}{where}"
    if rule == "coverage.missing-variant":
        text = f"Missing {what}{where}: " + _variant_evidence(ctx, aus, variants, related, measured, measures)
    elif rule == "coverage.missing-side":
        text = f"Missing {what}: the rig has only the other side." if name else \
            f"Missing the {sides_text or 'bilateral'} side of {what}."
    else:
        text, related = f"Missing {what}{where}.", []
    # the shapes that do exist for this action, so a click in Blender lands on the lone side
    return ctx.finding(rule, f"{text} Required by {profile.name}.", aus=aus, side="".join(wanted),
                       shapes=related, measures=measures, profile=profile), item


def _merged(ctx, shape_set, gaps):
    """The findings of one set, with every missing action in one line and every missing side in another:
    a rig built to another spec lacks many, and a reviewer reads them as one list."""
    profile = shape_set.profile
    for finding, item in gaps:
        group = [(f, i) for f, i in gaps if f.rule == finding.rule and i is not None]
        if finding.rule not in MERGED or len(group) < 2:
            yield finding
        elif finding is group[0][0]:
            items = [i for _, i in group]
            sides = [f.side for f, _ in group]
            text = MERGED[finding.rule].format(count=len(group), profile=profile.name, items="; ".join(items))
            yield ctx.finding(finding.rule, text, profile=profile, side=sides[0] if len(set(sides)) == 1 else "",
                              aus=list(dict.fromkeys(a for f, _ in group for a in f.aus)),
                              shapes=list(dict.fromkeys(n for f, _ in group for n in f.shapes)),
                              measures={"profile": profile.name, "count": len(group),
                                        # each gap on its own, so a baseline knows the line by its gaps
                                        "gaps": [["+".join(f.aus), f.side] for f, _ in group]})


def _variant_evidence(ctx, aus, variants, related, measured, measures):
    """Why the rig lacks ``variants``: the measured variant of its variant-less shapes, if any."""
    typed = [(n, measured[n]) for n in related if n in measured]
    count = len([v for v in variants if v])
    if not typed:
        return f"the rig has {aus[0]} but not {'this variant' if count == 1 else 'these variants'}."
    rule = typed[0][1][2]
    parts = []
    for n, (found, value, _) in typed:
        measures[rule.measure] = value
        kind = f"the {rule.names[rule.variants.index(found)].split(' (')[0]} type" if found else \
            "neither type clearly"
        parts.append(f"{n} is {kind} by measure ({rule.measure} {value:+.2f})")
    missing = [rule.names[rule.variants.index(v)] for v in variants if v in rule.variants]
    return "; ".join(parts) + f"; no shape is {_joined(missing) or 'this variant'}."


def _combined(shape_set):
    """Keys (action, side, variant) that exist only as parts of combination shapes."""
    return {part.key for combination in shape_set.combinations.values() for part in combination.parts}


def _combinations_with(shape_set, aus):
    return [n for n, c in shape_set.combinations.items() if any(p.au in aus for p in c.parts)]


def _code_order(code):
    digits = "".join(ch for ch in code if ch.isdigit())
    return (code.rstrip("0123456789"), int(digits) if digits else 0)


def _wanted_sides(sides, have):
    """The sides still missing for a requirement, given which sides exist."""
    if sides == "any":
        return [] if any(have.values()) else ["B"]
    if sides == "B":
        if have["B"] or (have["L"] and have["R"]):
            return []
        if have["L"] or have["R"]:
            return ["R" if have["L"] else "L"]
        return ["B"]
    if sides == "LR":
        return [s for s in ("L", "R") if not have[s]]
    return [] if have[sides] else [sides]


def _lone_sides(ctx, shape_set, present, reported):
    for name, parsed in shape_set.parsed.items():
        if parsed.side not in ("L", "R") or parsed.au in reported:
            continue
        twin = (parsed.au, OTHER_SIDE[parsed.side], parsed.variant)
        if twin not in present:
            yield ctx.finding("coverage.missing-twin",
                              f"{name} ({ctx.label(parsed)}) has no {SIDE_WORDS[twin[1]]} twin.",
                              shapes=(name,), aus=(parsed.au,), side=parsed.side)


def _summary(ctx, shape_set, found):
    """One info line for a set held to a profile the user did not ask for: its gaps, counted by kind."""
    profile, chosen = shape_set.profile, ctx.chosen_profile
    counts = {}
    for f in found:
        counts.setdefault(f.rule, []).append(f)
    parts = []
    for rule, items in counts.items():
        codes = list(dict.fromkeys(code for f in items for code in f.aus[:1]))
        parts.append(f"{len(items)} {GAP_WORDS.get(rule, rule)} ({listing(codes, 8)})")
    where = f"Set {shape_set.prefix}_" if shape_set.prefix else "The rig's shapes"
    message = (f"{where} ({shape_set.convention}) follow{'s' if shape_set.prefix else ''} its convention's profile "
               f"{profile.name}, not the chosen {chosen.name}: {'; '.join(parts)}. "
               f"Audit with --profile {profile.name} to list them.")
    return ctx.finding("coverage.other-profile", message, profile=profile,
                       shapes=list(dict.fromkeys(n for f in found for n in f.shapes)),
                       aus=list(dict.fromkeys(a for f in found for a in f.aus)),
                       measures={"profile": profile.name, "chosen": chosen.name,
                                 **{rule.split(".", 1)[1]: len(items) for rule, items in counts.items()}})


def check_empty_shapes(ctx):
    scale = ctx.frame.scale
    rest = {name for shape_set in ctx.sets for name in shape_set.rest}
    for i, name in enumerate(ctx.snapshot.names):
        if name in ctx.invalid or name in rest or not ctx.touches(name):
            continue
        largest = float(ctx.max_motion[i])
        limit = ctx.threshold("empty_shape", name) * scale
        if largest < limit:
            parsed = ctx.parsed(name)
            yield ctx.finding("coverage.empty-shape",
                              f"{name} moves nothing (largest vertex motion {largest / scale:.2g} of the face size).",
                              shapes=(name,), aus=(parsed.au,) if parsed else (), side=parsed.side if parsed else "",
                              measures={"max_motion": largest, "relative_motion": largest / scale,
                                        "threshold": ctx.threshold("empty_shape", name)})


def _joined(words):
    words = list(words)
    if len(words) <= 2:
        return " and ".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]
