"""pipeline/wireless.py: predicted wireless speeds by distance and line of sight; the defaults of
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

from pipeline.config import WirelessSettings
from pipeline.progress import PlainProgress
from pipeline.wireless import distance_scale, predicted_speeds_mbps, wireless_per_address
from tests.fixtures import WINDOW_X0_M as X0_M
from tests.fixtures import WINDOW_Y0_M as Y0_M
from tests.fixtures import write_dtm


def test_distance_scale_hand_checked() -> None:
    # range 10 km: full speed to 5 km, 0.3 at 10 km, halfway (7.5 km) 0.65, 0 beyond
    scale = distance_scale(np.array([0.0, 5000.0, 7500.0, 10000.0, 10001.0]), np.full(5, 10000.0))
    assert scale.tolist() == pytest.approx([1.0, 1.0, 0.65, 0.3, 0.0])


def test_fwa_needs_line_of_sight_mobile_keeps_a_share() -> None:
    down, up = predicted_speeds_mbps(
        np.array(["fwa", "fwa", "mobile_4g", "mobile_5g"]),
        np.array([100.0, 100.0, 80.0, 500.0]),
        np.array([20.0, 20.0, 20.0, 50.0]),
        np.array([1000.0, 1000.0, 1000.0, 1000.0]),
        np.full(4, 8000.0),
        np.array([True, False, False, False]),
    )
    assert down.tolist() == pytest.approx([100.0, 0.0, 20.0, 75.0])
    assert up.tolist() == pytest.approx([20.0, 0.0, 5.0, 7.5])


@settings(max_examples=50, deadline=None)
@given(st.floats(0, 20000), st.floats(0, 20000), st.floats(1000, 20000))
def test_speed_never_grows_with_distance(d1: float, d2: float, range_m: float) -> None:
    near, far = sorted((d1, d2))
    scale = distance_scale(np.array([near, far]), np.full(2, range_m))
    assert scale[0] >= scale[1]


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
