from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.config import CostSettings
from pipeline.cost import address_cost_nok, cost_per_address, distance_to_presence_m, route_length_m


def test_hand_computed_cost_of_one_household() -> None:
    s = CostSettings()
    # 1000 m straight line × 1.3 = 1300 m route; (450 + 40) NOK/m → 637 000;
    # drop 8000 + 150 × 30 = 12 500; ONT 2 500 + install 5 000 = 7 500 → 657 000 NOK
    cost = address_cost_nok(route_length_m(np.array([1000.0]), s), np.array([1]), s)
    assert cost.tolist() == [657_000.0]


def test_distance_to_a_line_and_a_point() -> None:
    presence = np.array([shapely.LineString([(0, 0), (0, 1000)]), shapely.Point(500, 2000)])
    distance = distance_to_presence_m(presence, np.array([300.0, 500.0]), np.array([500.0, 1900.0]))
    assert distance.tolist() == [300.0, 100.0]


def test_no_presence_caps_the_route_and_flags_it() -> None:
    addresses = pd.DataFrame({"x_m": [0.0], "y_m": [0.0], "households": [1]})
    s = CostSettings(max_route_m=5000)
    result = cost_per_address(addresses, np.array([True]), np.empty(0, dtype=object), s)
    assert result["route_m"].iloc[0] == 5000 and bool(result["route_capped"].iloc[0])


def test_served_addresses_get_no_cost() -> None:
    addresses = pd.DataFrame({"x_m": [0.0, 10.0], "y_m": [0.0, 0.0], "households": [1, 1]})
    result = cost_per_address(addresses, np.array([False, True]), np.array([shapely.Point(0, 0)]), CostSettings())
    assert np.isnan(result["cost_nok"].iloc[0]) and result["cost_nok"].iloc[1] > 0


@settings(max_examples=60, deadline=None)
@given(st.floats(0, 50_000), st.floats(0, 50_000), st.integers(1, 40))
def test_cost_never_falls_when_the_route_gets_longer(d1: float, d2: float, households: int) -> None:
    s = CostSettings()
    short, long = sorted((d1, d2))
    costs = address_cost_nok(route_length_m(np.array([short, long]), s), np.array([households] * 2), s)
    assert costs[0] <= costs[1]


def test_cost_grows_linearly_with_households_for_equipment_only() -> None:
    s = CostSettings()
    one, ten = address_cost_nok(np.array([0.0, 0.0]), np.array([1, 10]), s)
    assert ten - one == pytest.approx(9 * (s.ont_nok + s.install_nok))
