"""SARIF 2.1.0 for code-scanning views (GitHub, GitLab, Azure DevOps, IDE viewers).

Every rule of ``rules/findings.toml`` is a ``tool.driver.rules`` entry with its summary and why; every
finding is a result located in its rig file (the artifact; a binary file, so line 1) and in the mesh
object and shape keys (logical locations). Waived findings carry a suppression with the waiver's
reason; with a baseline, results say whether they are new. Deterministic like every report.
"""

import hashlib
import json
from pathlib import PurePath
from urllib.parse import quote

from .. import __version__

SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
LEVELS = {"error": "error", "warning": "warning", "info": "note"}


def to_sarif(batch, rulebook):
    """The SARIF log of a Batch (see output.py) as text."""
    rule_ids = sorted(rulebook.findings)
    rule_index = {rule: i for i, rule in enumerate(rule_ids)}
    files = list(dict.fromkeys([r.file for r in batch.reports] + [f for f, _ in batch.input_errors]))
    artifact_index = {file: i for i, file in enumerate(files)}
    results = [_result(report, finding, rule_index, artifact_index[report.file], batch)
               for report in batch.reports for finding in report.findings]
    run = {
        "tool": {"driver": {"name": "facs-audit", "version": __version__, "semanticVersion": __version__,
                            "rules": [_rule(rulebook.findings[rule]) for rule in rule_ids]}},
        "artifacts": [{"location": {"uri": _uri(file)}} for file in files],
        "invocations": [_invocation(batch, artifact_index)],
        "results": results,
    }
    if batch.waivers:
        run["properties"] = {"waivers": batch.waivers.summary(), "waiverNotes": batch.waivers.notes()}
    log = {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"


def _rule(spec):
    return {
        "id": spec.id,
        "name": "".join(part.capitalize() for part in spec.id.replace(".", "-").split("-")),
        "shortDescription": {"text": spec.summary},
        "fullDescription": {"text": spec.why},
        "help": {"text": f"{spec.summary}. {spec.why}",
                 "markdown": f"**{spec.summary}**\n\n{spec.why}\n\nRule `{spec.id}` ({spec.category})."},
        "defaultConfiguration": {"level": LEVELS[spec.severity]},
        "properties": {"category": spec.category, "tags": ["facs", spec.category]},
    }


def _result(report, finding, rule_index, artifact, batch):
    shapes = list(finding.shapes)
    logical = [{"name": report.object, "kind": "object", "fullyQualifiedName": report.object}]
    logical += [{"name": shape, "kind": "member", "fullyQualifiedName": f"{report.object}/{shape}"}
                for shape in shapes]
    result = {
        "ruleId": finding.rule,
        "ruleIndex": rule_index[finding.rule],
        "level": LEVELS[finding.severity],
        "message": {"text": finding.message},
        "locations": [{
            "physicalLocation": {"artifactLocation": {"uri": _uri(report.file), "index": artifact},
                                 "region": {"startLine": 1}},
            "logicalLocations": logical,
        }],
        "partialFingerprints": {"facsAuditFinding/v1": _fingerprint(report, finding)},
        "properties": {"object": report.object, "aus": list(finding.aus), "shapes": shapes, "side": finding.side,
                       "measures": dict(sorted(finding.measures.items()))},
    }
    if finding.vertices:
        result["properties"]["vertices"] = list(finding.vertices)
    if batch.baseline_used:
        result["baselineState"] = "unchanged" if batch.baseline.known(report, finding) else "new"
    hit = batch.waivers.match(report, finding)
    if hit and hit[1]:
        waiver = hit[0]
        result["suppressions"] = [{"kind": "external", "status": "accepted",
                                   "justification": f"{waiver.reason} (waiver {waiver.index}, "
                                                    f"expires {waiver.expires.isoformat()}"
                                                    + (f", owner {waiver.owner}" if waiver.owner else "") + ")"}]
    elif hit:
        result["properties"]["expiredWaiver"] = {"index": hit[0].index, "expires": hit[0].expires.isoformat()}
    return result


def _invocation(batch, artifact_index):
    notes = [{"level": "error", "message": {"text": message}, "descriptor": {"id": "input-error"},
              "locations": [{"physicalLocation": {"artifactLocation": {"uri": _uri(file),
                                                                       "index": artifact_index[file]}}}]}
             for file, message in batch.input_errors]
    notes += [{"level": "warning", "message": {"text": line}, "descriptor": {"id": "waiver"}}
              for line in batch.waivers.notes()]
    invocation = {"executionSuccessful": not batch.input_errors}
    if notes:
        invocation["toolExecutionNotifications"] = notes
    return invocation


def _uri(file):
    """A URI reference for a rig path: relative paths stay relative (to the repository, for CI)."""
    path = PurePath(file)
    if path.is_absolute():
        return path.as_uri()
    return quote(path.as_posix())


def _fingerprint(report, finding):
    """Stable across runs while the same problem stays: file, object, rule, shapes and side."""
    key = "\0".join([PurePath(report.file).as_posix(), report.object, finding.rule, *finding.shapes, finding.side])
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]
