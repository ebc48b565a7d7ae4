"""Tests of road routing: the reader (layers/roads.py), the graph and routes (pipeline/routing.py)
and the demo region's roads (pipeline/demo_roads.py).

Expected lengths are worked out by hand on small drawn networks, or by an independent slow
reference: every-pair Dijkstra on the whole graph and a brute-force nearest node.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import Transformer
from scipy.sparse import csgraph

from layers.errors import InputError
from layers.roads import read_roads
from pipeline.rollout import routing
from pipeline.rollout.road_graph import RoadGraph, clip_graph, road_graph
from pipeline.rollout.routing import pair_route_m
from pipeline.synthetic import settlements as demo_settlements
from pipeline.synthetic import terrain as demo_terrain
from pipeline.synthetic.roads import demo_roads, write_demo_roads

X0, Y0 = 262_000.0, 6_650_000.0  # a corner in Norway (EPSG:25833), added to local metres
ORIGIN = np.array([X0, Y0])
PAIR_ORIGIN = np.array([X0, Y0, X0, Y0])
FAR_M = 100_000.0


def _lines(*coordinates: list[tuple[float, float]]) -> gpd.GeoDataFrame:
    """Road lines from local metre coordinates, in EPSG:25833."""
    lines = [shapely.LineString(np.asarray(xy, dtype=float) + ORIGIN) for xy in coordinates]
    return gpd.GeoDataFrame(geometry=lines, crs=25833)


def _route_m(
    road: RoadGraph, p0: tuple[float, float], p1: tuple[float, float], limit_m: float = FAR_M
) -> float:
    """The route between two local points."""
    return float(
        pair_route_m(
            road,
            np.array([X0 + p0[0]]),
            np.array([Y0 + p0[1]]),
            np.array([X0 + p1[0]]),
            np.array([Y0 + p1[1]]),
            limit_m,
        )[0]
    )


L_ROAD = [(0, 0), (300, 0), (300, 400)]  # 300 m east, then 400 m north


# --- routes on hand-drawn networks ----------------------------------------------------------


def test_l_shaped_road_is_longer_than_the_straight_line() -> None:
    road = road_graph(_lines(L_ROAD))
    assert _route_m(road, (0, 0), (300, 400)) == pytest.approx(700.0)  # straight line: 500
    assert _route_m(road, (300, 400), (0, 0)) == pytest.approx(700.0)


def test_points_off_the_road_add_their_snap_distances() -> None:
    road = road_graph(_lines(L_ROAD))
    # (0, -40) is 40 m from node (0, 0); (330, 440) is 50 m from node (300, 400)
    assert _route_m(road, (0, -40), (330, 440)) == pytest.approx(40.0 + 700.0 + 50.0)


def test_points_on_the_same_node_have_only_their_snap_distances() -> None:
    road = road_graph(_lines(L_ROAD))
    assert _route_m(road, (3, 4), (-6, 8)) == pytest.approx(5.0 + 10.0)
    assert _route_m(road, (300, 0), (300, 0)) == 0.0


def test_lines_sharing_an_endpoint_connect() -> None:
    road = road_graph(_lines([(0, 0), (100, 0)], [(100, 0), (100, 100)]))
    assert road.n_nodes == 3
    assert _route_m(road, (0, 0), (100, 100)) == pytest.approx(200.0)


def test_lines_5_m_apart_do_not_connect_but_0_5_m_apart_do() -> None:
    road = road_graph(
        _lines([(0, 0), (100, 0)], [(105, 0), (200, 0)], [(100.5, 0), (100.5, -100)]),
        snap_tolerance_m=1.0,
    )
    assert _route_m(road, (0, 0), (200, 0)) == np.inf
    # the 0.5 m gap closes; the lengths stay those of the drawn segments: 100 + 100
    assert _route_m(road, (0, 0), (100.5, -100)) == pytest.approx(200.0)


def test_close_inner_vertices_do_not_make_a_bridge_a_junction() -> None:
    under = [(0, 0), (50, 0), (100, 0)]
    bridge = [(50.5, -50), (50.5, 0.3), (50.5, 50)]  # its middle vertex 0.6 m from (50, 0)
    road = road_graph(_lines(under, bridge), snap_tolerance_m=1.0)
    assert _route_m(road, (0, 0), (50.5, 50)) == np.inf


def test_disconnected_components_give_inf() -> None:
    road = road_graph(_lines([(0, 0), (100, 0)], [(0, 500), (100, 500)]))
    assert _route_m(road, (0, 0), (100, 500)) == np.inf
    assert _route_m(road, (0, 0), (100, 0)) == pytest.approx(100.0)


def test_limit_cuts_routes_at_their_road_length() -> None:
    road = road_graph(_lines(L_ROAD))
    assert _route_m(road, (0, -40), (300, 400), limit_m=700.0) == pytest.approx(740.0)
    assert _route_m(road, (0, -40), (300, 400), limit_m=699.0) == np.inf
    assert _route_m(road, (0, 0), (300, 0), limit_m=0.0) == np.inf


@pytest.mark.parametrize("limit_m", [1100.0, FAR_M])
def test_a_long_detour_outside_the_box_of_its_ends_is_found(limit_m: float) -> None:
    # the tips of a U 100 m apart: the road goes 500 m down, across and back up
    road = road_graph(_lines([(0, 0), (0, -500), (100, -500), (100, 0)]))
    assert _route_m(road, (0, 0), (100, 0), limit_m=limit_m) == pytest.approx(1100.0)


def test_parallel_edges_keep_the_shortest() -> None:
    # both lines join the same two nodes (ends within 1 m): 100 m and 100.80 m
    road = road_graph(_lines([(0, 0), (100, 0)], [(0, 0.6), (100.8, 0)]), snap_tolerance_m=1.0)
    assert road.n_nodes == 2 and road.graph.nnz == 2
    assert road.graph[0, 1] == road.graph[1, 0] == pytest.approx(100.0)


def test_multilinestring_parts_become_edges() -> None:
    multi = shapely.MultiLineString(
        [np.array([(0, 0), (100, 0)]) + ORIGIN, np.array([(100, 0), (100, 50)]) + ORIGIN]
    )
    road = road_graph(gpd.GeoDataFrame(geometry=[multi], crs=25833))
    assert _route_m(road, (0, 0), (100, 50)) == pytest.approx(150.0)


def test_results_are_aligned_to_the_input_with_nan_for_missing_points() -> None:
    road = road_graph(_lines(L_ROAD))
    x0 = np.array([X0, np.nan, X0 + 300])
    y0 = np.array([Y0, Y0, Y0])
    x1 = np.array([X0 + 300, X0, X0])
    y1 = np.array([Y0 + 400, Y0, Y0])
    route_m = pair_route_m(road, x0, y0, x1, y1, limit_m=FAR_M)
    np.testing.assert_allclose(route_m, [700.0, np.nan, 300.0])


def test_max_snap_gives_inf_to_points_without_road_access() -> None:
    road = road_graph(_lines(L_ROAD))
    x_m, y_m = np.array([X0, X0]), np.array([Y0 - 40, Y0 - 400])
    route_m = pair_route_m(
        road, x_m, y_m, np.full(2, X0 + 300), np.full(2, Y0 + 400), FAR_M, max_snap_m=100.0
    )
    np.testing.assert_allclose(route_m, [740.0, np.inf])


def test_an_empty_graph_gives_inf() -> None:
    road = road_graph(gpd.GeoDataFrame(geometry=[], crs=25833))
    assert road.n_nodes == 0
    assert _route_m(road, (0, 0), (1, 1)) == np.inf


def test_geographic_coordinates_are_refused() -> None:
    with pytest.raises(ValueError, match="expected metres"):
        road_graph(_lines(L_ROAD).to_crs(4326))


# --- against an independent reference -------------------------------------------------------


def _street_network(seed: int, n: int = 14, spacing_m: float = 100.0) -> gpd.GeoDataFrame:
    """A jittered n × n grid of streets with a third of its blocks' sides removed."""
    rng = np.random.default_rng(seed)
    xy = np.stack(np.meshgrid(np.arange(n), np.arange(n), indexing="ij"), axis=-1) * spacing_m
    xy = xy + rng.uniform(-20, 20, size=xy.shape)
    right = [(xy[i, j], xy[i + 1, j]) for i in range(n - 1) for j in range(n)]
    up = [(xy[i, j], xy[i, j + 1]) for i in range(n) for j in range(n - 1)]
    sides = np.array(right + up)
    sides = sides[rng.random(len(sides)) > 0.33]
    return _lines(*sides)


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
    road = road_graph(_street_network(seed=7))
    rng = np.random.default_rng(8)
    p0 = rng.uniform(0, 1300, size=(400, 2)) + ORIGIN
    p1 = p0 + rng.normal(0, 300, size=(400, 2))
    p1[:100] = p0[rng.integers(0, 400, 100)]  # shared ends, as in a tree
    route_m = pair_route_m(road, *p0.T, *p1.T, limit_m=limit_m)
    reference_m = _reference_route_m(road, p0, p1, limit_m)
    np.testing.assert_allclose(route_m, reference_m, rtol=1e-12)
    assert np.isfinite(route_m).sum() > 50 and np.isinf(route_m).sum() > 10


def test_a_clipped_graph_gives_the_same_routes_inside_its_box() -> None:
    road = road_graph(_street_network(seed=3, n=30))
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


# --- properties ---------------------------------------------------------------------------------

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
    road = road_graph(_lines(*[np.array(line) * 10.0 for line in polylines]))
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
    road = road_graph(_lines(*lines))
    more_road = road_graph(_lines(*lines, [tuple(a), tuple(b)]))  # no new node: same snaps
    p = np.array(pairs, dtype=float).reshape(-1, 4) + PAIR_ORIGIN
    before_m = pair_route_m(road, p[:, 0], p[:, 1], p[:, 2], p[:, 3], limit_m)
    after_m = pair_route_m(more_road, p[:, 0], p[:, 1], p[:, 2], p[:, 3], limit_m)
    assert (after_m <= before_m + 1e-9).all()


# --- the reader ---------------------------------------------------------------------------------


def _road_file_frame(crs: int) -> gpd.GeoDataFrame:
    """Two roads, a two-part road, a point and an empty geometry, in EPSG:25833 then ``crs``."""
    multi = shapely.MultiLineString(
        [np.array([(0, 0), (0, 100)]) + ORIGIN, np.array([(0, 100), (50, 100)]) + ORIGIN]
    )
    frame = gpd.GeoDataFrame(
        {"id": ["V1", "V2", "V3", "P1", "E1"]},
        geometry=[
            shapely.LineString(np.array([(0, 0), (300, 0)]) + ORIGIN),
            shapely.LineString(np.array([(300, 0), (300, 400), (310, 410)]) + ORIGIN),
            multi,
            shapely.Point(X0 + 5, Y0 + 5),
            shapely.LineString(),
        ],
        crs=25833,
    )
    return frame.to_crs(crs)


@pytest.mark.parametrize(("suffix", "crs"), [("gpkg", 25832), ("geojson", 4326)])
def test_roads_are_reprojected_and_bad_features_quarantined(
    tmp_path: Path, suffix: str, crs: int
) -> None:
    path = tmp_path / f"veger.{suffix}"
    written = _road_file_frame(crs)
    written.to_file(path)
    result = read_roads(path)
    roads = result.accepted
    assert result.rows_read == 5 == len(roads) + len(result.quarantine)
    assert roads["road_id"].tolist() == ["V1", "V2", "V3"]
    assert roads["row_number"].tolist() == [1, 2, 3]
    assert roads.crs.to_epsg() == 25833
    assert roads.geom_type.tolist() == ["LineString", "LineString", "MultiLineString"]
    # independently: the written coordinates through pyproj back to EPSG:25833
    to_25833 = Transformer.from_crs(crs, 25833, always_xy=True)
    written_xy = shapely.get_coordinates(written.geometry.iloc[1])
    expected_xy = np.column_stack(to_25833.transform(written_xy[:, 0], written_xy[:, 1]))
    np.testing.assert_allclose(shapely.get_coordinates(roads.geometry.iloc[1]), expected_xy)
    np.testing.assert_allclose(expected_xy[0], [X0 + 300, Y0], atol=0.01)
    quarantine = result.quarantine.set_index("key")
    assert quarantine.loc["P1", "reason"] == (
        "geometry: got Point, expected a LineString or MultiLineString"
    )
    assert quarantine.loc["E1", "reason"].startswith("geometry: empty")
    assert quarantine["row_number"].tolist() == [4, 5]
    assert (quarantine["layer"] == "roads").all() and (quarantine["file"] == str(path)).all()
    # the two-part road is one row, and both its parts are roads: (0,0) -> (50,100) is 150 m
    road = road_graph(roads)
    assert _route_m(road, (0, 0), (50, 100)) == pytest.approx(150.0, abs=0.01)
    assert _route_m(road, (50, 100), (310, 410)) == pytest.approx(
        150.0 + 300.0 + 400.0 + np.hypot(10, 10), abs=0.01
    )


def test_zero_length_roads_are_quarantined(tmp_path: Path) -> None:
    path = tmp_path / "veger.gpkg"
    _lines([(0, 0), (100, 0)], [(5, 5), (5, 5)]).to_file(path)
    result = read_roads(path)
    assert len(result.accepted) == 1
    assert result.quarantine["reason"].tolist() == [
        "geometry: zero length, expected a line of length > 0"
    ]


def test_a_missing_file_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "finnes_ikke.gpkg"
    with pytest.raises(InputError, match=r"finnes_ikke\.gpkg: road network file not found"):
        read_roads(path)


@pytest.mark.parametrize("name", ["veger.shp", "veger.csv"])
def test_other_formats_are_refused_naming_the_file(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    if name.endswith(".shp"):
        _lines(L_ROAD).to_file(path)
    else:
        path.write_text("a,b\n1,2\n")
    with pytest.raises(InputError, match=rf"{name}: got a \.\w+ file, expected a road network"):
        read_roads(path)


def test_a_file_that_is_not_a_geopackage_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "veger.gpkg"
    path.write_text("not a database\n")
    with pytest.raises(InputError, match=r"veger\.gpkg: could not be read"):
        read_roads(path)


@pytest.mark.filterwarnings("ignore:'crs' was not provided")
def test_a_file_without_crs_needs_the_fallback(tmp_path: Path) -> None:
    path = tmp_path / "veger.gpkg"
    _lines(L_ROAD).set_crs(None, allow_override=True).to_file(path)
    with pytest.raises(InputError, match=r"veger\.gpkg: no CRS in the file"):
        read_roads(path)
    roads = read_roads(path, crs_fallback=25833).accepted
    assert roads.crs.to_epsg() == 25833
    np.testing.assert_allclose(shapely.get_coordinates(roads.geometry)[0], [X0, Y0])


def test_a_geopackage_of_several_layers_needs_the_layer_named(tmp_path: Path) -> None:
    path = tmp_path / "vegnett.gpkg"
    _lines(L_ROAD).to_file(path, layer="veglenke")
    _lines([(0, 0), (1, 1)]).to_file(path, layer="fartsgrense")
    with pytest.raises(InputError, match=r"got layers \['veglenke', 'fartsgrense'\]"):
        read_roads(path)
    assert len(read_roads(path, layer="veglenke").accepted) == 1


# --- the demo region's roads ------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo() -> gpd.GeoDataFrame:
    return demo_roads()


@pytest.fixture(scope="module")
def demo_addresses() -> pd.DataFrame:
    """The demo's good addresses, as :func:`pipeline.synthetic.region.build_demo_region`
    places them."""
    flatten_km = [(*town.centre_km, 3.0 * town.spread_km) for town in demo_settlements.TOWNS]
    elevation_m = demo_terrain.build_elevation_m(np.random.default_rng([2025, 1]), flatten_km)
    return demo_settlements.place_addresses(elevation_m, np.random.default_rng([2025, 3]))


def test_demo_roads_are_one_network_on_the_mainland(demo: gpd.GeoDataFrame) -> None:
    road = road_graph(demo)
    n_components, _ = csgraph.connected_components(road.graph, directed=False)
    assert n_components == 1
    _, island = demo_terrain.sea_geometries()
    assert shapely.distance(island, shapely.multilinestrings(demo.geometry.to_numpy())) > 2500
    assert set(demo["kind"]) == {"main", "valley", "farm", "street", "link"}
    assert demo_roads().geometry.equals(demo.geometry)  # deterministic


def test_most_demo_addresses_are_near_a_road_but_not_the_island(
    demo: gpd.GeoDataFrame, demo_addresses: pd.DataFrame
) -> None:
    points = shapely.points(demo_addresses["x_m"], demo_addresses["y_m"])
    distance_m = shapely.distance(points, shapely.multilinestrings(demo.geometry.to_numpy()))
    island = (demo_addresses["kind"] == "island").to_numpy()
    assert (distance_m[~island] <= 200).mean() > 0.95
    assert distance_m[island].min() > 2500


def test_demo_towns_are_connected_by_road_and_the_file_reads_back(
    demo: gpd.GeoDataFrame, tmp_path: Path
) -> None:
    path = tmp_path / "veger.gpkg"
    write_demo_roads(path)
    result = read_roads(path)
    assert len(result.quarantine) == 0 and len(result.accepted) == len(demo)
    road = road_graph(result.accepted)
    towns_m = np.array([demo_terrain.to_m(*np.array(t.centre_km)) for t in demo_settlements.TOWNS])
    fjordvik, storlia = towns_m[0], towns_m[2]
    route_m = pair_route_m(road, *fjordvik[:, None], *storlia[:, None], limit_m=50_000.0)
    straight_m = np.hypot(*(fjordvik - storlia))
    assert straight_m < route_m[0] < 1.3 * straight_m  # along the fjord's north shore


# --- the cache and the fibre trees along roads -------------------------------------------------


def test_cached_routes_equal_fresh_ones_in_either_direction(monkeypatch) -> None:
    road = road_graph(_street_network(3))
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


def test_a_fibre_tree_follows_the_road_around_a_fjord() -> None:
    from pipeline.config import CostSettings, FibreSettings, RoadSettings
    from pipeline.rollout.fibre import CostContext, FibrePresence, cost_per_address

    # fibre ends at the road's start (0, 0); a house at (600, 0) across a fjord: the road goes
    # 500 m north, 600 m east, 500 m south (1,600 m), the straight line × 1.3 is 780 m
    road = road_graph(_lines([(0, 0), (0, 500), (600, 500), (600, 0)]))
    addresses = pd.DataFrame(
        {"x_m": [X0 + 600.0], "y_m": [Y0 + 0.0], "households": [1], "kommunenummer": ["9901"]}
    )
    presence = FibrePresence(np.empty(0, dtype=object), np.array([[X0, Y0]]))
    s = CostSettings(fibre=FibreSettings(splitter_nok=0.0), roads=RoadSettings(min_edge_m=250.0))
    along = cost_per_address(
        addresses, np.array([True]), presence, s, CostContext(roads=routing.CachedRoutes(road))
    )
    straight = cost_per_address(addresses, np.array([True]), presence, s)
    assert along["route_m"].iloc[0] == pytest.approx(1_600.0)
    assert straight["route_m"].iloc[0] == pytest.approx(780.0)
    per_m = s.fibre.trench_nok_per_m + s.fibre.cable_nok_per_m
    assert along["cost_nok"].iloc[0] - straight["cost_nok"].iloc[0] == pytest.approx(820 * per_m)
    # a house 800 m from any road falls back to the straight line × route factor
    far = addresses.assign(x_m=X0 + 600.0, y_m=Y0 - 800.0)
    fallback = cost_per_address(
        far, np.array([True]), presence, s, CostContext(roads=routing.CachedRoutes(road))
    )
    assert fallback["route_m"].iloc[0] == pytest.approx(1_000.0 * 1.3)
