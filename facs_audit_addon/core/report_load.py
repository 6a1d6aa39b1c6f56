"""Read a facs-audit JSON report back into RigReports (``merge`` joins shard reports with this).

Fields the model does not know are ignored and fields the JSON lacks keep their defaults, so reports
written by a slightly older or newer version still load.
"""

import dataclasses
import json
from dataclasses import dataclass, field

from .errors import AuditError
from .model import Finding, RigReport, ShapeSetInfo
from .report import _key
from .waivers import finding_key

_TUPLES = ("aus", "shapes", "vertices")


@dataclass
class LoadedReport:
    path: str
    reports: list
    input_errors: list
    #: baseline keys of the findings marked known (see report.Baseline)
    known: set = field(default_factory=set)
    baseline_used: bool = False
    #: the report's ``waivers`` list (None: no waivers were in use)
    waivers: list = None
    #: finding_key -> (waiver index, active)
    waiver_hits: dict = field(default_factory=dict)
    #: the ``shard`` entry of a shard report, else None
    shard: dict = None


def load_report(path):
    """Read a JSON report; one-line AuditError when it is not one."""
    try:
        with open(path, encoding="utf-8") as handle:
            document = json.load(handle)
    except OSError as error:
        raise AuditError(f"{path}: cannot read the report ({error.strerror})") from None
    except ValueError as error:
        raise AuditError(f"{path}: not a JSON report ({error})") from None
    try:
        if not isinstance(document, dict) or document.get("tool") != "facs-audit":
            raise ValueError("no \"tool\": \"facs-audit\"")
        loaded = LoadedReport(path=str(path), reports=[], input_errors=[
            (entry["file"], entry["message"]) for entry in document["errors"]])
        loaded.baseline_used = "new" in document["summary"]
        loaded.waivers = document.get("waivers")
        loaded.shard = document.get("shard")
        for rig in document["rigs"]:
            report = _rig(rig)
            loaded.reports.append(report)
            for finding, data in zip(report.findings, rig["findings"]):
                if data.get("known"):
                    loaded.known.add(_key(report.file, report.object, finding.rule, finding.shapes, finding.side))
                if "waiver" in data:
                    loaded.waiver_hits[finding_key(report, finding)] = (int(data["waiver"]["index"]),
                                                                        bool(data["waived"]))
        return loaded
    except (KeyError, TypeError, ValueError) as error:
        raise AuditError(f"{path}: not a facs-audit JSON report ({type(error).__name__}: {error})") from None


def _rig(data):
    findings = tuple(_finding(f) for f in data["findings"])
    sets = tuple(ShapeSetInfo(**_known_fields(ShapeSetInfo, s)) for s in data["sets"])
    values = _known_fields(RigReport, data)
    values.update(findings=findings, sets=sets)
    return RigReport(**values)


def _finding(data):
    values = _known_fields(Finding, data)
    for name in _TUPLES:
        if name in values:
            values[name] = tuple(values[name])
    values["measures"] = dict(values.get("measures", {}))
    return Finding(**values)


def _known_fields(cls, data):
    names = {f.name for f in dataclasses.fields(cls)}
    return {key: value for key, value in data.items() if key in names}
