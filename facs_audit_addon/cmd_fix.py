"""``python -m facs_audit_addon fix FILE --output OUT.blend``: apply the safe fixes headless, write a new .blend.

Safe fixes (core/fixes.py, ``safe=True``: mirror a pair, symmetrize a bilateral shape, zero NaN offsets)
run by default; every other fix (rename, delete, create or split sides, clip, region mask) only when
``--only`` names it or its rule. Each object is audited, fixed in rounds of independent fixes, and
re-audited after each round until no chosen fix is left, so every fix is computed on the keys as the
fixes before it left them. The input
file is only read unless ``--in-place``. Exit codes are the audit's, from the re-audit after fixing.
"""

import os
import sys
from pathlib import Path

from .core import AuditError

#: Upper bound on fixes per object: each fix is tried once per finding, this only stops a runaway loop.
MAX_FIXES = 2000


def add_parser(subparsers):
    from .core.report import FAIL_ON

    fix = subparsers.add_parser("fix", help="apply the safe fixes and write a new .blend")
    fix.add_argument("file", metavar="FILE", help="rig file (.blend, .fbx, .glb/.gltf, .usd*)")
    fix.add_argument("--output", metavar="OUT.blend", help="the fixed rig is written here (never over FILE)")
    fix.add_argument("--in-place", action="store_true", help="overwrite FILE (a .blend) instead of --output")
    fix.add_argument("--only", action="append", default=[], metavar="RULE_OR_FIX_ID",
                     help="apply only these fixes, or the fixes of these rules (repeatable); needed for "
                          "rename, delete and the fixes that add keys")
    fix.add_argument("--object", help="fix only this mesh object (default: every mesh with shape keys)")
    fix.add_argument("--profile", help="delivery profile name or path to a profile .toml")
    fix.add_argument("--convention", help="read names with this convention instead of detecting it")
    fix.add_argument("--rules", action="append", default=[], metavar="TOML",
                     help="extra convention or profile file (repeatable)")
    fix.add_argument("--fail-on", choices=FAIL_ON, default="error",
                     help="lowest severity left after fixing that makes the exit code 1 (default: error)")
    return fix


def run(args):
    from .cli import UsageError, _profile_name, _rulebook
    from .core.fixes import FIXES

    source = Path(args.file)
    target = _target(args, source, UsageError)
    rulebook = _rulebook(args)
    profile = _profile_name(args, rulebook)
    if args.convention:
        rulebook.convention(args.convention)
    for name in args.only:
        if name not in FIXES and name not in rulebook.findings:
            raise UsageError(f"--only {name}: neither a fix id ({', '.join(FIXES)}) nor a rule id")
    allowed = _allowed(args.only, rulebook)
    return _fix_file(source, target, args, rulebook, profile, allowed)


def _target(args, source, usage_error):
    if args.in_place == bool(args.output):
        raise usage_error("give exactly one of --output OUT.blend and --in-place")
    if not source.is_file():
        raise AuditError(f"{source}: no such file")
    if args.in_place:
        if source.suffix.lower() != ".blend":
            raise usage_error(f"--in-place needs a .blend file, not '{source.suffix}': write --output OUT.blend")
        return source
    target = Path(args.output)
    if target.suffix.lower() != ".blend":
        raise usage_error(f"--output must name a .blend file, got '{target.name}'")
    if target.resolve() == source.resolve():
        raise usage_error("--output is the input file: use --in-place to overwrite it")
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir() or not os.access(folder, os.W_OK) or (target.exists() and not os.access(target, os.W_OK)):
        raise AuditError(f"{target}: cannot write the fixed rig (folder missing or not writable)")
    return target


def _allowed(only, rulebook):
    """{rule id or None: fix ids} the run may apply: None keys the fixes allowed for every rule."""
    from .core.fixes import FIXES

    if not only:
        return {None: {fix for fix, spec in FIXES.items() if spec.safe}}
    allowed = {None: {name for name in only if name in FIXES}}
    for name in only:
        if name in rulebook.findings:
            allowed[name] = set(rulebook.findings[name].fixes)
    return allowed


def _fix_file(source, target, args, rulebook, profile, allowed):
    import bpy

    from .blender.fix_ops import linked_reason
    from .blender.load import load_snapshots
    from .core.report import _count_text, exit_code, totals
    from .stdio import stdout_redirected

    snapshots = load_snapshots(source, args.object)
    reports, changes = [], 0
    for snapshot in snapshots:
        obj = bpy.data.objects[snapshot.name]
        reason = linked_reason(obj)
        if reason:
            raise AuditError(f"{source}: cannot fix {obj.name}: {reason}")
        done, report = _fix_object(obj, source, rulebook, profile, args.convention, allowed)
        changes += done
        reports.append(report)
    if changes or not args.in_place:
        with stdout_redirected(to_stderr=False):  # Blender's "Saved copy as ..." is not a change
            try:
                bpy.ops.wm.save_as_mainfile(filepath=str(target.resolve()), copy=True, check_existing=False)
            except RuntimeError as error:
                raise AuditError(f"{target}: cannot write the fixed rig ({str(error).strip().splitlines()[-1]})") \
                    from None
    counts = totals(reports)
    left = _count_text(counts)
    where = "nothing written" if not changes and args.in_place else f"written to {target}"
    print(f"{source}: {changes} change(s), {where}; re-audit: {left}")
    sys.stdout.flush()
    return exit_code(reports, args.fail_on)


def _fix_object(obj, source, rulebook, profile, convention, allowed):
    """Fix one object until no allowed fix is left; returns (changes made, the re-audit's RigReport).

    Fixes run in rounds: a round applies every fix of the last report that reads and writes no shape
    an earlier fix of the round changed, and whose finding no such change can alter (the session's own
    notion of affected shapes), so each is computed on the keys as they now are. Then the session
    re-audits the changed keys (one update per round, not per fix: 39 fixes on the Rocketbox rig take
    3 updates); a round that adds, renames or deletes a key ends with a full audit. Once nothing is left
    to fix, a full audit checks again from scratch.
    """
    from .blender.extract import read_shape_delta, snapshot_from_object
    from .core import AuditSession

    def full_audit():
        return session.audit(snapshot_from_object(obj, source=str(source), region_prefix=_prefix(session)))

    session = AuditSession(rulebook, profile=profile, convention=convention, file=str(source))
    report = full_audit()
    tried, changes, full = set(), 0, True
    for _ in range(MAX_FIXES):
        written, structural, applied = _fix_round(obj, source, session, report, allowed, tried)
        changes += applied
        if structural:
            report, full = full_audit(), True
        elif written:
            report, full = session.update({name: read_shape_delta(obj, name) for name in written}), False
        elif full:
            return changes, report
        else:
            report, full = full_audit(), True
    raise AuditError(f"{source}: {obj.name}: more than {MAX_FIXES} rounds of fixes; stopped")


def _fix_round(obj, source, session, report, allowed, tried):
    """Apply the round's fixes to ``obj``: (names of keys written, whether keys were added, renamed or
    deleted, changes made). A fix that fails to plan is said on stderr and not tried again."""
    from .blender.fix_ops import write_plan
    from .core.fixes import FixError, plan_fix, preferred_fix

    ctx = session.context
    written, touched, changes = set(), set(), 0
    for finding in report.findings:
        fixes = allowed.get(None, set()) | allowed.get(finding.rule, set())
        fix = preferred_fix(ctx, finding, fixes, report.findings)
        if fix is None or (finding.rule, finding.shapes, fix) in tried:
            continue
        reach = session.affected(set(finding.shapes))
        if reach & written or touched.intersection(finding.shapes):
            continue  # computed from keys this round changed: the next round, on the re-audit
        tried.add((finding.rule, finding.shapes, fix))
        try:
            plan = plan_fix(ctx, finding, fix)
        except FixError as error:
            print(f"facs-audit: {source}: {obj.name}: {fix} skipped: {error}", file=sys.stderr)
            continue
        write_plan(obj, plan)
        for line in plan.changes:
            print(f"{source}: {obj.name}: {line} ({fix}, {finding.rule})")
        changes += len(plan.changes)
        if plan.created or plan.renamed or plan.deleted:
            return written | set(plan.deltas), True, changes
        written |= set(plan.deltas)
        touched |= session.affected(set(plan.deltas)) if plan.deltas else set()
    return written, False, changes


def _prefix(session):
    """The region-override vertex-group prefix of the session's rulebook (regions.toml)."""
    regions = session.rulebook.regions
    return regions.override_prefix if regions else None
