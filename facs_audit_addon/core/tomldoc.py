"""A rule file read as TOML, with typed accessors that raise RuleFileError naming the file and the key.

Its own module so every reader of rule data (rulebook, identify, standards) can use it without
importing the rulebook, which imports them.
"""

import re
import tomllib
from pathlib import Path

from .errors import RuleFileError


class _Doc:
    """A parsed TOML file with typed, path-aware accessors that raise RuleFileError."""

    def __init__(self, path):
        self.path = Path(path)
        try:
            with open(self.path, "rb") as handle:
                self.data = tomllib.load(handle)
        except tomllib.TOMLDecodeError as error:
            raise RuleFileError(self.path, "", f"not valid TOML ({error})") from None
        except OSError as error:
            raise RuleFileError(self.path, "", f"cannot read ({error.strerror})") from None

    def fail(self, key, message):
        raise RuleFileError(self.path, key, message)

    def get(self, table, key, kind, where, default=None, required=False):
        if key not in table:
            if required:
                self.fail(f"{where}.{key}" if where else key, "missing")
            return default
        value = table[key]
        ok = isinstance(value, kind) and not (kind in (int, float, (int, float)) and isinstance(value, bool))
        if not ok:
            names = " or ".join(k.__name__ for k in (kind if isinstance(kind, tuple) else (kind,)))
            self.fail(f"{where}.{key}" if where else key, f"expected {names}, got {type(value).__name__}")
        return value

    def strings(self, table, key, where, required=False):
        value = self.get(table, key, list, where, default=[], required=required)
        for i, item in enumerate(value):
            if not isinstance(item, str):
                self.fail(f"{where}.{key}[{i}]" if where else f"{key}[{i}]", f"expected str, got {type(item).__name__}")
        return tuple(value)

    def only(self, table, allowed, where):
        for key in table:
            if key not in allowed:
                self.fail(f"{where}.{key}" if where else key, f"unknown key (allowed: {', '.join(sorted(allowed))})")

    def regex(self, table, key, where, required=False):
        pattern = self.get(table, key, str, where, required=required)
        if pattern is None:
            return None
        try:
            return re.compile(pattern)
        except re.error as error:
            self.fail(f"{where}.{key}" if where else key, f"bad regular expression ({error})")
