"""Re-audit one rig after a few shape keys changed, reusing what did not change.

A rigger fixing a sculpt re-runs the audit after every stroke; on a 30k x 300 rig a full audit costs
a few hundred milliseconds, most of it in measures of shapes that did not change. The session keeps
the last full audit's context: per-shape measures are recomputed for the changed shapes only, and
findings that involve none of them are kept. The face frame, mirror map, regions and lip/eye zones
are properties of the head, held from the last full audit (``audit`` re-estimates them).
"""

from .checks.meaning import former_meaning
from .engine import audit_context, report_from, run_checks
from .errors import RigInputError


class AuditSession:
    """The last full audit of one rig, ready for incremental updates."""

    def __init__(self, rulebook, *, profile=None, convention=None, file=""):
        self.rulebook = rulebook
        self.options = {"profile": profile, "convention": convention}
        self.file = file
        self.context = None
        self.report = None

    def audit(self, snapshot):
        """Full audit of ``snapshot``; the session takes ownership of its delta array."""
        self.context = audit_context(snapshot, self.rulebook, **self.options)
        self.report = report_from(self.context, run_checks(self.context), self.file)
        return self.report

    def update(self, changed):
        """Re-audit after shapes changed: ``changed`` maps shape name -> new (n, 3) delta (world frame).

        Returns the new RigReport: the same findings a full audit would give, with the face frame held.
        """
        if self.context is None:
            raise RigInputError("no audit to update: run a full audit first")
        snapshot = self.context.snapshot
        rows = []
        for name, delta in changed.items():
            if name not in snapshot.names:
                raise RigInputError(f"{snapshot.name}: no shape key named '{name}' in the last audit")
            row = snapshot.index(name)
            if delta.shape != snapshot.deltas[row].shape:
                raise RigInputError(f"{snapshot.name}: '{name}' no longer matches the mesh topology")
            snapshot.deltas[row] = delta
            rows.append(row)
        affected = self._affected(set(changed))
        context = self.context.refreshed(rows, affected)
        kept = [f for f in self.report.findings if not affected.intersection(f.shapes)]
        fresh = [f for f in run_checks(context) if affected.intersection(f.shapes)]
        self.context = context
        self.context.focus = None
        self.report = report_from(context, kept + fresh, self.file)
        return self.report

    def _affected(self, names):
        """Changed shapes plus the shapes whose findings compare against them (mirror twins, relatives)."""
        ctx = self.context
        codes = {p.au for p in map(ctx.parsed, names) if p is not None}
        rules = self.rulebook.coactivation
        related = set(codes)
        for code in codes:
            action = ctx.action(code)
            related.add(action.mirror or code)
        if rules is not None:
            related |= {rule.au.code for rule in rules.conflations if rule.relative_to in codes}
        out = set(names)
        for shape_set in {id(ctx.set_of(n)): ctx.set_of(n) for n in names if ctx.set_of(n)}.values():
            out |= {n for n, p in shape_set.parsed.items() if p.au in related}
            # an earlier-meaning finding compares its shapes with every other shape of the set
            out |= {n for n, p in shape_set.parsed.items() if former_meaning(ctx, n, p) is not None}
        return out

