"""How often ``identify`` names a shape's true action from geometry alone, with every name hidden
(``k000``, ``k001``, ...): the sample face under each naming and the shared real rigs. Truth: the
names as the rig's own convention reads them (1978/2002 ambiguous codes left out).

    .venv/bin/python bench/identify_accuracy.py [--real] [--loo] [--misses]

``--loo``: each real rig scored with references fitted on the other rigs only (tools/fit_identify.py),
the honest figure for a rig the references have never seen.
"""

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))

from identify_rigs import hidden, real_rigs, sample_rigs, truth_of  # noqa: E402

from facs_audit_addon.core.identify import identify, load_identify_rules  # noqa: E402


def score(snapshot, rulebook, rules, convention=None):
    """(right first, right among the candidates, shapes, misses) for one rig."""
    truth = truth_of(snapshot, rulebook, convention)
    identities = identify(hidden(snapshot), rulebook, rules)
    top1 = top3 = 0
    misses = []
    for name, identity in zip(snapshot.names, identities):
        if name not in truth:
            continue
        au, side, _ = truth[name]
        au = rules.same_pose.get(au, au)
        labels = [(c.action, c.side) for c in identity.candidates]
        top1 += labels[:1] == [(au, side)]
        top3 += au in [a for a, _ in labels]
        if labels[:1] != [(au, side)]:
            misses.append((name, f"{au}_{side}", [f"{c.label}@{c.score:.2f}" for c in identity.candidates],
                           identity.reason))
    return top1, top3, len(truth), misses


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--misses", action="store_true", help="list what it gets wrong")
    parser.add_argument("--real", action="store_true", help="also the shared real rigs (needs bpy)")
    parser.add_argument("--loo", action="store_true", help="real rigs scored with references fitted without them")
    args = parser.parse_args(argv)
    rigs = list(sample_rigs()) + (list(real_rigs()) if args.real or args.loo else [])
    print(f"{'rig':<48} {'shapes':>6} {'first':>6} {'listed':>7}")
    for label, snapshot, rulebook, convention in rigs:
        rules = load_identify_rules(rulebook)
        if args.loo and not label.startswith("sample"):
            from fit_identify import fit, write_fitted
            others = [rig for rig in rigs if rig[0].split(" (")[0] != label.split(" (")[0]]
            with tempfile.TemporaryDirectory() as folder:
                path = Path(folder) / "fitted.toml"
                write_fitted(fit(others, rules), path)
                rules = load_identify_rules(rulebook, fitted=path)
        top1, top3, total, misses = score(snapshot, rulebook, rules, convention)
        print(f"{label:<48} {total:>6} {top1 / total:>6.0%} {top3 / total:>7.0%}")
        for miss in misses if args.misses else ():
            print("    ", *miss)


if __name__ == "__main__":
    main()
