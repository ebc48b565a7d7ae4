"""layers/dtm.py: elevation and slope sampled from one raster or a folder of tiles in two CRSs,
nodata never 0 m.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from pyproj import Transformer
from rasterio.transform import from_origin

from layers.dtm import (
    DtmTiles,
    on_tiles,
    open_dtm,
    refuse_dtm_off_the_addresses,
    sample_terrain,
    warp_band,
)
from layers.errors import InputError
from tests.fixtures import DTM_NODATA, write_dtm, write_plane_dtm


def test_plane_gives_hand_computed_elevation_and_slope(tmp_path: Path) -> None:
    dataset = open_dtm(write_plane_dtm(tmp_path / "dtm.tif"))
    # cell (row 50, col 37) has centre x = 100000 + 375, y = 7000000 - 505; value 37
    result = sample_terrain(dataset, np.array([100_375.0]), np.array([6_999_495.0]))
    assert result["elevation_m"].iloc[0] == 37.0
    assert result["slope_deg"].iloc[0] == pytest.approx(math.degrees(math.atan(0.1)))
    assert bool(result["has_terrain"].iloc[0])


def test_nodata_and_outside_are_flagged_never_zero(tmp_path: Path) -> None:
    dataset = open_dtm(write_plane_dtm(tmp_path / "dtm.tif"))
    x = np.array([100_015.0, 99_000.0, 100_505.0])  # sea cell, west of the raster, on land
    y = np.array([6_999_985.0, 6_999_500.0, 6_999_500.0])
    result = sample_terrain(dataset, x, y)
    assert result["has_terrain"].tolist() == [False, False, True]
    assert result["elevation_m"].isna().tolist() == [True, True, False]
    assert not (result["elevation_m"] == 0).any()


def test_utm32_tile_samples_utm33_points(tmp_path: Path) -> None:
    origin32 = (480_000.0, 6_820_000.0)
    dataset = open_dtm(write_plane_dtm(tmp_path / "dtm32.tif", epsg=25832, origin=origin32))
    x32, y32 = origin32[0] + 375.0, origin32[1] - 505.0
    x33, y33 = Transformer.from_crs(25832, 25833, always_xy=True).transform(x32, y32)
    result = sample_terrain(dataset, np.array([x33]), np.array([y33]))
    assert result["elevation_m"].iloc[0] == 37.0


def test_missing_dtm_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"nope\.tif: terrain file not found"):
        open_dtm(tmp_path / "nope.tif")


@pytest.mark.realdata
def test_real_besseggen_tile_in_utm32(realdata: Path) -> None:
    dataset = open_dtm(realdata / "dem-jotunheimen" / "besseggen.tif")
    assert dataset.crs.to_epsg() == 32632
    centre = (
        (dataset.bounds.left + dataset.bounds.right) / 2,
        (dataset.bounds.bottom + dataset.bounds.top) / 2,
    )
    x33, y33 = Transformer.from_crs(32632, 25833, always_xy=True).transform(*centre)
    result = sample_terrain(dataset, np.array([x33]), np.array([y33]))
    expected = next(dataset.sample([centre]))[0]  # rasterio's own sampler as the reference
    assert result["elevation_m"].iloc[0] == pytest.approx(float(expected))
    assert 900 < result["elevation_m"].iloc[0] < 2300  # Besseggen lies between lakes and peaks


def _write_constant(
    path: Path, value: float, epsg: int, origin: tuple[float, float], nodata_block: bool = False
) -> Path:
    dem = np.full((50, 50), value, dtype="float32")
    if nodata_block:
        dem[:, :25] = DTM_NODATA  # western half is sea
    return write_dtm(path, dem, origin, 10.0, epsg)


def test_a_folder_of_tiles_in_two_crs_samples_as_one_surface(tmp_path: Path) -> None:
    tiles = tmp_path / "dtm"
    tiles.mkdir()
    # tile a (UTM33): x 100000-100500, y 6999500-7000000, 100 m, western half nodata
    _write_constant(tiles / "a.tif", 100.0, 25833, (100_000.0, 7_000_000.0), nodata_block=True)
    # tile b (UTM33) overlaps a's western half: 200 m
    _write_constant(tiles / "b.tif", 200.0, 25833, (99_800.0, 7_000_000.0))
    # tile c (UTM32) somewhere else: 300 m
    x32, y32 = Transformer.from_crs(25833, 25832, always_xy=True).transform(150_000.0, 7_000_000.0)
    _write_constant(tiles / "c.tif", 300.0, 25832, (x32 - 250, y32 + 250))
    with DtmTiles(tiles) as dtm:
        result = dtm.sample(
            np.array([100_400.0, 100_100.0, 150_000.0, 120_000.0]),
            np.array([6_999_800.0, 6_999_800.0, 7_000_000.0, 7_000_000.0]),
        )
    assert result["elevation_m"].tolist()[:3] == [100.0, 200.0, 300.0]
    assert result["has_terrain"].tolist() == [True, True, True, False]
    assert np.isnan(result["elevation_m"].iloc[3])


def test_empty_tile_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"no \.tif, \.tiff or \.vrt files"):
        DtmTiles(tmp_path)


# --- a raster that fails to read ------------------------------------------------------------


def write_truncated_dtm(path: Path, keep: float = 0.6) -> Path:
    """A 512 × 512 DTM of 10 m cells (top left 100000, 7000000) cut after ``keep`` of its
    bytes: it opens, its first rows read, its last rows do not (a copy that broke off)."""
    elevation = (np.arange(512 * 512, dtype="float64").reshape(512, 512) % 700).astype("float64")
    write_dtm(path, elevation, (100_000.0, 7_000_000.0), 10.0)
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])
    return path


def test_a_truncated_dtm_is_one_line_naming_the_file_and_the_window(tmp_path: Path) -> None:
    path = write_truncated_dtm(tmp_path / "dtm.tif")
    with DtmTiles(path) as tiles:
        top = tiles.sample(np.array([100_005.0]), np.array([6_999_995.0]))
        assert bool(top["has_terrain"].iloc[0])  # the rows before the cut still read
        with pytest.raises(InputError) as raised:
            tiles.sample(np.array([100_005.0, 105_005.0]), np.array([6_995_005.0, 6_999_995.0]))
    message = str(raised.value)
    assert "\n" not in message
    assert message.startswith(f"{path}: could not read the window at row 0, col 0 (501 × 502")
    assert "IReadBlock failed" in message and message.endswith(
        "is the file truncated, or a tile corrupt?)"
    )


def test_a_dtm_cut_before_its_header_does_not_open(tmp_path: Path) -> None:
    path = write_truncated_dtm(tmp_path / "dtm.tif", keep=0.0001)
    with pytest.raises(
        InputError,
        match=rf"^{path}: not a raster GDAL can read \(.*\); expected a terrain GeoTIFF or VRT$",
    ):
        open_dtm(path)


def test_a_warp_over_a_truncated_dtm_names_the_file_and_the_area(tmp_path: Path) -> None:
    path = write_truncated_dtm(tmp_path / "dtm.tif")
    with open_dtm(path) as dataset, pytest.raises(InputError) as raised:
        warp_band(dataset, (100, 100), from_origin(100_000, 7_000_000, 51.2, 51.2), dataset.crs)
    assert str(raised.value).startswith(
        f"{path}: could not read the area (100,000, 6,994,880, 105,120, 7,000,000) in EPSG:25833"
    )


def test_a_dtm_off_every_address_is_refused_with_both_bounds(tmp_path: Path) -> None:
    # the plane DTM spans x 100 000-101 000, y 6 999 000-7 000 000 (100 cells of 10 m)
    path = write_plane_dtm(tmp_path / "dtm.tif")
    x_m, y_m = np.array([200_000.0, 201_000.0, np.nan]), np.array([6_500_000.0, 6_501_000.0, 1.0])
    with pytest.raises(InputError) as raised:
        refuse_dtm_off_the_addresses(path, x_m, y_m)
    assert str(raised.value) == (
        f"{path}: the DTM covers none of the 2 addresses: its bounds in EPSG:25833 are"
        " (100,000, 6,999,000, 101,000, 7,000,000), the addresses' (200,000, 6,500,000,"
        " 201,000, 6,501,000); expected a DTM over the addresses (is its CRS tag right, is it"
        " the right tile?), or remove dtm from [inputs] to run without terrain"
    )


def test_partial_cover_is_allowed_down_to_the_configured_share(tmp_path: Path) -> None:
    path = write_plane_dtm(tmp_path / "dtm.tif")
    # one of four on the DTM (an edge counts as on it), three beyond its east edge
    x_m = np.array([101_000.0, 101_500.0, 102_000.0, 103_000.0])
    y_m = np.full(4, 6_999_500.0)
    assert on_tiles([(100_000.0, 6_999_000.0, 101_000.0, 7_000_000.0)], x_m, y_m).tolist() == [
        True,
        False,
        False,
        False,
    ]
    refuse_dtm_off_the_addresses(path, x_m, y_m)  # default: stop only when none is covered
    refuse_dtm_off_the_addresses(path, x_m, y_m, min_share=0.25)
    with pytest.raises(InputError, match=r"covers 1 of the 4 addresses \(25\.0%\)") as raised:
        refuse_dtm_off_the_addresses(path, x_m, y_m, min_share=0.5)
    assert str(raised.value).endswith(
        "lower [checks].min_addresses_on_dtm_share to go on anyway (now 50%)"
    )
    refuse_dtm_off_the_addresses(path, x_m[:0], y_m[:0], min_share=1.0)  # no addresses
