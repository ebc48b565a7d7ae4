"""layers/geometry_checks.py: each feature's geometry accepted, repaired or quarantined with a
reason; NaN, empty, wrong type and repairs that change the area or length are refused."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from layers.geometry_checks import check_geometries

SQUARE = shapely.box(0, 0, 100, 100)
# a square with a zero-width spike on its top edge: make_valid drops the spike, keeps the area
SPIKE = shapely.Polygon([(0, 0), (100, 0), (100, 100), (50, 100), (50, 150), (50, 100), (0, 100)])
BOWTIE = shapely.Polygon([(0, 0), (100, 100), (100, 0), (0, 100)])


def test_polygons_are_kept_repaired_or_quarantined_each_with_its_reason() -> None:
    with np.errstate(invalid="ignore"):
        nan_polygon = shapely.Polygon([(0, 0), (np.nan, 0), (1, 1)])
    inf_polygon = shapely.Polygon([(0, 0), (np.inf, 0), (1, 1)])
    geometry = gpd.GeoSeries(
        [SQUARE, SPIKE, BOWTIE, nan_polygon, inf_polygon, None, shapely.Polygon(), SQUARE.boundary],
        crs=25833,
    )
    checked = check_geometries(geometry, "polygon")
    reasons = checked.reasons.tolist()
    assert checked.reasons.isna().tolist() == [True, True] + [False] * 6
    assert checked.repaired == 1
    assert checked.geometry[1].is_valid and checked.geometry[1].area == pytest.approx(10_000)
    assert reasons[2] == (
        "geometry: invalid (Self-intersection[50 50]) and make_valid cannot repair it: it"
        " changes the area from 0 to 5,000 m² (more than 1%); expected a valid geometry"
    )
    nan_reason = "geometry: a coordinate is NaN or infinite, expected finite numbers"
    assert reasons[3] == reasons[4] == nan_reason
    assert reasons[5] == reasons[6] == "geometry: empty, expected a Polygon or MultiPolygon"
    assert reasons[7] == "geometry: got LineString, expected a Polygon or MultiPolygon"
    assert all(g is None for g in checked.geometry[2:])


def test_geometries_in_degrees_come_back_in_epsg_25833() -> None:
    checked = check_geometries(
        gpd.GeoSeries([shapely.box(10, 63, 10.01, 63.01)], crs=4326), "polygon"
    )
    west, south, _, _ = checked.geometry[0].bounds
    assert 200_000 < west < 300_000 and 6_900_000 < south < 7_100_000


def test_lines_of_one_point_are_zero_length_and_points_are_no_roads() -> None:
    geometry = gpd.GeoSeries(
        [
            shapely.LineString([(0, 0), (10, 0)]),
            shapely.LineString([(5, 5), (5, 5)]),
            shapely.Point(1, 1),
        ],
        crs=25833,
    )
    assert check_geometries(geometry, "line").reasons.tolist()[1:] == [
        "geometry: zero length, expected a line of length > 0",
        "geometry: got Point, expected a LineString or MultiLineString",
    ]
    # fibre may be a point: a line of one point is repaired into that point
    fibre = check_geometries(geometry, "line_or_point")
    assert fibre.reasons.isna().all() and fibre.geometry[1].geom_type == "Point"


def test_a_large_layer_is_checked_without_a_loop_per_feature() -> None:
    boxes = shapely.box(np.arange(100_000) * 10.0, 0, np.arange(100_000) * 10.0 + 5, 5)
    boxes[::1000] = BOWTIE
    checked = check_geometries(gpd.GeoSeries(boxes, crs=25833), "polygon")
    assert int(checked.reasons.notna().sum()) == 100


def test_a_build_error_from_the_file_is_the_first_reason_of_its_feature() -> None:
    geometry = gpd.GeoSeries([shapely.LineString([(0, 0), (10, 0)]), None], crs=25833)
    errors = pd.Series([pd.NA, "geometry: cannot be built (…)"], dtype="object")
    checked = check_geometries(geometry, "line", errors)
    assert checked.reasons.isna().tolist() == [True, False]
    assert checked.reasons.iloc[1] == "geometry: cannot be built (…)"  # not "empty"
    assert checked.geometry[1] is None and checked.geometry[0].length == 10.0
