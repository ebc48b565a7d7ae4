"""pipeline/radio/los.py: line of sight; formulas by hand, analytic terrains, a slow reference
on real terrain, invariants."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from affine import Affine
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from pyproj import Transformer
from rasterio.crs import CRS

from layers.dtm import DtmTiles, open_dtm
from layers.errors import InputError
from pipeline.radio.dem_window import DemWindow, read_dem_window
from pipeline.radio.los import earth_bulge_m, fresnel_radius_m, line_of_sight
from tests.fixtures import WINDOW_CELL_M as CELL_M
from tests.fixtures import WINDOW_ROW_Y_M as ROW_Y_M
from tests.fixtures import WINDOW_X0_M as X0_M
from tests.fixtures import WINDOW_Y0_M as Y0_M
from tests.fixtures import (
    column_x_m,
    dem_window,
    strip_window,
    valley_profile_m,
    write_dtm,
)


def _one(window: DemWindow, tx_col: float, mast_m: float, rx_col: float, cpe_m: float, **kw):
    result = line_of_sight(
        window,
        column_x_m(tx_col),
        ROW_Y_M,
        mast_m,
        column_x_m(rx_col),
        ROW_Y_M,
        cpe_m,
        kw.pop("mhz", 3500.0),
        **kw,
    )
    return result.iloc[0]


# --- formulas ------------------------------------------------------------------------------------


def test_fresnel_radius_at_the_middle_of_a_5_km_path_at_3_5_ghz() -> None:
    # λ = 299 792 458 / 3.5e9 = 0.0856549880 m; F1 = sqrt(λ · 2500 · 2500 / 5000)
    #   = sqrt(107.0687350) = 10.347402 m
    assert fresnel_radius_m(2500.0, 2500.0, 3500.0) == pytest.approx(10.347402, abs=1e-6)
    # a quarter of the way: sqrt(λ · 1250 · 3750 / 5000) = sqrt(80.30155) = 8.961113 m
    assert fresnel_radius_m(1250.0, 3750.0, 3500.0) == pytest.approx(8.961113, abs=1e-6)
    assert fresnel_radius_m(np.array([0.0, 5000.0]), np.array([5000.0, 0.0]), 3500.0).tolist() == [
        0.0,
        0.0,
    ]


def test_earth_bulge_at_the_middle_of_a_20_km_path() -> None:
    # 10 000 · 10 000 / (2 · 4/3 · 6 371 000) = 1e8 / 16 989 333.3 = 5.886046 m
    assert earth_bulge_m(10_000.0, 10_000.0) == pytest.approx(5.886046, abs=1e-6)
    # true earth (k = 1): 1e8 / 12 742 000 = 7.848061 m
    assert earth_bulge_m(10_000.0, 10_000.0, k_factor=1.0) == pytest.approx(7.848061, abs=1e-6)


# --- analytic terrains ---------------------------------------------------------------------------


# radio horizon over a smooth earth: d = sqrt(2 k R) (sqrt(h1) + sqrt(h2)), sqrt(2 k R) = 4121.8 m
HORIZON_M = math.sqrt(2 * 4 / 3 * 6_371_000) * (math.sqrt(30.0) + math.sqrt(10.0))


def test_flat_earth_horizon_at_35_6_km_for_30_m_and_10_m() -> None:
    assert abs(HORIZON_M - 35_610.0) < 1.0  # 4.12 · (5.477 + 3.162) km
    window = strip_window(np.zeros(3700))
    for share, visible in ((0.99, True), (1.01, False)):
        rx_col = share * HORIZON_M / CELL_M
        result = _one(window, 0, 30.0, rx_col, 10.0, fresnel_clearance=0.0)
        assert bool(result["los"]) is visible, share
        assert bool(result["terrain_ok"])
    # just beyond the horizon the grazing point is at sqrt(2 k R h1) = 22.6 km from the mast
    beyond = _one(window, 0, 30.0, 1.001 * HORIZON_M / CELL_M, 10.0, fresnel_clearance=0.0)
    assert beyond["obstruction_distance_m"] == pytest.approx(4121.8 * math.sqrt(30), rel=0.01)


def test_fresnel_clearance_moves_the_horizon_closer() -> None:
    window = strip_window(np.zeros(3700))
    rx_col = 0.99 * HORIZON_M / CELL_M
    assert bool(_one(window, 0, 30.0, rx_col, 10.0, fresnel_clearance=0.0)["los"])
    assert not bool(_one(window, 0, 30.0, rx_col, 10.0, fresnel_clearance=0.6)["los"])


# Knife edge at the middle of a 5 km path along cell centres, 3.5 GHz, mast 30 m, CPE 10 m over
# 0 m ground: the line is 20 m above ground at the ridge, the bulge there is 0.367878 m and F1
# 10.347402 m, so 60 % of F1 is clear while the ridge is below
# 20 - 0.367878 - 0.6 · 10.347402 = 13.42368 m.
RIDGE_COL = 250


def _knife_edge(height_m: float) -> DemWindow:
    profile = np.zeros(502)
    profile[RIDGE_COL] = height_m
    return strip_window(profile)


def test_knife_edge_ridge_that_clears_60_percent_of_f1() -> None:
    result = _one(_knife_edge(13.3), 0, 30.0, 500, 10.0)
    assert bool(result["los"])
    # (20 - 13.3 - 0.367878) / 10.347402 = 0.611953
    assert result["worst_clearance_ratio"] == pytest.approx(0.611953, abs=1e-6)
    assert result["obstruction_x_m"] == pytest.approx(column_x_m(RIDGE_COL))


def test_ridge_blocks_line_of_sight() -> None:
    result = _one(_knife_edge(13.6), 0, 30.0, 500, 10.0)
    assert not bool(result["los"])
    assert bool(result["terrain_ok"])
    # (20 - 13.6 - 0.367878) / 10.347402 = 0.582960
    assert result["worst_clearance_ratio"] == pytest.approx(0.582960, abs=1e-6)
    assert result["obstruction_distance_m"] == pytest.approx(2500.0)
    assert result["obstruction_y_m"] == pytest.approx(ROW_Y_M)


def test_valley_floor_is_hidden_from_a_mast_beyond_the_ridge() -> None:
    window = strip_window(valley_profile_m())
    hidden = _one(window, 50, 30.0, 300, 5.0)
    assert not bool(hidden["los"])
    # the line passes the crest at 130 - 125 · 0.6 = 55 m, 245 m below it
    assert abs(hidden["obstruction_x_m"] - column_x_m(200)) <= CELL_M
    assert hidden["worst_clearance_ratio"] < -10
    assert hidden["tx_ground_m"] == 100.0 and hidden["rx_ground_m"] == 0.0
    assert bool(_one(window, 50, 30.0, 90, 5.0)["los"])  # the plateau on the mast's side
    assert bool(_one(window, 200, 10.0, 300, 5.0)["los"])  # a mast on the crest sees the floor


def test_a_knoll_inside_the_first_cell_beside_the_receiver_blocks() -> None:
    """An 8 m knoll (one cell, col 100) 7.5 m from a CPE on its flank at col 100.75.

    The site stands at col 0.75 (30 m mast on 0 m), 1000 m away: the fine grid (2.5 m, N = 400)
    has j = 397 on the knoll's top, 7.5 m from the CPE; the CPE's ground is 0.25 · 8 = 2 m, its
    antenna 7 m. There the line is 30 + 0.9925 · (7 - 30) = 7.1725 m, the bulge
    992.5 · 7.5 / 16 989 333 = 0.000438 m and F1 = sqrt(0.085655 · 992.5 · 7.5 / 1000)
    = 0.798495 m: ratio (7.1725 - 8 - 0.000438) / 0.798495 = -1.036873.
    """
    profile = np.zeros(202)
    profile[100] = 8.0
    window = strip_window(profile)
    blocked = _one(window, 0.75, 30.0, 100.75, 5.0)
    assert not bool(blocked["los"])
    assert blocked["rx_ground_m"] == pytest.approx(2.0)
    assert blocked["worst_clearance_ratio"] == pytest.approx(-1.036873, abs=1e-6)
    assert blocked["obstruction_x_m"] == pytest.approx(column_x_m(100.0))
    # samples a cell apart (the sampler before) see 6 m at 10 m and 4 m at 20 m: LOS
    assert bool(_one(window, 0.75, 30.0, 100.75, 5.0, spacing_m=CELL_M)["los"])


# --- nodata: sea, shore, off the raster ----------------------------------------------------------


def _island() -> DemWindow:
    """Land at 20 m (cols 0-99), sea as nodata (cols 100-200), an island at 10 m beyond."""
    profile = np.full(301, 20.0)
    profile[100:201] = np.nan
    profile[201:] = 10.0
    return strip_window(profile)


def test_island_is_reached_across_the_sea_at_sea_level() -> None:
    result = _one(_island(), 50, 30.0, 250, 5.0)
    assert bool(result["los"]) and bool(result["terrain_ok"])
    assert 0.45 < result["sea_share"] < 0.55
    assert result["rx_ground_m"] == 10.0


def test_sea_is_unknown_when_nodata_is_not_taken_as_sea_level() -> None:
    result = _one(_island(), 50, 30.0, 250, 5.0, sea_level_for_nodata=False)
    assert not bool(result["los"]) and not bool(result["terrain_ok"])


def test_endpoint_on_nodata_has_no_ground_and_is_flagged() -> None:
    result = _one(_island(), 50, 30.0, 150, 5.0)  # a pier out over the sea
    assert not bool(result["terrain_ok"]) and not bool(result["los"])
    assert math.isnan(result["rx_ground_m"])


def test_address_on_the_shore_keeps_its_ground_height() -> None:
    result = _one(_island(), 50, 30.0, 99, 5.0)  # the last land cell; its neighbour is sea
    assert result["rx_ground_m"] == 20.0
    assert bool(result["los"])


def test_path_over_a_gap_between_rasters_is_unknown_even_with_the_sea_rule(
    tmp_path: Path,
) -> None:
    tiles = tmp_path / "tiles"
    tiles.mkdir()
    ground = np.full((10, 100), 50.0)
    write_dtm(tiles / "a.tif", ground, (X0_M, Y0_M), CELL_M)
    write_dtm(tiles / "b.tif", ground, (X0_M + 2000, Y0_M), CELL_M)
    with DtmTiles(tiles) as dtm:
        window = read_dem_window(dtm, (X0_M, Y0_M - 100, X0_M + 3000, Y0_M))
        assert window.on_raster is not None and not window.on_raster.all()
        result = line_of_sight(window, X0_M + 505, Y0_M - 55, 30, X0_M + 2505, Y0_M - 55, 5, 3500)
    assert not bool(result["terrain_ok"].iloc[0]) and not bool(result["los"].iloc[0])
    assert result["tx_ground_m"].iloc[0] == 50.0 and result["rx_ground_m"].iloc[0] == 50.0


def test_bad_settings_are_refused_with_what_was_expected() -> None:
    window = strip_window(np.zeros(10))
    with pytest.raises(InputError, match=r"spacing_m: got 20.0, expected 0 < spacing <= .* 10.0"):
        line_of_sight(
            window, column_x_m(1), ROW_Y_M, 30, column_x_m(8), ROW_Y_M, 5, 3500, spacing_m=20.0
        )
    with pytest.raises(InputError, match=r"frequency_mhz: got \[0.0\], expected a frequency > 0"):
        line_of_sight(window, column_x_m(1), ROW_Y_M, 30, column_x_m(8), ROW_Y_M, 5, 0.0)
    with pytest.raises(InputError, match="expected a north-up grid"):
        DemWindow(np.zeros((3, 3)), Affine(10, 0, 0, 0, 10, 0), CRS.from_epsg(25833))


# --- many pairs at once = one at a time; agreement with a slow reference -------------------------


def reference_line_of_sight(
    dem: np.ndarray,
    transform: Affine,
    tx: tuple[float, float],
    mast_m: float,
    rx: tuple[float, float],
    cpe_m: float,
    frequency_mhz: float,
    k_factor: float = 4 / 3,
    fresnel_clearance: float = 0.6,
    spacing_m: float = 10.0,
) -> tuple[bool, float, float]:
    """One pair the obvious way: a loop over samples, explicit bilinear, the math module.

    Returns (LOS, worst clearance / F1, distance of the worst sample from the site).
    """
    to_cell = ~transform

    def elevation(x: float, y: float) -> float:
        col, row = to_cell @ (x, y)
        col, row = col - 0.5, row - 0.5  # 0 at the centre of the first cell
        c0 = min(math.floor(col), dem.shape[1] - 2)
        r0 = min(math.floor(row), dem.shape[0] - 2)
        u, v = col - c0, row - r0
        z = [[float(dem[r0 + i, c0 + j]) for j in (0, 1)] for i in (0, 1)]
        return (
            z[0][0] * (1 - u) * (1 - v)
            + z[0][1] * u * (1 - v)
            + z[1][0] * (1 - u) * v
            + z[1][1] * u * v
        )

    length_m = math.hypot(rx[0] - tx[0], rx[1] - tx[1])
    intervals = max(math.ceil(length_m / spacing_m), 1)
    antenna_m = elevation(*tx) + mast_m
    receiver_m = elevation(*rx) + cpe_m
    wavelength_m = 299_792_458.0 / (frequency_mhz * 1e6)
    worst, worst_at_m = math.inf, math.nan
    for i in range(1, intervals):
        d1 = length_m * i / intervals
        d2 = length_m - d1
        x = tx[0] + (rx[0] - tx[0]) * i / intervals
        y = tx[1] + (rx[1] - tx[1]) * i / intervals
        line_m = antenna_m + (receiver_m - antenna_m) * d1 / length_m
        bulge_m = d1 * d2 / (2 * k_factor * 6_371_000.0)
        f1_m = math.sqrt(wavelength_m * d1 * d2 / length_m)
        ratio = (line_m - elevation(x, y) - bulge_m) / f1_m
        if ratio < worst:
            worst, worst_at_m = ratio, d1
    return worst >= fresnel_clearance, worst, worst_at_m


def _random_pairs(rng: np.random.Generator, n: int, left, bottom, right, top) -> np.ndarray:
    """Columns tx_x, tx_y, rx_x, rx_y uniform in the box."""
    return np.column_stack([rng.uniform(*span, n) for span in [(left, right), (bottom, top)] * 2])


def test_chunks_do_not_change_the_result() -> None:
    rng = np.random.default_rng(7)
    window = dem_window(rng.uniform(0, 80, (60, 60)))
    ends = _random_pairs(rng, 200, X0_M + 10, Y0_M - 590, X0_M + 590, Y0_M - 10)
    args = (window, ends[:, 0], ends[:, 1], 20.0, ends[:, 2], ends[:, 3], 5.0, 3500.0)
    whole = line_of_sight(*args)
    chunked = line_of_sight(*args, max_samples_per_chunk=37)
    pd.testing.assert_frame_equal(whole, chunked)
    single = pd.concat(
        [line_of_sight(window, *ends[i, :2], 20.0, *ends[i, 2:], 5.0, 3500.0) for i in range(20)]
    )
    pd.testing.assert_frame_equal(whole.iloc[:20], single.reset_index(drop=True))


@pytest.mark.realdata
def test_agrees_with_the_slow_reference_on_the_besseggen_dtm(realdata: Path) -> None:
    dataset = open_dtm(realdata / "dem-jotunheimen" / "besseggen.tif")  # EPSG:32632, 10 m
    dem = dataset.read(1)
    left, bottom, right, top = dataset.bounds
    rng = np.random.default_rng(2025)
    n = 300
    ends32 = _random_pairs(rng, n, left + 6, bottom + 6, right - 6, top - 6)
    mast_m, cpe_m = rng.uniform(5, 40, n), rng.uniform(2, 10, n)
    frequency_mhz = rng.choice([700.0, 3600.0, 26_000.0], n)
    to33 = Transformer.from_crs(32632, 25833, always_xy=True)
    tx33, rx33 = (
        to33.transform(ends32[:, 0], ends32[:, 1]),
        to33.transform(ends32[:, 2], ends32[:, 3]),
    )
    bounds33 = (
        min(tx33[0].min(), rx33[0].min()),
        min(tx33[1].min(), rx33[1].min()),
        max(tx33[0].max(), rx33[0].max()),
        max(tx33[1].max(), rx33[1].max()),
    )
    window = read_dem_window(dataset, bounds33, margin_m=20.0)
    assert window.crs == dataset.crs  # profiles are sampled in the raster's own CRS
    # spacing_m = the cell: one pass over the cell-spaced grid, the same samples as the loop
    fast = line_of_sight(window, *tx33, mast_m, *rx33, cpe_m, frequency_mhz, spacing_m=10.0)
    slow = [
        reference_line_of_sight(dem, dataset.transform, tuple(e[:2]), m, tuple(e[2:]), c, f)
        for e, m, c, f in zip(ends32, mast_m, cpe_m, frequency_mhz, strict=True)
    ]
    slow_los = np.array([s[0] for s in slow])
    slow_ratio = np.array([s[1] for s in slow])
    assert fast["terrain_ok"].all()
    assert 0.1 < slow_los.mean() < 0.9  # a real mix of visible and hidden pairs
    agreement = (fast["los"].to_numpy() == slow_los).mean()
    max_difference = np.abs(fast["worst_clearance_ratio"].to_numpy() - slow_ratio).max()
    # the same worst sample, as a share of the path (distances differ by the UTM 32 / 33 scale)
    share_fast = fast["obstruction_distance_m"] / np.hypot(rx33[0] - tx33[0], rx33[1] - tx33[1])
    length32 = np.hypot(ends32[:, 2] - ends32[:, 0], ends32[:, 3] - ends32[:, 1])
    share_slow = np.array([s[2] for s in slow]) / length32
    print(f"LOS agreement {agreement:.1%}, max |Δ clearance ratio| {max_difference:.2e}")
    assert agreement == 1.0
    assert max_difference < 1e-6
    np.testing.assert_allclose(share_fast, share_slow, atol=1e-9)
    # the default: a quarter-cell grid read coarsely and refined, the loop's LOS at 2.5 m
    dense = line_of_sight(window, *tx33, mast_m, *rx33, cpe_m, frequency_mhz)
    slow = [
        reference_line_of_sight(
            dem, dataset.transform, tuple(e[:2]), m, tuple(e[2:]), c, f, spacing_m=2.5
        )
        for e, m, c, f in zip(ends32, mast_m, cpe_m, frequency_mhz, strict=True)
    ]
    slow_los, slow_ratio = np.array([s[0] for s in slow]), np.array([s[1] for s in slow])
    np.testing.assert_array_equal(dense["los"].to_numpy(), slow_los)
    blocked = ~slow_los  # below the threshold the worst ratio is the fine grid's own
    np.testing.assert_allclose(
        dense["worst_clearance_ratio"][blocked], slow_ratio[blocked], atol=1e-6
    )
    assert (dense["worst_clearance_ratio"][~blocked] >= slow_ratio[~blocked] - 1e-6).all()


# --- invariants ----------------------------------------------------------------------------------


terrains = arrays("float64", (8, 8), elements=st.floats(0, 200))


cell_centre = st.floats(0.5, 7.49)


heights = st.floats(0, 60)


@settings(max_examples=150, deadline=None)
@given(
    terrains, cell_centre, cell_centre, cell_centre, cell_centre, heights, heights, st.floats(0, 60)
)
def test_raising_the_mast_never_loses_line_of_sight(
    dem, tx_col, tx_row, rx_col, rx_row, mast_m, cpe_m, raise_m
) -> None:
    window = dem_window(dem)
    x = [X0_M + c * CELL_M for c in (tx_col, rx_col)]
    y = [Y0_M - r * CELL_M for r in (tx_row, rx_row)]
    low = line_of_sight(window, x[0], y[0], mast_m, x[1], y[1], cpe_m, 3500.0, spacing_m=3.0)
    high = line_of_sight(
        window, x[0], y[0], mast_m + raise_m, x[1], y[1], cpe_m, 3500.0, spacing_m=3.0
    )
    assert high["worst_clearance_ratio"].iloc[0] >= low["worst_clearance_ratio"].iloc[0] - 1e-9
    assert high["los"].iloc[0] or not low["los"].iloc[0]


@settings(max_examples=150, deadline=None)
@given(
    terrains,
    arrays("float64", (8, 8), elements=st.floats(0, 100)),
    cell_centre,
    cell_centre,
    cell_centre,
    cell_centre,
    heights,
)
def test_lowering_the_terrain_never_loses_line_of_sight(
    dem, cut_m, tx_col, tx_row, rx_col, rx_row, mast_m
) -> None:
    x = [X0_M + c * CELL_M for c in (tx_col, rx_col)]
    y = [Y0_M - r * CELL_M for r in (tx_row, rx_row)]
    before = line_of_sight(dem_window(dem), x[0], y[0], mast_m, x[1], y[1], 5.0, 3500.0)
    # the antennas stay where they were: only the terrain between them is lowered
    ends = {"tx_ground_m": before["tx_ground_m"], "rx_ground_m": before["rx_ground_m"]}
    after = line_of_sight(
        dem_window(dem - cut_m), x[0], y[0], mast_m, x[1], y[1], 5.0, 3500.0, **ends
    )
    assert after["worst_clearance_ratio"].iloc[0] >= before["worst_clearance_ratio"].iloc[0] - 1e-9
    assert after["los"].iloc[0] or not before["los"].iloc[0]
