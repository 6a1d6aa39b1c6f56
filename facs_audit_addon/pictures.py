"""Pictures for ``audit --format html``: rendered right after each file's audit, while it is still open.

Rendering needs the rig loaded, so it hooks into the job that loads it: :class:`PictureJob` audits a
file as :class:`batch.Job` does, then pictures the flagged shapes of every rig it found before the next
file replaces the session. It runs wherever the file was audited (this process or a ``--jobs``
worker); the pictures travel back with the reports (:class:`Audited`, a list of RigReports) and are
gathered by :func:`gather`. No bpy at import.
"""

import sys
from dataclasses import dataclass

from .batch import Job
from .core import AuditError


class Audited(list):
    """A file's RigReports, with ``pictures``: ``{(file, object): (neutral png, {shape: png})}``."""

    pictures = None


@dataclass(frozen=True)
class PictureJob(Job):
    """A Job that also pictures each flagged shape (see blender/thumbnails.py)."""

    size: int = 192  # blender.thumbnails.SIZE (not imported here: it imports bpy)

    def audit(self, path):
        outcome = super().audit(path)
        if isinstance(outcome, str):
            return outcome
        audited = Audited(outcome)
        audited.pictures = {}
        for report in outcome:
            if report.findings:
                try:
                    audited.pictures[(report.file, report.object)] = self.picture(report)
                except (RuntimeError, AuditError) as error:  # pictures are extras: the report goes on
                    print(f"facs-audit: warning: {report.file}: {report.object}: no pictures ({error})",
                          file=sys.stderr)
        return audited

    def picture(self, report):
        import bpy

        from .blender.extract import snapshot_from_object
        from .blender.thumbnails import MAX_SHAPES, render_shapes
        from .core.engine import audit_context

        obj = bpy.data.objects.get(report.object)
        snapshot = snapshot_from_object(obj, source=report.file)
        frame = audit_context(snapshot, self.rulebook, profile=self.profile, convention=self.convention).frame
        marked = {}
        for finding in ordered(report.findings):
            for shape in finding.shapes:
                if shape in snapshot.names and (shape in marked or len(marked) < MAX_SHAPES):
                    marked[shape] = tuple(marked.get(shape, ())) + tuple(finding.vertices)
        return render_shapes(obj, snapshot, frame, marked, self.size)


def ordered(findings):
    """Findings by rank (t1's Finding.rank), else by severity then rule: the order reports list them in."""
    from .core.model import SEVERITIES

    def key(finding):
        rank = getattr(finding, "rank", 0) or float("inf")
        return (rank, SEVERITIES.index(finding.severity), finding.rule, finding.shapes)
    return sorted(findings, key=key)


def gather(outcomes):
    """All pictures of a batch's outcomes: ``{(file, object): (neutral, {shape: png})}``."""
    pictures = {}
    for outcome in outcomes:
        pictures.update(getattr(outcome, "pictures", None) or {})
    return pictures


def html_job(args, job):
    """The job for ``audit --format html``: a PictureJob unless ``--no-images``; the page needs --output."""
    from .cli import UsageError
    if not args.output:
        raise UsageError("--format html writes a page to a file: add --output report.html")
    if args.no_images:
        return job
    return PictureJob(job.rulebook, job.profile, job.convention, job.object_name)
