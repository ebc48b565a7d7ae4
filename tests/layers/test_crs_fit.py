"""layers/crs_fit.py: a vector layer whose coordinates cannot be in the CRS it declares, or lie
nowhere near Norway in it, is refused naming the file, the CRS, the bounds got and what was
expected."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from pyproj import CRS, Transformer

from layers.crs_fit import (
    finite_bounds,
    lonlat_bounds,
    meets_norway,
    refuse_coordinates_that_misfit_the_crs,
)
from layers.errors import InputError

PATH = Path("lag.geojson")
KEY = "[inputs].fibre_crs"


def _frame(geometry: list[shapely.Geometry], crs: object) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(geometry=geometry, crs=crs)


def _refusal(frame: gpd.GeoDataFrame, declared_by: str = "the file") -> str:
    with pytest.raises(InputError) as raised:
        refuse_coordinates_that_misfit_the_crs(frame, PATH, KEY, declared_by)
    return str(raised.value)


def test_bounds_are_those_of_the_finite_coordinates() -> None:
    with np.errstate(invalid="ignore"):
        nan_line = shapely.LineString([(0, 0), (np.nan, 5)])
    geometry = np.array(
        [shapely.box(1, 2, 3, 4), None, shapely.Point(-1, 7), nan_line, shapely.Point()],
        dtype=object,
    )
    west, south, east, north = finite_bounds(geometry) or (0, 0, 0, 0)
    assert (west, east, north) == (-1.0, 3.0, 7.0)
    assert south == 2.0 or south == 0.0  # GEOS may or may not count the NaN line's (0, 0)
    assert finite_bounds(np.array([None, shapely.Point()], dtype=object)) is None


def test_norway_is_met_by_bounds_that_touch_a_box_and_not_by_others() -> None:
    assert meets_norway((10.0, 63.0, 10.1, 63.1))  # Trøndelag
    assert meets_norway((-20.0, 50.0, 4.0, 57.8))  # touches the mainland box's corner
    assert meets_norway((15.0, 78.0, 16.0, 78.5))  # Svalbard
    assert not meets_norway((63.0, 10.0, 63.1, 10.1))  # lat/lon exchanged: the Arabian Sea
    assert not meets_norway(None)


def test_lonlat_bounds_of_a_utm_box_match_the_central_meridian_and_a_point_transform() -> None:
    # easting 500 000 m is UTM 33's central meridian, 15 °E exactly, at every northing
    result = lonlat_bounds((500_000.0, 6_600_000.0, 500_000.0, 7_000_000.0), CRS(25833))
    assert result is not None
    assert result[0] == pytest.approx(15.0, abs=1e-9) and result[2] == pytest.approx(15.0)
    _, south = Transformer.from_crs(25833, 4258, always_xy=True).transform(500_000, 6_600_000)
    assert result[1] == pytest.approx(south, abs=1e-9) and 59.0 < south < 60.0


def test_a_layer_in_norway_in_its_crs_passes() -> None:
    refuse_coordinates_that_misfit_the_crs(
        _frame([shapely.box(270_000, 7_010_000, 271_000, 7_011_000)], 25833), PATH, KEY
    )
    refuse_coordinates_that_misfit_the_crs(
        _frame([shapely.LineString([(10.4, 63.25), (10.5, 63.3)])], 4326), PATH, KEY
    )
    refuse_coordinates_that_misfit_the_crs(_frame([None], 25833), PATH, KEY)  # no coordinates


def test_degrees_labelled_utm_are_named_as_degrees_with_the_bounds() -> None:
    message = _refusal(_frame([shapely.box(10.35, 63.2, 10.45, 63.3)], 25833))
    assert message.startswith(
        "lag.geojson: coordinates look like degrees (longitude/latitude) although the file says"
        " EPSG:25833 (got bounds (10.3500, 63.2000, 10.4500, 63.3000), expected metres in"
        " Norway: east "
    )
    assert message.endswith('or name it in the config: [inputs].fibre_crs = "EPSG:4326"')


def test_metres_labelled_degrees_cannot_be_degrees() -> None:
    message = _refusal(_frame([shapely.Point(270_800, 7_010_500)], 4326))
    assert message.startswith(
        "lag.geojson: coordinates up to (270,800, 7,010,500) cannot be degrees, but the file"
        " says EPSG:4326"
    )
    assert message.endswith('[inputs].fibre_crs = "EPSG:25833"')


def test_a_layer_elsewhere_is_refused_and_swapped_axes_are_named() -> None:
    # UTM 33 metres of central Europe (about 15 °E, 45 °N): somewhere else, no swap explains it
    message = _refusal(
        _frame([shapely.Point(500_000, 5_000_000)], "EPSG:25833"), "the config ([inputs].x)"
    )
    assert message.startswith(
        "lag.geojson: no feature lies in Norway: the bounds (500,000, 5,000,000, 500,000,"
        " 5,000,000) in EPSG:25833, as the config ([inputs].x) says, are (15.0000, 45.1"
    )
    assert "axes look swapped" not in message
    # a GeoJSON written latitude first: (63.25, 10.4) is not in Norway, (10.4, 63.25) is
    swapped = _refusal(_frame([shapely.Point(63.25, 10.4)], 4326))
    assert "with x and y exchanged they would: the axes look swapped" in swapped
