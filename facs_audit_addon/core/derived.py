"""Shapes that are the sum of other shapes of the rig: a bilateral shape built as its left + right
pair (Rocketbox ``AU_12_LipCornerPuller`` = ``AU_12_L_`` + ``AU_12_R_``), a corrective that is the
exact sum of its parents. Whatever is wrong with the parts is wrong with the sum: it is reported once,
on the parts, with a note naming the sum.
"""

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Sum:
    """``name`` equals ``parts`` added together (cosine of the deltas, and RMS size ratio)."""

    name: str
    parts: tuple
    cosine: float
    size_ratio: float


def find_sums(ctx, held=None, changed=frozenset()):
    """{shape name: Sum} for every bilateral shape that is its L + R pair and every combination shape
    that is the sum of its parents, within one shape set (measured on the rig's own deltas).

    ``held``: the sums before shapes ``changed`` were edited (a re-audit): only the candidates that
    involve a changed shape are measured again.
    """
    out = {}
    for shape_set in ctx.sets:
        by_key = {}
        for name, parsed in shape_set.parsed.items():
            by_key.setdefault(parsed.key, name)
        candidates = []
        for name, parsed in shape_set.parsed.items():
            if parsed.side == "B":
                left, right = (by_key.get((parsed.au, s, parsed.variant)) for s in ("L", "R"))
                if left and right:
                    candidates.append((name, (left, right)))
        for name, combination in shape_set.combinations.items():
            parts = tuple(by_key.get(p.key) for p in combination.parts)
            if all(parts):
                candidates.append((name, parts))
        for name, parts in candidates:
            if held is not None and name not in changed and not changed.intersection(parts):
                if name in held:
                    out[name] = held[name]
                continue
            found = _measure(ctx, name, parts)
            if found is not None:
                out[name] = found
    return out


def _measure(ctx, name, parts):
    if name in ctx.invalid or any(p in ctx.invalid for p in parts):
        return None
    deltas, index = ctx.snapshot.deltas, ctx.snapshot.index
    whole = deltas[index(name)].ravel()
    total = deltas[index(parts[0])].ravel().copy()
    for part in parts[1:]:
        total += deltas[index(part)].ravel()
    product = np.empty_like(whole)

    def dot(a, b):
        # float32 products, summed pairwise by numpy: ~1e-7 relative, deterministic, and ~10x faster than
        # casting every corrective and its parents to float64 first
        return float(np.multiply(a, b, out=product).sum())

    norm_whole, norm_total = dot(whole, whole) ** 0.5, dot(total, total) ** 0.5
    if norm_whole <= 0 or norm_total <= 0:
        return None
    cosine = dot(whole, total) / (norm_whole * norm_total)
    ratio = min(norm_whole, norm_total) / max(norm_whole, norm_total)
    if cosine < ctx.threshold("sum_cosine", name) or ratio < ctx.threshold("sum_magnitude", name):
        return None
    return Sum(name, parts, cosine, ratio)
