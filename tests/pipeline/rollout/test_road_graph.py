"""pipeline/rollout/road_graph.py: road lines as a graph; what joins, what does not, clipping.
Lengths by hand on small drawn networks.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely

from pipeline.rollout.road_graph import clip_graph, road_graph
from pipeline.rollout.routing import pair_route_m
from tests.fixtures import L_ROAD, road_lines, route_between_m, street_network
from tests.fixtures import LOCAL_ORIGIN as ORIGIN
from tests.fixtures import LOCAL_X0 as X0
from tests.fixtures import LOCAL_Y0 as Y0


def test_lines_sharing_an_endpoint_connect() -> None:
    road = road_graph(road_lines([(0, 0), (100, 0)], [(100, 0), (100, 100)]))
    assert road.n_nodes == 3
    assert route_between_m(road, (0, 0), (100, 100)) == pytest.approx(200.0)


def test_lines_5_m_apart_do_not_connect_but_0_5_m_apart_do() -> None:
    road = road_graph(
        road_lines([(0, 0), (100, 0)], [(105, 0), (200, 0)], [(100.5, 0), (100.5, -100)]),
        snap_tolerance_m=1.0,
    )
    assert route_between_m(road, (0, 0), (200, 0)) == np.inf
    # the 0.5 m gap closes; the lengths stay those of the drawn segments: 100 + 100
    assert route_between_m(road, (0, 0), (100.5, -100)) == pytest.approx(200.0)


def test_close_inner_vertices_do_not_make_a_bridge_a_junction() -> None:
    under = [(0, 0), (50, 0), (100, 0)]
    bridge = [(50.5, -50), (50.5, 0.3), (50.5, 50)]  # its middle vertex 0.6 m from (50, 0)
    road = road_graph(road_lines(under, bridge), snap_tolerance_m=1.0)
    assert route_between_m(road, (0, 0), (50.5, 50)) == np.inf


def test_parallel_edges_keep_the_shortest() -> None:
    # both lines join the same two nodes (ends within 1 m): 100 m and 100.80 m
    road = road_graph(road_lines([(0, 0), (100, 0)], [(0, 0.6), (100.8, 0)]), snap_tolerance_m=1.0)
    assert road.n_nodes == 2 and road.graph.nnz == 2
    assert road.graph[0, 1] == road.graph[1, 0] == pytest.approx(100.0)


def test_multilinestring_parts_become_edges() -> None:
    multi = shapely.MultiLineString(
        [np.array([(0, 0), (100, 0)]) + ORIGIN, np.array([(100, 0), (100, 50)]) + ORIGIN]
    )
    road = road_graph(gpd.GeoDataFrame(geometry=[multi], crs=25833))
    assert route_between_m(road, (0, 0), (100, 50)) == pytest.approx(150.0)


def test_an_empty_graph_gives_inf() -> None:
    road = road_graph(gpd.GeoDataFrame(geometry=[], crs=25833))
    assert road.n_nodes == 0
    assert route_between_m(road, (0, 0), (1, 1)) == np.inf


def test_geographic_coordinates_are_refused() -> None:
    with pytest.raises(ValueError, match="expected metres"):
        road_graph(road_lines(L_ROAD).to_crs(4326))


def test_a_clipped_graph_gives_the_same_routes_inside_its_box() -> None:
    road = road_graph(street_network(seed=3, n=30))
    rng = np.random.default_rng(4)
    p0 = rng.uniform(1200, 1500, size=(200, 2)) + ORIGIN
    p1 = rng.uniform(1200, 1500, size=(200, 2)) + ORIGIN
    limit_m = 600.0
    snap_m = np.r_[road.nearest_node(*p0.T)[0], road.nearest_node(*p1.T)[0]]
    box = (X0 + 1200, Y0 + 1200, X0 + 1500, Y0 + 1500)
    clipped = clip_graph(road, box, margin_m=limit_m / 2 + snap_m.max())
    assert clipped.n_nodes < road.n_nodes / 4
    np.testing.assert_allclose(
        pair_route_m(clipped, *p0.T, *p1.T, limit_m), pair_route_m(road, *p0.T, *p1.T, limit_m)
    )
