"""Detached islands of motion (region.detached-island) and the fall-off measure of region.leakage.

Pure core: the sample face (with the edges Blender makes from its polygons) and small graphs.
"""

from dataclasses import replace

import numpy as np
import pytest

from facs_audit_addon.core import audit_rig, load_rulebook
from facs_audit_addon.core.engine import audit_context
from facs_audit_addon.core.islands import (apart_levels, mesh_graph, polygon_edges, surely_within, union_edges,
                                           weld_pairs, within_reach)
from sample_rigs.defects import variant_snapshot

RULEBOOK = load_rulebook()
CUTOFFS = tuple(0.8 ** k for k in range(1, 14))


# -- geometry helpers ------------------------------------------------------------------------------
def test_apart_levels_finds_a_bump_and_where_it_joins():
    # a chain: the main motion at 0, a fall-off to 4-5, a bump at 6-8 that joins only through 0.06
    level = np.array([1.0, 0.8, 0.5, 0.2, 0.06, 0.06, 0.3, 0.45, 0.3, 0.0], dtype=np.float32)
    chain = np.array([(i, i + 1) for i in range(9)])
    main = np.zeros(10, dtype=bool)
    main[0] = True
    piece, apart = apart_levels(level, chain, main, CUTOFFS)
    assert piece[6] == piece[7] == piece[8] >= 0
    assert (piece[[0, 1, 2, 3, 4, 5, 9]] == -1).all()
    # still apart at 0.8**12 = 0.069 (the path through 0.06 is cut), joined at 0.8**13 = 0.055
    assert apart[7] == pytest.approx(0.8 ** 12)


def test_a_bump_on_a_separate_mesh_piece_never_joins():
    level = np.array([1.0, 0.7, 0.4, 0.4], dtype=np.float32)
    piece, apart = apart_levels(level, np.array([(0, 1), (2, 3)]), np.array([True, False, False, False]), CUTOFFS)
    assert piece[2] == piece[3] >= 0 and piece[1] == -1
    assert apart[2] == pytest.approx(CUTOFFS[-1])


def test_union_edges_joins_every_connected_vertex():
    rng = np.random.default_rng(3)
    parent = np.arange(200)
    a, b = rng.integers(0, 100, 150), rng.integers(0, 100, 150)  # vertices 100..199 stay alone
    union_edges(parent, a, b)
    assert (parent[parent] == parent).all()
    assert (parent[a] == parent[b]).all()
    assert (parent[100:] == np.arange(100, 200)).all()


def test_weld_pairs_links_coincident_vertices_only():
    points = np.array([[0, 0, 0], [1, 0, 0], [0, 0, 0], [1, 0, 1e-9], [0.5, 0, 0]], dtype=np.float64)
    pairs = {tuple(sorted(p)) for p in weld_pairs(points, 1e-6).tolist()}
    assert pairs == {(0, 2), (1, 3)}


def test_mesh_graph_adds_seam_links_to_the_edges():
    points = np.array([[0, 0, 0], [1, 0, 0], [1, 0, 0], [2, 0, 0]], dtype=np.float32)
    graph = mesh_graph(np.array([(0, 1), (2, 3)]), points, scale=2.0)
    assert {tuple(sorted(e)) for e in graph.tolist()} == {(0, 1), (2, 3), (1, 2)}
    assert mesh_graph(None, points, 2.0) is None


def test_polygon_edges_are_unique_and_undirected():
    assert polygon_edges([(0, 1, 2, 3), (1, 4, 2)]).tolist() == [[0, 1], [0, 3], [1, 2], [1, 4], [2, 3], [2, 4]]


def test_reach_tests_agree_with_brute_force():
    rng = np.random.default_rng(1)
    points, sources = rng.uniform(0, 2, (400, 3)), rng.uniform(0, 1, (300, 3))
    distance = np.sqrt(((points[:, None] - sources[None]) ** 2).sum(axis=2)).min(axis=1)
    near = within_reach(points, sources, 0.3)
    # the voxel sketch is exact to about a tenth of the reach
    assert (near[distance <= 0.27]).all() and not (near[distance > 0.33]).any()
    surely = surely_within(points, sources, 0.3)
    assert (distance[surely] <= 0.3).all() and surely.any()


# -- region.detached-island on the sample face ------------------------------------------------------
CLEAN = variant_snapshot("clean")
CONTEXT = audit_context(CLEAN, RULEBOOK, profile="facs-film")
POINTS = CONTEXT.region_masks.points  # face coordinates, eye-to-mouth distances


def with_bump(target, toward, share, snapshot=CLEAN, radius=0.08):
    """``target`` plus a compact upward bump of ``share`` x its peak where ``toward`` moves most."""
    deltas = snapshot.deltas.copy()
    i, j = snapshot.index(target), snapshot.index(toward)
    centre = POINTS[int(np.argmax(np.linalg.norm(deltas[j], axis=1)))]
    weight = np.exp(-((POINTS - centre) ** 2).sum(axis=1) / (2 * radius ** 2))
    peak = float(np.linalg.norm(deltas[i], axis=1).max())
    deltas[i, :, 2] += share * peak * weight
    return replace(snapshot, deltas=deltas)


def region_findings(snapshot):
    report = audit_rig(snapshot, RULEBOOK, profile="facs-film")
    return [f for f in report.findings if f.category == "region"]


def test_clean_sample_face_has_no_island_or_leakage():
    assert region_findings(CLEAN) == []


def test_a_brow_bump_in_a_jaw_drop_is_a_detached_island():
    found = region_findings(with_bump("AU26", "AU2_L", 0.4))
    assert [(f.rule, f.shapes) for f in found] == [("region.detached-island", ("AU26",))]
    island = found[0]
    assert island.severity == "warning"
    assert island.measures["island_share"] == pytest.approx(0.4, abs=0.02)
    assert island.measures["distance"] >= 0.5 and island.measures["outside_share"] > 0.9
    assert island.measures["apart_below"] <= 0.2
    assert island.measures["region"] == "brow"
    assert "moves the brow in a bump of its own" in island.message
    # the island's vertices, worst first, lie on the brow bump
    top = island.vertices[0]
    assert POINTS[top][1] > 1.1 and POINTS[top][0] > 0.3


def test_a_large_brow_bump_is_an_error_and_a_small_one_is_ignored():
    assert [f.severity for f in region_findings(with_bump("AU26", "AU2_L", 0.7))] == ["error"]
    assert region_findings(with_bump("AU26", "AU2_L", 0.2)) == []


def test_a_brow_bump_in_a_one_sided_smile_names_the_side():
    found = region_findings(with_bump("AU12_L", "AU2_L", 0.45))
    assert [(f.rule, f.shapes, f.side) for f in found] == [("region.detached-island", ("AU12_L",), "L")]
    assert found[0].measures["region"] == "left brow"


def test_without_edges_the_island_check_is_skipped():
    bumped = replace(with_bump("AU26", "AU2_L", 0.4), edges=None)
    assert region_findings(bumped) == []


# -- region.leakage: fall-offs are not leakage -------------------------------------------------------
def with_drag(target, reach, strength):
    """``target`` plus skin dragged along with its strong motion: every vertex mostly outside the
    action's regions within ``reach`` (eye-to-mouth distances) of its strong motion moves like the
    nearest strong vertex, times ``strength``."""
    deltas = CLEAN.deltas.copy()
    i = CLEAN.index(target)
    motion = np.linalg.norm(deltas[i], axis=1)
    masks = CONTEXT.region_masks
    inside = masks.inside(masks.allowed(RULEBOOK.catalog[CONTEXT.parsed(target).au].regions))
    strong = np.flatnonzero((motion >= 0.5 * motion.max()) & (inside >= 0.5))
    outside = np.flatnonzero(inside < 0.5)
    gap = np.full(len(outside), np.inf)
    nearest = np.zeros(len(outside), dtype=np.int64)
    for start in range(0, len(outside), 2000):
        block = np.sqrt(((POINTS[outside[start:start + 2000]][:, None] - POINTS[strong][None]) ** 2).sum(axis=2))
        gap[start:start + 2000], nearest[start:start + 2000] = block.min(axis=1), strong[block.argmin(axis=1)]
    near = gap <= reach
    deltas[i, outside[near]] = strength * deltas[i, nearest[near]]
    return replace(CLEAN, deltas=deltas)


def plain_outside_share(snapshot, shape):
    """Share of the motion energy outside the action's regions, fall-offs included."""
    ctx = audit_context(snapshot, RULEBOOK, profile="facs-film")
    i, masks = snapshot.index(shape), ctx.region_masks
    allowed = masks.allowed(ctx.action(ctx.parsed(shape).au).regions)
    return ctx.region_energy[i][~allowed].sum() / ctx.region_energy[i].sum()


def leakage(snapshot, shape):
    return [f for f in region_findings(snapshot) if f.rule == "region.leakage" and f.shapes == (shape,)]


def test_skin_dragged_along_by_the_lips_is_not_leakage():
    # AU23 narrows the lips toward the midline; the skin around them follows, weaker, within 2 cm
    dragged = with_drag("AU23H", reach=0.24, strength=0.95)
    # by energy share alone this is a clear spill ...
    assert plain_outside_share(dragged, "AU23H") > RULEBOOK.profile("facs-film").thresholds["leakage_warning"]
    # ... but it is skin dragged along, not leakage
    assert leakage(dragged, "AU23H") == []


def test_skin_moving_more_than_what_drags_it_is_leakage():
    pushed = with_drag("AU23H", reach=0.24, strength=2.5)
    assert [f.rule for f in leakage(pushed, "AU23H")] == ["region.leakage"]


def test_a_spill_beyond_the_falloff_reach_is_leakage():
    spread = with_drag("AU23H", reach=0.6, strength=0.95)
    assert [f.rule for f in leakage(spread, "AU23H")] == ["region.leakage"]


def test_reaudit_finds_and_clears_an_island():
    from facs_audit_addon.core.session import AuditSession

    session = AuditSession(RULEBOOK, profile="facs-film")
    session.audit(replace(CLEAN, deltas=CLEAN.deltas.copy()))
    bumped = with_bump("AU26", "AU2_L", 0.4).deltas[CLEAN.index("AU26")]
    report = session.update({"AU26": bumped})
    assert [(f.rule, f.shapes) for f in report.findings if f.category == "region"] == \
        [("region.detached-island", ("AU26",))]
    report = session.update({"AU26": CLEAN.deltas[CLEAN.index("AU26")].copy()})
    assert [f for f in report.findings if f.category == "region"] == []


def test_edges_naming_missing_vertices_are_a_clear_input_error():
    from facs_audit_addon.core import RigInputError

    with pytest.raises(RigInputError, match="mesh edges name vertices the mesh does not have"):
        replace(CLEAN, edges=np.array([[0, len(CLEAN.basis)]]))


def test_reach_by_level_needs_a_source_at_least_as_high():
    from facs_audit_addon.core.islands import reached_by_level

    rng = np.random.default_rng(5)
    points, sources = rng.uniform(0, 2, (300, 3)), rng.uniform(0, 2, (200, 3))
    levels, source_levels = rng.uniform(0.05, 1, 300), rng.uniform(0.05, 1, 200)
    bounds = (np.inf,) + CUTOFFS
    got = reached_by_level(points, levels, sources, source_levels, bounds, 0.3)
    # brute force: the band floor under each point, then any source at or above it within reach
    floors = np.array([next(b for b in bounds[1:] if level >= b) for level in levels])
    distance = np.sqrt(((points[:, None] - sources[None]) ** 2).sum(axis=2))
    close = (distance <= 0.27) & (source_levels[None] >= floors[:, None])
    loose = (distance <= 0.33) & (source_levels[None] >= floors[:, None])
    assert got[close.any(axis=1)].all() and not got[~loose.any(axis=1)].any()
