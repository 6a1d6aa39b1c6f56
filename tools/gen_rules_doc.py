"""Write docs/RULES.md from the rule files: every finding id, the profiles and the conventions.

    python tools/gen_rules_doc.py          # rewrite docs/RULES.md
    python tools/gen_rules_doc.py --check  # exit 1 when docs/RULES.md is out of date

The document is generated so it can never drift from rules/ (a test runs --check).
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from facs_audit_addon.core import load_rulebook  # noqa: E402

TARGET = ROOT / "docs" / "RULES.md"


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
    lines += ["", "## Catalog", "", "| code | name | laterality | variants | regions |", "|---|---|---|---|---|"]
    for code, action in rulebook.catalog.items():
        lines.append(f"| {code} | {action.name} | {action.laterality} | {', '.join(action.variants) or '-'} | "
                     f"{', '.join(action.regions)} |")
    return "\n".join(lines) + "\n"


def main(argv):
    text = render(load_rulebook())
    if "--check" in argv:
        if not TARGET.is_file() or TARGET.read_text() != text:
            print(f"{TARGET.relative_to(ROOT)} is out of date: run python tools/gen_rules_doc.py", file=sys.stderr)
            return 1
        return 0
    TARGET.parent.mkdir(exist_ok=True)
    TARGET.write_text(text)
    print(f"wrote {TARGET.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
