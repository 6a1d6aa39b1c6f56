"""Errors the audit reports to the user as one line (exit code 2), never as a traceback."""


class AuditError(Exception):
    """Base of every error that stops an audit with a one-line message."""


class RuleFileError(AuditError):
    """A rule file is malformed or inconsistent. The message names the file and the key."""

    def __init__(self, path, key, message):
        self.path = str(path)
        self.key = key
        super().__init__(f"{self.path}: {key}: {message}" if key else f"{self.path}: {message}")


class RigInputError(AuditError):
    """The rig itself cannot be audited (no shape keys, NaN basis, mismatched arrays)."""
