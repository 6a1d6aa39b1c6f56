"""``merge REPORT.json ...``: join shard reports (``audit --shard I/N --format json``) into one report.

The result is the report a single run over all the files would have written: the same rigs in the
same order, the same summary, the same known/waived marks (taken from the shard reports, so merge
needs neither the rigs nor the config). Shard reports must come from one split: every shard of it,
each once. Reports without a ``shard`` entry are joined in the order given.
"""

import json

from .core import AuditError
from .core.report import FAIL_ON, Baseline, exit_code
from .core.report_load import load_report
from .core.waivers import Waivers
from .output import FORMATS, Batch, render, warn_waivers, write


def add_parser(subparsers):
    merge = subparsers.add_parser("merge", help="join shard JSON reports into one report")
    merge.add_argument("reports", nargs="+", metavar="REPORT.json", help="JSON reports of audit --shard I/N")
    merge.add_argument("--format", choices=FORMATS, default="json")
    merge.add_argument("--output", help="write the report to this file instead of stdout")
    merge.add_argument("--fail-on", choices=FAIL_ON,
                       help="lowest severity that makes the exit code 1 (default: the config's, else error)")
    merge.add_argument("--config", metavar="TOML",
                       help="project config whose fail_on applies (default: the nearest facs-audit.toml); "
                            "waivers and severities come from the reports, as the audit applied them")
    merge.add_argument("--rules", action="append", default=[], metavar="TOML",
                       help="the extra rule files the audit used (rule help in SARIF, JUnit test cases)")
    return merge


def run(args):
    from .core import load_rulebook

    from .project import project_config

    args.profile = None
    project_config(args)  # only its fail_on: the reports already hold the rest
    batch = merge_reports([load_report(path) for path in args.reports])
    rulebook = load_rulebook(extra_files=args.rules)
    write(render(args.format, batch, rulebook, args.fail_on), args.output)
    warn_waivers(batch.waivers)
    return exit_code(batch.reports, args.fail_on, batch.input_errors, batch.baseline, batch.waivers)


def merge_reports(loaded):
    """One Batch from LoadedReports (see core.report_load), in a single run's order."""
    sharded = [item for item in loaded if item.shard is not None]
    if sharded and len(sharded) != len(loaded):
        plain = next(item for item in loaded if item.shard is None)
        raise AuditError(f"{plain.path}: not a shard report (no \"shard\" entry) unlike {sharded[0].path}")
    for what, values in (("--baseline", {item.baseline_used for item in loaded}),
                         ("waivers", {item.waivers is not None for item in loaded})):
        if len(values) > 1:
            raise AuditError(f"the reports disagree: some were audited with {what}, some without")
    reports = [r for item in loaded for r in item.reports]
    errors = [e for item in loaded for e in item.input_errors]
    if sharded:
        position = _positions(loaded)
        reports.sort(key=lambda r: position[r.file])  # stable: a file's rigs keep their order
        errors.sort(key=lambda e: position[e[0]])
    batch = Batch(reports=reports, input_errors=errors, baseline=Baseline(set().union(*(i.known for i in loaded))),
                  baseline_used=loaded[0].baseline_used)
    if loaded[0].waivers is not None:
        definitions = {json.dumps([{k: v for k, v in w.items() if k not in ("status", "findings")}
                                   for w in item.waivers], sort_keys=True) for item in loaded}
        if len(definitions) > 1:
            raise AuditError("the reports disagree: they were audited with different waivers")
        hits = {key: hit for item in loaded for key, hit in item.waiver_hits.items()}
        batch.waivers = Waivers.recorded([item.waivers for item in loaded], hits)
    return batch


def _positions(loaded):
    """file -> its place in the whole batch, checking the reports are every shard of one split, once."""
    first = loaded[0].shard
    count, inputs = first["count"], first["inputs"]
    seen = {}
    for item in loaded:
        shard = item.shard
        if (shard["count"], shard["inputs"]) != (count, inputs):
            raise AuditError(f"{item.path}: shard {shard['index']}/{shard['count']} of {shard['inputs']} files "
                             f"does not belong with shard {first['index']}/{count} of {inputs} files")
        if shard["index"] in seen:
            raise AuditError(f"{item.path}: shard {shard['index']}/{count} given twice (also {seen[shard['index']]})")
        seen[shard["index"]] = item.path
    missing = [str(i) for i in range(1, count + 1) if i not in seen]
    if missing:
        raise AuditError(f"missing shard report(s) {', '.join(missing)} of {count}")
    entries = [entry for item in loaded for entry in item.shard["files"]]
    if sorted(entry["position"] for entry in entries) != list(range(inputs)):
        raise AuditError(f"the shard reports do not cover the {inputs} input files exactly once")
    return {entry["file"]: entry["position"] for entry in entries}
