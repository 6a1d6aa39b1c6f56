"""``identify``: what each shape key is, from its geometry alone (see core/identify.py), and a draft naming
convention for a rig no convention reads.

Exit codes as for ``audit``: 0 done, 2 usage or input error (every readable rig is still reported).
"""

import contextlib
import json
import sys
from pathlib import Path


def add_parser(commands):
    parser = commands.add_parser("identify", help="identify each shape's FACS action from its geometry alone")
    parser.add_argument("files", nargs="+", metavar="FILE", help="rig files or folders of rig files")
    parser.add_argument("--object", help="only this mesh object (default: every mesh with shape keys)")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.add_argument("--output", help="write the result to this file instead of stdout")
    parser.add_argument("--draft-convention", metavar="OUT.toml",
                        help="write a naming convention mapping each confidently identified name to its action "
                             "(uncertain ones as comments), for review and --rules")
    return parser


def run(args):
    from .cli import expand_files
    from .core import AuditError, load_rulebook
    from .core.identify import identify, load_identify_rules

    rulebook = load_rulebook()
    rules = load_identify_rules(rulebook)
    rigs, errors = [], []
    for path in expand_files(args.files):
        try:
            rigs.extend((path, snapshot.name, identify(snapshot, rulebook, rules))
                        for snapshot in _snapshots(path, args.object))
        except AuditError as error:
            message = str(error).removeprefix(f"{path}: ")
            errors.append(path)
            print(f"facs-audit: error: {path}: {message}", file=sys.stderr)
    text = to_json(rigs) if args.format == "json" else to_text(rigs)
    if args.draft_convention:
        _write(args.draft_convention, draft_convention(rigs, rules, Path(args.draft_convention).stem), "convention")
    if args.output:
        _write(args.output, text, "result")
    else:
        sys.stdout.write(text)
        sys.stdout.flush()
    return 2 if errors else 0


def _snapshots(path, object_name):
    from .blender.load import load_snapshots  # bpy only when rigs are loaded
    with contextlib.redirect_stdout(sys.stderr):  # importers also log through Python
        return load_snapshots(path, object_name)


def _write(path, text, what):
    from .core import AuditError
    try:
        Path(path).write_text(text, encoding="utf-8")
    except OSError as error:
        raise AuditError(f"{path}: cannot write the {what} ({error.strerror})") from None


def identity_dict(identity):
    out = {"name": identity.name,
           "candidates": [{"action": c.action, "side": c.side, "variant": c.variant, "score": c.score, "why": c.why}
                          for c in identity.candidates]}
    if identity.reason:
        out["reason"] = identity.reason
    if identity.resembles:
        out["resembles"] = list(identity.resembles)
    return out


def to_json(rigs):
    return json.dumps({"tool": "facs-audit", "rigs": [
        {"file": file, "object": obj, "shapes": [identity_dict(i) for i in identities]}
        for file, obj, identities in rigs]}, indent=2, ensure_ascii=False) + "\n"


def to_text(rigs):
    lines = []
    for file, obj, identities in rigs:
        lines.append(f"{file}: {obj}: {len(identities)} shapes, identified from geometry alone")
        width = max((len(i.name) for i in identities), default=0)
        for identity in identities:
            if identity.candidates:
                best, *rest = identity.candidates
                others = ", ".join(f"{c.label} {c.score:.2f}" for c in rest)
                lines.append(f"  {identity.name:<{width}}  {best.label:<10} {best.score:.2f}"
                             + (f"  (or {others})" if others else ""))
            else:
                also = f" (resembles {' + '.join(identity.resembles)})" if identity.resembles else ""
                lines.append(f"  {identity.name:<{width}}  -  {identity.reason}{also}")
        lines.append("")
    return "\n".join(lines) + ("\n" if not lines else "")


def draft_convention(rigs, rules, name):
    """A convention file (rules/conventions format) for the identified rigs, to review before use."""
    from .core.identify import confident
    files = ", ".join(sorted({Path(file).name for file, _, _ in rigs}))
    lines = [f"# Drafted by `facs_audit_addon identify --draft-convention` from the geometry of {files}.",
             "# Review before use: each mapping is what the shape's motion looks like, not what its author meant.",
             "# Confident identifications are mapped; the rest are comments with their candidates.",
             f"# Use it with:  python -m facs_audit_addon audit RIG --rules {name}.toml",
             "[convention]", f'name = "{name}"', 'description = "Drafted from shape geometry by facs-audit identify"',
             'default_profile = "generic"', "", "[names]"]
    seen = set()
    for _, _, identities in rigs:
        for identity in identities:
            if identity.name in seen:
                continue
            seen.add(identity.name)
            key = json.dumps(identity.name)
            best = confident(identity, rules)
            if best is not None:
                fields = [f'au = "{best.action}"'] + ([f'variant = "{best.variant}"'] if best.variant else [])
                fields.append(f'side = "{best.side}"')
                lines.append(f"{key} = {{ {', '.join(fields)} }}  # score {best.score:.2f}")
            elif identity.candidates:
                listing = ", ".join(f"{c.label} {c.score:.2f}" for c in identity.candidates)
                lines.append(f"# {key}: uncertain: {listing}")
            else:
                lines.append(f"# {key}: {identity.reason}")
    return "\n".join(lines) + "\n"
