"""``standards``: which runtime standards each rig can drive, target by target (see core/standards.py).

Exit codes as for ``audit``: 0 done, 2 usage or input error (every readable rig is still reported).
"""

import csv
import io
import json
from pathlib import Path

FORMATS = ("text", "json", "csv")


def add_parser(commands):
    parser = commands.add_parser("standards", help="which standards (ARKit, Roblox, OpenXR, ...) each rig can drive")
    parser.add_argument("files", nargs="+", metavar="FILE", help="rig files or folders of rig files")
    parser.add_argument("--object", help="only this mesh object (default: every mesh with shape keys)")
    parser.add_argument("--standard", action="append", default=[], metavar="NAME",
                        help="only this standard (repeatable; default: every standard in rules/standards)")
    parser.add_argument("--rules", action="append", default=[], metavar="TOML",
                        help="extra standard, convention or profile file (repeatable)")
    parser.add_argument("--format", choices=FORMATS, default="text")
    parser.add_argument("--output", help="write the matrix to this file instead of stdout")
    parser.add_argument("--export-map", metavar="DIR",
                        help="write one retarget map per rig and standard: DIR/<object>.<standard>.json")
    return parser


def run(args):
    from .cli import UsageError, expand_files
    from .output import write
    from .rig_files import each_rig
    from .core import load_rulebook
    from .core.standards import is_standard_file, load_standards

    extra = [path for path in args.rules if is_standard_file(path)]
    rulebook = load_rulebook(extra_files=[path for path in args.rules if path not in extra])
    known = load_standards(rulebook, extra)
    unknown = [name for name in args.standard if name not in known]
    if unknown:
        raise UsageError(f"unknown standard '{unknown[0]}' (known: {', '.join(known)})")
    standards = [known[name] for name in (args.standard or known)]
    rigs, errors = each_rig(expand_files(args.files), args.object,
                            lambda snapshot: rig_coverage(snapshot, rulebook, standards))
    text = {"text": to_text, "json": to_json, "csv": to_csv}[args.format](rigs)
    if args.export_map:
        export_maps(rigs, args.export_map)
    write(text, args.output)
    return 2 if errors else 0


def rig_coverage(snapshot, rulebook, standards):
    """StandardCoverage of one RigSnapshot for each standard."""
    from .core.engine import audit_context
    from .core.standards import coverage
    return coverage(audit_context(snapshot, rulebook), standards)


def rig_dict(file, obj, covers):
    return {"file": file, "object": obj, "standards": [standard_dict(c) for c in covers]}


def standard_dict(cover):
    return {
        "name": cover.standard.name, "title": cover.standard.title, "source": cover.standard.source,
        "targets": len(cover.results), "covered": cover.covered,
        "approximate": cover.named("approximate"), "missing": cover.named("missing"),
        "map": cover.retarget_map(),
        "reasons": {r.target: r.reason for r in cover.results if r.reason},
    }


def to_json(rigs):
    return json.dumps({"tool": "facs-audit", "rigs": [rig_dict(*rig) for rig in rigs]}, indent=2,
                      ensure_ascii=False) + "\n"


def to_text(rigs):
    """The matrix: a row per standard with covered/total, how many only approximately, what is missing."""
    lines = []
    for file, obj, covers in rigs:
        lines.append(f"{file}: {obj}")
        width = max((len(c.standard.name) for c in covers), default=0)
        for cover in covers:
            approximate, missing = cover.named("approximate"), cover.named("missing")
            row = f"  {cover.standard.name:<{width}}  {cover.covered:>3}/{len(cover.results):<3}"
            row += f"  {len(approximate):>2} approximate"
            row += f"  missing: {_listing(missing)}" if missing else "  missing: none"
            lines.append(row)
        lines.append("")
    return "\n".join(lines) + ("\n" if not lines else "")


def _listing(names, most=10):
    text = ", ".join(names[:most])
    return text + (f" and {len(names) - most} more" if len(names) > most else "")


def to_csv(rigs):
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["file", "object", "standard", "target", "status", "shapes", "reason"])
    for file, obj, covers in rigs:
        for cover in covers:
            for result in cover.results:
                shapes = ";".join(f"{shape}*{weight:g}" for shape, weight in result.shapes)
                writer.writerow([file, obj, cover.standard.name, result.target, result.status, shapes, result.reason])
    return out.getvalue()


def export_maps(rigs, folder):
    """One retarget map per rig and standard: ``{target: [[shape, weight], ...]}`` with its context."""
    from .core import AuditError
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for file, obj, covers in rigs:
            for cover in covers:
                (folder / f"{obj}.{cover.standard.name}.json").write_text(map_json(file, obj, cover), encoding="utf-8")
    except OSError as error:
        raise AuditError(f"{folder}: cannot write the retarget maps ({error.strerror})") from None


def map_json(file, obj, cover):
    """The retarget map of one rig for one standard, as a runtime importer or driver script reads it."""
    return json.dumps({
        "standard": cover.standard.name, "title": cover.standard.title, "source": cover.standard.source,
        "rig": {"file": Path(file).name, "object": obj},
        "map": cover.retarget_map(), "approximate": cover.named("approximate"), "missing": cover.named("missing"),
    }, indent=2, ensure_ascii=False) + "\n"
