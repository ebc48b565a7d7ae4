"""pipeline/synthetic/roads.py: the demo region's roads: one network on the mainland, near the
addresses, none on the island.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from scipy.sparse import csgraph

from layers.roads import read_roads
from pipeline.rollout.road_graph import road_graph
from pipeline.rollout.routing import pair_route_m
from pipeline.synthetic import settlements as demo_settlements
from pipeline.synthetic import terrain as demo_terrain
from pipeline.synthetic.roads import demo_roads, write_demo_roads


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
