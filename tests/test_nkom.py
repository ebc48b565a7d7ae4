from __future__ import annotations

import math
import warnings
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyproj import CRS, Transformer

import layers.nkom
from layers.nkom import (
    SPEED_CLASSES_MBPS,
    offers_from_squares,
    parse_speed_class,
    read_lacking_list,
    read_speed_squares,
)
from layers.offers import read_offers
from pipeline.errors import ConfigError, InputError

NAN = math.nan
X0, Y0 = 262_000.0, 6_650_000.0  # Oslo, on the 100 m grid of EPSG:25833


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


def test_invalid_square_is_repaired(tmp_path: Path) -> None:
    bowtie = shapely.Polygon([(X0, Y0), (X0 + 100, Y0 + 100), (X0 + 100, Y0), (X0, Y0 + 100)])
    path = tmp_path / "ruter.gpkg"
    gpd.GeoDataFrame({"klasse": ["100"]}, geometry=[bowtie], crs=25833).to_file(path)
    square = read_speed_squares(path).accepted.geometry.iloc[0]
    assert square.is_valid and square.area == pytest.approx(5000)


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
    csv.write_text("address_id,operator,technology,down_mbps,up_mbps\n1,Fjordnett,fiber,100,10\n")
    expected = read_offers(csv).accepted
    squares = _squares([_box(0, 0)], [100])
    squares.loc[0, "up_mbps"] = 10.0
    offers = offers_from_squares(
        squares, _addresses([(X0 + 1, Y0 + 1)]), "ruter.shp", default_technology="fiber"
    )
    assert list(offers.columns) == list(expected.columns)
    assert offers.dtypes.astype(str).tolist() == expected.dtypes.astype(str).tolist()
    assert offers.iloc[0].tolist() == [1, "Nkom-rute", "fiber", 100.0, 10.0, "ruter.shp", 1]


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
    assert offers["up_mbps"].tolist() == [1000, 30]  # judged on download, as Nkom counts
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


# --- lists of addresses lacking a speed ------------------------------------------------------

NKOM_HEADER = (
    "adresseid;adressenavn;nummer;bokstav;postnummer;poststed;kommunenummer;gardsnummer;"
    "bruksnummer;festenummer;nord;øst"
)


def _write(path: Path, lines: list[str], encoding: str = "utf-8", newline: str = "\n") -> Path:
    path.write_bytes(newline.join([*lines, ""]).encode(encoding))
    return path


def test_utf8_list_with_bom_and_crlf_is_read(tmp_path: Path) -> None:
    path = tmp_path / "Mangler_100Mbit.csv"
    lines = [
        NKOM_HEADER,
        "300123456;Vikegata;1;B;6150;Ørsta;1520;10;2;0;6900100,5;100200,25",
        "300123457;Strandvegen;12;;7170;Åfjord;5058;1;1;0;7100000;270000",
    ]
    path.write_bytes(b"\xef\xbb\xbf" + "\r\n".join(lines).encode("utf-8"))
    result = read_lacking_list(path, lacking_mbps=100)
    accepted = result.accepted
    assert result.encoding == "utf-8" and len(result.quarantine) == 0
    assert accepted["address_id"].dtype == "Int64"
    assert accepted["address_id"].tolist() == [300123456, 300123457]
    assert accepted["address_text"].tolist() == [
        "Vikegata 1B, 6150 Ørsta",
        "Strandvegen 12, 7170 Åfjord",
    ]
    assert accepted["x_m"].tolist() == [100200.25, 270000] and accepted["y_m"].iloc[0] == 6900100.5
    assert (accepted["lacking_mbps"] == 100).all() and accepted.crs.to_epsg() == 25833
    assert accepted["row_number"].tolist() == [2, 3]


def test_windows_1252_list_is_decoded_and_the_encoding_recorded(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "Mangler_30Mbit.csv",
        [
            "adresseId,adresse,nord,ost",
            "1,Ørstavegen 1 Ørsta,6900000,100000",
            "2,Åfjordvegen 2 Åfjord,7100000,270000",
            "3,Bøgata 3 Bø,7600000,450000",
        ],
        encoding="cp1252",
    )
    result = read_lacking_list(path, lacking_mbps=30)
    assert result.encoding == "cp1252"
    assert result.accepted["address_text"].tolist() == [
        "Ørstavegen 1 Ørsta",
        "Åfjordvegen 2 Åfjord",
        "Bøgata 3 Bø",
    ]


def test_mojibake_is_refused_naming_the_file_and_line(tmp_path: Path) -> None:
    garbled = "Ørsta".encode().decode("cp1252")  # "Ã˜rsta": UTF-8 read as Windows-1252
    path = _write(
        tmp_path / "Mangler_30Mbit.csv",
        ["adresseid;adresse;nord;øst", "1;Vik 1;6900000;100000", f"2;Vik 2 {garbled};6900000;1"],
    )
    with pytest.raises(InputError, match=r"Mangler_30Mbit.csv:3: got 'Ã˜'.*Windows-1252"):
        read_lacking_list(path, lacking_mbps=30)
    bo = _write(tmp_path / "bo.csv", ["adresseid;adresse", "1;" + "Bø".encode().decode("cp1252")])
    with pytest.raises(InputError, match=r"bo\.csv:2: got 'Ã¸'"):
        read_lacking_list(bo, lacking_mbps=30)


@pytest.mark.parametrize(("epsg_column", "epsg"), [(None, 4258), ("4326", 4326), ("4258", 4258)])
def test_lat_lon_list_is_reprojected_to_25833_within_1_cm(
    tmp_path: Path, epsg_column: str | None, epsg: int
) -> None:
    lat, lon = 62.1930812, 6.1314567  # Ørsta
    header = "adresseid,lat,lon" + (",epsg" if epsg_column else "")
    row = f"7,{lat},{lon}" + (f",{epsg_column}" if epsg_column else "")
    path = _write(tmp_path / "liste.csv", [header, row])
    got = read_lacking_list(path, lacking_mbps=100).accepted.iloc[0]
    to_utm33 = Transformer.from_crs(CRS.from_epsg(epsg), CRS.from_epsg(25833), always_xy=True)
    x_expected, y_expected = to_utm33.transform(lon, lat)
    assert abs(got["x_m"] - x_expected) < 0.01 and abs(got["y_m"] - y_expected) < 0.01
    assert got.geometry.x == got["x_m"]


def test_list_rows_need_an_id_or_coordinates(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "liste.csv",
        [
            "adresseid;adresse;nord;øst;epsg",
            ";Uten id;6900000;100000;",  # 2: kept, no id
            "11;Uten koordinater;;;",  # 3: kept, no point
            "12;Halv;6900000;;",  # 4: one coordinate
            ";;;;",  # 5: nothing
            "1x;Feil id;6900000;100000;",  # 6
            "13;Feil EPSG;6900000;100000;3857",  # 7
            "14;Byttet;10.5;59.9;4258",  # 8: lat/lon swapped: lands in the Gulf of Guinea
            "11;Dobbel;6900000;100000;",  # 9
            "15;UTM 32;6650000;597000;25832",  # 10: kept, reprojected
        ],
    )
    result = read_lacking_list(path, lacking_mbps=30)
    accepted, q = result.accepted, result.quarantine.set_index("row_number")
    assert accepted["row_number"].tolist() == [2, 3, 10]
    assert pd.isna(accepted["address_id"].iloc[0]) and accepted["address_id"].iloc[1] == 11
    assert accepted.geometry.iloc[1] is None and np.isnan(accepted["x_m"].iloc[1])
    assert q.loc[4, "reason"] == "nord/øst: got 6900000/<empty>, expected two numbers"
    assert q.loc[5, "reason"].startswith("adresseid and nord/øst: both empty")
    assert q.loc[6, "reason"] == "adresseid: got 1x, expected an integer"
    assert q.loc[7, "reason"].startswith("epsg: got 3857, expected one of [25832")
    assert "outside Norway; swapped latitude/longitude" in q.loc[8, "reason"]
    assert q.loc[9, "reason"] == "adresseid: duplicate of an earlier row"
    assert q.loc[9, "key"] == "11" and q.loc[5, "key"] == ""
    x_expected, _ = Transformer.from_crs(25832, 25833, always_xy=True).transform(597000, 6650000)
    assert accepted["x_m"].iloc[2] == pytest.approx(x_expected, abs=0.01)


def test_list_without_id_or_coordinates_or_with_bad_arguments_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path / "liste.csv", ["navn;sted", "a;b"])
    with pytest.raises(InputError, match=r"liste.csv: no address id column \['adresseid'"):
        read_lacking_list(path, lacking_mbps=30)
    latlon = _write(tmp_path / "latlon.csv", ["lat;lon", "60;10"])
    with pytest.raises(ConfigError, match="hold latitude/longitude but epsg=25833"):
        read_lacking_list(latlon, lacking_mbps=30, epsg=25833)
    with pytest.raises(ConfigError, match="lacking_mbps: got 0"):
        read_lacking_list(latlon, lacking_mbps=0)
    with pytest.raises(InputError, match="not found"):
        read_lacking_list(tmp_path / "borte.csv", lacking_mbps=30)


KML = """<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://www.opengis.net/kml/2.2"><Document>
<Folder><name>1520 Ørsta</name>
<Placemark><name>Vikegata 1, Ørsta</name>
  <ExtendedData><Data name="adresseid"><value>300000001</value></Data></ExtendedData>
  <Point><coordinates>6.1314567,62.1930812,0</coordinates></Point></Placemark>
<Placemark><name>Bøvegen 2, Bø</name>
  <ExtendedData><Data name="adresseid"><value>300000002</value></Data></ExtendedData>
  <LineString><coordinates>6.1,62.1 6.2,62.2</coordinates></LineString></Placemark>
</Folder>
<Folder><name>5058 Åfjord</name>
<Placemark><name>300000003</name><Point><coordinates>10.2,63.96</coordinates></Point></Placemark>
</Folder>
</Document></kml>
"""


def test_kml_placemarks_give_ids_from_extended_data_or_name(tmp_path: Path) -> None:
    path = tmp_path / "Mangler_100Mbit.kml"
    path.write_text(KML, encoding="utf-8")
    result = read_lacking_list(path, lacking_mbps=100)
    accepted = result.accepted
    assert result.encoding == "kml" and result.rows_read == 3
    assert accepted["address_id"].tolist() == [300000001, 300000003]
    assert accepted["address_text"].tolist() == ["Vikegata 1, Ørsta", ""]
    q = result.quarantine
    assert q["row_number"].tolist() == [2]
    assert q["reason"].iloc[0] == "geometry: got LineString, expected a Point"
    x_expected, y_expected = Transformer.from_crs(4326, 25833, always_xy=True).transform(
        6.1314567, 62.1930812
    )
    assert abs(accepted["x_m"].iloc[0] - x_expected) < 0.01
    assert abs(accepted["y_m"].iloc[0] - y_expected) < 0.01


def test_kml_with_ids_only_in_names_and_zipped(tmp_path: Path) -> None:
    kml = KML.replace(
        '<ExtendedData><Data name="adresseid"><value>300000001</value></Data></ExtendedData>', ""
    ).replace("<name>Vikegata 1, Ørsta</name>", "<name>300000001</name>")
    archive = tmp_path / "Mangler_100Mbit_kml.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("Mangler_100Mbit.kml", kml)
    accepted = read_lacking_list(archive, lacking_mbps=100).accepted
    assert accepted["address_id"].tolist() == [300000001, 300000003]
    assert accepted["address_text"].tolist() == ["", ""]


def test_kml_without_a_kml_driver_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "liste.kml"
    path.write_text(KML, encoding="utf-8")
    monkeypatch.setattr(layers.nkom.pyogrio, "list_drivers", lambda: {"GPKG": "rw"})
    with pytest.raises(InputError, match=r"liste\.kml: this GDAL has no KML driver"):
        read_lacking_list(path, lacking_mbps=100)


_CELLS = {
    "id": st.sampled_from(["", "17", "18", "x9", "1.5", "300000001"]),
    "north": st.sampled_from(["", "6900000", "6900000,5", "nord", "60.1", "-5"]),
    "east": st.sampled_from(["", "100000", "3", "øst"]),
    "epsg": st.sampled_from(["", "25833", "25832", "4258", "9999"]),
}


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    rows=st.lists(st.fixed_dictionaries(_CELLS), max_size=25),
    encoding=st.sampled_from(["utf-8", "cp1252"]),
)
def test_rows_in_equal_accepted_plus_quarantined(
    tmp_path: Path, rows: list[dict[str, str]], encoding: str
) -> None:
    lines = ["adresseid;adresse;nord;øst;epsg"] + [
        f"{r['id']};Bø {i};{r['north']};{r['east']};{r['epsg']}" for i, r in enumerate(rows)
    ]
    path = _write(tmp_path / "liste.csv", lines, encoding=encoding)
    result = read_lacking_list(path, lacking_mbps=30)
    assert result.rows_read == len(rows)
    assert len(result.accepted) + len(result.quarantine) == len(rows)
    numbers = sorted([*result.accepted["row_number"], *result.quarantine["row_number"]])
    assert numbers == list(range(2, len(rows) + 2))
    assert result.accepted["address_text"].str.startswith("Bø ").all()
