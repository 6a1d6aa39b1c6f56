"""Command line: ``python -m facs_audit_addon audit FILE...`` and ``blender -b --command facs_audit ...``.

Exit codes: 0 nothing at or above --fail-on, 1 findings at or above it, 2 usage or input error,
3 internal error. Errors are one line on stderr; stdout carries nothing but the report.
"""

import argparse
import os
import sys
from pathlib import Path

from . import __version__
from .core import AuditError, load_rulebook
from .core.report import FAIL_ON, NO_BASELINE, Baseline, exit_code
from .batch import Job, audit_here, audit_in_jobs
from . import cmd_diff, cmd_fix, cmd_identify, cmd_merge, cmd_standards
from .pictures import gather, html_job
from .output import FORMATS, Batch, render, warn_waivers, write
from .progress import Progress
from .project import project_config
from .shard import parse_shard, select, shard_record

#: subcommands in modules of their own: each has add_parser(subparsers) and run(args) -> exit code
_COMMANDS = {"fix": cmd_fix, "identify": cmd_identify, "merge": cmd_merge, "standards": cmd_standards,
             "diff": cmd_diff}

SUPPORTED = (".blend", ".fbx", ".glb", ".gltf", ".usd", ".usda", ".usdc", ".usdz")


class UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        raise UsageError(message)


def build_parser(prog="python -m facs_audit_addon"):
    parser = _Parser(prog=prog, description="Audit facial shape keys against FACS Action Units.")
    parser.add_argument("--version", action="version", version=f"facs-audit {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    audit = commands.add_parser("audit", help="audit rig files (.blend, .fbx, .glb/.gltf, .usd*)")
    audit.add_argument("files", nargs="+", metavar="FILE", help="rig files or folders of rig files")
    audit.add_argument("--object", help="audit only this mesh object (default: every mesh with shape keys)")
    audit.add_argument("--profile", help="delivery profile name or path to a profile .toml "
                                         "(default: each shape set's convention default)")
    audit.add_argument("--convention", help="read names with this convention instead of detecting it")
    audit.add_argument("--rules", action="append", default=[], metavar="TOML",
                       help="extra convention or profile file (repeatable)")
    audit.add_argument("--format", choices=FORMATS + ("html",), default="text",
                       help="html: one self-contained page with pictures of flagged shapes (needs --output)")
    audit.add_argument("--no-images", action="store_true", help="html without pictures (no rendering)")
    audit.add_argument("--output", help="write the report to this file instead of stdout")
    audit.add_argument("--verbose", action="store_true",
                       help="text format: one line per finding (default: minor findings of one kind folded)")
    audit.add_argument("--fail-on", choices=FAIL_ON,
                       help="lowest severity that makes the exit code 1 (default: the config's, else error)")
    audit.add_argument("--baseline", metavar="JSON",
                       help="an earlier JSON report: findings already in it are marked known and do not fail")
    audit.add_argument("--jobs", type=_jobs, default=1, metavar="N",
                       help="audit N files at a time: this process and N-1 worker processes, each "
                            "with its own Blender (default: 1); the report is the same whatever N")
    audit.add_argument("--config", metavar="TOML",
                       help="project config (default: the nearest facs-audit.toml in this folder or above)")
    audit.add_argument("--shard", type=parse_shard, metavar="I/N",
                       help="audit only part I of N of the files (stable, size-balanced; join with merge)")
    for command in _COMMANDS.values():
        command.add_parser(commands)
    listing = commands.add_parser("profiles", help="list delivery profiles and naming conventions")
    listing.add_argument("--rules", action="append", default=[], metavar="TOML")
    return parser


def main(argv=None, prog="python -m facs_audit_addon"):
    """Run the command line; returns the exit code."""
    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        args = build_parser(prog).parse_args(argv)
        if args.command == "profiles":
            return _list_profiles(args)
        if args.command in _COMMANDS:
            return _COMMANDS[args.command].run(args)
        return _audit(args)
    except UsageError as error:
        print(f"facs-audit: usage error: {error} (see --help)", file=sys.stderr)
        return 2
    except AuditError as error:
        print(f"facs-audit: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("facs-audit: interrupted", file=sys.stderr)
        return 2
    except Exception as error:  # a bug: still one line, never a traceback (FACS_AUDIT_DEBUG=1 shows it)
        if os.environ.get("FACS_AUDIT_DEBUG"):
            raise
        print(f"facs-audit: internal error: {type(error).__name__}: {error}", file=sys.stderr)
        return 3


def _rulebook(args):
    extra = list(args.rules)
    profile = getattr(args, "profile", None)
    if profile and (profile.endswith(".toml") or Path(profile).is_file()):
        if not Path(profile).is_file():
            raise UsageError(f"profile file not found: {profile}")
        _check_profile_file(profile)
        extra.append(profile)
    return load_rulebook(extra_files=extra)


def _check_profile_file(path):
    """A --profile file must hold a [profile]; another kind of rule file is a usage error."""
    import tomllib
    try:
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError):
        return  # load_rulebook reports it, naming the file
    if not isinstance(data.get("profile"), dict):
        kind = "a [convention] (pass it with --rules)" if "convention" in data else "no [profile] table"
        raise UsageError(f"--profile {path}: not a profile file: it holds {kind}")


def _profile_name(args, rulebook):
    if not args.profile:
        return None
    if args.profile.endswith(".toml") or Path(args.profile).is_file():
        import tomllib
        with open(args.profile, "rb") as handle:
            return tomllib.load(handle)["profile"]["name"]
    rulebook.profile(args.profile)  # unknown name -> one-line error
    return args.profile


def _list_profiles(args):
    rulebook = _rulebook(args)
    print("profiles:")
    for name, profile in sorted(rulebook.profiles.items()):
        print(f"  {name:<12} {profile.description}")
    print("conventions:")
    for name, convention in rulebook.conventions.items():
        print(f"  {name:<12} {convention.description} (default profile: {convention.default_profile or 'generic'})")
    return 0


def expand_files(paths):
    """Files as given, folders expanded to the rig files they hold (sorted, not recursive)."""
    files = []
    for path in paths:
        if Path(path).is_dir():
            found = sorted(str(p) for p in Path(path).iterdir() if p.suffix.lower() in SUPPORTED)
            if not found:
                raise UsageError(f"{path}: folder holds no rig files ({', '.join(SUPPORTED)})")
            files.extend(found)
        else:
            files.append(path)
    return files


def _audit(args):
    config = project_config(args)  # fills in the config's profile, rules and fail_on where no flag did
    rulebook = config.apply(_rulebook(args))
    profile = _profile_name(args, rulebook)
    if args.convention:
        rulebook.convention(args.convention)
    files = expand_files(args.files)
    waivers = config.waivers_on()
    shard = None
    if args.shard:
        positions, mine = select(files, *args.shard)
        shard = {"shard": shard_record(*args.shard, files, positions)}
        files = mine
    # read the baseline before any rig: a bad baseline file is a usage error, not a finding
    baseline = Baseline.load(args.baseline) if args.baseline else NO_BASELINE
    jobs = max(1, min(args.jobs, len(files)))
    if jobs > 1 and _inside_blender_binary():
        print("facs-audit: --jobs needs the bpy module (python -m facs_audit_addon); "
              "auditing the files one by one in this Blender", file=sys.stderr)
        jobs = 1
    # One outcome per file, in input order: its RigReports, or the message of its input error.
    outcomes = [None] * len(files)
    job = Job(rulebook, profile, args.convention, args.object)
    if args.format == "html":
        job = html_job(args, job)
    finished = audit_in_jobs(files, job, jobs) if jobs > 1 else audit_here(files, job)
    progress = Progress(len(files))
    for index, outcome in finished:
        outcomes[index] = outcome
        path = files[index]
        if isinstance(outcome, str):
            progress.message(f"facs-audit: error: {path}: {outcome}")
        progress.step(path)
    progress.close()
    reports, input_errors = [], []
    for path, outcome in zip(files, outcomes):
        if isinstance(outcome, str):
            input_errors.append((path, outcome))
        else:
            reports.extend(outcome)
    reports = config.settle(reports, rulebook)
    batch = Batch(reports, input_errors, baseline, bool(args.baseline), waivers.apply(reports), args.verbose)
    batch.pictures = gather(outcomes)
    write(render(args.format, batch, rulebook, args.fail_on, shard), args.output)
    if not shard:  # a shard sees part of the batch: merge says which waivers matched nothing
        warn_waivers(waivers)
    return exit_code(reports, args.fail_on, input_errors, baseline, waivers)


# -- --jobs ----------------------------------------------------------------------------------------

def _jobs(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number of jobs, got '{text}'") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"--jobs must be at least 1, got {value}")
    return value


def _inside_blender_binary():
    """True under ``blender -b --command``: its Python cannot start worker processes that import bpy."""
    bpy = sys.modules.get("bpy")
    return bool(bpy is not None and getattr(bpy.app, "binary_path", ""))
