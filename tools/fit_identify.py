"""Fit identify's reference descriptions (rules/identify_fitted.toml) from the named shapes of the
sample face and the shared real rigs: each reference gets one prototype per rig, the mean description
of that rig's shapes named for it (rigs sculpt one action differently: a film FACS set, an ARKit-style
scan), kept sparse and rounded. identify scores a shape by its best prototype.

    .venv/bin/python tools/fit_identify.py        # rewrites rules/identify_fitted.toml

Run it after changing the description (core/identify.py), the regions or the rigs; check the result
with ``bench/identify_accuracy.py --real --loo``.
"""

import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from identify_rigs import hidden, real_rigs, sample_rigs, truth_of  # noqa: E402

from facs_audit_addon.core.identify import (DIRECTIONS, describe, identify_context, load_identify_rules,  # noqa: E402
                                            reference_for)

#: components smaller than this (of a unit description) are left out: the file stays readable
KEEP = 0.08


def fit(rigs, rules):
    """{reference: (regions table, shapes)} from ``rigs`` ((label, snapshot, rulebook, convention)...)."""
    per_rig = {}
    for label, snapshot, rulebook, convention in rigs:
        truth = truth_of(snapshot, rulebook, convention)
        description = describe(identify_context(hidden(snapshot), rulebook), rules)
        rig = label.split(" (")[0]  # the sample face's namings are one rig
        for i, name in enumerate(snapshot.names):
            if name not in truth:
                continue
            reference = reference_for(rules, *truth[name])
            vector = description.features[i]
            norm = np.linalg.norm(vector)
            if reference and norm > 0:
                per_rig.setdefault(reference, {}).setdefault(rig, []).append(vector / norm)
    out = {}
    for reference, rigs_seen in per_rig.items():
        for rig, vectors in sorted(rigs_seen.items()):
            mean = np.mean(vectors, axis=0)
            mean /= np.linalg.norm(mean) or 1.0
            table = {}
            for r, region in enumerate(rules.regions):
                row = mean.reshape(len(rules.regions), len(DIRECTIONS))[r]
                kept = {d: round(float(v), 2) for d, v in zip(DIRECTIONS, row) if abs(v) >= KEEP}
                if kept:
                    table[region] = kept
            if table:
                out.setdefault(reference, []).append((rig, len(vectors), table))
    return out


def write_fitted(fitted, path):
    lines = ["# Written by tools/fit_identify.py from the named shapes of the sample face and the shared real",
             "# rigs (bench/identify_rigs.py): do not edit by hand, refit. Each prototype is one rig's mean",
             "# description of the shapes named for the reference (shapes = how many); identify scores a shape",
             "# by its best match among these and the hand-written description in identify.toml.", ""]
    for name in sorted(fitted):
        key = name if name.replace("_", "").isalnum() else f'"{name}"'
        lines.append(f"[references.{key}]")
        lines.append("prototypes = [")
        for rig, shapes, table in fitted[name]:
            cells = ", ".join(f"{region} = {{ {', '.join(f'{d} = {v}' for d, v in dirs.items())} }}"
                              for region, dirs in table.items())
            lines.append(f'    {{ rig = "{rig}", shapes = {shapes}, regions = {{ {cells} }} }},')
        lines.append("]")
        lines.append("")
    Path(path).write_text("\n".join(lines), encoding="utf-8")


def main():
    from facs_audit_addon.core import load_rulebook
    rules = load_identify_rules(load_rulebook(), fitted=Path("/nonexistent"))
    rigs = list(sample_rigs()) + list(real_rigs())
    write_fitted(fit(rigs, rules), ROOT / "rules" / "identify_fitted.toml")


if __name__ == "__main__":
    main()
