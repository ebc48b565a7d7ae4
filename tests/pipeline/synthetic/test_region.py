"""pipeline/synthetic/region.py: the deterministic demo region, five fictional kommuner written
as real-format files; the same seed gives the same bytes, the bad rows are the documented ten.

Every check reads the written files the way a user would (the fixtures of ``conftest.py``)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from pipeline.synthetic.region import BAD_ADDRESS_IDS, PIER_TEXTS, DemoRegion, build_demo_region
from tests.fixtures import sha256_hex

KOMMUNENAVN = {
    "9901": "Fjordvik",
    "9902": "Nordheim",
    "9903": "Storlia",
    "9904": "Øyvær",
    "9905": "Dalsbygd",
}


def test_region_names_its_files(demo_region: DemoRegion) -> None:
    names = [
        demo_region.kommuner,
        demo_region.addresses,
        demo_region.dtm,
        demo_region.offers,
        demo_region.sites,
    ]
    names += [demo_region.fibre, demo_region.roads, demo_region.cost_factors]
    assert [path.name for path in names] == [
        "kommuner.geojson",
        "Basisdata_9900_Demoregion_25833_MatrikkelenAdresse_CSV.csv",
        "terreng.tif",
        "dekning.csv",
        "master.csv",
        "fiber.geojson",
        "veger.gpkg",
        "kostnadsfaktorer.csv",
    ]
    assert all(path.parent == demo_region.root and path.is_file() for path in names)


def test_same_seed_gives_byte_identical_files(demo_region: DemoRegion, tmp_path: Path) -> None:
    again = build_demo_region(tmp_path / "again")
    names = {p.name for p in demo_region.root.iterdir()}
    assert names == {p.name for p in again.root.iterdir()}
    assert len(names) == 11  # with the eligibility inputs (planned, funded, 5G list)
    for name in names:
        assert sha256_hex((demo_region.root / name).read_bytes()) == sha256_hex(
            (again.root / name).read_bytes()
        ), name
    assert again.n_addresses == demo_region.n_addresses


def test_another_seed_gives_other_addresses(demo_region: DemoRegion, tmp_path: Path) -> None:
    other = build_demo_region(tmp_path / "other", seed=7)
    assert sha256_hex(other.addresses.read_bytes()) != sha256_hex(
        demo_region.addresses.read_bytes()
    )
    assert sha256_hex(other.dtm.read_bytes()) != sha256_hex(demo_region.dtm.read_bytes())


def test_address_counts(demo_region: DemoRegion, good_rows: pd.DataFrame) -> None:
    assert 4000 <= demo_region.n_addresses <= 8000
    assert len(good_rows) == demo_region.n_addresses - 10
    counts = good_rows["kommunenummer"].value_counts()
    assert set(counts.index) == set(KOMMUNENAVN)
    assert counts.min() >= 100
    expected_navn = good_rows["kommunenummer"].map(KOMMUNENAVN).str.upper()
    assert (good_rows["kommunenavn"] == expected_navn).all()


def test_bad_rows_are_the_documented_ten(
    address_rows: pd.DataFrame, good_rows: pd.DataFrame
) -> None:
    ids = address_rows["adresseId"].astype(int)
    assert ids.isin(BAD_ADDRESS_IDS).sum() == len(BAD_ADDRESS_IDS) == 8
    empty_xy = (address_rows["Nord"] == "") | (address_rows["Øst"] == "")
    assert sorted(ids[empty_xy]) == [390_000_001, 390_000_002]
    not_numeric = ~empty_xy & pd.to_numeric(address_rows["Nord"], errors="coerce").isna()
    assert sorted(ids[not_numeric]) == [390_000_003, 390_000_004]
    assert sorted(ids[address_rows["EPSG-kode"] == "9999"]) == [390_000_005, 390_000_006]
    assert sorted(ids[address_rows["kommunenummer"] == ""]) == [390_000_007, 390_000_008]
    repeated = ids[address_rows["adresseId"].duplicated()]
    assert len(repeated) == 2
    assert not repeated.isin(BAD_ADDRESS_IDS).any()
    assert repeated.isin(good_rows["adresseId"].astype(int)).all()
    bad_positions = np.flatnonzero(~address_rows.index.isin(good_rows.index))
    assert bad_positions.size == 10
    assert (
        bad_positions.min()
        < len(address_rows) / 5
        < 4 * len(address_rows) / 5
        < bad_positions.max()
    )


def test_coordinates_have_at_most_two_decimals_and_no_trailing_zeros(
    good_rows: pd.DataFrame,
) -> None:
    number = re.compile(r"\d+(\.\d?[1-9])?")
    assert good_rows["Nord"].map(number.fullmatch).notna().all()
    assert good_rows["Øst"].map(number.fullmatch).notna().all()
    assert good_rows["x_m"].between(260_000, 300_000).all()
    assert good_rows["y_m"].between(7_000_000, 7_030_000).all()


def test_address_texts_follow_the_address_type(good_rows: pd.DataFrame) -> None:
    veg = good_rows[good_rows["adressetype"] == "vegadresse"]
    expected = veg["adressenavn"] + " " + veg["nummer"] + veg["bokstav"]
    assert (veg["adresseTekst"] == expected).all()
    assert veg["nummer"].str.fullmatch(r"\d+").all()
    matrikkel = good_rows[good_rows["adressetype"] == "matrikkeladresse"]
    name = matrikkel["kommunenummer"].map(KOMMUNENAVN)
    expected = name + " " + matrikkel["gardsnummer"] + "/" + matrikkel["bruksnummer"]
    assert (matrikkel["adresseTekst"] == expected).all()
    assert 0.03 < len(matrikkel) / len(good_rows) < 0.3
    assert set(good_rows["adressetype"]) == {"vegadresse", "matrikkeladresse"}
    assert not good_rows.duplicated(["kommunenummer", "adresseTekst"]).any()


def test_texts_that_need_html_escaping_are_present(good_rows: pd.DataFrame) -> None:
    texts = set(good_rows["adresseTekst"])
    assert "Smith & Sønner <Brygge> 3" in texts
    assert any("'" in text for text in texts)
    assert set(PIER_TEXTS) <= texts


def test_kommuner_geojson_is_rfc7946_with_kartverket_properties(demo_region: DemoRegion) -> None:
    text = demo_region.kommuner.read_text(encoding="utf-8")
    collection = json.loads(text)
    assert collection["type"] == "FeatureCollection"
    assert "crs" not in collection
    properties = [feature["properties"] for feature in collection["features"]]
    assert properties == [
        {"id": knr, "kommunenummer": knr, "name": name, "kommunenavn": name}
        for knr, name in KOMMUNENAVN.items()
    ]
    types = {f["properties"]["id"]: f["geometry"]["type"] for f in collection["features"]}
    assert types == {"9901": "Polygon", "9902": "Polygon", "9903": "Polygon",
                     "9904": "MultiPolygon", "9905": "Polygon"}  # fmt: skip
    assert not re.search(r"\d\.\d{8,}", text)
    assert re.search(r"\d\.\d{7}\b", text)
    lon_lat = np.array(re.findall(r"\[(-?[\d.]+), (-?[\d.]+)\]", text), dtype=float)
    assert lon_lat[:, 0].min() > 9.0 and lon_lat[:, 0].max() < 12.0
    assert lon_lat[:, 1].min() > 62.5 and lon_lat[:, 1].max() < 64.0


def test_fibre_geojson(demo_region: DemoRegion, good_rows: pd.DataFrame) -> None:
    collection = json.loads(demo_region.fibre.read_text(encoding="utf-8"))
    assert collection["type"] == "FeatureCollection"
    assert "crs" not in collection
    kinds = [feature["properties"]["kind"] for feature in collection["features"]]
    assert kinds.count("trunk") >= 3
    assert set(kinds) == {"trunk", "distribution"}
    assert {f["geometry"]["type"] for f in collection["features"]} == {"LineString"}
    fibre = gpd.read_file(demo_region.fibre).to_crs(25833)
    assert fibre.total_bounds[0] > 260_000 and fibre.total_bounds[2] < 300_000
