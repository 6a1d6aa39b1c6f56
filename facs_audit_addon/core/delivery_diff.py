"""What changed between two deliveries of a rig: shapes added, removed, renamed and reshaped; findings
fixed, introduced and unchanged. Pure numpy; settings from ``rules/diff.toml``.

Renames are found from the geometry, not the names: a shape only in the old delivery and a shape only
in the new one are the same shape when their deltas point the same way with a comparable size.
Deltas are compared only when both meshes have the same vertex count (same topology); otherwise the
diff covers names and findings and says so.
"""

from collections import Counter
from dataclasses import dataclass

import numpy as np

from .rulebook import _Doc, default_rules_dir


@dataclass(frozen=True)
class DiffSettings:
    min_cosine: float
    max_norm_ratio: float
    tolerance: float
    region_min_share: float
    regions: int


def load_diff_settings(path=None):
    """DiffSettings from ``rules/diff.toml`` (or ``path``); RuleFileError naming the key when malformed."""
    doc = _Doc(path or default_rules_dir() / "diff.toml")
    doc.only(doc.data, {"rename", "change"}, "")
    rename = doc.get(doc.data, "rename", dict, "", required=True)
    change = doc.get(doc.data, "change", dict, "", required=True)
    doc.only(rename, {"min_cosine", "max_norm_ratio"}, "rename")
    doc.only(change, {"tolerance", "region_min_share", "regions"}, "change")

    def number(table, key, where, low, high):
        value = float(doc.get(table, key, (int, float), where, required=True))
        if not low <= value <= high:
            doc.fail(f"{where}.{key}", f"must be between {low:g} and {high:g}")
        return value
    regions = doc.get(change, "regions", int, "change", required=True)
    if regions < 1:
        doc.fail("change.regions", "must be at least 1")
    return DiffSettings(min_cosine=number(rename, "min_cosine", "rename", -1, 1),
                        max_norm_ratio=number(rename, "max_norm_ratio", "rename", 1, 1e9),
                        tolerance=number(change, "tolerance", "change", 0, 1),
                        region_min_share=number(change, "region_min_share", "change", 0, 1), regions=regions)


@dataclass(frozen=True)
class Rename:
    old: str
    new: str
    cosine: float


@dataclass(frozen=True)
class Change:
    """A shape's deltas (or the neutral, ``shape == ""``) moved between the deliveries."""

    shape: str
    #: largest vertex change in rig units (metres in Blender)
    largest: float
    #: the same as a share of the face size
    share: float
    #: ((region label, share of the change), ...) largest first
    regions: tuple
    old_name: str = ""


@dataclass(frozen=True)
class RigDiff:
    """The diff of one mesh object; ``old`` or ``new`` report is None when the object is only in one."""

    old: object
    new: object
    comparable: bool
    note: str = ""
    added: tuple = ()
    removed: tuple = ()
    renamed: tuple = ()
    changed: tuple = ()
    neutral: Change = None
    fixed: tuple = ()
    introduced: tuple = ()
    unchanged: tuple = ()

    @property
    def object(self):
        return (self.new or self.old).object


def diff_rig(old, new, settings, new_context=None):
    """RigDiff of two ``(RigSnapshot, RigReport)`` pairs (either may be None: the object is only in one).

    new_context : AuditContext, optional
        The new rig's context, for the face size and region words (needed when deltas are compared).
    """
    if old is None or new is None:
        snapshot, report = old or new
        names = tuple(snapshot.names)
        return RigDiff(old=old and old[1], new=new and new[1], comparable=False,
                       note=f"object only in the {'new' if old is None else 'old'} delivery",
                       added=names if old is None else (), removed=names if new is None else (),
                       fixed=report.findings if new is None else (), introduced=report.findings if old is None else ())
    (old_snap, old_report), (new_snap, new_report) = old, new
    removed = [name for name in old_snap.names if name not in set(new_snap.names)]
    added = [name for name in new_snap.names if name not in set(old_snap.names)]
    comparable = old_snap.basis.shape == new_snap.basis.shape
    renamed, changed, neutral, note = (), (), None, ""
    if comparable:
        renamed = match_renames(old_snap, new_snap, removed, added, settings)
        taken_old, taken_new = {r.old for r in renamed}, {r.new for r in renamed}
        removed = [name for name in removed if name not in taken_old]
        added = [name for name in added if name not in taken_new]
        pairs = [(name, name) for name in new_snap.names if name in set(old_snap.names)]
        pairs += [(r.old, r.new) for r in renamed]
        order = {name: i for i, name in enumerate(new_snap.names)}
        pairs.sort(key=lambda pair: order[pair[1]])
        changed, neutral = measure_changes(old_snap, new_snap, pairs, new_context, settings)
    else:
        note = (f"deltas cannot be compared: the meshes differ ({old_snap.basis.shape[0]} vertices before, "
                f"{new_snap.basis.shape[0]} now)")
    fixed, introduced, unchanged = match_findings(old_report.findings, new_report.findings,
                                                  {r.old: r.new for r in renamed})
    return RigDiff(old=old_report, new=new_report, comparable=comparable, note=note, added=tuple(added),
                   removed=tuple(removed), renamed=tuple(renamed), changed=changed, neutral=neutral,
                   fixed=fixed, introduced=introduced, unchanged=unchanged)


def match_renames(old_snap, new_snap, removed, added, settings):
    """One-to-one Renames between ``removed`` (old names) and ``added`` (new names), most similar first."""
    if not removed or not added:
        return ()
    a = _rows(old_snap, removed)
    b = _rows(new_snap, added)
    norm_a, norm_b = np.linalg.norm(a, axis=1), np.linalg.norm(b, axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        cosine = (a @ b.T) / np.outer(norm_a, norm_b)
        ratio = np.maximum.outer(norm_a, norm_b) / np.minimum.outer(norm_a, norm_b)
    ok = np.isfinite(cosine) & (cosine >= settings.min_cosine) & (ratio <= settings.max_norm_ratio)
    candidates = sorted(zip(*np.nonzero(ok)), key=lambda ij: (-cosine[ij], removed[ij[0]], added[ij[1]]))
    renames, used_old, used_new = [], set(), set()
    for i, j in candidates:
        if i not in used_old and j not in used_new:
            used_old.add(i)
            used_new.add(j)
            renames.append(Rename(removed[i], added[j], round(float(cosine[i, j]), 4)))
    order = {name: i for i, name in enumerate(new_snap.names)}
    return tuple(sorted(renames, key=lambda r: order[r.new]))


def _rows(snapshot, names):
    """(len(names), 3n) float64 flattened deltas; rows with NaN/inf are zero (never matched)."""
    rows = snapshot.deltas[[snapshot.index(name) for name in names]].reshape(len(names), -1).astype(np.float64)
    rows[~np.isfinite(rows).all(axis=1)] = 0.0
    return rows


def measure_changes(old_snap, new_snap, pairs, context, settings):
    """(Changes of the ``(old name, new name)`` pairs beyond the tolerance, neutral Change or None)."""
    scale = float(context.frame.scale) if context is not None else _diagonal(new_snap.basis)
    masks = context.region_masks if context is not None else None
    limit = settings.tolerance * scale
    changes = []
    for old_name, new_name in pairs:
        change = _change(new_snap.deltas[new_snap.index(new_name)] - old_snap.deltas[old_snap.index(old_name)],
                         limit, scale, masks, settings)
        if change is not None:
            changes.append(Change(new_name, change[0], change[1], change[2], old_name if old_name != new_name else ""))
    neutral = _change(new_snap.basis - old_snap.basis, limit, scale, masks, settings)
    return tuple(changes), (Change("", *neutral) if neutral is not None else None)


def _change(difference, limit, scale, masks, settings):
    """(largest, share of face, regions) of an (n, 3) difference above ``limit``, else None."""
    moved = np.sqrt(np.square(difference, dtype=np.float64).sum(axis=1))
    if not np.isfinite(moved).all():
        return None  # a NaN shape: the audit reports it; nothing to measure
    largest = float(moved.max()) if len(moved) else 0.0
    if largest <= limit:
        return None
    regions = ()
    if masks is not None:
        shares = masks.shares(np.square(moved))
        order = sorted(range(len(shares)), key=lambda i: (-shares[i], masks.labels[i]))
        named = [i for i in order if shares[i] >= settings.region_min_share][:settings.regions] or order[:1]
        regions = tuple((masks.labels[i], round(float(shares[i]), 3)) for i in named)
    return round(largest, 7), round(largest / scale, 5), regions


def _diagonal(points):
    return float(np.linalg.norm(points.max(axis=0) - points.min(axis=0))) or 1.0 if len(points) else 1.0


def finding_key(finding, renames=None):
    """What makes two findings the same problem across deliveries: rule, shapes (renamed to their new
    names), side and AUs (a shapeless finding such as a missing AU is told apart by its AU)."""
    renames = renames or {}
    return (finding.rule, tuple(renames.get(shape, shape) for shape in finding.shapes), finding.side,
            tuple(finding.aus))


def match_findings(old, new, renames):
    """(fixed, introduced, unchanged): old findings gone, new findings not there before, and the new
    findings that were (each old finding matches at most one new one)."""
    left = Counter(finding_key(f, renames) for f in old)
    unchanged, introduced = [], []
    for finding in new:
        key = finding_key(finding)
        if left[key]:
            left[key] -= 1
            unchanged.append(finding)
        else:
            introduced.append(finding)
    fixed = []
    for finding in old:
        key = finding_key(finding, renames)
        if left[key]:
            left[key] -= 1
            fixed.append(finding)
    return tuple(fixed), tuple(introduced), tuple(unchanged)
