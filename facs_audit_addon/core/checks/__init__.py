"""Every check family, in the order they run. A check is ``fn(ctx) -> iterable of Finding/None``."""

from .coverage import check_coverage, check_empty_shapes
from .naming import check_naming
from .rig import check_rig

CHECKS = (
    check_rig,
    check_naming,
    check_coverage,
    check_empty_shapes,
)
