"""Write docs/RULES.md (and README's pair-rule section) from the rule files.

    python tools/gen_rules_doc.py          # rewrite docs/RULES.md
    python tools/gen_rules_doc.py --check  # exit 1 when either is out of date

The document is generated so it can never drift from rules/ (a test runs --check).
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from facs_audit_addon.core import load_rulebook  # noqa: E402

TARGET = ROOT / "docs" / "RULES.md"
README = ROOT / "README.md"
BEGIN, END = "<!-- generated: pair rules -->", "<!-- end of generated pair rules -->"


def render_pairs(rulebook):
    """Markdown for every co-activation pair and conflation rule, with the reason a rigger should care."""
    rules = rulebook.coactivation
    lines = ["**Forbidden or suspicious pairs** (reported in a combination shape's name, one control driving "
             "both, keyed animation with both on, or one shape carrying both signatures):", "",
             "| pair | severity | why a rigger should care |", "|---|---|---|"]
    for pair in rules.pairs:
        lines.append(f"| {pair.first} + {pair.second} | {pair.severity} | {pair.reason} |")
    lines += ["", "Legitimate correctives, never reported: "
              + ", ".join("+".join(sorted(group, key=_code_order)) for group in rules.correctives) + ".", "",
              "**Conflation** (a shape named for one action that is built like another):", "",
              "| rule | shape | looks like | when it | why a rigger should care |", "|---|---|---|---|---|"]
    for rule in rules.conflations:
        lines.append(f"| `{rule.rule}` | {rule.au} | {rule.looks_like} | {rule.says} | {rule.reason} |")
    for code, other, rule, reason in rules.distinct:
        lines.append(f"| `{rule}` | {code} | {other} | is near-identical to it | {reason} |")
    for rule in rules.variants:
        lines.append(f"| `conflation.variants-indistinct` | {rule.au} {' / '.join(rule.variants)} | the other variant "
                     f"| cannot be told apart ({rule.measure}) | {rule.reason} |")
    lines.append("| `conflation.duplicate-shapes` | any shape | any other shape | has a near-identical delta field "
                 "(cosine above `duplicate_cosine`, comparable size) | Two controls doing the same thing double the "
                 "motion when both fire; one of them is usually misnamed. |")
    return "\n".join(lines) + "\n"


def _code_order(code):
    return (code[:2], int(code[2:]) if code[2:].isdigit() else 0)


def readme_with_pairs(rulebook, text):
    head, _, rest = text.partition(BEGIN)
    _, _, tail = rest.partition(END)
    return f"{head}{BEGIN}\n{render_pairs(rulebook)}{END}{tail}"


def render(rulebook):
    lines = ["# facs-audit rules", "",
             "Generated from `rules/` by `tools/gen_rules_doc.py`; do not edit by hand.", "",
             "## Findings", "",
             "Rule ids are stable: CI gates, waivers and profile severity overrides key on them.", "",
             "| rule | category | default severity | what | why it matters |", "|---|---|---|---|---|"]
    for rule in sorted(rulebook.findings.values(), key=lambda r: (r.category, r.id)):
        lines.append(f"| `{rule.id}` | {rule.category} | {rule.severity} | {rule.summary} | {rule.why} |")
    lines += ["", "## Delivery profiles", "", "| profile | what | conventions | required slots |", "|---|---|---|---|"]
    for name, profile in sorted(rulebook.profiles.items()):
        slots = sum(max(1, len(r.variants)) * (2 if r.sides == "LR" else 1) for r in profile.requirements)
        lines.append(f"| `{name}` | {profile.description} | {', '.join(profile.conventions) or 'any'} | {slots} |")
    lines += ["", "## Naming conventions", "", "| convention | what | default profile | names |", "|---|---|---|---|"]
    for name, convention in rulebook.conventions.items():
        count = "code pattern" if convention.code_pattern is not None else str(len(convention.names))
        lines.append(f"| `{name}` | {convention.description} | {convention.default_profile or 'generic'} | {count} |")
    lines += ["", "## Co-activation and conflation", "", render_pairs(rulebook).rstrip("\n")]
    lines += ["", "## Catalog", "", "| code | name | laterality | variants | regions |", "|---|---|---|---|---|"]
    for code, action in rulebook.catalog.items():
        lines.append(f"| {code} | {action.name} | {action.laterality} | {', '.join(action.variants) or '-'} | "
                     f"{', '.join(action.regions)} |")
    return "\n".join(lines) + "\n"


def main(argv):
    rulebook = load_rulebook()
    outputs = {TARGET: render(rulebook), README: readme_with_pairs(rulebook, README.read_text())}
    stale = [path for path, text in outputs.items() if not path.is_file() or path.read_text() != text]
    if "--check" in argv:
        for path in stale:
            print(f"{path.relative_to(ROOT)} is out of date: run python tools/gen_rules_doc.py", file=sys.stderr)
        return 1 if stale else 0
    for path in stale:
        path.write_text(outputs[path])
        print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
