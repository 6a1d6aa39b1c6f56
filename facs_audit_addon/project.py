"""Find and read the project config for a command line, and let its flags override it."""

from pathlib import Path

from .core.config import NO_CONFIG, find_config, load_config
from .core.errors import AuditError


def project_config(args):
    """The Config of ``--config`` or the nearest ``facs-audit.toml``; fills ``args.profile``, ``args.rules``
    and ``args.fail_on`` from it where the command line left them unset."""
    if getattr(args, "config", None):
        if not Path(args.config).is_file():
            raise AuditError(f"{args.config}: config file not found")
        config = load_config(args.config)
    else:
        found = find_config()
        config = load_config(found) if found else NO_CONFIG
    if not args.profile:
        args.profile = config.profile
    args.rules = list(config.rules) + list(args.rules)
    if not getattr(args, "fail_on", None):
        args.fail_on = config.fail_on or "error"
    return config
