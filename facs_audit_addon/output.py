"""Render a batch's reports in the chosen format and write it out (``audit`` and ``merge`` share this)."""

import sys
from dataclasses import dataclass, field
from pathlib import Path

from .core import AuditError
from .core.report import NO_BASELINE, to_json, to_junit, to_text
from .core.waivers import NO_WAIVERS

FORMATS = ("text", "json", "junit", "sarif", "markdown")


@dataclass
class Batch:
    """What a report is made from: the rigs, the files that failed, and how findings are judged."""

    reports: list
    input_errors: list = field(default_factory=list)
    baseline: object = NO_BASELINE
    #: whether a baseline was given (JSON then says known/new for every finding)
    baseline_used: bool = False
    waivers: object = NO_WAIVERS
    #: text format: one line per finding instead of minor ones folded
    verbose: bool = False
    #: pictures of flagged shapes for the HTML page (see pictures.py)
    pictures: dict = field(default_factory=dict)


def render(fmt, batch, rulebook, fail_on, extra=None):
    """The report text. ``extra``: more top-level JSON keys (shard reports)."""
    if fmt == "json":
        return to_json(batch.reports, batch.input_errors, batch.baseline if batch.baseline_used else None,
                       batch.waivers, extra)
    if fmt == "junit":
        return to_junit(batch.reports, rulebook.findings, fail_on, batch.input_errors, batch.baseline, batch.waivers)
    if fmt == "sarif":
        from .core.report_sarif import to_sarif
        return to_sarif(batch, rulebook)
    if fmt == "html":
        from .core.report_html import to_html
        return to_html(batch.reports, batch.input_errors, batch.baseline, batch.pictures, batch.waivers)
    if fmt == "markdown":
        from .core.report_markdown import to_markdown
        return to_markdown(batch, fail_on)
    return to_text(batch.reports, batch.input_errors, batch.baseline, batch.waivers, verbose=batch.verbose)


def write(text, output=None):
    """Write the report to ``output``, or to stdout (which carries nothing else)."""
    if output:
        try:
            Path(output).write_text(text, encoding="utf-8")
        except OSError as error:
            raise AuditError(f"{output}: cannot write the report ({error.strerror})") from None
    else:
        sys.stdout.write(text)
        sys.stdout.flush()


def warn_waivers(waivers):
    """Expired and stale waivers on stderr too: a CI log shows them whatever the report format."""
    for line in waivers.notes():
        print(f"facs-audit: warning: {line}", file=sys.stderr)
