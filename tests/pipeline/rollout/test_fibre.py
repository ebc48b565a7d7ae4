"""pipeline/rollout/fibre.py: what reaching a household by fibre costs; hand-computed trees,
terrain factors, routes along roads, and invariants against brute force."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.config import (
    CostSettings,
    FibreSettings,
    RoadSettings,
    TerrainSettings,
    replace_nested,
)
from pipeline.rollout import routing
from pipeline.rollout.fibre import (
    CostContext,
    address_cost_nok,
    cost_per_address,
    distance_to_presence_m,
    edge_cost_nok,
    nearest_presence,
    route_length_m,
    splitter_nok_per_household,
)
from pipeline.rollout.ground import terrain_factor
from pipeline.rollout.road_graph import road_graph
from tests.fixtures import HAND_COST as HAND
from tests.fixtures import LOCAL_X0 as X0
from tests.fixtures import LOCAL_Y0 as Y0
from tests.fixtures import (
    addresses_at,
    fibre_presence,
    road_lines,
)


def test_hand_computed_cost_of_one_household() -> None:
    s = HAND.fibre
    # 1000 m straight line × 1.3 = 1300 m route; (450 + 50) NOK/m → 650 000;
    # drop 8000 + 150 × 30 = 12 500; ONT 2 500 + install 5 000 = 7 500 → 670 000 NOK
    route_nok = edge_cost_nok(route_length_m(np.array([1000.0]), s), s)
    cost = address_cost_nok(route_nok, np.array([1]), s)
    assert cost.tolist() == [670_000.0]


def test_distance_to_a_line_and_a_point() -> None:
    presence = fibre_presence(
        lines=[shapely.LineString([(0, 0), (0, 1000)])], points=[(500.0, 2000.0)]
    )
    distance = distance_to_presence_m(presence, np.array([300.0, 500.0]), np.array([500.0, 1900.0]))
    assert distance.tolist() == [300.0, 100.0]


def test_no_presence_caps_the_route_and_flags_it() -> None:
    addresses = pd.DataFrame({"x_m": [0.0], "y_m": [0.0], "households": [1]})
    s = replace_nested(HAND, {"fibre.max_route_m": 5000.0})
    result = cost_per_address(addresses, np.array([True]), fibre_presence(), s)
    assert result["route_m"].iloc[0] == 5000 and bool(result["route_capped"].iloc[0])


def test_served_addresses_get_no_cost() -> None:
    addresses = pd.DataFrame({"x_m": [0.0, 10.0], "y_m": [0.0, 0.0], "households": [1, 1]})
    result = cost_per_address(
        addresses, np.array([False, True]), fibre_presence(points=[(0.0, 0.0)]), HAND
    )
    assert np.isnan(result["cost_nok"].iloc[0]) and result["cost_nok"].iloc[1] > 0


@settings(max_examples=60, deadline=None)
@given(st.floats(0, 50_000), st.floats(0, 50_000), st.integers(1, 40))
def test_cost_never_falls_when_the_route_gets_longer(d1: float, d2: float, households: int) -> None:
    s = HAND.fibre
    short, long = sorted((d1, d2))
    route_nok = edge_cost_nok(route_length_m(np.array([short, long]), s), s)
    costs = address_cost_nok(route_nok, np.array([households] * 2), s)
    assert costs[0] <= costs[1]


def test_cost_grows_linearly_with_households_for_equipment_only() -> None:
    s = HAND.fibre
    one, ten = address_cost_nok(np.array([0.0, 0.0]), np.array([1, 10]), s)
    assert ten - one == pytest.approx(9 * (s.ont_nok + s.install_nok))


def test_three_households_on_a_line_share_the_trench() -> None:
    # fibre ends at x = 0; houses at 100, 200, 300 m: edges 100 m each, 130 m routed,
    # 130 × (450 + 50) = 65,000 NOK per edge; the first edge serves 3 households, the second 2
    presence = fibre_presence(points=[(0.0, 0.0)])
    addresses = pd.DataFrame(
        {"x_m": [300.0, 100.0, 200.0], "y_m": [0.0] * 3, "households": [1] * 3}
    )
    s = HAND
    result = cost_per_address(addresses, np.array([True] * 3), presence, s)
    assert result["link_m"].tolist() == [100.0, 100.0, 100.0]
    assert result["served_households"].tolist() == [1.0, 3.0, 2.0]
    equipment = 8000 + 150 * 30 + 2500 + 5000
    edge = 65_000.0
    expected = [edge / 3 + edge / 2 + edge, edge / 3, edge / 3 + edge / 2]
    assert result["cost_nok"].tolist() == pytest.approx([e + equipment for e in expected])
    assert result["cost_nok"].sum() == pytest.approx(3 * edge + 3 * equipment)  # to the krone


def test_a_star_around_the_fibre_end_links_each_house_directly() -> None:
    # four houses 100 m N/E/S/W of the fibre end: 141 m apart, so each links straight in
    presence = fibre_presence(points=[(0.0, 0.0)])
    addresses = pd.DataFrame(
        {"x_m": [100.0, 0.0, -100.0, 0.0], "y_m": [0.0, 100.0, 0.0, -100.0], "households": 1}
    )
    result = cost_per_address(addresses, np.array([True] * 4), presence, HAND)
    assert result["link_m"].tolist() == [100.0] * 4
    assert result["served_households"].tolist() == [1.0] * 4
    assert result["cluster_id"].nunique() == 1  # one project area (141 m < 500 m)


def test_a_house_nearer_the_fibre_than_its_neighbour_links_to_the_fibre() -> None:
    # house B at (0, 50) is 50 m from fibre; house A at (0, 120) is 70 m from B: A links to B
    presence = fibre_presence(lines=[shapely.LineString([(-500, 0), (500, 0)])])
    addresses = pd.DataFrame({"x_m": [0.0, 0.0], "y_m": [120.0, 50.0], "households": [1, 1]})
    result = cost_per_address(addresses, np.array([True, True]), presence, HAND)
    assert result["link_m"].tolist() == [70.0, 50.0]


def test_houses_along_a_fibre_line_join_it_where_they_are() -> None:
    # a row of houses 20 m from a fibre line, 300 m apart: each links straight to the line
    presence = fibre_presence(lines=[shapely.LineString([(-100, 0), (2000, 0)])])
    addresses = pd.DataFrame({"x_m": [0.0, 300.0, 600.0], "y_m": [20.0] * 3, "households": 1})
    result = cost_per_address(addresses, np.array([True] * 3), presence, HAND)
    assert result["link_m"].tolist() == pytest.approx([20.0, 20.0, 20.0])
    assert result["cluster_id"].nunique() == 1


def test_co_located_addresses_share_one_link() -> None:
    presence = fibre_presence(points=[(0.0, 0.0)])
    addresses = pd.DataFrame({"x_m": [500.0] * 3, "y_m": [0.0] * 3, "households": 1})
    result = cost_per_address(addresses, np.array([True] * 3), presence, HAND)
    assert sorted(result["link_m"].tolist()) == pytest.approx([0.0, 0.0, 500.0], abs=1e-5)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.floats(-5000, 5000), st.floats(1, 5000)), min_size=1, max_size=50),
    st.lists(st.integers(1, 30), min_size=50, max_size=50),
)
def test_tree_is_never_longer_than_the_star_and_shares_add_up(
    points: list[tuple[float, float]], households: list[int]
) -> None:
    x = np.array([p[0] for p in points])
    y = np.array([p[1] for p in points])
    presence = fibre_presence(lines=[shapely.LineString([(-9000, 0), (9000, 0)])])
    star = distance_to_presence_m(presence, x, y)
    addresses = pd.DataFrame({"x_m": x, "y_m": y, "households": households[: len(x)]})
    result = cost_per_address(addresses, np.ones(len(x), dtype=bool), presence, HAND)
    links = result["link_m"].to_numpy()
    assert links.sum() <= star.sum() + 1e-6
    assert np.isfinite(links).all() and (links >= 0).all()
    s = HAND.fibre
    tree_nok = edge_cost_nok(route_length_m(links, s), s).sum()
    equipment = len(x) * (s.drop_fixed_nok + s.drop_nok_per_m * s.drop_length_m) + (
        addresses["households"].sum() * (s.ont_nok + s.install_nok)
    )
    assert result["cost_nok"].sum() == pytest.approx(tree_nok + equipment, rel=1e-9)
    assert result["served_households"].max() <= addresses["households"].sum()


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.tuples(st.floats(0, 1000), st.floats(0, 1000)), min_size=0, max_size=8),
    st.lists(st.tuples(st.floats(0, 1000), st.floats(0, 1000)), min_size=2, max_size=6),
    st.lists(st.tuples(st.floats(0, 1000), st.floats(0, 1000)), min_size=1, max_size=20),
)
def test_distance_to_presence_matches_brute_force(points, line, queries) -> None:
    lines = [shapely.LineString(line)] if len(set(line)) > 1 else []
    presence = fibre_presence(lines=lines, points=points)
    x = np.array([q[0] for q in queries])
    y = np.array([q[1] for q in queries])
    fast = distance_to_presence_m(presence, x, y)
    geoms = [*lines, *[shapely.Point(p) for p in points]]
    for i, q in enumerate(queries):
        slow = min((g.distance(shapely.Point(q)) for g in geoms), default=np.inf)
        assert fast[i] == pytest.approx(slow, abs=1e-6)


def test_terrain_factor_is_one_on_flat_ground_and_hand_checked_on_a_slope() -> None:
    s = TerrainSettings(grade_weight=2.0, relief_weight_per_100m=0.05)
    flat = np.zeros((1, 5))
    # 400 m link rising 40 m evenly: mean |grade| 0.1, relief 40 m
    slope = np.array([[0.0, 10.0, 20.0, 30.0, 40.0]])
    sawtooth = np.array([[0.0, 20.0, 0.0, 20.0, 0.0]])  # climbs 80 m over 400 m, relief 20 m
    factors = terrain_factor(np.vstack([flat, slope, sawtooth]), np.array([400.0] * 3), s)
    assert factors.tolist() == pytest.approx(
        [1.0, 1 + 2.0 * 0.1 + 0.05 * 0.4, 1 + 2.0 * 0.2 + 0.05 * 0.2]
    )


def test_terrain_factor_without_terrain_is_one_and_is_capped() -> None:
    s = TerrainSettings(factor_max=2.5)
    no_terrain = np.full((1, 4), np.nan)
    cliff = np.array([[0.0, 500.0, 0.0, 500.0]])
    factors = terrain_factor(np.vstack([no_terrain, cliff]), np.array([100.0, 100.0]), s)
    assert factors.tolist() == [1.0, 2.5]


def test_link_ends_at_the_nearest_point_of_a_fibre_line() -> None:
    presence = fibre_presence(lines=[shapely.LineString([(0, 0), (1000, 0)])])
    distance, nearest = nearest_presence(presence, np.array([300.0]), np.array([40.0]))
    assert distance.tolist() == [40.0] and nearest.tolist() == [[300.0, 0.0]]


@settings(max_examples=40, deadline=None)
@given(st.floats(0, 50), st.floats(0, 50))
def test_steeper_links_never_cost_less(rise_a: float, rise_b: float) -> None:
    s = HAND.fibre
    low, high = sorted((rise_a, rise_b))
    profiles = np.array([np.linspace(0, low, 8), np.linspace(0, high, 8)])
    factors = terrain_factor(profiles, np.array([200.0, 200.0]), HAND.terrain)
    costs = address_cost_nok(edge_cost_nok(np.array([260.0, 260.0]), s, factors), np.ones(2), s)
    assert costs[0] <= costs[1]


def test_a_fibre_tree_follows_the_road_around_a_fjord() -> None:
    # fibre ends at the road's start (0, 0); a house at (600, 0) across a fjord: the road goes
    # 500 m north, 600 m east, 500 m south (1,600 m), the straight line × 1.3 is 780 m
    road = road_graph(road_lines([(0, 0), (0, 500), (600, 500), (600, 0)]))
    addresses = pd.DataFrame(
        {"x_m": [X0 + 600.0], "y_m": [Y0 + 0.0], "households": [1], "kommunenummer": ["9901"]}
    )
    presence = fibre_presence(points=[(X0, Y0)])
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


def test_splitters_hand_checked() -> None:
    # 33 households in one cluster need 2 splitters of 32 ports: 2 × 5,000 / 33 each
    s = replace_nested(HAND.fibre, {"splitter_nok": 5_000.0, "splitter_ports": 32})
    share = splitter_nok_per_household(np.zeros(33, np.int64), np.ones(33), s)
    assert share == pytest.approx(np.full(33, 10_000 / 33))
    assert (share * 1).sum() == pytest.approx(10_000.0)  # to the krone


def test_a_sea_crossing_between_two_islands_is_sea_cable_and_landings_by_hand(
    tmp_path: Path,
) -> None:
    """Fibre at 5 m east (the served address on it); H1 at 235 m on the west island, H2 and H3
    (50 m north of H2) at 1,385 m on the east island; sea (DTM nodata) on [280, 830) m.

    Edges (HAND: trench 450 + cable 50 NOK/m, route factor 1.3; sea 800 NOK/m, 150,000 per
    landing): H1 → fibre 230 m × 1.3 × 500 = 149,500 (3 households); H2 → H1 1,150 m, 11/23 of
    it sea (tests/pipeline/rollout/test_ground.py): land 1,495 × 12/23 = 780 m × 500 = 390,000,
    sea 550 m × 800 = 440,000, 2 landings = 300,000, in all 1,130,000 (2 households);
    H3 → H2 50 m × 1.3 × 500 = 32,500. Priced flat over the sea, H2's edge would be 747,500.
    """
    from tests.pipeline.rollout.test_ground import X0 as SEA_X0
    from tests.pipeline.rollout.test_ground import Y0 as SEA_Y0
    from tests.pipeline.rollout.test_ground import two_islands_dtm

    addresses = addresses_at(
        SEA_X0 + np.array([235.0, 1_385.0, 1_385.0]), SEA_Y0 + np.array([505.0, 505.0, 555.0])
    )
    context = CostContext(dtm=two_islands_dtm(tmp_path / "dtm.tif"))
    presence = fibre_presence(points=[(SEA_X0 + 5.0, SEA_Y0 + 505.0)])
    costs = cost_per_address(addresses, np.ones(3, dtype=bool), presence, HAND, context)
    per_household = 20_000.0  # drop 8,000 + 150 × 30, ONT 2,500, installation 5,000
    first = 149_500.0 / 3
    assert costs["cost_nok"].tolist() == pytest.approx(
        [
            first + per_household,
            first + 1_130_000.0 / 2 + per_household,
            first + 1_130_000.0 / 2 + 32_500.0 + per_household,
        ]
    )
    assert costs["cost_nok"].sum() == pytest.approx(149_500 + 1_130_000 + 32_500 + 60_000)
    assert costs["sea_m"].tolist() == pytest.approx([0.0, 550.0, 0.0])
    assert costs["route_sea_m"].tolist() == pytest.approx([0.0, 550.0, 550.0])
    assert costs["terrain_factor"].tolist() == [1.0, 1.0, 1.0]
