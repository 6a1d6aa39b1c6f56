"""Project config (``facs-audit.toml``): a profile, extra rule files, which rules run and how severe
they are, and waivers. Command-line flags override it.

```toml
profile = "facs-film"
rules = ["rules/studio_convention.toml"]      # relative to this file
select = ["naming", "coverage", "symmetry"]   # rule ids or prefixes (default: every rule)
ignore = ["naming.ambiguous-code"]            # the longest matching prefix of select/ignore wins
fail_on = "error"

[severity]
"symmetry.pair-mismatch" = "warning"          # a rule id or prefix: error, warning, info or off

[[waivers]]
rule = "symmetry.pair-mismatch"
shapes = ["AU12_L", "AU12_R"]                 # every shape of the finding must be listed (globs allowed)
file = "characters/hero_*.blend"              # optional glob, relative to this file's folder
reason = "Asymmetric smile is the character's design"
expires = 2026-12-31
owner = "jane"
```

Every key is checked when loaded; a bad one stops the audit with one line naming the file and key.
"""

import dataclasses
import datetime
import tomllib
from dataclasses import dataclass
from pathlib import Path

from .errors import RuleFileError
from .model import CATEGORIES, SEVERITIES
from .report import FAIL_ON
from .waivers import Waiver, Waivers

CONFIG_NAME = "facs-audit.toml"
KEYS = ("profile", "rules", "select", "ignore", "fail_on", "severity", "waivers")
WAIVER_KEYS = ("rule", "shapes", "aus", "file", "reason", "expires", "owner")


@dataclass(frozen=True)
class Config:
    """A parsed project config; ``rules`` are resolved paths."""

    path: str = ""
    profile: str = None
    rules: tuple = ()
    select: tuple = ()
    ignore: tuple = ()
    fail_on: str = None
    severity: dict = dataclasses.field(default_factory=dict)
    waivers: tuple = ()

    @property
    def root(self):
        """The folder the config's paths and waiver file globs are relative to."""
        return Path(self.path).parent if self.path else Path(".")

    def check(self, rulebook):
        """Check the rule ids and prefixes against the rulebook (one-line RuleFileError otherwise)."""
        if self.profile and not self.profile.endswith(".toml") and self.profile not in rulebook.profiles:
            self._fail("profile", f"unknown profile '{self.profile}' (known: {', '.join(sorted(rulebook.profiles))})")
        known = set(rulebook.findings)
        for key in ("select", "ignore"):
            for i, entry in enumerate(getattr(self, key)):
                if not _prefix_known(entry, known):
                    self._fail(f"{key}[{i}]", f"'{entry}' is no rule id or prefix of one (see docs/RULES.md)")
        both = set(self.select) & set(self.ignore)
        if both:
            self._fail("ignore", f"'{sorted(both)[0]}' is in select too; keep it in one of them")
        for entry in self.severity:
            if not _prefix_known(entry, known):
                self._fail(f"severity.{entry}", "no rule id or prefix of one (see docs/RULES.md)")
        for waiver in self.waivers:
            if waiver.rule not in known:
                self._fail(f"waivers[{waiver.index - 1}].rule", f"unknown rule id '{waiver.rule}'")
        return self

    def rule_severities(self, rulebook):
        """rule id -> severity this config sets (``off`` for a rule it leaves out); unmentioned rules absent."""
        out = {}
        for rule in rulebook.findings:
            if not self._selected(rule):
                out[rule] = "off"
                continue
            entry = _longest(rule, self.severity)
            if entry is not None:
                out[rule] = self.severity[entry]
        return out

    def apply(self, rulebook):
        """The rulebook with this config's rule choices and severities put over every profile's own
        (after checking the config's rule ids against it)."""
        self.check(rulebook)
        overrides = self.rule_severities(rulebook)
        if not overrides:
            return rulebook
        profiles = {name: dataclasses.replace(p, severity={**p.severity, **overrides})
                    for name, p in rulebook.profiles.items()}
        return dataclasses.replace(rulebook, profiles=profiles)

    def settle(self, reports, rulebook):
        """Reports with this config's severities final: a check that raises a warning to an error past
        its error threshold does not overrule the project's word. The findings keep their order."""
        overrides = {rule: level for rule, level in self.rule_severities(rulebook).items() if level != "off"}
        if not overrides:
            return list(reports)
        return [dataclasses.replace(report, findings=tuple(
                    dataclasses.replace(f, severity=overrides.get(f.rule, f.severity)) for f in report.findings))
                for report in reports]

    def waivers_on(self, day=None):
        return Waivers(self.waivers, day=day, root=self.root)

    def _selected(self, rule):
        chosen = _longest(rule, self.select + self.ignore)
        if chosen is None:
            return not self.select
        return chosen in self.select

    def _fail(self, key, message):
        raise RuleFileError(self.path, key, message)


NO_CONFIG = Config()


def find_config(start="."):
    """The nearest ``facs-audit.toml`` in ``start`` or a folder above it, or None."""
    folder = Path(start).resolve()
    for candidate in (folder, *folder.parents):
        path = candidate / CONFIG_NAME
        if path.is_file():
            return path
    return None


def load_config(path):
    """Parse and type-check a config file (rule ids are checked later by :meth:`Config.check`)."""
    path = Path(path)

    def fail(key, message):
        raise RuleFileError(path, key, message)

    try:
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
    except tomllib.TOMLDecodeError as error:
        fail("", f"not valid TOML ({error})")
    except OSError as error:
        fail("", f"cannot read the config ({error.strerror})")
    for key in data:
        if key not in KEYS:
            fail(key, f"unknown key (allowed: {', '.join(KEYS)})")

    def string(table, key, where):
        value = table.get(key)
        if value is not None and not isinstance(value, str):
            fail(where, f"expected a string, got {type(value).__name__}")
        return value

    def strings(table, key, where):
        value = table.get(key, [])
        if not isinstance(value, list):
            fail(where, f"expected a list of strings, got {type(value).__name__}")
        for i, item in enumerate(value):
            if not isinstance(item, str) or not item:
                fail(f"{where}[{i}]", "expected a non-empty string")
        return tuple(value)

    profile = string(data, "profile", "profile")
    fail_on = string(data, "fail_on", "fail_on")
    if fail_on is not None and fail_on not in FAIL_ON:
        fail("fail_on", f"must be one of {', '.join(FAIL_ON)}")
    rules = []
    for i, entry in enumerate(strings(data, "rules", "rules")):
        resolved = (path.parent / entry)
        if not resolved.is_file():
            fail(f"rules[{i}]", f"rule file not found: {resolved}")
        rules.append(str(resolved))
    if profile and profile.endswith(".toml"):  # a profile file is relative to the config too
        profile = str(path.parent / profile)
        if not Path(profile).is_file():
            fail("profile", f"profile file not found: {profile}")
    severity = {}
    table = data.get("severity", {})
    if not isinstance(table, dict):
        fail("severity", f"expected a table, got {type(table).__name__}")
    for key, value in _flatten(table):
        if value not in SEVERITIES + ("off",):
            fail(f"severity.{key}", "must be error, warning, info or off")
        severity[key] = value
    entries = data.get("waivers", [])
    if not isinstance(entries, list):
        fail("waivers", "expected [[waivers]] tables")
    waivers = tuple(_waiver(entry, i, fail, string, strings) for i, entry in enumerate(entries))
    return Config(path=str(path), profile=profile, rules=tuple(rules), select=strings(data, "select", "select"),
                  ignore=strings(data, "ignore", "ignore"), fail_on=fail_on, severity=severity, waivers=waivers)


def _waiver(entry, i, fail, string, strings):
    where = f"waivers[{i}]"
    if not isinstance(entry, dict):
        fail(where, "expected a table")
    for key in entry:
        if key not in WAIVER_KEYS:
            fail(f"{where}.{key}", f"unknown key (allowed: {', '.join(WAIVER_KEYS)})")
    for key in ("rule", "shapes", "reason", "expires"):
        if key not in entry:
            fail(f"{where}.{key}", "missing (a waiver needs rule, shapes, reason and expires)")
    reason = string(entry, "reason", f"{where}.reason")
    if not reason.strip():
        fail(f"{where}.reason", "must say why the finding is accepted")
    expires = entry["expires"]
    if isinstance(expires, str):
        try:
            expires = datetime.date.fromisoformat(expires)
        except ValueError:
            fail(f"{where}.expires", f"expected an ISO date like 2026-12-31, got '{expires}'")
    if isinstance(expires, datetime.datetime) or not isinstance(expires, datetime.date):
        fail(f"{where}.expires", "expected an ISO date like 2026-12-31")
    return Waiver(index=i + 1, rule=string(entry, "rule", f"{where}.rule"),
                  shapes=strings(entry, "shapes", f"{where}.shapes"), reason=reason.strip(), expires=expires,
                  file=string(entry, "file", f"{where}.file") or "", owner=string(entry, "owner", f"{where}.owner") or "",
                  aus=strings(entry, "aus", f"{where}.aus"))


def _flatten(table, prefix=""):
    """``naming.unknown-name = "off"`` written unquoted is a nested table in TOML: read it as the dotted id."""
    for key, value in table.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            yield from _flatten(value, name + ".")
        else:
            yield name, value


def _covers(prefix, rule):
    return rule == prefix or rule.startswith(prefix + ".")


def _prefix_known(prefix, known):
    return prefix in CATEGORIES or any(_covers(prefix, rule) for rule in known)


def _longest(rule, prefixes):
    matching = [p for p in prefixes if _covers(p, rule)]
    return max(matching, key=len) if matching else None
