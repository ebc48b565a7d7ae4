"""pipeline/radio/los_agreement.py: the dense reference by hand, and the production LOS against
it on a synthetic UTM 32 DTM and on the real Besseggen DTM, both read by a UTM 33 run."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import rasterio
from affine import Affine

from layers.dtm import DtmTiles
from pipeline.radio.dem_window import read_dem_window
from pipeline.radio.los_agreement import (
    DTM_CRS_EPSG,
    agreement_of_scene,
    besseggen_scene,
    compare,
    raster_bilinear_m,
    reference_line_of_sight,
    synthetic_scene,
)
from pipeline.radio.reach import LosSettings
from tests.fixtures import WINDOW_ROW_Y_M as ROW_Y_M
from tests.fixtures import column_x_m, write_dtm

MIN_AGREEMENT = 0.995  # issue 13: LOS agrees with the quarter-cell reference on >= 99.5 % of pairs


def test_bilinear_by_hand() -> None:
    # cell centres at x = 5, 15 and y = -5, -15; halfway between all four: the mean
    elevation_m = np.array([[0.0, 10.0], [20.0, 30.0]])
    transform = Affine(10.0, 0.0, 0.0, 0.0, -10.0, 0.0)
    x, y = np.array([10.0, 5.0, 12.5, 0.0]), np.array([-10.0, -5.0, -5.0, -10.0])
    # (12.5, -5): a quarter of a cell east of halfway on the top row: 0.75 · 10 = 7.5
    np.testing.assert_allclose(raster_bilinear_m(elevation_m, transform, x, y)[:3], [15, 0, 7.5])
    assert np.isnan(raster_bilinear_m(elevation_m, transform, x, y)[3])  # west of the centres


def test_reference_finds_the_knife_edge_by_hand(tmp_path: Path) -> None:
    """test_los.py's knife edge: 13.6 m ridge at the middle of 5 km, 30 m and 10 m antennas,
    3.5 GHz: (20 - 13.6 - 0.367878) / 10.347402 = 0.582960 at t = 1/2."""
    profile = np.zeros((3, 502))
    profile[:, 250] = 13.6
    path = write_dtm(tmp_path / "ridge.tif", profile, (column_x_m(-0.5), ROW_Y_M + 15.0))
    with rasterio.open(path) as dataset:
        result = reference_line_of_sight(
            dataset, column_x_m(0), ROW_Y_M, 30.0, column_x_m(500), ROW_Y_M, 10.0, 3500.0
        )
    assert not bool(result["los"].iloc[0])
    assert result["worst_clearance_ratio"].iloc[0] == pytest.approx(0.582960, abs=1e-6)
    assert result["t_worst"].iloc[0] == pytest.approx(0.5)


def test_compare_counts_by_hand() -> None:
    production = pd.DataFrame({"los": [True, True, False, False], "worst_clearance_ratio": 0.0})
    reference = pd.DataFrame({"los": [True, False, True, False], "worst_clearance_ratio": 0.0})
    production["worst_clearance_ratio"] = [1.0, 0.7, 0.5, -np.inf]
    reference["worst_clearance_ratio"] = [1.0, 0.5, 0.8, -3.0]
    agreement = compare(production, reference)
    assert (agreement.pairs, agreement.agreeing) == (4, 2)
    assert (agreement.optimistic, agreement.pessimistic) == (1, 1)
    # |Δ| over the finite pairs 0, 0.2, 0.3: median 0.2, p90 0.28
    assert agreement.median_ratio_difference == pytest.approx(0.2)
    assert agreement.p90_ratio_difference == pytest.approx(0.28)
    assert agreement.share == 0.5


def test_synthetic_utm32_dtm_read_by_a_utm33_run_agrees(tmp_path: Path) -> None:
    scene = synthetic_scene(tmp_path, size=200, n_sites=12, n_addresses=300)
    with DtmTiles(scene.dtm_path) as tiles:
        x, y = scene.address_x_m, scene.address_y_m
        window = read_dem_window(tiles, (x.min(), y.min(), x.max(), y.max()))
    assert window.crs.to_epsg() == DTM_CRS_EPSG  # sampled on the DTM's own grid, not warped
    after = agreement_of_scene(scene)
    before = agreement_of_scene(scene, LosSettings(spacing_m=10.0))  # samples a cell apart
    print(f"synthetic: after {after.describe()}; before {before.describe()}")
    assert after.pairs > 2000
    assert after.share >= MIN_AGREEMENT
    assert after.optimistic <= before.optimistic
    assert after.p90_ratio_difference <= before.p90_ratio_difference


@pytest.mark.realdata
def test_besseggen_dtm_read_by_a_utm33_run_agrees(realdata: Path) -> None:
    scene = besseggen_scene(realdata, n_sites=12, n_addresses=400)
    agreement = agreement_of_scene(scene)
    print(f"besseggen: {agreement.describe()}")
    assert agreement.pairs == 12 * 400  # every address within the 3 km range of every site
    assert agreement.share >= MIN_AGREEMENT
    assert agreement.p90_ratio_difference < 0.05
