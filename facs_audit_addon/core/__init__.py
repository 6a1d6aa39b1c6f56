"""The pure audit core: numpy and the standard library only, never ``bpy``."""

from .engine import audit_rig, read_sets
from .errors import AuditError, RigInputError, RuleFileError
from .model import Driver, Finding, RigReport, RigSnapshot
from .rulebook import load_rulebook
from .session import AuditSession

__all__ = ["audit_rig", "read_sets", "AuditSession", "load_rulebook", "AuditError", "RigInputError", "RuleFileError",
           "Driver", "Finding", "RigReport", "RigSnapshot"]
