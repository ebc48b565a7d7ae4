"""The scenarios' own arithmetic (:mod:`pipeline.scenarios`): the budget along the cost curve,
the offers of delivered areas, and sums that do not depend on the rows' order."""

from __future__ import annotations

import dataclasses

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from layers.quarantine import empty_quarantine
from pipeline.config_scenarios import Scenario
from pipeline.ingest import Ingested
from pipeline.scenarios import budget_reach, delivered_offers

IDENTITY = pd.DataFrame(
    {
        "level": ["kommune", "kommune", "fylke", "total"],
        "fylkesnummer": ["99", "99", "99", None],
        "kommunenummer": ["9901", "9902", None, None],
    }
)
# kommune 9901: a project of two addresses (300 kr, 3 households: 100 kr each) and an address
# on its own (50 kr, 1 household); kommune 9902: one project (1 000 kr, 2 households)
COSTED = pd.DataFrame(
    {
        "address_id": [1, 2, 3, 4, 5],
        "kommunenummer": ["9901", "9901", "9901", "9902", "9902"],
        "fylkesnummer": ["99"] * 5,
        "households": [1, 2, 1, 1, 1],
        "cost_nok": [100.0, 200.0, 50.0, 600.0, 400.0],
        "cluster_id": [1, 1, -1, 2, 2],
    }
)


@pytest.mark.parametrize(
    ("budget", "reached", "spent"),
    [
        (360.0, [4, 0, 4, 4], [350.0, 0.0, 350.0, 350.0]),
        (100.0, [1, 0, 1, 1], [50.0, 0.0, 50.0, 50.0]),
        (1000.0, [4, 2, 4, 4], [350.0, 1000.0, 350.0, 350.0]),
        (1350.0, [4, 2, 6, 6], [350.0, 1000.0, 1350.0, 1350.0]),
        (10.0, [0, 0, 0, 0], [0.0, 0.0, 0.0, 0.0]),
    ],
)
def test_a_budget_takes_the_cheapest_projects_per_household_first(
    budget: float, reached: list[int], spent: list[float]
) -> None:
    table = budget_reach(COSTED, budget, IDENTITY)
    assert table["budget_households_reached"].tolist() == reached
    assert table["budget_cost_nok"].tolist() == spent
    assert (table["budget_cost_nok"] <= budget).all()


@settings(max_examples=40, deadline=None)
@given(st.floats(0, 3000), st.floats(0, 3000))
def test_more_budget_never_reaches_fewer(low: float, high: float) -> None:
    low, high = sorted((low, high))
    less = budget_reach(COSTED, low, IDENTITY)["budget_households_reached"]
    more = budget_reach(COSTED, high, IDENTITY)["budget_households_reached"]
    assert (more >= less).all()


def _inputs() -> Ingested:
    addresses = gpd.GeoDataFrame(
        {"address_id": [1, 2, 3, 4], "x_m": [5.0, 25.0, 45.0, 95.0], "y_m": [5.0] * 4},
        geometry=shapely.points([5.0, 25.0, 45.0, 95.0], [5.0] * 4),
        crs=25833,
    )
    areas = gpd.GeoDataFrame(
        {
            "status": ["planned", "planned", "funded"],
            "build_date": pd.to_datetime(["2027-06-30", None, "2026-01-01"]),
        },
        geometry=[
            shapely.box(0, 0, 10, 10),
            shapely.box(20, 0, 30, 10),
            shapely.box(0, 0, 10, 10).union(shapely.box(40, 0, 50, 10)),
        ],
        crs=25833,
    )
    offers = pd.DataFrame(
        {
            "address_id": pd.Series([], dtype="int64"),
            "operator": pd.Series([], dtype="str"),
            "technology": pd.Series([], dtype="str"),
            "down_mbps": pd.Series([], dtype="float64"),
            "up_mbps": pd.Series([], dtype="float64"),
            "source": pd.Series([], dtype="str"),
            "source_date": pd.Series([], dtype="datetime64[ns]"),
            "row_number": pd.Series([], dtype="int64"),
        }
    )
    return Ingested(
        kommuner=gpd.GeoDataFrame(geometry=[], crs=25833),
        fylker=pd.DataFrame(),
        addresses=addresses,
        offers=offers,
        lacking=pd.DataFrame(),
        areas=areas,
        sites=None,
        fibre=None,
        roads=None,
        cost_factors=None,
        quarantine=empty_quarantine(),
        counts=pd.DataFrame(),
        metadata={},
    )


def test_only_areas_done_by_the_date_deliver() -> None:
    scenario = Scenario("x", planned_delivered=True, delivered_by="2027-12-31")
    offers = delivered_offers(_inputs(), scenario)
    assert offers["address_id"].tolist() == [1]  # the undated planned area does not count
    assert offers.iloc[0][["operator", "technology", "down_mbps", "up_mbps"]].tolist() == [
        "Planlagt utbygging",
        "fiber",
        1000.0,
        1000.0,
    ]


def test_every_area_delivers_without_a_date_and_a_funded_one_names_the_offer() -> None:
    scenario = Scenario("x", planned_delivered=True, funded_delivered=True)
    offers = delivered_offers(_inputs(), scenario).sort_values("address_id")
    assert offers["address_id"].tolist() == [1, 2, 3]  # address 4 lies in no area
    assert offers["operator"].tolist() == [
        "Støttet utbygging",
        "Planlagt utbygging",
        "Støttet utbygging",
    ]
    assert np.array_equal(offers.dtypes.to_numpy(), _inputs().offers.dtypes.to_numpy())


def test_an_area_that_states_its_speed_delivers_that_speed() -> None:
    inputs = _inputs()
    areas = inputs.areas.assign(
        down_mbps=pd.array([300, None, None], dtype="Int64"),
        up_mbps=pd.array([30, None, None], dtype="Int64"),
    )
    stated = dataclasses.replace(inputs, areas=areas)
    scenario = Scenario("x", planned_delivered=True, delivered_down_mbps=500.0)
    offers = delivered_offers(stated, scenario).sort_values("address_id")
    assert offers[["address_id", "down_mbps", "up_mbps"]].values.tolist() == [
        [1, 300.0, 30.0],  # the area states 300/30
        [2, 500.0, 1000.0],  # the undated area states none: the scenario's
    ]
