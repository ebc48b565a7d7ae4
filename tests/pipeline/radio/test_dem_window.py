"""pipeline/radio/dem_window.py: DEM windows over one raster or tiles in two UTM zones, and
bilinear elevation on them, checked on a plane.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from pyproj import Transformer
from rasterio.crs import CRS

from layers.dtm import DtmTiles, open_dtm
from layers.errors import InputError
from pipeline.radio.dem_window import bilinear_m, read_dem_window
from tests.fixtures import WINDOW_CELL_M as CELL_M
from tests.fixtures import WINDOW_X0_M as X0_M
from tests.fixtures import WINDOW_Y0_M as Y0_M
from tests.fixtures import dem_window, write_dtm
from tests.layers.test_dtm import write_truncated_dtm


def _plane_m(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return 0.02 * (x - X0_M) + 0.01 * (Y0_M - y) + 100.0


def _plane_tile(path: Path, left_m: float, top_m: float, shape=(100, 100)) -> Path:
    rows, cols = np.indices(shape)
    x, y = left_m + (cols + 0.5) * CELL_M, top_m - (rows + 0.5) * CELL_M
    return write_dtm(path, _plane_m(x, y), (left_m, top_m), CELL_M)


def test_bilinear_reproduces_a_plane_and_window_offsets(tmp_path: Path) -> None:
    dataset = open_dtm(_plane_tile(tmp_path / "plane.tif", X0_M, Y0_M))
    window = read_dem_window(dataset, (X0_M + 200, Y0_M - 700, X0_M + 600, Y0_M - 300), 20.0)
    assert window.on_raster is None
    assert window.elevation_m.shape == (46, 46)  # (400 m + 2 × 20 m margin) / 10 m + 2 cells
    rng = np.random.default_rng(1)
    x, y = rng.uniform(X0_M + 180, X0_M + 620, 500), rng.uniform(Y0_M - 720, Y0_M - 280, 500)
    np.testing.assert_allclose(bilinear_m(window, x, y), _plane_m(x, y), atol=1e-4)
    assert np.isnan(bilinear_m(window, np.array([X0_M - 10_000]), np.array([Y0_M]))).all()


def test_window_over_tiles_in_two_utm_zones(tmp_path: Path) -> None:
    tiles = tmp_path / "tiles"
    tiles.mkdir()
    _plane_tile(tiles / "a33.tif", X0_M, Y0_M)  # x 200 000-201 000 in EPSG:25833
    # the next kilometre east as a UTM 32 tile holding the same surface
    to32 = Transformer.from_crs(25833, 25832, always_xy=True)
    to33 = Transformer.from_crs(25832, 25833, always_xy=True)
    left32, top32 = (math.floor(v / 10) * 10 for v in to32.transform(X0_M + 900, Y0_M + 100))
    rows, cols = np.indices((140, 140))
    x33, y33 = to33.transform(left32 + (cols + 0.5) * CELL_M, top32 - (rows + 0.5) * CELL_M)
    write_dtm(tiles / "b32.tif", _plane_m(x33, y33), (left32, top32), CELL_M, epsg=25832)
    with DtmTiles(tiles) as dtm:
        window = read_dem_window(dtm, (X0_M + 100, Y0_M - 900, X0_M + 1900, Y0_M - 100))
    assert window.crs == CRS.from_epsg(25833)
    x = np.linspace(X0_M + 150, X0_M + 1850, 200)
    y = np.linspace(Y0_M - 850, Y0_M - 150, 200)
    np.testing.assert_allclose(bilinear_m(window, x, y), _plane_m(x, y), atol=0.05)


def test_a_truncated_dtm_is_an_error_naming_the_file_and_the_window(tmp_path: Path) -> None:
    path = write_truncated_dtm(tmp_path / "dtm.tif")
    with open_dtm(path) as dataset, pytest.raises(InputError) as raised:
        read_dem_window(dataset, (100_000.0, 6_995_000.0, 105_000.0, 7_000_000.0))
    assert str(raised.value).startswith(f"{path}: could not read the window at row 0, col 0")


def test_highest_nearby_is_the_top_of_the_4_by_4_block_from_one_cell_before() -> None:
    elevation_m = np.arange(36.0).reshape(6, 6)  # rises to the south-east
    window = dem_window(elevation_m)
    highest = window.highest_nearby_m(None)
    assert highest[0, 0] == 14.0  # rows -1 … 2, cols -1 … 2 (edges repeat): cell (2, 2)
    assert highest[1, 1] == 21.0  # cell (3, 3)
    assert highest[5, 5] == 35.0
    assert window.highest_nearby_m(None) is highest  # kept: read once per window


def test_highest_nearby_takes_nodata_as_sea_only_where_a_raster_covers_it() -> None:
    elevation_m = np.full((6, 6), -5.0)
    elevation_m[0, 0] = np.nan  # sea, on a raster
    elevation_m[5, 5] = np.nan  # off every raster
    on_raster = np.ones((6, 6), dtype=bool)
    on_raster[5, 5] = False
    window = dem_window(elevation_m, on_raster)
    sea = window.highest_nearby_m(0.0)
    assert sea[0, 0] == 0.0 and sea[2, 2] == -5.0 and sea[4, 4] == np.inf
    unknown = window.highest_nearby_m(None)
    assert unknown[0, 0] == np.inf and unknown[4, 4] == np.inf
