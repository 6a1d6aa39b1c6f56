"""Full audits of the defect corpus (sample_rigs/defects.toml), each computed once per test run.

Several modules compare against the same full audit of a corpus variant (the corpus gate, the report
consistency rules, the re-audit session); computing it once is the same audit, read by each of them.
Callers must not change what they get: reports and contexts are shared. ``snapshot`` and
``clean_session`` hand out fresh copies, since a session takes ownership of its snapshot's deltas.
"""

import copy
from dataclasses import replace
from functools import lru_cache

from facs_audit_addon.core import AuditSession
from facs_audit_addon.core.engine import audit_context, report_from, run_checks
from sample_rigs.defects import variant_snapshot

from core_helpers import RULEBOOK


@lru_cache(maxsize=None)
def _snapshot(variant_id):
    return variant_snapshot(variant_id)


def snapshot(variant_id):
    """A fresh RigSnapshot of the variant (its own delta array: a session may write into it)."""
    built = _snapshot(variant_id)
    return replace(built, deltas=built.deltas.copy())


@lru_cache(maxsize=None)
def full_audit(variant_id, profile):
    """(AuditContext, RigReport) of a full audit of the variant under ``profile`` with the suite's RULEBOOK:
    what ``audit_rig`` computes (audit_context, then report_from(run_checks))."""
    ctx = audit_context(snapshot(variant_id), RULEBOOK, profile=profile)
    return ctx, report_from(ctx, run_checks(ctx))


@lru_cache(maxsize=None)
def _clean_session(profile):
    session = AuditSession(RULEBOOK, profile=profile)
    session.audit(snapshot("clean"))
    return session


def clean_session(profile):
    """An AuditSession that has just run a full audit of the clean variant (a deep copy: each caller's own;
    the rulebook, which no session changes, is shared rather than copied with its name reader's caches)."""
    return copy.deepcopy(_clean_session(profile), {id(RULEBOOK): RULEBOOK})
