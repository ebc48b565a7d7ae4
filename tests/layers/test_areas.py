"""layers/areas.py: planned and funded areas read into canonical columns; the status of each
address, funded before planned."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from layers.areas import read_areas, status_of_addresses
from layers.errors import ConfigError, InputError
from tests.fixtures import LOCAL_X0 as X0
from tests.fixtures import LOCAL_Y0 as Y0


def _box(x_min: float, y_min: float, x_max: float, y_max: float) -> shapely.Polygon:
    return shapely.box(X0 + x_min, Y0 + y_min, X0 + x_max, Y0 + y_max)


def _areas(statuses: list[str], geometries: list[shapely.Geometry]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"status": statuses}, geometry=geometries, crs=25833)


@pytest.mark.parametrize("suffix", ["gpkg", "geojson", "shp"])
def test_norwegian_attributes_become_the_canonical_columns(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"tildelt.{suffix}"
    gpd.GeoDataFrame(
        {
            "navn": ["Indre Vik", "Ytre Vik"],
            "aar": [2023, 2024],
            "utbygger": ["Fjordnett AS", "Bø Fiber"],
            "husstander": [41, 7],
        },
        geometry=[_box(0, 0, 500, 500), _box(1000, 0, 1500, 500)],
        crs=25833,
    ).to_file(path)
    result = read_areas(path, status="funded")
    areas = result.accepted
    assert result.layer == "funded_areas" and len(result.quarantine) == 0
    assert list(areas.columns) == [
        "area_id",
        "status",
        "name",
        "year",
        "operator",
        "households",
        "build_date",
        "down_mbps",
        "up_mbps",
        "row_number",
        "geometry",
    ]
    assert areas["area_id"].tolist() == ["1", "2"]
    assert areas["status"].tolist() == ["funded", "funded"]
    assert areas["name"].tolist() == ["Indre Vik", "Ytre Vik"]
    assert areas["year"].dtype == "Int64" and areas["year"].tolist() == [2023, 2024]
    assert areas["operator"].tolist() == ["Fjordnett AS", "Bø Fiber"]
    assert areas["households"].tolist() == [41, 7]
    assert areas.crs.to_epsg() == 25833


def test_areas_without_optional_attributes_get_empty_values(tmp_path: Path) -> None:
    path = tmp_path / "planlagt.geojson"
    gpd.GeoDataFrame({"id": ["P-7"]}, geometry=[_box(0, 0, 100, 100)], crs=25833).to_crs(
        4326
    ).to_file(path)
    result = read_areas(path, status="planned")
    row = result.accepted.iloc[0]
    assert result.layer == "planned_areas"
    assert (row["area_id"], row["status"], row["name"], row["operator"]) == (
        "P-7",
        "planned",
        "",
        "",
    )
    assert pd.isna(row["year"]) and pd.isna(row["households"])
    assert shapely.hausdorff_distance(row.geometry, _box(0, 0, 100, 100)) < 0.001


@pytest.mark.parametrize("suffix", ["gpkg", "geojson"])
def test_a_planned_build_date_is_read_and_a_bad_one_quarantined(
    tmp_path: Path, suffix: str
) -> None:
    path = tmp_path / f"planlagt.{suffix}"
    gpd.GeoDataFrame(
        {"navn": ["A", "B", "C"], "dato": ["2027-06-30", "", "30.06.2027"]},
        geometry=[_box(0, 0, 100, 100), _box(200, 0, 300, 100), _box(400, 0, 500, 100)],
        crs=25833,
    ).to_file(path)
    result = read_areas(path, status="planned")
    dates = result.accepted["build_date"]
    assert dates.iloc[0] == pd.Timestamp("2027-06-30") and pd.isna(dates.iloc[1])
    assert result.quarantine["reason"].tolist() == [
        "dato: got 30.06.2027, expected a date YYYY-MM-DD"
    ]
    assert result.rows_read == len(result.accepted) + len(result.quarantine)


def test_non_polygonal_and_bad_features_go_to_quarantine(tmp_path: Path) -> None:
    bowtie = shapely.Polygon(
        [(X0, Y0), (X0 + 100, Y0 + 100), (X0 + 100, Y0), (X0, Y0 + 100), (X0, Y0)]
    )
    flat = shapely.Polygon([(X0, Y0), (X0 + 100, Y0), (X0 + 200, Y0), (X0, Y0)])
    path = tmp_path / "tildelt.geojson"
    gpd.GeoDataFrame(
        {"navn": list("abcdefg"), "år": ["2024", "2024", "2024", "2024", "snart", None, "1850"]},
        geometry=[
            _box(0, 0, 100, 100),  # 1: kept
            bowtie,  # 2: make_valid would add 5,000 m² nobody drew
            shapely.LineString([(X0, Y0), (X0 + 10, Y0)]),  # 3
            flat,  # 4: no area
            _box(0, 0, 100, 100),  # 5: year "snart"
            None,  # 6: no geometry
            _box(0, 0, 100, 100),  # 7: year out of range
        ],
        crs=25833,
    ).to_file(path)
    result = read_areas(path, status="funded")
    q = result.quarantine.set_index("row_number")
    assert result.accepted["row_number"].tolist() == [1]
    assert q.loc[2, "reason"] == (
        f"geometry: invalid (Self-intersection[{X0 + 50:.0f} {Y0 + 50:.0f}]) and make_valid"
        " cannot repair it: it changes the area from 0 to 5,000 m² (more than 1%); expected a"
        " valid geometry"
    )
    assert q.loc[3, "reason"] == "geometry: got LineString, expected a Polygon or MultiPolygon"
    assert q.loc[4, "reason"].endswith(
        "make_valid cannot repair it: nothing of a Polygon or MultiPolygon is left; expected a"
        " valid geometry"
    )
    assert q.loc[5, "reason"] == "år: got snart, expected an integer in [1990, 2100]"
    assert q.loc[6, "reason"] == "geometry: empty, expected a Polygon or MultiPolygon"
    assert q.loc[7, "reason"] == "år: got 1850, expected an integer in [1990, 2100]"
    assert (q["layer"] == "funded_areas").all() and (q["file"] == str(path)).all()


def test_bad_status_missing_file_or_crs_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"status: got 'granted', expected one of \['planned'"):
        read_areas(tmp_path / "x.gpkg", status="granted")
    with pytest.raises(InputError, match="planned area polygons file not found"):
        read_areas(tmp_path / "x.gpkg", status="planned")
    path = tmp_path / "uten_crs.shp"
    with pytest.warns(UserWarning, match="crs"):
        gpd.GeoDataFrame({"navn": ["a"]}, geometry=[_box(0, 0, 1, 1)]).to_file(path)
    with pytest.raises(InputError, match=r"uten_crs\.shp: no CRS"):
        read_areas(path, status="planned")


def test_funded_wins_over_planned_and_order_is_kept() -> None:
    areas = _areas(
        ["planned", "funded", "planned"],
        [_box(0, 0, 100, 100), _box(50, 0, 150, 100), _box(1000, 0, 1100, 100)],
    )
    x = X0 + np.array([25.0, 75.0, 125.0, 200.0, 0.0, np.nan, 1050.0, 150.0])
    y = Y0 + np.array([50.0, 50.0, 50.0, 50.0, 50.0, 50.0, 50.0, 100.0])
    status = status_of_addresses(areas, x, y)
    assert status.tolist() == [
        "planned",  # only planned
        "funded",  # in both: funded wins
        "funded",  # only funded
        "",  # in none
        "planned",  # on the planned boundary: inside
        "",  # no coordinates
        "planned",
        "funded",  # on the funded corner
    ]
    order = np.array([7, 3, 0, 5, 1, 6, 2, 4])
    assert status_of_addresses(areas, x[order], y[order]).tolist() == status[order].tolist()


def test_unknown_area_status_is_refused() -> None:
    areas = _areas(["granted"], [_box(0, 0, 1, 1)])
    with pytest.raises(ConfigError, match=r"areas.status: got \['granted'\]"):
        status_of_addresses(areas, np.array([X0]), np.array([Y0]))


@settings(max_examples=30, deadline=None)
@given(
    boxes=st.lists(
        st.tuples(
            st.sampled_from(["planned", "funded"]),
            st.integers(0, 8),
            st.integers(0, 8),
            st.integers(1, 4),
        ),
        max_size=8,
    ),
    seed=st.integers(0, 2**16),
)
def test_status_matches_a_brute_force_reference(
    boxes: list[tuple[str, int, int, int]], seed: int
) -> None:
    geometries = [_box(i * 100, j * 100, (i + s) * 100, (j + s) * 100) for _, i, j, s in boxes]
    areas = _areas([b[0] for b in boxes], geometries)
    rng = np.random.default_rng(seed)
    x = X0 + np.round(rng.uniform(-100, 1300, 200) / 50) * 50  # many on edges and corners
    y = Y0 + np.round(rng.uniform(-100, 1300, 200) / 50) * 50
    status = status_of_addresses(areas, x, y)
    for k in range(len(x)):
        point = shapely.Point(x[k], y[k])
        inside = {s for s, g in zip(areas["status"], geometries, strict=True) if g.covers(point)}
        expected = "funded" if "funded" in inside else "planned" if inside else ""
        assert status[k] == expected


_GEOMETRIES = st.sampled_from(["box", "line", "point", "none", "bowtie"])


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(kinds=st.lists(_GEOMETRIES, max_size=12), years=st.lists(st.sampled_from(["", "2024", "x"])))
def test_rows_in_equal_accepted_plus_quarantined(
    tmp_path: Path, kinds: list[str], years: list[str]
) -> None:
    make = {
        "box": _box(0, 0, 100, 100),
        "line": shapely.LineString([(X0, Y0), (X0 + 5, Y0)]),
        "point": shapely.Point(X0, Y0),
        "none": None,
        "bowtie": shapely.Polygon([(X0, Y0), (X0 + 9, Y0 + 9), (X0 + 9, Y0), (X0, Y0 + 9)]),
    }
    year = [years[i % len(years)] if years else "" for i in range(len(kinds))]
    path = tmp_path / "omrader.geojson"
    gpd.GeoDataFrame({"year": year}, geometry=[make[k] for k in kinds], crs=25833).to_file(path)
    result = read_areas(path, status="planned")
    assert result.rows_read == len(kinds)
    assert len(result.accepted) + len(result.quarantine) == len(kinds)
    numbers = sorted([*result.accepted["row_number"], *result.quarantine["row_number"]])
    assert numbers == list(range(1, len(kinds) + 1))


def test_a_stated_speed_is_read_and_a_bad_one_quarantined(tmp_path: Path) -> None:
    path = tmp_path / "planlagt.geojson"
    gpd.GeoDataFrame(
        {"navn": ["A", "B", "C"], "ned_mbps": ["1000", "", "fort"], "opp_mbps": ["100", "", "10"]},
        geometry=[_box(0, 0, 100, 100), _box(200, 0, 300, 100), _box(400, 0, 500, 100)],
        crs=25833,
    ).to_file(path)
    result = read_areas(path, status="planned")
    assert result.accepted["down_mbps"].tolist()[0] == 1000
    assert result.accepted["up_mbps"].tolist()[0] == 100
    assert pd.isna(result.accepted["down_mbps"].iloc[1])
    assert result.quarantine["reason"].tolist() == [
        "ned_mbps: got fort, expected an integer in [1, 100000]"
    ]
