"""Names that use an earlier FACS meaning of their code, and what the shape's geometry supports.

``AU_13_CheekPuffer`` names AU13 by its 1978 meaning (Cheek Puffer); in FACS 2002 AU13 is the sharp lip
puller and a cheek puff is AD34. The earlier meanings and the words that reveal them are catalog data
(``former`` in rules/catalog.toml). One finding per action and shape set says which meaning the name
uses, whether the shapes show the earlier meaning's signature, and which catalogued action each
resembles most among the rig's own shapes (cosine of the deltas, on the shape's own side).
"""

import numpy as np

from ..geometry import row_norms
from ..text import listing
from .conflation import conflation_hits
from .former import former_meaning

#: the second-closest action is named too when its cosine is at least this share of the closest one's
RUNNER_UP_SHARE = 0.5


def check_former_meanings(ctx):
    families = {}
    for shape_set in ctx.sets:
        for name, parsed in shape_set.parsed.items():
            former = former_meaning(ctx, name, parsed)
            if former is not None:
                families.setdefault((id(shape_set), parsed.au, former.name), (former, []))[1].append(name)
    if not families:
        return
    tagged = {name for _, names in families.values() for name in names}
    for (_, code, _), (former, names) in families.items():
        if ctx.touches(*names):
            yield _finding(ctx, code, former, names, tagged)


def _finding(ctx, code, former, names, tagged):
    action, now = ctx.action(code), ctx.action(former.now)
    index = {name: i for i, name in enumerate(ctx.snapshot.names)}
    valid = [n for n in names if n not in ctx.invalid]
    text = (f"{_joined(names)} name{'s' if len(names) == 1 else ''} {code} by its {former.manual} meaning, "
            f"{former.name}; in FACS 2002 {code} is {action.current or action.name} and what the old name "
            f"describes is {former.now} ({now.name}).")
    measures = {"former": former.name, "now": former.now}
    if former.shows is not None and valid:
        values = [ctx.signatures.measure(index[n], former.shows.measure) for n in valid]
        shown = [n for n, v in zip(valid, values) if former.shows.hit(v)]
        measures[former.shows.measure] = values
        numbers = ", ".join("n/a" if v != v else f"{v:.2f}" for v in values)
        if not shown:
            text += (f" {'None shows' if len(valid) > 1 else 'It does not show'} {former.now}'s signature "
                     f"({former.shows.measure} {former.shows.limit_text()}: {numbers}).")
        else:
            text += f" {listing(shown)} {'show' if len(shown) > 1 else 'shows'} it ({former.shows.measure} {numbers}): " \
                    f"{'they are' if len(shown) > 1 else 'it is'} {former.now}."
    verdicts, closest, signs = [], [], {}
    for name in valid:
        parsed = ctx.parsed(name)
        ranked = _resemblance(ctx, index[name], name, parsed, tagged)
        # the [[conflation]] signatures the shape breaks (they are not reported apart for these shapes)
        signs[name] = tuple(rule.says for rule, _ in conflation_hits(ctx, index[name], name, parsed))
        if not ranked:
            continue
        (best, (value, other)), rest = ranked[0], ranked[1:]
        closest.append([best, value])
        part = f"{name} to {best} ({value:.2f} with {other}"
        close = rest and rest[0][1][0] >= RUNNER_UP_SHARE * value
        verdicts.append(part + (f"; {rest[0][0]} {rest[0][1][0]:.2f})" if close else ")"))
    if verdicts:
        text += f" Closest catalogued action by cosine with the rig's own shapes: {'; '.join(verdicts)}."
        measures["closest"] = closest
    shared = set.intersection(*(set(s) for s in signs.values())) if signs else set()
    if shared:
        who = "It" if len(signs) == 1 else "Each"
        text += f" {who} {' and '.join(sorted(shared))}."
    for name, own in signs.items():
        if set(own) - shared:
            text += f" {name} {' and '.join(s for s in own if s not in shared)}."
    return ctx.finding("naming.former-meaning", text, shapes=names, aus=(code, former.now), measures=measures,
                       side=ctx.parsed(names[0]).side if len(names) == 1 else "")


def _resemblance(ctx, i, name, parsed, tagged):
    """[(action, (cosine, shape))] best first, one entry per action: the rig's shapes in the same set most
    like shape ``i``, compared on the side a one-sided shape moves (no other earlier-meaning or ambiguous code)."""
    groups = {}
    for j, other, q in ctx.mapped_shapes():
        if (q.au == parsed.au or other in tagged or ctx.action(q.au).ambiguous
                or ctx.set_of(other) is not ctx.set_of(name) or ctx.max_motion[j] <= 0):
            continue
        sides = {parsed.side, q.side} - {"B"}
        if len(sides) < 2:  # a left shape is not compared with a right one
            groups.setdefault(next(iter(sides), "B"), []).append((j, other, q))
    deltas = ctx.snapshot.deltas
    best = {}
    for side, members in groups.items():
        rows = np.array([j for j, _, _ in members])
        held = ctx.side_deltas(side)
        if held is not None:
            mine, theirs, their_norms = held[0][i], held[0][rows], held[1][rows]
        else:
            keep = ctx.side_vertices(side)
            mine = deltas[i][keep].reshape(-1).astype(np.float64)
            theirs = np.take(deltas[rows], keep, axis=1).reshape(len(rows), -1).astype(np.float64)
            their_norms = row_norms(theirs)
        norms = their_norms * np.linalg.norm(mine)
        cosines = (theirs @ mine) / np.where(norms > 0, norms, 1.0)
        for value, (_, other, q) in zip(cosines, members):
            if q.au not in best or value > best[q.au][0]:
                best[q.au] = (float(value), other)
    return sorted(best.items(), key=lambda item: (-item[1][0], item[0]))


def _joined(names):
    return " and ".join(names) if len(names) <= 2 else ", ".join(names[:-1]) + " and " + names[-1]
