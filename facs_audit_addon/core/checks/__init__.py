"""Every check family, in the order they run. A check is ``fn(ctx) -> iterable of Finding/None``."""

from .coactivation import check_animation_overlap, check_baked_pairs, check_combination_names, check_shared_drivers
from .conflation import check_conflations, check_distinct, check_duplicates, check_variants
from .coverage import check_coverage, check_empty_shapes
from .meaning import check_former_meanings
from .identified import check_identified
from .naming import check_naming
from .region import check_regions, check_rigid
from .rig import check_rig
from .symmetry import check_symmetry, check_unmatched

CHECKS = (
    check_rig,
    check_naming,
    check_coverage,
    check_empty_shapes,
    check_unmatched,
    check_symmetry,
    check_regions,
    check_rigid,
    check_duplicates,
    check_distinct,
    check_variants,
    check_conflations,
    check_former_meanings,
    check_identified,
    check_baked_pairs,
    check_combination_names,
    check_shared_drivers,
    check_animation_overlap,
)
