"""The rulebook the panel audits with: the shipped rules plus the preferences' extra rule files."""

from .prefs import preferences, rule_files
from .props import AUTO

_cache = {}


def rulebook(context=None):
    """The rulebook for the current preferences (loaded again only when the files or their dates change).

    Raises AuditError (one line naming file and key) for a bad rule file, RigInputError for a missing one.
    """
    from ..core import RigInputError, load_rulebook

    files = rule_files(preferences(context).rule_paths)
    missing = [str(f) for f in files if not f.is_file()]
    if missing:
        raise RigInputError(f"rule file not found: {missing[0]} (check the add-on preferences)")
    key = tuple((str(f), f.stat().st_mtime_ns) for f in files)
    if key not in _cache:
        _cache.clear()
        _cache[key] = load_rulebook(extra_files=files)
    return _cache[key]


def chosen_profile(context):
    """The profile name to audit with (None: each shape set's convention default)."""
    profile = context.scene.facs_audit.profile.strip()
    if profile in ("", AUTO):
        profile = preferences(context).default_profile.strip()
    return profile or None


def refresh_profiles(context):
    """Fill the profile list the panel picks from; returns the rule-file error as one line, or ''."""
    from ..core import AuditError

    results = context.window_manager.facs_audit
    results.profiles.clear()
    results.profiles.add().name = AUTO
    try:
        names = sorted(rulebook(context).profiles)
    except AuditError as error:
        return str(error)
    for name in names:
        results.profiles.add().name = name
    return ""
