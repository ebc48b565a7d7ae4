"""pipeline/wireless.py: predicted wireless speeds from the link budget; the defaults of
line of sight in one home."""

from __future__ import annotations

import inspect
import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.config import LinkSettings, WirelessSettings
from pipeline.progress import PlainProgress
from pipeline.wireless import predicted_speeds_mbps, wireless_per_address
from tests.fixtures import WINDOW_X0_M as X0_M
from tests.fixtures import WINDOW_Y0_M as Y0_M
from tests.fixtures import write_dtm


def _best_sites(rows: list[tuple[str, float, float, float]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["technology", "frequency_mhz", "down_mbps", "up_mbps"])


def test_a_new_26_ghz_mast_reaches_gigabit_only_where_the_budget_says() -> None:
    # one household each at 1.5 km (clear path): capacity 1900.8 / 96.5 Mbit/s
    # (tests/pipeline/radio/test_link_budget.py), capped by the advertised 1000 / 200; at
    # 4 km: 132.79 + 15.19 rain + 5.68 trees = 153.65 dB, SINR 1.33 dB -> 0.6 log2(2.357)
    # · 492 = 365.1 Mbit/s; behind a ridge (ratio -2, v = 2.83, J = 21.92 dB) at 1.5 km:
    # 157.56 dB, SINR -2.58 dB -> 0.6 log2(1.552) · 492 = 187.2
    sites = _best_sites([("fwa", 26_000.0, 1000.0, 200.0)] * 3)
    reach = pd.DataFrame(
        {
            "los_site_id": ["ny-1", "ny-2", "ny-3"],
            "los_distance_m": [1500.0, 4000.0, 1500.0],
            "worst_clearance_ratio": [1.0, 1.0, -2.0],
        }
    )
    down, up = predicted_speeds_mbps(sites, reach, np.ones(3), LinkSettings(), 1.0)
    assert down[0] == 1000.0 and up[0] == pytest.approx(96.5, rel=1e-3)
    assert down[1] == pytest.approx(365.1, rel=1e-3) and down[2] == pytest.approx(187.2, rel=1e-3)


def test_households_share_their_site_and_no_site_gives_nothing() -> None:
    # 4G at 800 MHz, 2 km, clear: SINR far above the cap -> 4.4 · 10 MHz · 2 · 0.86 = 75.7
    # Mbit/s down; 90 households × take-up 0.25 × 0.2 active / 3 sectors = 1.5 active -> 50.5,
    # under the advertised 60; one household alone keeps 60 (the cap); no site: 0
    sites = _best_sites([("mobile_4g", 800.0, 60.0, 15.0)] * 3 + [(np.nan, np.nan, np.nan, np.nan)])
    reach = pd.DataFrame(
        {
            "los_site_id": ["A", "A", "B", None],
            "los_distance_m": [2000.0, 2000.0, 2000.0, np.nan],
            "worst_clearance_ratio": [1.0, 1.0, 1.0, np.nan],
        }
    )
    households = np.array([45.0, 45.0, 1.0, 1.0])
    down, _ = predicted_speeds_mbps(sites, reach, households, LinkSettings(), 0.25)
    assert down.tolist() == pytest.approx([75.68 / 1.5, 75.68 / 1.5, 60.0, 0.0], rel=1e-3)


@settings(max_examples=50, deadline=None)
@given(st.floats(50, 20000), st.floats(50, 20000), st.floats(1, 500))
def test_speed_never_grows_with_distance(d1: float, d2: float, households: float) -> None:
    near, far = sorted((d1, d2))
    sites = _best_sites([("fwa", 26_000.0, 1000.0, 200.0)] * 2)
    reach = pd.DataFrame(
        {"los_site_id": ["A", "B"], "los_distance_m": [near, far], "worst_clearance_ratio": 1.0}
    )
    down, up = predicted_speeds_mbps(sites, reach, np.full(2, households), LinkSettings(), 1.0)
    assert down[0] >= down[1] and up[0] >= up[1]


def test_the_line_of_sight_defaults_have_one_home() -> None:
    from pipeline.cli import tools
    from pipeline.radio import los
    from pipeline.radio.reach import LosSettings

    wireless = WirelessSettings()
    physics = ("cpe_height_m", "k_factor", "fresnel_clearance", "sea_level_for_nodata")
    assert all(getattr(LosSettings(), name) == getattr(wireless, name) for name in physics)
    custom = WirelessSettings(cpe_height_m=8.0, k_factor=1.0, fresnel_clearance=0.4)
    assert LosSettings.from_wireless(custom) == LosSettings(
        cpe_height_m=8.0, k_factor=1.0, fresnel_clearance=0.4
    )
    options = inspect.signature(tools.los).parameters
    assert all(options[name].default == getattr(wireless, name) for name in physics[:3])
    # pipeline.radio.los keeps defaults of its own in its signatures: they must agree
    assert wireless.k_factor == los.DEFAULT_K_FACTOR
    assert wireless.fresnel_clearance == los.DEFAULT_FRESNEL_CLEARANCE


def test_each_pass_over_the_kommuner_reports_its_progress(tmp_path: Path) -> None:
    """Two kommuner, a 4G and an FWA site over a DTM: the pass over the kommuner prints
    "x/2 kommuner" lines; without a DTM there is nothing to count."""
    dtm = write_dtm(tmp_path / "dtm.tif", np.full((40, 40), 10.0), (X0_M, Y0_M))
    addresses = pd.DataFrame(
        {
            "kommunenummer": ["9901", "9902", "9902"],
            "x_m": [X0_M + 100.0, X0_M + 200.0, X0_M + 300.0],
            "y_m": [Y0_M - 100.0, Y0_M - 200.0, Y0_M - 300.0],
        }
    )
    sites = pd.DataFrame(
        {
            "site_id": ["4g", "fwa"],
            "technology": ["mobile_4g", "fwa"],
            "x_m": [X0_M + 150.0, X0_M + 250.0],
            "y_m": [Y0_M - 150.0, Y0_M - 250.0],
            "antenna_height_m": 30.0,
            "frequency_mhz": 3600.0,
            "max_range_m": 2000.0,
            "down_mbps": 100.0,
            "up_mbps": 20.0,
        }
    )
    settings = WirelessSettings(technologies=("mobile_4g", "fwa"))
    lines = io.StringIO()
    reach = wireless_per_address(addresses, sites, dtm, settings, PlainProgress(lines))
    assert reach["has_los"].all()
    shown = lines.getvalue().splitlines()
    assert shown[0] == "wireless: 0/2 kommuner (0 %), 0 s"
    assert shown[1].startswith("wireless: 2/2 kommuner (100 %), ") and len(shown) == 2
    quiet = io.StringIO()
    wireless_per_address(addresses, sites, None, settings, PlainProgress(quiet))
    assert quiet.getvalue() == ""
