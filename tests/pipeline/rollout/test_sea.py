"""pipeline/rollout/sea.py: which samples are sea, the sea share, landings and their price."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from pipeline.config_cost import SeaSettings
from pipeline.rollout.sea import landings, on_land, sea_cost_nok, sea_fraction, sea_samples


def test_sea_share_is_the_trapezoid_rule_over_the_samples() -> None:
    # 6 samples, 5 intervals: 0 + 1/2 + 1 + 1 + 1/2 = 3 of 5 intervals over sea
    sea = np.array([[0, 0, 1, 1, 1, 0], [0, 0, 0, 0, 0, 0], [1, 1, 1, 1, 1, 1]], dtype=bool)
    assert sea_fraction(sea).tolist() == pytest.approx([0.6, 0.0, 1.0])
    assert landings(sea).tolist() == [2, 0, 0]


def test_a_sample_is_sea_on_dtm_nodata_or_outside_the_land_never_without_coordinates() -> None:
    elevation = np.array([[5.0, np.nan, np.nan, 5.0, np.nan]])
    on_dtm = np.array([[True, True, False, True, True]])
    inside = np.array([[True, True, True, False, True]])
    finite = np.array([[True, True, True, True, False]])
    # nodata on the DTM: sea; off the DTM inside a kommune: land; outside the land: sea;
    # no coordinates (no fibre anywhere): not sea
    assert sea_samples(elevation, on_dtm, inside, finite).tolist() == [
        [False, True, False, True, False]
    ]


def test_on_land_is_inside_any_polygon_and_all_land_without_polygons() -> None:
    land = np.array([shapely.box(0, 0, 100, 100), shapely.box(500, 0, 600, 100)], dtype=object)
    x = np.array([50.0, 300.0, 550.0, np.nan, 5_000.0])
    y = np.array([50.0, 50.0, 50.0, 50.0, 50.0])
    assert on_land(land, x, y).tolist() == [True, False, True, False, False]
    assert on_land(None, x, y).all()


def test_sea_cable_and_landings_are_priced_by_hand() -> None:
    settings = SeaSettings(cable_nok_per_m=800.0, landing_nok=150_000.0)
    # 550 m of sea cable and two landings: 440,000 + 300,000
    cost = sea_cost_nok(np.array([550.0, 0.0]), np.array([2, 0]), settings)
    assert cost.tolist() == [740_000.0, 0.0]
