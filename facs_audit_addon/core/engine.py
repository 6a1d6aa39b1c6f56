"""Run every check over one rig snapshot and return its report. No I/O happens here."""

from dataclasses import replace

import numpy as np

from .checks import CHECKS
from .context import AuditContext, ShapeSet
from .errors import RigInputError
from .fixes import fixes_for
from .model import RigReport, ShapeSetInfo
from .names import NameReader
from .triage import context as triage_context, triage


def audit_rig(snapshot, rulebook, *, profile=None, convention=None, file="", scratch=None):
    """Audit ``snapshot`` (a RigSnapshot) and return a RigReport.

    profile : str, optional
        Profile name for the rig's sets (sets written in another convention than the profile's keep
        their convention's default profile). None: each set uses its convention's default.
    convention : str, optional
        Read every set with this convention instead of detecting it.
    scratch : scratch.Slot, optional
        Memory for the audit's large arrays, reused by the next rig (batches).
    """
    ctx = audit_context(snapshot, rulebook, profile=profile, convention=convention, scratch=scratch)
    return report_from(ctx, run_checks(ctx), file)


def run_checks(ctx):
    """Every check's findings on ``ctx`` (see drop_shadowed)."""
    return drop_shadowed(raw_findings(ctx))


def raw_findings(ctx):
    """Every check's findings on ``ctx``, before drop_shadowed (a re-audit merges these, then drops)."""
    return [f for check in CHECKS for f in check(ctx) if f is not None]


def drop_shadowed(findings):
    """Findings less ``conflation.identified-as-other`` on shapes a conflation, co-activation or earlier-
    meaning finding already names: the geometric reading speaks only where no rule said what the shape is."""
    named = {shape for f in findings if (f.category in ("conflation", "coactivation") or f.rule == "naming.former-meaning")
             and f.rule != "conflation.identified-as-other" for shape in f.shapes}
    return [f for f in findings if f.rule != "conflation.identified-as-other" or not set(f.shapes) & named]


def audit_context(snapshot, rulebook, *, profile=None, convention=None, scratch=None):
    """Validate the snapshot, read its names and return the AuditContext the checks run on."""
    if not snapshot.names:
        raise RigInputError(f"{snapshot.name}: the mesh has no shape keys besides its basis")
    if snapshot.basis.shape[0] == 0:
        raise RigInputError(f"{snapshot.name}: the mesh has no vertices")
    if not np.isfinite(snapshot.basis).all():
        raise RigInputError(f"{snapshot.name}: the basis holds NaN or infinite coordinates")
    if convention is not None:
        rulebook.convention(convention)
    chosen = rulebook.profile(profile) if profile else None
    sets = read_sets(snapshot.names, rulebook, chosen, convention)
    main = main_set(sets)
    primary = main.profile if main else (chosen or rulebook.profile("generic"))
    # Profiles the user asked for: with --profile, only the sets held to it; without, each set's own
    # default (coverage of the other sets is summarised in one info line each, see checks/coverage.py)
    return AuditContext(snapshot, rulebook, sets, primary, scratch, chosen_profile=chosen)


def report_from(ctx, findings, file=""):
    """The RigReport of a context and its findings, with their fixes, grouped and ranked by core/triage.py
    (the order depends on the findings only: reports are byte-stable)."""
    findings = triage(ctx, sorted((replace(f, fixes=fixes_for(f, ctx.rulebook)) for f in findings),
                                  key=lambda f: f.sort_key()))
    main = main_set(ctx.sets)
    infos = tuple(ShapeSetInfo(s.prefix, s.convention, s.profile.name if s.profile else "", len(s.names),
                               len(s.parsed) + len(s.combinations)) for s in ctx.sets)
    return RigReport(file=file, object=ctx.snapshot.name, profile=ctx.primary_profile.name,
                     convention=main.convention if main else "", sets=infos, findings=tuple(findings),
                     vertices=int(ctx.snapshot.basis.shape[0]), shapes=len(ctx.snapshot.names),
                     context=triage_context(ctx))


def main_set(sets):
    """The shape set that speaks for the rig: the one with a profile and the most names read."""
    return max((s for s in sets if s.profile is not None), key=lambda s: len(s.parsed), default=None)


def read_sets(names, rulebook, chosen_profile=None, forced_convention=None):
    """Group names by set prefix, detect each set's convention, parse every name, pick profiles."""
    reader = rulebook.reader or NameReader(rulebook.catalog, rulebook.conventions, rulebook.naming)
    groups = {}
    for name, prefix, row in reader.rows(names, frozenset(rulebook.naming.rest_names)):
        groups.setdefault(prefix, []).append((name, row))
    sets = []
    for prefix, members in groups.items():
        shape_set = ShapeSet(prefix=prefix, names=[name for name, _ in members])
        # rest poses (_Neutral, viseme sil) move nothing on purpose: read as such, not as actions
        shape_set.rest = [name for name, row in members if row is None]
        if shape_set.rest:
            members = [(name, row) for name, row in members if row is not None]
        rows = [row for _, row in members]
        # names each convention reads: a column of the rows per convention
        counts = dict.fromkeys(rulebook.conventions, 0)  # a set of rest poses only reads no name
        counts.update({c: len(column) - column.count(None) for c, column in zip(rulebook.conventions, zip(*rows))})
        preferred = chosen_profile.conventions if chosen_profile else ()
        primary = forced_convention or max(
            rulebook.conventions, key=lambda c: (counts[c], c in preferred, -list(rulebook.conventions).index(c)))
        shape_set.convention = primary if counts[primary] or forced_convention else ""
        order = (primary,) + tuple(c for c in rulebook.conventions if c != primary and not forced_convention)
        positions = reader.positions(order)
        pending, first, unread = [], reader.first, reader.unread
        for name, row in members:
            parsed = first(name, row, positions) if row is not unread else None
            if parsed is None:
                pending.append(name)
                continue
            shape_set.parsed[name] = parsed
            if parsed.convention != primary:
                shape_set.foreign[name] = parsed.convention
        combinations = reader.combinations(pending, order)
        for name in pending:
            if name in combinations:
                shape_set.combinations[name] = combinations[name]
            else:
                shape_set.unknown.append(name)
        sets.append(shape_set)
    recognised = [s for s in sets if s.recognised]
    for shape_set in recognised:
        shape_set.profile = _profile_for(shape_set, rulebook, chosen_profile, len(recognised))
    return sets


def _profile_for(shape_set, rulebook, chosen, recognised_sets):
    share = (len(shape_set.parsed) + len(shape_set.combinations)) / max(1, len(shape_set.names) - len(shape_set.rest))
    if share < rulebook.naming.min_recognised_share:
        return rulebook.profile("generic")
    if chosen is not None and (not chosen.conventions or shape_set.convention in chosen.conventions
                               or recognised_sets == 1):
        return chosen
    default = rulebook.conventions[shape_set.convention].default_profile if shape_set.convention else ""
    return rulebook.profile(default or "generic")
