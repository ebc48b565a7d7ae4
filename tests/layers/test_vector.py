"""layers/vector.py: what the vector readers share: columns by name, numbers from text, polygons
repaired or refused with a reason, ids or feature numbers, the quarantine of features."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Transformer

from layers.errors import InputError
from layers.vector import (
    find_column,
    ids_or_feature_numbers,
    quarantine_features,
    read_features,
    read_vector,
    repair_polygons,
    stripped_text,
    to_float,
)


def test_a_column_is_found_by_any_candidate_name_ignoring_case_and_blanks() -> None:
    frame = pd.DataFrame(columns=[" SSBID ", "Hastighet", "x"])
    assert find_column(frame, ("ssb_id", "ssbid")) == " SSBID "
    assert find_column(frame, ("hastighet", "x")) == "Hastighet"  # the first candidate found
    assert find_column(frame, ("nedlasting",)) is None


def test_numbers_from_text_are_nan_where_empty_or_not_a_number() -> None:
    text = pd.Series(["1.5", "", "1,5", None, "7"], index=[3, 4, 5, 6, 7])
    values = to_float(text)
    assert values.index.tolist() == [3, 4, 5, 6, 7] and values.dtype == "float64"
    assert values.tolist()[0] == 1.5 and values.tolist()[4] == 7.0
    assert values.isna().tolist() == [False, True, True, True, False]  # no decimal comma


def test_text_is_stripped_and_blank_is_missing() -> None:
    text = stripped_text(pd.DataFrame({"navn": ["  Vik ", "", None, " "]}), "navn")
    assert text.iloc[0] == "Vik" and text.iloc[1:].isna().all()


def test_polygons_are_repaired_into_epsg_25833_or_refused_with_a_reason() -> None:
    bowtie = shapely.Polygon([(0, 0), (10, 10), (10, 0), (0, 10), (0, 0)])
    flat = shapely.Polygon([(0, 0), (1, 1), (2, 2), (0, 0)])  # no area at all
    geometry = gpd.GeoSeries(
        [bowtie, shapely.Point(1, 1), None, flat, shapely.box(0, 0, 5, 5)],
        index=[5, 6, 7, 8, 9],
        crs=25833,
    )
    polygons, reasons = repair_polygons(geometry)
    assert reasons.index.tolist() == [5, 6, 7, 8, 9]
    assert reasons.isna().tolist() == [False, False, False, False, True]
    assert "make_valid cannot repair it: it changes the area from 0 to 50 m²" in reasons.loc[5]
    assert reasons.loc[6] == "geometry: got Point, expected a Polygon or MultiPolygon"
    assert reasons.loc[7] == "geometry: empty, expected a Polygon or MultiPolygon"
    assert "nothing of a Polygon or MultiPolygon is left" in reasons.loc[8]
    assert polygons[4].equals(shapely.box(0, 0, 5, 5))
    assert all(p.is_empty for p in polygons[:4])


def test_polygons_in_lon_lat_come_back_in_metres() -> None:
    square = shapely.box(10.0, 63.0, 10.01, 63.01)
    polygons, _ = repair_polygons(gpd.GeoSeries([square], crs=4326))
    to_utm33 = Transformer.from_crs(4326, 25833, always_xy=True)
    x_m, y_m = to_utm33.transform(10.0, 63.0)  # the south-west corner, independently
    corners = shapely.get_coordinates(polygons[0])
    assert np.hypot(corners[:, 0] - x_m, corners[:, 1] - y_m).min() < 0.01


def test_ids_come_from_the_id_column_else_the_feature_number() -> None:
    frame = pd.DataFrame({" SSBID ": [22620006649000.0, np.nan, 5.0], "x": [1, 2, 3]})
    # a DBF stores 14-digit SSB ids as floats: read back whole, not as 2.262e13
    assert ids_or_feature_numbers(frame, ("ssbid",)).tolist() == ["22620006649000", "2", "5"]
    assert ids_or_feature_numbers(frame, ("rute_id",)).tolist() == ["1", "2", "3"]


def test_features_are_kept_or_quarantined_with_the_first_reason_of_the_checks() -> None:
    ids = pd.Series(["A", "B", "C"])
    geometry = pd.Series([pd.NA, "geometry: empty", pd.NA], dtype="object")
    speed = pd.Series(["speed: got x", "speed: got y", pd.NA], dtype="object")
    kept, feature_number, quarantine = quarantine_features(
        "speed_squares", Path("ruter.gpkg"), ids, [geometry, speed]
    )
    assert kept.tolist() == [False, False, True]
    assert feature_number.tolist() == [1, 2, 3]
    assert quarantine[["row_number", "key", "reason"]].to_dict("records") == [
        {"row_number": 1, "key": "A", "reason": "speed: got x"},
        {"row_number": 2, "key": "B", "reason": "geometry: empty"},
    ]
    assert (quarantine["layer"] == "speed_squares").all()


def test_a_file_that_cannot_be_read_or_has_no_crs_is_named(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"ruter\.gpkg: Nkom speed squares file not found"):
        read_vector(tmp_path / "ruter.gpkg", "Nkom speed squares")
    (tmp_path / "ruter.gpkg").write_text("not a database")
    with pytest.raises(InputError, match=r"ruter\.gpkg: could not be read as a vector file"):
        read_vector(tmp_path / "ruter.gpkg", "Nkom speed squares")
    with pytest.warns(UserWarning, match="'crs' was not provided"):
        gpd.GeoDataFrame(geometry=[shapely.box(270_000, 7_010_000, 270_001, 7_010_001)]).to_file(
            tmp_path / "uten.gpkg"
        )
    with pytest.raises(InputError) as raised:
        read_vector(tmp_path / "uten.gpkg", "Nkom speed squares", crs_key="[inputs].x_crs")
    assert str(raised.value) == (
        f"{tmp_path / 'uten.gpkg'}: no CRS in the file; expected a file that names its CRS (.prj"
        ' beside a shapefile, a GeoPackage SRS, a GeoJSON "crs" member or none for WGS84), or'
        ' name it in the config: [inputs].x_crs = "EPSG:25833"'
    )
    named = read_vector(tmp_path / "uten.gpkg", "Nkom speed squares", "EPSG:25832")
    assert named.crs.to_epsg() == 25832


def test_features_are_read_from_bytes_with_build_errors_and_unclosed_rings_closed() -> None:
    ring_open = [[10.0, 63.0], [10.1, 63.0], [10.1, 63.1]]  # three points, not closed
    features = [
        {"type": "Feature", "properties": {"id": 1}, "geometry": None},
        {
            "type": "Feature",
            "properties": {"id": 2},
            "geometry": {"type": "LineString", "coordinates": [[10.0, 63.0]]},
        },
        {
            "type": "Feature",
            "properties": {"id": 3},
            "geometry": {"type": "Polygon", "coordinates": [ring_open]},
        },
    ]
    source = json.dumps({"type": "FeatureCollection", "features": features}).encode()
    read = read_features(source, "areas", path=Path("inne.geojson"))
    assert read.frame["id"].tolist() == [1, 2, 3] and read.frame.crs.to_epsg() == 4326
    assert read.frame.geometry.isna().tolist() == [True, True, False]
    assert read.frame.geometry.iloc[2].equals(shapely.Polygon(ring_open))  # closed by "fix"
    assert read.geometry_errors.isna().tolist() == [True, False, True]  # a null is no error
    assert read.geometry_errors.iloc[1].startswith("geometry: cannot be built (point array")


def test_a_read_error_of_bytes_names_the_file_they_came_from() -> None:
    with pytest.raises(InputError, match=r"^inne\.geojson: could not be read as a vector file"):
        read_features(b"{not json", "areas", path=Path("inne.geojson"))


def test_a_table_without_geometries_is_named_not_a_traceback(tmp_path: Path) -> None:
    path = tmp_path / "liste.csv"
    path.write_text("id,navn\n1,Vik\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"liste\.csv: got a table without geometries"):
        read_features(path, "fibre lines")
