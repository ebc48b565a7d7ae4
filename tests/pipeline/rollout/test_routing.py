"""pipeline/rollout/routing.py: routes between pairs of points over the road graph, by hand on
small drawn networks and against an independent slow reference (every-pair Dijkstra on the
whole graph, a brute-force nearest node); the route cache."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.sparse import csgraph

from pipeline.rollout import routing
from pipeline.rollout.road_graph import RoadGraph, road_graph
from pipeline.rollout.routing import pair_route_m
from tests.fixtures import FAR_M, L_ROAD, road_lines, route_between_m, street_network
from tests.fixtures import LOCAL_ORIGIN as ORIGIN
from tests.fixtures import LOCAL_X0 as X0
from tests.fixtures import LOCAL_Y0 as Y0

PAIR_ORIGIN = np.array([X0, Y0, X0, Y0])


# --- routes on hand-drawn networks ---------------------------------------------------------------


def test_l_shaped_road_is_longer_than_the_straight_line() -> None:
    road = road_graph(road_lines(L_ROAD))
    assert route_between_m(road, (0, 0), (300, 400)) == pytest.approx(700.0)  # straight line: 500
    assert route_between_m(road, (300, 400), (0, 0)) == pytest.approx(700.0)


def test_points_off_the_road_add_their_snap_distances() -> None:
    road = road_graph(road_lines(L_ROAD))
    # (0, -40) is 40 m from node (0, 0); (330, 440) is 50 m from node (300, 400)
    assert route_between_m(road, (0, -40), (330, 440)) == pytest.approx(40.0 + 700.0 + 50.0)


def test_points_on_the_same_node_have_only_their_snap_distances() -> None:
    road = road_graph(road_lines(L_ROAD))
    assert route_between_m(road, (3, 4), (-6, 8)) == pytest.approx(5.0 + 10.0)
    assert route_between_m(road, (300, 0), (300, 0)) == 0.0


def test_disconnected_components_give_inf() -> None:
    road = road_graph(road_lines([(0, 0), (100, 0)], [(0, 500), (100, 500)]))
    assert route_between_m(road, (0, 0), (100, 500)) == np.inf
    assert route_between_m(road, (0, 0), (100, 0)) == pytest.approx(100.0)


def test_limit_cuts_routes_at_their_road_length() -> None:
    road = road_graph(road_lines(L_ROAD))
    assert route_between_m(road, (0, -40), (300, 400), limit_m=700.0) == pytest.approx(740.0)
    assert route_between_m(road, (0, -40), (300, 400), limit_m=699.0) == np.inf
    assert route_between_m(road, (0, 0), (300, 0), limit_m=0.0) == np.inf


@pytest.mark.parametrize("limit_m", [1100.0, FAR_M])
def test_a_long_detour_outside_the_box_of_its_ends_is_found(limit_m: float) -> None:
    # the tips of a U 100 m apart: the road goes 500 m down, across and back up
    road = road_graph(road_lines([(0, 0), (0, -500), (100, -500), (100, 0)]))
    assert route_between_m(road, (0, 0), (100, 0), limit_m=limit_m) == pytest.approx(1100.0)


def test_results_are_aligned_to_the_input_with_nan_for_missing_points() -> None:
    road = road_graph(road_lines(L_ROAD))
    x0 = np.array([X0, np.nan, X0 + 300])
    y0 = np.array([Y0, Y0, Y0])
    x1 = np.array([X0 + 300, X0, X0])
    y1 = np.array([Y0 + 400, Y0, Y0])
    route_m = pair_route_m(road, x0, y0, x1, y1, limit_m=FAR_M)
    np.testing.assert_allclose(route_m, [700.0, np.nan, 300.0])


def test_max_snap_gives_inf_to_points_without_road_access() -> None:
    road = road_graph(road_lines(L_ROAD))
    x_m, y_m = np.array([X0, X0]), np.array([Y0 - 40, Y0 - 400])
    route_m = pair_route_m(
        road, x_m, y_m, np.full(2, X0 + 300), np.full(2, Y0 + 400), FAR_M, max_snap_m=100.0
    )
    np.testing.assert_allclose(route_m, [740.0, np.inf])


# --- against an independent reference ------------------------------------------------------------


def _reference_route_m(
    road: RoadGraph, p0: np.ndarray, p1: np.ndarray, limit_m: float
) -> np.ndarray:
    """Every-pair Dijkstra on the whole graph, nearest nodes by brute force."""
    all_m = csgraph.dijkstra(road.graph, directed=False)

    def nearest(p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        d = np.hypot(*(p[:, None, :] - road.node_xy_m[None, :, :]).transpose(2, 0, 1))
        return d.min(axis=1), d.argmin(axis=1)

    (s0, n0), (s1, n1) = nearest(p0), nearest(p1)
    road_m = all_m[n0, n1]
    return s0 + np.where(road_m <= limit_m, road_m, np.inf) + s1


@pytest.mark.parametrize("limit_m", [300.0, 900.0, 5000.0])
def test_routes_equal_an_every_pair_dijkstra(
    limit_m: float, monkeypatch: pytest.MonkeyPatch
) -> None:
    # small chunks and matrices, so that several chunks, calls and search radii are exercised
    monkeypatch.setattr(routing, "MAX_SOURCES_PER_CALL", 16)
    monkeypatch.setattr(routing, "DISTANCE_MATRIX_BYTES", 8 * 200 * 5)
    monkeypatch.setattr(routing, "MIN_SEARCH_M", 50.0)
    road = road_graph(street_network(seed=7))
    rng = np.random.default_rng(8)
    p0 = rng.uniform(0, 1300, size=(400, 2)) + ORIGIN
    p1 = p0 + rng.normal(0, 300, size=(400, 2))
    p1[:100] = p0[rng.integers(0, 400, 100)]  # shared ends, as in a tree
    route_m = pair_route_m(road, *p0.T, *p1.T, limit_m=limit_m)
    reference_m = _reference_route_m(road, p0, p1, limit_m)
    np.testing.assert_allclose(route_m, reference_m, rtol=1e-12)
    assert np.isfinite(route_m).sum() > 50 and np.isinf(route_m).sum() > 10


# --- properties ----------------------------------------------------------------------------------


_VERTEX = st.tuples(st.integers(0, 30), st.integers(0, 30))  # 10 m grid: no two within 1 m
_POLYLINE = st.lists(_VERTEX, min_size=2, max_size=5, unique=True)
_POINT = st.tuples(st.floats(-50, 350), st.floats(-50, 350))


@settings(max_examples=60, deadline=None)
@given(
    polylines=st.lists(_POLYLINE, min_size=1, max_size=8),
    pairs=st.lists(st.tuples(_POINT, _POINT), min_size=1, max_size=10),
)
def test_a_route_is_never_shorter_than_the_straight_line(
    polylines: list[list[tuple[int, int]]],
    pairs: list[tuple[tuple[float, float], tuple[float, float]]],
) -> None:
    road = road_graph(road_lines(*[np.array(line) * 10.0 for line in polylines]))
    p = np.array(pairs, dtype=float).reshape(-1, 4) + PAIR_ORIGIN
    route_m = pair_route_m(road, p[:, 0], p[:, 1], p[:, 2], p[:, 3], limit_m=FAR_M)
    straight_m = np.hypot(p[:, 0] - p[:, 2], p[:, 1] - p[:, 3])
    assert (route_m >= straight_m - 1e-6).all()


@settings(max_examples=60, deadline=None)
@given(
    polylines=st.lists(_POLYLINE, min_size=1, max_size=8),
    pairs=st.lists(st.tuples(_POINT, _POINT), min_size=1, max_size=10),
    new_road=st.tuples(st.integers(0, 100), st.integers(0, 100)),
    limit_m=st.sampled_from([100.0, 400.0, FAR_M]),
)
def test_a_new_road_between_junctions_never_lengthens_a_route(
    polylines: list[list[tuple[int, int]]],
    pairs: list[tuple[tuple[float, float], tuple[float, float]]],
    new_road: tuple[int, int],
    limit_m: float,
) -> None:
    lines = [np.array(line) * 10.0 for line in polylines]
    vertices = np.vstack(lines)
    a, b = vertices[new_road[0] % len(vertices)], vertices[new_road[1] % len(vertices)]
    road = road_graph(road_lines(*lines))
    more_road = road_graph(road_lines(*lines, [tuple(a), tuple(b)]))  # no new node: same snaps
    p = np.array(pairs, dtype=float).reshape(-1, 4) + PAIR_ORIGIN
    before_m = pair_route_m(road, p[:, 0], p[:, 1], p[:, 2], p[:, 3], limit_m)
    after_m = pair_route_m(more_road, p[:, 0], p[:, 1], p[:, 2], p[:, 3], limit_m)
    assert (after_m <= before_m + 1e-9).all()


# --- the cache -----------------------------------------------------------------------------------


def test_cached_routes_equal_fresh_ones_in_either_direction(monkeypatch) -> None:
    road = road_graph(street_network(3))
    rng = np.random.default_rng(5)
    xy = rng.uniform(0, 1300, (40, 4)) + PAIR_ORIGIN
    fresh = pair_route_m(road, *xy.T, 5_000.0)
    cache = routing.CachedRoutes(road)
    assert np.array_equal(cache.pair_route_m(*xy.T, 5_000.0), fresh)
    searched: list[int] = []
    original = routing.pair_route_m

    def counted(road, x0, *args, **kwargs):
        searched.append(len(x0))
        return original(road, x0, *args, **kwargs)

    monkeypatch.setattr(routing, "pair_route_m", counted)
    swapped = cache.pair_route_m(xy[:, 2], xy[:, 3], xy[:, 0], xy[:, 1], 5_000.0)
    assert np.array_equal(swapped, fresh) and searched == []  # all from memory
    cache.pair_route_m(*xy.T, 1_000.0)  # another limit: searched again
    assert searched == [40]
