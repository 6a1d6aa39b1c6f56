"""Waivers: known issues a project accepts for a while, with a reason and an expiry date.

A waiver names a rule and the shapes it accepts (optionally AUs and a file glob). A finding it
matches stays in every report, marked waived, and does not fail the gate until the waiver expires;
then it counts again and the report says which waiver expired and when. A waiver that matches no
finding is stale and reported as such. ``today`` is passed in, so reports are byte-identical for the
same input on the same day.
"""

import datetime
import os
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path, PurePosixPath

from .errors import AuditError

#: ISO date that stands for today (tests, re-runs of an old report); unset: today's UTC date
TODAY_VARIABLE = "FACS_AUDIT_TODAY"


def today():
    """The date waivers are judged on: ``$FACS_AUDIT_TODAY`` when set, else today's UTC date."""
    text = os.environ.get(TODAY_VARIABLE, "").strip()
    if not text:
        return datetime.datetime.now(datetime.timezone.utc).date()
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise AuditError(f"{TODAY_VARIABLE}={text!r}: expected an ISO date like 2026-12-31") from None


@dataclass(frozen=True)
class Waiver:
    """One ``[[waivers]]`` entry of a project config."""

    #: 1-based position in the config (how reports name it)
    index: int
    rule: str
    shapes: tuple
    reason: str
    expires: datetime.date
    file: str = ""
    owner: str = ""
    aus: tuple = ()

    def label(self):
        what = ", ".join(self.shapes) or ", ".join(self.aus) or "no shape"
        return f"waiver {self.index} ({self.rule} on {what}" + (f" in {self.file}" if self.file else "") + ")"

    def matches(self, relative_file, finding):
        """Whether this waiver covers ``finding`` of the rig file at ``relative_file`` (posix path)."""
        if finding.rule != self.rule:
            return False
        if self.file and not PurePosixPath(relative_file).match(self.file):
            return False
        if self.aus and not (finding.aus and all(au in self.aus for au in finding.aus)):
            return False
        if not finding.shapes:  # a finding about no shape (a missing AU) is waived by a waiver listing none
            return not self.shapes
        return all(any(fnmatchcase(shape, pattern) for pattern in self.shapes) for shape in finding.shapes)

    def to_dict(self):
        out = {"index": self.index, "rule": self.rule, "shapes": list(self.shapes)}
        if self.aus:
            out["aus"] = list(self.aus)
        if self.file:
            out["file"] = self.file
        out["reason"] = self.reason
        if self.owner:
            out["owner"] = self.owner
        out["expires"] = self.expires.isoformat()
        return out

    @classmethod
    def from_dict(cls, data):
        return cls(index=int(data["index"]), rule=data["rule"], shapes=tuple(data["shapes"]), reason=data["reason"],
                   expires=datetime.date.fromisoformat(data["expires"]), file=data.get("file", ""),
                   owner=data.get("owner", ""), aus=tuple(data.get("aus", ())))


def finding_key(report, finding):
    """What identifies one finding of one rig across runs and shard reports."""
    return (report.file, report.object, finding.rule, tuple(finding.shapes), tuple(finding.aus), finding.side,
            finding.message)


class Waivers:
    """The waivers of a config, judged on one day, and which findings of a batch they match.

    Call :meth:`apply` with the batch's RigReports before asking :meth:`match` about its findings.
    """

    def __init__(self, entries=(), day=None, root="."):
        self.entries = tuple(entries)
        self.day = day or today()
        self.root = Path(root)
        #: finding_key -> (Waiver, active)
        self.hits = {}
        #: waiver index -> number of findings it matches
        self.counts = {w.index: 0 for w in self.entries}
        #: indices recorded as expired by the reports being merged (None: judge by ``day``)
        self.recorded_expired = None

    def __bool__(self):
        return bool(self.entries)

    def expired(self, waiver):
        if self.recorded_expired is not None:
            return waiver.index in self.recorded_expired
        return self.day > waiver.expires

    def apply(self, reports):
        """Match every finding of ``reports`` (a finding takes the first unexpired waiver, else the first)."""
        for report in reports:
            relative = self._relative(report.file)
            for finding in report.findings:
                matched = [w for w in self.entries if w.matches(relative, finding)]
                for waiver in matched:
                    self.counts[waiver.index] += 1
                if matched:
                    live = [w for w in matched if not self.expired(w)]
                    chosen = (live or matched)[0]
                    self.hits[finding_key(report, finding)] = (chosen, bool(live))
        return self

    def match(self, report, finding):
        """``(waiver, active)`` for a matched finding, else None. An expired waiver is not active."""
        if not self.hits:
            return None
        return self.hits.get(finding_key(report, finding))

    def silences(self, report, finding):
        hit = self.match(report, finding)
        return bool(hit and hit[1])

    def status(self, waiver):
        """``expired`` (silences nothing), ``stale`` (matches nothing) or ``active``."""
        if self.expired(waiver):
            return "expired"
        return "active" if self.counts[waiver.index] else "stale"

    def summary(self):
        """The JSON ``waivers`` list: each waiver, its status and how many findings it matches."""
        return [{**w.to_dict(), "status": self.status(w), "findings": self.counts[w.index]} for w in self.entries]

    def notes(self):
        """One line per waiver that needs attention (expired or stale), for the reports and stderr."""
        lines = []
        for waiver in self.entries:
            count = self.counts[waiver.index]
            owner = f", owner {waiver.owner}" if waiver.owner else ""
            if self.expired(waiver):
                effect = (f"{count} finding{'s' if count != 1 else ''} count{'s' if count == 1 else ''} again"
                          if count else "it matches no finding either")
                lines.append(f"{waiver.label()} expired on {waiver.expires.isoformat()}{owner}: {effect}")
            elif not count:
                lines.append(f"{waiver.label()} matches no finding (stale: remove it){owner}")
        return lines

    def _relative(self, file):
        """The rig path relative to the config's folder when under it (posix), else as given."""
        # absolute, not resolved: a rig reached through a symlinked folder keeps the path it was given
        try:
            return Path(os.path.abspath(file)).relative_to(os.path.abspath(self.root)).as_posix()
        except ValueError:
            return Path(file).as_posix()

    @classmethod
    def recorded(cls, listings, hits):
        """Waivers as JSON reports recorded them (shard reports being merged): no config needed.

        listings : the ``waivers`` lists of the reports (the same waivers; their counts add up)
        hits : finding_key -> (waiver index, active), from the findings' ``waiver`` fields
        """
        first = listings[0] if listings else []
        waivers = cls([Waiver.from_dict(entry) for entry in first], day=datetime.date(1970, 1, 1))  # expiry comes from the reports
        waivers.recorded_expired = set()
        for listing in listings:
            for entry in listing:
                waivers.counts[int(entry["index"])] += int(entry["findings"])
                if entry["status"] == "expired":
                    waivers.recorded_expired.add(int(entry["index"]))
        by_index = {w.index: w for w in waivers.entries}
        waivers.hits = {key: (by_index[index], active) for key, (index, active) in hits.items()}
        return waivers


NO_WAIVERS = Waivers(day=datetime.date(1970, 1, 1))
