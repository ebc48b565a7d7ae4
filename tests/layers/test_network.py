"""layers/network.py: the existing fibre: lines and points in EPSG:25833, empty features
quarantined, a clear error for a missing file or one without a CRS."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from pyproj import Transformer

from layers.errors import InputError
from layers.network import read_network


def test_lines_and_points_are_reprojected_and_empty_features_quarantined(tmp_path: Path) -> None:
    path = tmp_path / "fiber.geojson"
    gpd.GeoDataFrame(
        {"kind": ["trunk", "distribution", "x"]},
        geometry=[
            shapely.LineString([(10.0, 63.0), (10.1, 63.0)]),
            shapely.Point(10.2, 63.1),
            shapely.LineString(),
        ],
        crs=4326,
    ).to_file(path)
    result = read_network(path)
    fibre = result.accepted
    assert fibre["kind"].tolist() == ["trunk", "distribution"]
    assert fibre.crs.to_epsg() == 25833
    to_utm33 = Transformer.from_crs(4326, 25833, always_xy=True)
    np.testing.assert_allclose(
        shapely.get_coordinates(fibre.geometry.iloc[1])[0], to_utm33.transform(10.2, 63.1)
    )
    assert result.quarantine[["row_number", "key", "reason"]].to_dict("records") == [
        {"row_number": 3, "key": "3", "reason": "geometry: empty, expected a line or a point"}
    ]


def test_without_a_kind_every_feature_is_fibre(tmp_path: Path) -> None:
    path = tmp_path / "fiber.gpkg"
    gpd.GeoDataFrame(geometry=[shapely.Point(270_000, 7_010_000)], crs=25833).to_file(path)
    assert read_network(path).accepted["kind"].tolist() == ["fibre"]


def test_a_missing_file_or_one_without_crs_is_named(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"fiber\.geojson: fibre network file not found"):
        read_network(tmp_path / "fiber.geojson")
    path = tmp_path / "uten.gpkg"
    with pytest.warns(UserWarning, match="'crs' was not provided"):
        gpd.GeoDataFrame(geometry=[shapely.Point(1, 1)]).to_file(path)
    with pytest.raises(InputError, match=r"uten\.gpkg: no CRS in the file"):
        read_network(path)


def test_metres_in_a_geojson_without_a_crs_member_are_refused(tmp_path: Path) -> None:
    """A GeoJSON without "crs" is read as lon/lat: UTM metres there would be 270,000° east."""
    path = tmp_path / "fiber.geojson"
    line = {"type": "LineString", "coordinates": [[270000.0, 7010000.0], [271000.0, 7011000.0]]}
    path.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [{"type": "Feature", "properties": {}, "geometry": line}],
            }
        ),
        encoding="utf-8",
    )
    with pytest.raises(InputError) as raised:
        read_network(path)
    message = str(raised.value)
    assert message.startswith(f"{path}: coordinates up to (271,000, 7,011,000) cannot be degrees")
    assert "EPSG::25833" in message
    named = json.loads(path.read_text(encoding="utf-8"))
    named["crs"] = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::25833"}}
    path.write_text(json.dumps(named), encoding="utf-8")
    assert read_network(path).accepted.geometry.iloc[0].length == pytest.approx(2**0.5 * 1000)


def test_a_line_of_one_point_is_quarantined_with_the_geos_reason(tmp_path: Path) -> None:
    path = tmp_path / "fiber.geojson"
    line = {"type": "LineString", "coordinates": [[10.0, 63.0], [10.1, 63.0]]}
    features = [
        {"type": "Feature", "properties": {"fibre_id": "A"}, "geometry": line},
        {
            "type": "Feature",
            "properties": {"fibre_id": "B"},
            "geometry": {"type": "LineString", "coordinates": [[10.2, 63.1]]},
        },
        {"type": "Feature", "properties": {"fibre_id": "C"}, "geometry": None},
    ]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    result = read_network(path)
    assert (result.rows_read, len(result.accepted)) == (3, 1)
    assert result.quarantine[["row_number", "key", "reason"]].to_dict("records") == [
        {
            "row_number": 2,
            "key": "B",
            "reason": "geometry: cannot be built (point array must contain 0 or >1 elements);"
            " expected at least 2 points per line and 4 per ring",
        },
        {"row_number": 3, "key": "C", "reason": "geometry: empty, expected a line or a point"},
    ]
