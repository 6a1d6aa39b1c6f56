"""``diff OLD NEW``: what changed between two deliveries of a rig (see core/delivery_diff.py).

Both files are audited with the same rules; exit 1 when the new delivery introduces findings at or
above --fail-on (default error), 0 otherwise, 2 on an input error (one line). Distances are in
millimetres: Blender's units are metres, so mm = 1000 x units.
"""

import json
import sys
from pathlib import Path

FORMATS = ("text", "json", "markdown")
#: rig units to millimetres (a Blender unit is a metre)
MM = 1000.0


def add_parser(commands):
    parser = commands.add_parser("diff", help="what changed between two deliveries of a rig")
    parser.add_argument("old", metavar="OLD", help="the earlier delivery (rig file)")
    parser.add_argument("new", metavar="NEW", help="the new delivery (rig file)")
    parser.add_argument("--object", help="compare only this mesh object (default: every mesh with shape keys)")
    parser.add_argument("--profile", help="delivery profile name or .toml for both audits")
    parser.add_argument("--convention", help="read names with this convention instead of detecting it")
    parser.add_argument("--rules", action="append", default=[], metavar="TOML",
                        help="extra convention or profile file (repeatable)")
    parser.add_argument("--format", choices=FORMATS, default="text")
    parser.add_argument("--output", help="write the diff to this file instead of stdout")
    parser.add_argument("--fail-on", choices=("error", "warning", "never"),
                        help="lowest severity of an introduced finding that makes the exit code 1 "
                             "(default: the config's, else error)")
    parser.add_argument("--config", metavar="TOML",
                        help="project config, as for audit: its rule choices, severities and waivers apply "
                             "(default: the nearest facs-audit.toml in this folder or above)")
    return parser


def run(args):
    from .cli import _profile_name, _rulebook
    from .core import AuditError
    from .core.delivery_diff import diff_rig, load_diff_settings
    from .core.report import failing
    from .project import project_config

    config = project_config(args)  # fills in profile, rules and fail_on where no flag did
    rulebook = config.apply(_rulebook(args))
    profile = _profile_name(args, rulebook)
    if args.convention:
        rulebook.convention(args.convention)
    settings = load_diff_settings()
    old = _audited(args.old, args, rulebook, profile, config)
    new = _audited(args.new, args, rulebook, profile, config)
    diffs = [diff_rig(old[o][:2] if o else None, new[n][:2] if n else None, settings, new[n][2] if n else None)
             for o, n in _pairs(list(old), list(new))]
    text = {"text": to_text, "json": to_json, "markdown": to_markdown}[args.format](args.old, args.new, diffs)
    if args.output:
        try:
            Path(args.output).write_text(text, encoding="utf-8")
        except OSError as error:
            raise AuditError(f"{args.output}: cannot write the diff ({error.strerror})") from None
    else:
        sys.stdout.write(text)
        sys.stdout.flush()
    # a waived finding does not fail the gate here either
    waivers = config.waivers_on().apply([d.new for d in diffs if d.new])
    return int(any(failing(f, args.fail_on, d.new, waivers=waivers) for d in diffs for f in d.introduced))


def _audited(path, args, rulebook, profile, config):
    """{object name: (snapshot, report, context)} of one delivery (one-line AuditError naming the file)."""
    from .blender.load import load_snapshots  # bpy only when rigs are loaded
    from .core import RigInputError
    from .core.engine import audit_context, report_from, run_checks
    from .stdio import stdout_redirected

    out = {}
    with stdout_redirected():
        for snapshot in load_snapshots(path, args.object):
            try:
                # audit_rig's steps, keeping its context: the diff reads the context's frame and
                # measures, which a second context would compute again
                context = audit_context(snapshot, rulebook, profile=profile, convention=args.convention)
                report = config.settle([report_from(context, run_checks(context), path)], rulebook)[0]
            except RigInputError as error:
                raise RigInputError(f"{path}: {error}") from None
            out[snapshot.name] = (snapshot, report, context)
    return out


def _pairs(old, new):
    """(old object, new object) pairs: same names; one keyed mesh on each side pairs whatever its name."""
    if len(old) == 1 and len(new) == 1:
        return [(old[0], new[0])]
    pairs = [(name, name) for name in new if name in old]
    pairs += [(None, name) for name in new if name not in old]
    pairs += [(name, None) for name in old if name not in new]
    return pairs


# -- formats ---------------------------------------------------------------------------------------

def change_dict(change):
    out = {"shape": change.shape, "largest_mm": round(change.largest * MM, 3), "share_of_face": change.share,
           "regions": [{"region": label, "share": share} for label, share in change.regions]}
    if change.old_name:
        out["old_name"] = change.old_name
    return out


def rig_dict(diff):
    from .core.report import finding_dict
    return {
        "object": diff.object,
        "old_object": diff.old.object if diff.old else None, "new_object": diff.new.object if diff.new else None,
        "shapes_before": diff.old.shapes if diff.old else 0, "shapes_now": diff.new.shapes if diff.new else 0,
        "deltas_compared": diff.comparable, "note": diff.note,
        "added": list(diff.added), "removed": list(diff.removed),
        "renamed": [{"old": r.old, "new": r.new, "cosine": r.cosine} for r in diff.renamed],
        "changed": [change_dict(c) for c in diff.changed],
        "neutral": change_dict(diff.neutral) if diff.neutral else None,
        "findings": {kind: [finding_dict(f) for f in getattr(diff, kind)] for kind in ("fixed", "introduced", "unchanged")},
    }


def summary(diffs):
    return {kind: sum(len(getattr(d, kind)) for d in diffs)
            for kind in ("added", "removed", "renamed", "changed", "fixed", "introduced", "unchanged")}


def to_json(old, new, diffs):
    return json.dumps({"tool": "facs-audit", "command": "diff", "old": old, "new": new, "units": "mm",
                       "rigs": [rig_dict(d) for d in diffs], "summary": summary(diffs)},
                      indent=2, ensure_ascii=False) + "\n"


def change_text(change):
    where = ", ".join(f"{label} ({share:.0%})" for label, share in change.regions)
    return (f"up to {change.largest * MM:.2f} mm ({change.share:.2%} of the face size)"
            + (f", in the {where}" if where else ""))


def _finding_line(kind, finding):
    return f"  {kind:<10} {finding.severity:<7} {finding.rule}  {finding.message}"


def to_text(old, new, diffs):
    lines = [f"{old} -> {new} (distances in mm: a Blender unit is a metre)"]
    for d in diffs:
        counts = f"{d.old.shapes if d.old else 0} -> {d.new.shapes if d.new else 0} shapes"
        lines.append(f"{d.object}: {counts}" + (f" ({d.note})" if d.note else ""))
        lines += [f"  added      {name}" for name in d.added]
        lines += [f"  removed    {name}" for name in d.removed]
        lines += [f"  renamed    {r.old} -> {r.new} (cosine {r.cosine:.3f})" for r in d.renamed]
        lines += [f"  changed    {c.shape}" + (f" (was {c.old_name})" if c.old_name else "") + f": {change_text(c)}"
                  for c in d.changed]
        if d.neutral:
            lines.append(f"  neutral    moved {change_text(d.neutral)}")
        lines.append(f"  findings: {len(d.fixed)} fixed, {len(d.introduced)} introduced, {len(d.unchanged)} unchanged")
        for kind in ("introduced", "fixed", "unchanged"):
            lines += [_finding_line(kind, f) for f in getattr(d, kind)]
        lines.append("")
    s = summary(diffs)
    lines.append(f"{s['added']} added, {s['removed']} removed, {s['renamed']} renamed, {s['changed']} changed; "
                 f"findings: {s['fixed']} fixed, {s['introduced']} introduced, {s['unchanged']} unchanged")
    return "\n".join(lines) + "\n"


def _md(text):
    return str(text).replace("|", "\\|").replace("\n", " ")


def to_markdown(old, new, diffs):
    s = summary(diffs)
    lines = [f"### facs-audit diff: `{_md(Path(old).name)}` → `{_md(Path(new).name)}`", "",
             "| object | added | removed | renamed | changed | fixed | introduced | unchanged |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for d in diffs:
        lines.append(f"| {_md(d.object)} | {len(d.added)} | {len(d.removed)} | {len(d.renamed)} | {len(d.changed)} "
                     f"| {len(d.fixed)} | {len(d.introduced)} | {len(d.unchanged)} |")
    if len(diffs) > 1:
        lines.append(f"| **total** | {s['added']} | {s['removed']} | {s['renamed']} | {s['changed']} | {s['fixed']} "
                     f"| {s['introduced']} | {s['unchanged']} |")
    for d in diffs:
        lines += ["", f"#### {_md(d.object)}"]
        if d.note:
            lines.append(f"_{_md(d.note)}_")
        items = [f"- added `{_md(n)}`" for n in d.added] + [f"- removed `{_md(n)}`" for n in d.removed]
        items += [f"- renamed `{_md(r.old)}` → `{_md(r.new)}` (cosine {r.cosine:.3f})" for r in d.renamed]
        items += [f"- changed `{_md(c.shape)}`: {_md(change_text(c))}" for c in d.changed]
        if d.neutral:
            items.append(f"- neutral moved {_md(change_text(d.neutral))}")
        for kind in ("introduced", "fixed"):
            items += [f"- **{kind}** {f.severity} `{f.rule}`: {_md(f.message)}" for f in getattr(d, kind)]
        lines += items
        if d.unchanged:
            lines += ["", f"<details><summary>{len(d.unchanged)} unchanged finding(s)</summary>", ""]
            lines += [f"- {f.severity} `{f.rule}`: {_md(f.message)}" for f in d.unchanged]
            lines += ["", "</details>"]
    lines.append("")
    lines.append("Distances in mm (a Blender unit is a metre).")
    return "\n".join(lines) + "\n"
