"""pipeline/products/hillshade.py: the terrain shaded by the sun, by hand on flat and sloping
ground; the PNG overlay transparent over the sea."""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import numpy as np
import pytest
import rasterio
from rasterio.errors import NotGeoreferencedWarning

from layers.errors import InputError
from pipeline.products.hillshade import hillshade, write_hillshade_png
from tests.fixtures import write_dtm
from tests.layers.test_dtm import write_truncated_dtm


def test_flat_ground_is_lit_by_the_cosine_of_the_zenith() -> None:
    shade = hillshade(np.zeros((5, 5)), 10.0, azimuth_deg=315, altitude_deg=45)
    assert shade == pytest.approx(np.full((5, 5), math.cos(math.radians(45))))


def test_a_slope_facing_the_sun_at_its_altitude_is_fully_lit_and_the_opposite_is_dark() -> None:
    # rises towards the east at 45°: faces west (azimuth 270)
    cols = np.arange(20, dtype=float)
    east_rising = np.tile(cols * 10.0, (20, 1))
    facing = hillshade(east_rising, 10.0, azimuth_deg=270, altitude_deg=45)
    away = hillshade(east_rising, 10.0, azimuth_deg=90, altitude_deg=45)
    assert facing[5:15, 5:15] == pytest.approx(np.ones((10, 10)))
    assert away[5:15, 5:15] == pytest.approx(np.zeros((10, 10)), abs=1e-9)


def test_png_is_transparent_over_nodata_and_bounds_cover_the_kommune(tmp_path: Path) -> None:
    dem = np.full((100, 100), 50.0, dtype="float32")
    dem[:, :50] = -9999.0  # west half is sea
    dtm = tmp_path / "dtm.tif"
    write_dtm(dtm, np.where(dem == -9999.0, np.nan, dem), (270_000, 7_011_000), 10.0)
    png = tmp_path / "h.png"
    bounds = write_hillshade_png(dtm, (270_000, 7_010_000, 271_000, 7_011_000), png, max_px=64)
    assert bounds is not None
    (south, west), (north, east) = bounds
    assert 63.0 < south < north < 63.3 and 10.0 < west < east < 11.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NotGeoreferencedWarning)
        with rasterio.open(png) as image:
            alpha = image.read(4)
    # the UTM square is turned a little in Web Mercator: look inside it, away from its edges
    height, width = alpha.shape
    middle = slice(height // 4, 3 * height // 4)
    assert alpha[middle, width // 8 : 3 * width // 8].max() == 0  # sea: transparent
    assert alpha[middle, 5 * width // 8 : 7 * width // 8].min() == 255  # land: opaque


def test_a_truncated_dtm_is_an_error_naming_the_file_and_the_area(tmp_path: Path) -> None:
    path = write_truncated_dtm(tmp_path / "dtm.tif")
    with pytest.raises(InputError, match=rf"^{path}: could not read the area \("):
        write_hillshade_png(
            path, (100_000.0, 6_995_000.0, 105_000.0, 7_000_000.0), tmp_path / "h.png"
        )
