"""Coverage: what a delivery profile requires and the rig lacks; lone sides; shapes that do nothing."""

from ..model import OTHER_SIDE
from ..text import SIDE_WORDS, action_label


def check_coverage(ctx):
    for shape_set in ctx.sets:
        if shape_set.profile is None:
            continue
        present = {parsed.key for parsed in shape_set.parsed.values()}
        reported = set()
        for requirement in shape_set.profile.requirements:
            for finding, aus in _requirement(ctx, shape_set, requirement, present):
                reported.update(aus)
                yield finding
        yield from _lone_sides(ctx, shape_set, present, reported)


def _has(present, au, side, variant):
    return any(k[0] == au and k[1] == side and (not variant or k[2] == variant) for k in present)


def _requirement(ctx, shape_set, requirement, present):
    profile = shape_set.profile
    aus = requirement.aus
    for variant in requirement.variants or ("",):
        have = {side: any(_has(present, au, side, variant) for au in aus) for side in ("L", "R", "B")}
        anything = any(_has(present, au, side, "") for au in aus for side in ("L", "R", "B"))
        wanted = _wanted_sides(requirement.sides, have)
        if not wanted:
            continue
        name = requirement.labels.get((wanted[0], variant)) if len(wanted) == 1 else None
        sides_text = " and ".join(SIDE_WORDS[s] for s in wanted if s != "B")
        if name:  # a profile that lists names (arkit-52) reports the name it expects
            what, where = f"{name} ({action_label(aus[0], wanted[0], variant)})", ""
        else:
            what = " or ".join(action_label(au, "", variant) for au in aus) + f" ({ctx.action(aus[0]).name})"
            where = f" {sides_text}" if sides_text else ""
        measures = {"profile": profile.name, "sides": "".join(wanted), **({"variant": variant} if variant else {})}
        if variant and anything:
            rule, text = "coverage.missing-variant", f"Missing {what}{where}: the rig has {aus[0]} but not this variant."
        elif any(have.values()) or (anything and wanted != ["B"]):
            rule = "coverage.missing-side"
            text = f"Missing {what}: the rig has only the other side." if name else \
                f"Missing the {sides_text or 'bilateral'} side of {what}."
        else:
            rule, text = "coverage.missing-au", f"Missing {what}{where}."
        # the shapes that do exist for this action, so a click in Blender lands on the lone side
        related = [n for n, p in shape_set.parsed.items() if p.au in aus] if rule != "coverage.missing-au" else []
        yield ctx.finding(rule, f"{text} Required by {profile.name}.", aus=aus, side="".join(wanted),
                          shapes=related, measures=measures, profile=profile), set(aus)


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
                              f"{name} ({parsed.label}) has no {SIDE_WORDS[twin[1]]} twin.",
                              shapes=(name,), aus=(parsed.au,), side=parsed.side)


def check_empty_shapes(ctx):
    scale = ctx.frame.scale
    for i, name in enumerate(ctx.snapshot.names):
        if name in ctx.invalid or not ctx.touches(name):
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
