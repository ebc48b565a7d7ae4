"""Tests of layers/nkom_squares.py: speed classes, speed squares and the offers they make."""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from layers.errors import ConfigError, InputError
from layers.nkom_squares import (
    SPEED_CLASSES_MBPS,
    offers_from_squares,
    parse_speed_class,
    read_speed_squares,
)
from layers.offers import read_offers
from tests.fixtures import LOCAL_X0 as X0
from tests.fixtures import LOCAL_Y0 as Y0
from tests.fixtures import OFFERS_HEADER

NAN = math.nan


def _same(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or a == b


# --- speed classes -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("label", "down_mbps", "up_mbps"),
    [
        ("100/10", 100, 10),
        ("100/10 Mbit/s", 100, 10),
        ("100 / 10 Mbps", 100, 10),
        (">=100", 100, NAN),
        ("≥ 100 Mbit/s", 100, NAN),
        ("> 30", 30, NAN),
        ("100-500", 100, NAN),
        ("100 – 500 Mbit/s", 100, NAN),
        ("100+", 100, NAN),
        ("1000", 1000, NAN),
        ("1000.0", 1000, NAN),
        ("30 Mbit/s", 30, NAN),
        ("  50 mbit/s ", 50, NAN),
        ("1 Gbit/s", 1000, NAN),
        ("Gigabit", 1000, NAN),
        ("0,5 Mbit/s", 0.5, NAN),
        ("30/5 Mbit/s", 30, 5),
    ],
)
def test_speed_class_label_gives_its_lower_bounds(
    label: str, down_mbps: float, up_mbps: float
) -> None:
    down, up = parse_speed_class(label)
    assert down == down_mbps
    assert _same(up, up_mbps)


@pytest.mark.parametrize("label", ["", "fast", "500-100", "100/", "-100", "10/100/1000", "<100"])
def test_unreadable_speed_class_gives_nan(label: str) -> None:
    assert math.isnan(parse_speed_class(label)[0])


@pytest.mark.parametrize("label", sorted(SPEED_CLASSES_MBPS))
def test_every_documented_class_parses_in_any_case(label: str) -> None:
    down, up = parse_speed_class(label.upper())
    assert down == SPEED_CLASSES_MBPS[label][0]
    assert _same(up, SPEED_CLASSES_MBPS[label][1])


# --- speed squares ---------------------------------------------------------------------------


def _box(i: int, j: int, size: float = 100.0) -> shapely.Polygon:
    return shapely.box(X0 + i * 100, Y0 + j * 100, X0 + i * 100 + size, Y0 + j * 100 + size)


def _class_squares() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "ssbid": [22620006650000, 22621006650000, 22620006650100],
            "hastighetsklasse": ["100/10", ">=1000", "30 Mbit/s"],
            "technology": ["fiber", None, "xdsl"],
        },
        geometry=[_box(0, 0), _box(1, 0), _box(0, 1)],
        crs=25833,
    )


@pytest.mark.parametrize("suffix", ["gpkg", "geojson", "shp"])
def test_squares_read_alike_from_geopackage_geojson_and_shapefile(
    tmp_path: Path, suffix: str
) -> None:
    path = tmp_path / f"ruter.{suffix}"
    with warnings.catch_warnings():  # the shapefile cuts "hastighetsklasse" to "hastighets"
        warnings.simplefilter("ignore")
        _class_squares().to_file(path)
    result = read_speed_squares(path)
    squares = result.accepted
    assert result.rows_read == 3 and len(result.quarantine) == 0
    assert squares.crs.to_epsg() == 25833
    assert squares["square_id"].tolist() == ["22620006650000", "22621006650000", "22620006650100"]
    assert squares["down_mbps"].tolist() == [100, 1000, 30]
    assert squares["up_mbps"].iloc[0] == 10 and squares["up_mbps"].iloc[1:].isna().all()
    assert squares["technology"].iloc[0] == "fiber" and pd.isna(squares["technology"].iloc[1])
    assert squares["coverage"].tolist() == ["all"] * 3
    assert squares["row_number"].tolist() == [1, 2, 3]
    assert shapely.hausdorff_distance(squares.geometry.iloc[1], _box(1, 0)) < 1e-6


def test_squares_in_wgs84_are_reprojected_to_25833(tmp_path: Path) -> None:
    path = tmp_path / "ruter.geojson"
    _class_squares().to_crs(4326).to_file(path)
    squares = read_speed_squares(path).accepted
    assert squares.crs.to_epsg() == 25833
    for got, expected in zip(squares.geometry, _class_squares().geometry, strict=True):
        assert shapely.hausdorff_distance(got, expected) < 0.001  # 1 mm


def test_explicit_speed_columns_win_and_empty_upload_is_unstated(tmp_path: Path) -> None:
    path = tmp_path / "ruter.gpkg"
    gpd.GeoDataFrame(
        {"down_mbps": ["1000", "40,5", "-3", "fast"], "up_mbps": ["1000", None, "1", "1"]},
        geometry=[_box(0, 0), _box(1, 0), _box(2, 0), _box(3, 0)],
        crs=25833,
    ).to_file(path)
    result = read_speed_squares(path)
    assert result.accepted["down_mbps"].tolist() == [1000, 40.5]
    assert result.accepted["up_mbps"].iloc[0] == 1000 and np.isnan(
        result.accepted["up_mbps"].iloc[1]
    )
    reasons = result.quarantine.set_index("row_number")["reason"]
    assert reasons[3] == "down_mbps: got -3, expected a number >= 0"
    assert reasons[4] == "down_mbps: got fast, expected a number >= 0"


def test_bad_squares_go_to_quarantine_with_feature_number_and_reason(tmp_path: Path) -> None:
    path = tmp_path / "ruter.geojson"
    gpd.GeoDataFrame(
        {
            "speed_class": ["100/10", "lynrask", "1000", "1000", "1000", "100", "100", "100"],
            "technology": ["fiber", "fiber", "kobber", None, None, None, None, None],
            "dekning": ["alle", "alle", "alle", "alle", "kanskje", "noen", "ingen", "0.5"],
        },
        geometry=[
            _box(0, 0),
            _box(1, 0),
            _box(2, 0),
            shapely.Point(X0, Y0),
            _box(4, 0),
            _box(5, 0),
            _box(6, 0),
            _box(7, 0),
        ],
        crs=25833,
    ).to_file(path)
    result = read_speed_squares(path)
    q = result.quarantine.set_index("row_number")
    assert list(q.index) == [2, 3, 4, 5]
    assert q.loc[2, "reason"].startswith("speed_class: got lynrask, expected a speed class")
    assert q.loc[3, "reason"].startswith("technology: got kobber, expected one of ['fiber'")
    assert q.loc[4, "reason"] == "geometry: got Point, expected a Polygon or MultiPolygon"
    assert q.loc[5, "reason"].startswith("dekning: got kanskje, expected one of")
    assert (q["file"] == str(path)).all() and (q["layer"] == "nkom_squares").all()
    assert result.accepted["coverage"].tolist() == ["all", "some", "none", "some"]


def test_a_bowtie_square_is_quarantined_not_repaired(tmp_path: Path) -> None:
    """make_valid would turn the bowtie into two triangles of 5,000 m² nobody drew."""
    bowtie = shapely.Polygon([(X0, Y0), (X0 + 100, Y0 + 100), (X0 + 100, Y0), (X0, Y0 + 100)])
    path = tmp_path / "ruter.gpkg"
    gpd.GeoDataFrame({"klasse": ["100"]}, geometry=[bowtie], crs=25833).to_file(path)
    result = read_speed_squares(path)
    assert result.accepted.empty
    assert "changes the area from 0 to 5,000 m²" in result.quarantine["reason"].iloc[0]


def test_square_file_without_speed_or_crs_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "ruter.gpkg"
    gpd.GeoDataFrame({"navn": ["a"]}, geometry=[_box(0, 0)], crs=25833).to_file(path)
    with pytest.raises(InputError, match=r"ruter.gpkg: no speed column; expected 'down_mbps'"):
        read_speed_squares(path)
    shp = tmp_path / "uten_crs.shp"
    with pytest.warns(UserWarning, match="crs"):
        gpd.GeoDataFrame({"klasse": ["100"]}, geometry=[_box(0, 0)]).to_file(shp)
    with pytest.raises(InputError, match=r"uten_crs.shp: no CRS"):
        read_speed_squares(shp)
    with pytest.raises(InputError, match="not found"):
        read_speed_squares(tmp_path / "finnes_ikke.shp")


# --- offers from squares ------------------------------------------------------------------


def _squares(geometries: list[shapely.Geometry], down: list[float]) -> gpd.GeoDataFrame:
    n = len(geometries)
    return gpd.GeoDataFrame(
        {
            "square_id": [str(i) for i in range(n)],
            "down_mbps": down,
            "up_mbps": [NAN] * n,
            "technology": [None] * n,
            "coverage": ["all"] * n,
            "row_number": np.arange(1, n + 1),
        },
        geometry=geometries,
        crs=25833,
    )


def _addresses(xy: list[tuple[float, float]]) -> pd.DataFrame:
    x_m, y_m = zip(*xy, strict=True)
    return pd.DataFrame({"address_id": np.arange(1, len(xy) + 1), "x_m": x_m, "y_m": y_m})


def _pairs(offers: pd.DataFrame) -> set[tuple[int, int]]:
    return set(zip(offers["address_id"], offers["row_number"], strict=True))


def test_point_on_edge_or_corner_is_in_every_square_it_touches() -> None:
    grid = _squares([_box(0, 0), _box(1, 0), _box(0, 1), _box(1, 1)], [10, 20, 30, 40])
    addresses = _addresses(
        [
            (X0 + 100, Y0 + 100),  # 1: the corner shared by all four
            (X0 + 100, Y0 + 50),  # 2: the edge between squares 1 and 2
            (X0 + 50, Y0 + 50),  # 3: inside square 1
            (X0, Y0),  # 4: the outer corner of square 1
            (X0 + 250, Y0 + 50),  # 5: outside
            (NAN, NAN),  # 6: no coordinates
        ]
    )
    offers = offers_from_squares(grid, addresses, "ruter.shp", default_technology="xdsl")
    assert _pairs(offers) == {(1, 1), (1, 2), (1, 3), (1, 4), (2, 1), (2, 2), (3, 1), (4, 1)}
    assert offers["address_id"].is_monotonic_increasing


def test_address_in_overlapping_squares_gets_one_offer_per_square() -> None:
    squares = _squares([_box(0, 0), _box(0, 0, size=50)], [100, 1000])
    offers = offers_from_squares(
        squares, _addresses([(X0 + 25, Y0 + 25)]), "ruter.shp", default_technology="fwa"
    )
    assert offers["down_mbps"].tolist() == [100, 1000]
    assert offers["row_number"].tolist() == [1, 2]


def test_offers_have_the_schema_of_the_offers_layer(tmp_path: Path) -> None:
    csv = tmp_path / "offers.csv"
    csv.write_text(OFFERS_HEADER + "\n1,Fjordnett,fiber,100,10\n")
    expected = read_offers(csv).accepted
    squares = _squares([_box(0, 0)], [100])
    squares.loc[0, "up_mbps"] = 10.0
    offers = offers_from_squares(
        squares, _addresses([(X0 + 1, Y0 + 1)]), "ruter.shp", default_technology="fiber"
    )
    assert list(offers.columns) == list(expected.columns)
    assert offers.dtypes.astype(str).tolist() == expected.dtypes.astype(str).tolist()
    row = offers.drop(columns="source_date").iloc[0].tolist()
    assert row == [1, "Nkom-rute", "fiber", 100.0, 10.0, "ruter.shp", 1]
    assert offers["source_date"].isna().all()


def test_technology_and_unstated_upload_follow_the_caller() -> None:
    squares = _squares([_box(0, 0), _box(0, 0)], [1000, 30])
    squares.loc[0, "technology"] = "fiber"
    addresses = _addresses([(X0 + 1, Y0 + 1)])
    with pytest.raises(ConfigError, match="1 squares have no technology; pass default_technology"):
        offers_from_squares(squares, addresses, "s")
    with pytest.raises(ConfigError, match="default_technology: got 'dsl'"):
        offers_from_squares(squares, addresses, "s", default_technology="dsl")
    offers = offers_from_squares(squares, addresses, "s", default_technology="xdsl")
    assert offers["technology"].tolist() == ["fiber", "xdsl"]
    # the classes state no upload: unknown, never upload = download
    assert offers["up_mbps"].isna().tolist() == [True, True]
    offers = offers_from_squares(
        squares, addresses, "s", default_technology="xdsl", up_mbps_when_unstated=0
    )
    assert offers["up_mbps"].tolist() == [0, 0]


def test_squares_without_coverage_make_no_offer_and_partial_only_on_request() -> None:
    squares = _squares([_box(0, 0)] * 3, [100, 200, 300])
    squares["coverage"] = ["all", "some", "none"]
    addresses = _addresses([(X0 + 1, Y0 + 1)])
    kept = offers_from_squares(squares, addresses, "s", default_technology="xdsl")
    assert kept["down_mbps"].tolist() == [100]
    with_partial = offers_from_squares(
        squares, addresses, "s", default_technology="xdsl", include_partial=True
    )
    assert with_partial["down_mbps"].tolist() == [100, 200]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_offers_match_a_brute_force_covers_per_point(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n_squares, n_points = 60, 400
    i, j = rng.integers(0, 10, n_squares), rng.integers(0, 10, n_squares)
    size = rng.choice([100.0, 50.0, 150.0], n_squares)  # overlaps and gaps
    geometries = [_box(int(a), int(b), float(s)) for a, b, s in zip(i, j, size, strict=True)]
    geometries[0] = shapely.Polygon(  # one square turned, as after a reprojection
        [(X0 + 500, Y0), (X0 + 600, Y0 + 100), (X0 + 500, Y0 + 200), (X0 + 400, Y0 + 100)]
    )
    squares = _squares(geometries, list(rng.choice([30.0, 100.0, 1000.0], n_squares)))
    # half the points snapped to a 25 m lattice, so that many lie on edges and corners
    x = X0 + rng.uniform(-100, 1200, n_points)
    y = Y0 + rng.uniform(-100, 1200, n_points)
    x[::2], y[::2] = np.round(x[::2] / 25) * 25, np.round(y[::2] / 25) * 25
    addresses = _addresses(list(zip(x, y, strict=True)))
    offers = offers_from_squares(squares, addresses, "s", default_technology="xdsl")
    expected = {
        (int(address_id), square_number)
        for address_id, px, py in zip(addresses["address_id"], x, y, strict=True)
        for square_number, square in enumerate(geometries, start=1)
        if square.covers(shapely.Point(px, py))
    }
    assert _pairs(offers) == expected
    assert len(offers) == len(expected)


def test_squares_in_another_crs_are_refused() -> None:
    squares = _squares([_box(0, 0)], [100]).to_crs(4326)
    with pytest.raises(InputError, match="expected EPSG:25833"):
        offers_from_squares(squares, _addresses([(X0, Y0)]), "s", default_technology="xdsl")


def test_a_stated_upload_is_kept_and_an_unstated_one_is_unknown() -> None:
    squares = _squares([_box(0, 0), _box(0, 0)], [100, 1000])
    squares.loc[0, "up_mbps"] = 10.0  # "100/10 Mbit/s" states its upload; "1 Gbit/s" does not
    offers = offers_from_squares(
        squares, _addresses([(X0 + 1, Y0 + 1)]), "s", default_technology="fiber"
    )
    assert offers["down_mbps"].tolist() == [100.0, 1000.0]
    assert offers["up_mbps"].iloc[0] == 10.0
    assert np.isnan(offers["up_mbps"].iloc[1])
