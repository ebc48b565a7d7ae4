"""pipeline/radio/throughput.py: the link budget of a pair and the sector shared among its
households, against values computed by hand (the formulas' own checks are in
test_link_budget.py)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.config import LinkSettings
from pipeline.radio.link_budget import deygout_loss_db
from pipeline.radio.los import earth_bulge_m, line_of_sight
from pipeline.radio.throughput import (
    active_households,
    household_speeds_mbps,
    path_loss_db,
    radio_of,
    sector_capacity_mbps,
)
from tests.fixtures import WINDOW_ROW_Y_M, column_x_m, strip_window

LINK = LinkSettings()


def test_a_26_ghz_link_at_1_5_km_hand_checked() -> None:
    # loss = 124.271 (free space) + 5.695 (rain) + 5.678 (trees) = 135.644 dB
    loss = path_loss_db(np.array([1500.0]), np.array([26_000.0]), np.array([1.0]), LINK)
    assert loss[0] == pytest.approx(135.644, abs=0.01)
    # down: 60 + 20 - 135.644 - (-77.979) - 3 = 19.335 dB; 0.6 log2(1 + 85.77) = 3.8635;
    # × 400 MHz × 2 layers × 0.82 × 0.75 = 1900.8 Mbit/s
    down, up = sector_capacity_mbps(np.array(["fwa_mmwave"], dtype=object), loss, LINK)
    assert down[0] == pytest.approx(1900.8, rel=1e-3)
    # up: 40 + 25 - 135.644 - (-80.979) - 3 = 7.335 dB; 0.4 log2(1 + 5.4137) = 1.0725;
    # × 400 × 1 × 0.90 × 0.25 = 96.5 Mbit/s
    assert up[0] == pytest.approx(96.5, rel=1e-3)


def test_radio_by_technology_and_band() -> None:
    radio = radio_of(["fwa", "fwa", "mobile_4g", "mobile_5g"], [26_000.0, 3600.0, 800.0, 3500.0])
    assert radio.tolist() == ["fwa_mmwave", "fwa", "mobile_4g", "mobile_5g"]


def test_an_unknown_clearance_or_radio_carries_nothing() -> None:
    loss = path_loss_db(np.array([500.0, 500.0]), np.full(2, 3600.0), [np.nan, 1.0], LINK)
    down, up = sector_capacity_mbps(np.array(["fwa", "satellite"], dtype=object), loss, LINK)
    assert down.tolist() == [0.0, 0.0] and up.tolist() == [0.0, 0.0]


def test_the_sector_is_shared_among_the_active_households() -> None:
    # site A: 30 + 30 households carried, take-up 1, 0.2 active, 3 sectors -> 4 active;
    # site B: 10 households, one without signal (not counted) -> 0.667 -> its own capacity
    active = active_households(
        ["A", "A", "B", "B", None],
        [30, 30, 10, 5, 1],
        [True, True, True, False, True],
        1.0,
        LINK,
    )
    assert active.tolist() == pytest.approx([4.0, 4.0, 2 / 3, 2 / 3, 0.0])
    down, up = household_speeds_mbps(
        [2000.0, 2000.0, 2000.0, 0.0, 100.0],
        [400.0, 400.0, 400.0, 0.0, 400.0],
        active,
        [1000.0] * 5,
        [200.0] * 5,
    )
    assert down.tolist() == pytest.approx([500.0, 500.0, 1000.0, 0.0, 100.0])
    assert up.tolist() == pytest.approx([100.0, 100.0, 200.0, 0.0, 200.0])


@settings(max_examples=60, deadline=None)
@given(
    st.floats(10, 20_000),
    st.floats(10, 20_000),
    st.sampled_from([800.0, 3500.0, 26_000.0]),
    st.floats(-3, 3),
)
def test_loss_grows_with_distance(d1: float, d2: float, frequency_mhz: float, ratio: float) -> None:
    near, far = sorted((d1, d2))
    loss = path_loss_db(np.array([near, far]), np.full(2, frequency_mhz), np.full(2, ratio), LINK)
    assert loss[0] <= loss[1]


@settings(max_examples=60, deadline=None)
@given(
    st.floats(0, 1e5),
    st.floats(0, 1e4),
    st.floats(0, 1e3),
    st.floats(0, 1e3),
    st.floats(0, 2000),
    st.floats(0, 500),
)
def test_throughput_never_exceeds_the_advertised_speed_nor_grows_with_sharing(
    capacity_down: float,
    capacity_up: float,
    active: float,
    more: float,
    site_down: float,
    site_up: float,
) -> None:
    down, up = household_speeds_mbps(
        [capacity_down] * 2, [capacity_up] * 2, [active, active + more], site_down, site_up
    )
    assert (down <= site_down).all() and (up <= site_up).all()
    assert down[1] <= down[0] and up[1] <= up[0]


def test_the_runs_main_edge_is_deygouts_on_a_single_ridge() -> None:
    # 5 km at 3.5 GHz along cell centres, mast 30 m and CPE 10 m over 0 m ground, a 30 m ridge
    # halfway: the line is 20 m up there, bulge 0.367878 m, F1 10.347402 m (test_los.py), so
    # the ridge stands 10.367878 m above the line: ratio -1.001979, v = 1.417010,
    # J = 6.9 + 20 log10(sqrt(1.317010² + 1) + 1.317010) = 6.9 + 20 log10(2.970647) = 16.357 dB
    profile = np.zeros(502)
    profile[250] = 30.0
    window = strip_window(profile)
    los = line_of_sight(
        window, column_x_m(0), WINDOW_ROW_Y_M, 30.0, column_x_m(500), WINDOW_ROW_Y_M, 10.0, 3500.0
    ).iloc[0]
    assert los["worst_clearance_ratio"] == pytest.approx(-1.001979, abs=1e-6)
    free = path_loss_db([5000.0], [3500.0], [np.inf], LINK)
    run_loss = path_loss_db([5000.0], [3500.0], [los["worst_clearance_ratio"]], LINK) - free
    # the same profile handed to deygout_loss_db: samples at 10 m, terrain plus the bulge
    distance = 10.0 * np.arange(1, 500, dtype="float64")
    height = profile[1:500] + earth_bulge_m(distance, 5000.0 - distance)
    deygout = deygout_loss_db(distance[:, None], height[:, None], 30.0, 10.0, 5000.0, 3500.0)
    assert run_loss[0] == pytest.approx(16.357, abs=1e-3)
    assert deygout[0] == pytest.approx(run_loss[0], abs=1e-6)
