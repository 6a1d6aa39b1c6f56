"""Re-audit one rig after a few shape keys changed, reusing what did not change.

A rigger fixing a sculpt re-runs the audit after every stroke; on a 30k x 300 rig a full audit costs
a few hundred milliseconds, most of it in measures of shapes that did not change. The session keeps
the last full audit's context: per-shape measures are recomputed for the changed shapes only, and
findings that involve none of them are kept. The face frame, mirror map, regions and lip/eye zones
are properties of the head, held from the last full audit, but only while they are still exactly what a
full audit would find: an edit that moves them (a landmark shape's median, the set of moving vertices,
a region gate, a lip-corner anchor) turns the update into a full audit of the held snapshot, so an
update never differs from a fresh audit.
"""

import numpy as np

from .checks.former import former_meaning
from .engine import audit_context, drop_shadowed, raw_findings, report_from
from .errors import RigInputError
from .geometry import same_array


class AuditSession:
    """The last full audit of one rig, ready for incremental updates."""

    def __init__(self, rulebook, *, profile=None, convention=None, file=""):
        self.rulebook = rulebook
        self.options = {"profile": profile, "convention": convention}
        self.file = file
        self.context = None
        #: the last audit's findings before drop_shadowed: whether a finding is shadowed depends on
        #: findings about other shapes (a duplicate pair), so an update merges these and drops again
        self.findings = []
        self.report = None
        #: how the last update ran: "quick" (changed shapes only) or "full" (the whole-face measures moved)
        self.last_update = ""

    def audit(self, snapshot):
        """Full audit of ``snapshot``; the session takes ownership of its delta array."""
        self.context = audit_context(snapshot, self.rulebook, **self.options)
        self.findings = raw_findings(self.context)
        self.report = report_from(self.context, drop_shadowed(self.findings), self.file)
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
        affected = self.affected(set(changed))
        held = self.context
        context = held.refreshed(rows, affected)
        if face_moved(held, context, set(changed)):
            # The edit moved what the re-audit holds (frame, regions, zones): only a full audit is right.
            self.last_update = "full"
            return self.audit(snapshot)
        self.last_update = "quick"
        kept = [f for f in self.findings if not affected.intersection(f.shapes)]
        fresh = [f for f in raw_findings(context) if affected.intersection(f.shapes)]
        self.context = context
        self.context.focus = None
        self.findings = kept + fresh
        self.report = report_from(context, drop_shadowed(self.findings), self.file)
        return self.report

    def affected(self, names):
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


def face_moved(held, fresh, names):
    """Whether the whole-face measures ``held`` keeps differ from what a full audit of ``fresh`` finds.

    ``fresh`` is ``held.refreshed(...)`` after the shapes ``names`` changed. The frame is re-estimated
    with the held mirror plane (reused only when the moving vertices are the same); region gates and
    signature zones are recomputed only when a changed shape is one of their actions.
    """
    from .frame import estimate_frame, same_frame

    if "frame" not in held.__dict__:
        return False  # nothing whole-face was computed, nothing is held
    codes = {p.au for p in map(fresh.parsed, names) if p is not None}
    # The frame depends on the shapes through the per-vertex peak motion and the landmark shapes' votes
    # only: when neither changed, it is the held one and need not be estimated again.
    landmarks = {c for group in getattr(held.rulebook.regions, "landmarks", {}).values() for c in group}
    same_peak = "peak_motion" in held.__dict__ and np.array_equal(held.peak_motion[0], fresh.peak_motion[0])
    if not same_peak or codes & landmarks:
        frame = estimate_frame(fresh, held=held.frame)
        if not same_frame(frame, held.frame):
            return True
    regions = held.rulebook.regions
    gate_codes = {c for r in getattr(regions, "regions", {}).values() for c in (*r.moved_by, *r.not_moved_by)}
    if codes & gate_codes and "region_gates" in held.__dict__:
        old, new = held.region_gates, fresh.gates_now()
        if not all(same_array(old[k], new[k]) for k in old):
            return True
    coactivation = held.rulebook.coactivation
    anchor_codes = {c for codes_ in getattr(coactivation, "anchors", {}).values() for c in codes_}
    if codes & anchor_codes and "signatures" in held.__dict__:
        from .signatures import face_geometry
        before = held.signatures.geometry
        rows = {fresh.snapshot.index(name) for name in names}
        geometry = face_geometry(fresh, held=before, changed=rows)
        if geometry is not before and not _same_geometry(geometry, before):
            return True
    return False


def _same_geometry(a, b):
    for name in a.__dataclass_fields__:
        if name == "cues":
            continue  # what the zones were found from: the zones themselves are compared
        x, y = getattr(a, name), getattr(b, name)
        if isinstance(x, dict) or isinstance(y, dict):
            if not isinstance(x, dict) or not isinstance(y, dict) or x.keys() != y.keys() or not all(
                    np.array_equal(x[k], y[k]) for k in x):
                return False
        elif not same_array(x, y):
            return False
    return True

