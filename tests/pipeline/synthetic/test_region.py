"""Tests of the deterministic demo region (pipeline/synthetic/region.py, the terrain,
settlements and offers modules it builds on, and the writers of pipeline/synthetic/writers.py).

The region is built once per module; every check reads the written files the way a user would
(pandas, geopandas, rasterio), not the generator's internals.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
import uuid
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
import shapely

from layers.addresses import KARTVERKET_COLUMNS
from pipeline.synthetic.region import BAD_ADDRESS_IDS, PIER_TEXTS, DemoRegion, build_demo_region

EXPECTED_HEADER = ";".join(KARTVERKET_COLUMNS)
TECHNOLOGIES = {"fiber", "hfc", "xdsl", "fwa", "mobile_5g", "mobile_4g", "satellite"}
KOMMUNENAVN = {
    "9901": "Fjordvik",
    "9902": "Nordheim",
    "9903": "Storlia",
    "9904": "Øyvær",
    "9905": "Dalsbygd",
}
TOWNS = {"Fjordvik sentrum", "Nordheim", "Storlia", "Dalsbygd"}
NODATA = -9999.0


@pytest.fixture(scope="module")
def region(tmp_path_factory: pytest.TempPathFactory) -> DemoRegion:
    return build_demo_region(tmp_path_factory.mktemp("demo"))


@pytest.fixture(scope="module")
def addresses(region: DemoRegion) -> pd.DataFrame:
    """Every data row of the address file, as strings."""
    return pd.read_csv(
        region.addresses, sep=";", dtype=str, keep_default_na=False, encoding="utf-8-sig"
    )


@pytest.fixture(scope="module")
def good(addresses: pd.DataFrame) -> pd.DataFrame:
    """The rows a validating reader accepts (index kept), with float ``x_m`` and ``y_m``."""
    y_m = pd.to_numeric(addresses["Nord"], errors="coerce")
    x_m = pd.to_numeric(addresses["Øst"], errors="coerce")
    valid = (
        x_m.notna()
        & y_m.notna()
        & (addresses["EPSG-kode"] == "25833")
        & addresses["kommunenummer"].str.fullmatch(r"\d{4}")
        & ~addresses["adresseId"].duplicated()
    )
    return addresses[valid].assign(x_m=x_m[valid], y_m=y_m[valid])


@pytest.fixture(scope="module")
def offers(region: DemoRegion) -> pd.DataFrame:
    return pd.read_csv(region.offers, dtype={"address_id": str, "operator": str})


@pytest.fixture(scope="module")
def sites(region: DemoRegion) -> pd.DataFrame:
    return pd.read_csv(region.sites)


@pytest.fixture(scope="module")
def kommuner(region: DemoRegion) -> gpd.GeoDataFrame:
    return gpd.read_file(region.kommuner).to_crs(25833)


@pytest.fixture(scope="module")
def dtm(region: DemoRegion) -> tuple[np.ndarray, rasterio.Affine]:
    with rasterio.open(region.dtm) as source:
        return source.read(1), source.transform


def sample(dtm: tuple[np.ndarray, rasterio.Affine], x_m: np.ndarray, y_m: np.ndarray) -> np.ndarray:
    """Elevation of the cell under each point (vectorised, via the inverse transform)."""
    band, transform = dtm
    col, row = ~transform * (np.asarray(x_m), np.asarray(y_m))
    return band[np.floor(row).astype(int), np.floor(col).astype(int)]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def island_of(kommuner: gpd.GeoDataFrame) -> shapely.Geometry:
    """The parts of kommune 9904 other than its largest: the island (with its sea margin)."""
    parts = shapely.get_parts(kommuner.set_index("kommunenummer").geometry["9904"])
    return shapely.union_all(sorted(parts, key=lambda part: part.area)[:-1])


def test_region_names_its_files(region: DemoRegion) -> None:
    names = [region.kommuner, region.addresses, region.dtm, region.offers, region.sites]
    names += [region.fibre, region.roads, region.cost_factors]
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
    assert all(path.parent == region.root and path.is_file() for path in names)


def test_same_seed_gives_byte_identical_files(region: DemoRegion, tmp_path: Path) -> None:
    again = build_demo_region(tmp_path / "again")
    names = {p.name for p in region.root.iterdir()}
    assert names == {p.name for p in again.root.iterdir()}
    assert len(names) == 8
    for name in names:
        assert sha256(region.root / name) == sha256(again.root / name), name
    assert again.n_addresses == region.n_addresses


def test_another_seed_gives_other_addresses(region: DemoRegion, tmp_path: Path) -> None:
    other = build_demo_region(tmp_path / "other", seed=7)
    assert sha256(other.addresses) != sha256(region.addresses)
    assert sha256(other.dtm) != sha256(region.dtm)


def test_address_file_is_bom_crlf_with_exact_header(region: DemoRegion) -> None:
    raw = region.addresses.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert raw.endswith(b"\r\n")
    assert raw.count(b"\n") == raw.count(b"\r\n")
    lines = raw[3:].decode("utf-8").split("\r\n")[:-1]
    assert lines[0] == EXPECTED_HEADER
    assert len(lines) == region.n_addresses + 1
    assert {line.count(";") for line in lines} == {45}
    assert '"' not in raw.decode("utf-8")


def test_address_counts(region: DemoRegion, good: pd.DataFrame) -> None:
    assert 4000 <= region.n_addresses <= 8000
    assert len(good) == region.n_addresses - 10
    counts = good["kommunenummer"].value_counts()
    assert set(counts.index) == set(KOMMUNENAVN)
    assert counts.min() >= 100
    expected_navn = good["kommunenummer"].map(KOMMUNENAVN).str.upper()
    assert (good["kommunenavn"] == expected_navn).all()


def test_bad_rows_are_the_documented_ten(addresses: pd.DataFrame, good: pd.DataFrame) -> None:
    ids = addresses["adresseId"].astype(int)
    assert ids.isin(BAD_ADDRESS_IDS).sum() == len(BAD_ADDRESS_IDS) == 8
    empty_xy = (addresses["Nord"] == "") | (addresses["Øst"] == "")
    assert sorted(ids[empty_xy]) == [390_000_001, 390_000_002]
    not_numeric = ~empty_xy & pd.to_numeric(addresses["Nord"], errors="coerce").isna()
    assert sorted(ids[not_numeric]) == [390_000_003, 390_000_004]
    assert sorted(ids[addresses["EPSG-kode"] == "9999"]) == [390_000_005, 390_000_006]
    assert sorted(ids[addresses["kommunenummer"] == ""]) == [390_000_007, 390_000_008]
    repeated = ids[addresses["adresseId"].duplicated()]
    assert len(repeated) == 2
    assert not repeated.isin(BAD_ADDRESS_IDS).any()
    assert repeated.isin(good["adresseId"].astype(int)).all()
    bad_positions = np.flatnonzero(~addresses.index.isin(good.index))
    assert bad_positions.size == 10
    assert bad_positions.min() < len(addresses) / 5 < 4 * len(addresses) / 5 < bad_positions.max()


def test_coordinates_have_at_most_two_decimals_and_no_trailing_zeros(good: pd.DataFrame) -> None:
    number = re.compile(r"\d+(\.\d?[1-9])?")
    assert good["Nord"].map(number.fullmatch).notna().all()
    assert good["Øst"].map(number.fullmatch).notna().all()
    assert good["x_m"].between(260_000, 300_000).all()
    assert good["y_m"].between(7_000_000, 7_030_000).all()


def test_update_times_mix_fraction_lengths(addresses: pd.DataFrame) -> None:
    pattern = r"\d\d\.\d\d\.\d{4} \d\d:\d\d:\d\d(\.\d{1,6})?"
    assert addresses["oppdateringsdato"].str.fullmatch(pattern).all()
    fraction_lengths = addresses["oppdateringsdato"].str.extract(r"\.(\d+)$")[0].str.len()
    assert set(fraction_lengths.fillna(0).astype(int)) == set(range(7))
    assert addresses["datauttaksdato"].nunique() == 1


def test_ids_are_unique_and_uuids_parse(good: pd.DataFrame) -> None:
    assert good["adresseId"].is_unique
    assert (good["lokalid"] == good["adresseId"]).all()
    assert (good["adresseId"].astype(int) >= 300_000_000).all()
    parsed = [uuid.UUID(text) for text in good["uuidAdresse"]]
    assert len(set(parsed)) == len(parsed)


def test_address_texts_follow_the_address_type(good: pd.DataFrame) -> None:
    veg = good[good["adressetype"] == "vegadresse"]
    expected = veg["adressenavn"] + " " + veg["nummer"] + veg["bokstav"]
    assert (veg["adresseTekst"] == expected).all()
    assert veg["nummer"].str.fullmatch(r"\d+").all()
    matrikkel = good[good["adressetype"] == "matrikkeladresse"]
    name = matrikkel["kommunenummer"].map(KOMMUNENAVN)
    expected = name + " " + matrikkel["gardsnummer"] + "/" + matrikkel["bruksnummer"]
    assert (matrikkel["adresseTekst"] == expected).all()
    assert 0.03 < len(matrikkel) / len(good) < 0.3
    assert set(good["adressetype"]) == {"vegadresse", "matrikkeladresse"}
    assert not good.duplicated(["kommunenummer", "adresseTekst"]).any()


def test_texts_that_need_html_escaping_are_present(good: pd.DataFrame) -> None:
    texts = set(good["adresseTekst"])
    assert "Smith & Sønner <Brygge> 3" in texts
    assert any("'" in text for text in texts)
    assert set(PIER_TEXTS) <= texts


def test_good_addresses_lie_on_land_except_the_piers(dtm: tuple, good: pd.DataFrame) -> None:
    elevation_m = sample(dtm, good["x_m"], good["y_m"])
    pier = good["adresseTekst"].isin(PIER_TEXTS).to_numpy()
    assert pier.sum() == 3
    assert (elevation_m[pier] == NODATA).all()
    assert (elevation_m[~pier] != NODATA).all()
    assert (elevation_m[~pier] > 0).all()


def test_dtm_profile(region: DemoRegion, dtm: tuple) -> None:
    with rasterio.open(region.dtm) as source:
        assert source.crs.to_epsg() == 25833
        assert source.res == (20.0, 20.0)
        assert source.dtypes == ("float32",)
        assert source.nodata == NODATA
        assert source.block_shapes == [(256, 256)]
        assert source.compression == rasterio.enums.Compression.deflate
        assert tuple(source.bounds) == (260_000.0, 7_000_000.0, 300_000.0, 7_030_000.0)
    band, _ = dtm
    land = band[band != NODATA]
    assert 1200 < land.max() < 1700
    assert land.min() > 0
    assert (band[:, 0] == NODATA).all()  # the open sea along the west edge
    assert 0.05 < (band == NODATA).mean() < 0.3


def test_kommuner_geojson_is_rfc7946_with_kartverket_properties(region: DemoRegion) -> None:
    text = region.kommuner.read_text(encoding="utf-8")
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


def test_kommuner_do_not_overlap(kommuner: gpd.GeoDataFrame) -> None:
    assert kommuner.geometry.is_valid.all()
    for first, second in itertools.combinations(kommuner.geometry, 2):
        assert first.intersection(second).area < 1.0


def test_kommuner_cover_every_good_address(kommuner: gpd.GeoDataFrame, good: pd.DataFrame) -> None:
    union = shapely.union_all(kommuner.geometry.to_numpy())
    assert shapely.covers(union, shapely.points(good["x_m"], good["y_m"])).all()
    assert 1000e6 < union.area < 1200e6


def test_five_addresses_disagree_with_their_polygon(
    kommuner: gpd.GeoDataFrame, good: pd.DataFrame
) -> None:
    points = gpd.GeoDataFrame(
        good, geometry=gpd.points_from_xy(good["x_m"], good["y_m"]), crs=25833
    )
    located = points.sjoin(kommuner[["kommunenummer", "geometry"]], predicate="within")
    assert len(located) == len(good)
    disagreeing = located[located["kommunenummer_left"] != located["kommunenummer_right"]]
    assert len(disagreeing) == 5
    stated = kommuner.set_index("kommunenummer").geometry[disagreeing["kommunenummer_left"]]
    assert (stated.distance(disagreeing.geometry, align=False) < 1000).all()


def test_island_addresses_have_no_offers(
    kommuner: gpd.GeoDataFrame, good: pd.DataFrame, offers: pd.DataFrame
) -> None:
    on_island = shapely.covers(island_of(kommuner), shapely.points(good["x_m"], good["y_m"]))
    island = good[on_island]
    assert 30 <= len(island) <= 80
    assert (island["kommunenummer"] == "9904").all()
    assert not offers["address_id"].isin(island["adresseId"]).any()


def test_valley_behind_the_ridge_has_only_claimed_fwa(
    good: pd.DataFrame, offers: pd.DataFrame
) -> None:
    valley = good[good["grunnkretsnavn"] == "Bakdalen"]
    assert len(valley) >= 30
    valley_offers = offers[offers["address_id"].isin(valley["adresseId"])]
    assert set(valley_offers["address_id"]) == set(valley["adresseId"])
    assert set(valley_offers["technology"]) == {"fwa"}
    assert set(valley_offers["operator"]) == {"Luftlinje"}
    assert (valley_offers[["down_mbps", "up_mbps"]] == [50, 10]).all().all()


def test_ridge_blocks_the_line_from_the_mast_to_the_valley(
    dtm: tuple, good: pd.DataFrame, sites: pd.DataFrame
) -> None:
    mast = sites.set_index("site_id").loc["LL-STORLIA-FWA"]
    valley = good[good["grunnkretsnavn"] == "Bakdalen"]
    t = np.linspace(0.0, 1.0, 600)[None, :]
    x_m = mast["east_m"] + t * (valley["x_m"].to_numpy()[:, None] - mast["east_m"])
    y_m = mast["north_m"] + t * (valley["y_m"].to_numpy()[:, None] - mast["north_m"])
    profile_m = sample(dtm, x_m, y_m)
    mast_top_m = profile_m[:, :1] + mast["antenna_height_m"]
    receiver_m = profile_m[:, -1:] + 2.0
    sight_line_m = mast_top_m + t * (receiver_m - mast_top_m)
    assert (profile_m[:, 1:-1] - sight_line_m[:, 1:-1]).max(axis=1).min() > 300
    ridge_m = profile_m.max(axis=1)
    assert (ridge_m - np.maximum(profile_m[:, 0], profile_m[:, -1]) >= 400).all()
    distance_m = np.hypot(valley["x_m"] - mast["east_m"], valley["y_m"] - mast["north_m"])
    assert (distance_m <= mast["max_range_m"]).all()


def test_coast_mast_faces_the_island_across_water(
    dtm: tuple, kommuner: gpd.GeoDataFrame, good: pd.DataFrame, sites: pd.DataFrame
) -> None:
    mast = sites.set_index("site_id").loc["MN-KYST-4G"]
    island = good[shapely.covers(island_of(kommuner), shapely.points(good["x_m"], good["y_m"]))]
    distance_m = np.hypot(island["x_m"] - mast["east_m"], island["y_m"] - mast["north_m"])
    assert (distance_m <= mast["max_range_m"]).all()
    t = np.linspace(0.0, 1.0, 200)
    between = sample(dtm, mast["east_m"] + t * (island["x_m"].mean() - mast["east_m"]),
                     mast["north_m"] + t * (island["y_m"].mean() - mast["north_m"]))  # fmt: skip
    assert (between == NODATA).sum() > 50


def test_offer_file_rows(region: DemoRegion, offers: pd.DataFrame, good: pd.DataFrame) -> None:
    header = region.offers.read_text(encoding="utf-8").splitlines()[0]
    assert header == "address_id,operator,technology,down_mbps,up_mbps"
    bad = ~offers["technology"].isin(TECHNOLOGIES) | (offers["down_mbps"] < 0)
    assert offers.loc[bad, "technology"].tolist() in (["dsl-ish", "fiber"], ["fiber", "dsl-ish"])
    assert (offers.loc[bad, "down_mbps"] < 0).sum() == 1
    valid = offers[~bad]
    assert valid["address_id"].isin(good["adresseId"]).all()
    assert not valid.duplicated(["address_id", "operator", "technology"]).any()
    speeds = valid.groupby("technology")[["down_mbps", "up_mbps"]].agg(["min", "max"])
    assert speeds.loc["fiber"].tolist() == [1000, 1000, 1000, 1000]
    assert speeds.loc["hfc"].tolist() == [1000, 1000, 100, 100]
    assert speeds.loc["satellite"].tolist() == [200, 200, 20, 20]
    assert speeds.loc["mobile_4g"].tolist() == [30, 80, 5, 20]
    unserved = ~good["adresseId"].isin(valid["address_id"])
    assert unserved.mean() > 0.03


def test_towns_have_fibre_or_hfc_and_villages_xdsl(
    good: pd.DataFrame, offers: pd.DataFrame
) -> None:
    fixed = offers[offers["technology"].isin(["fiber", "hfc", "xdsl"])]
    best = fixed.groupby("address_id")["down_mbps"].max()
    town = good["grunnkretsnavn"].isin(TOWNS) & ~good["adresseTekst"].isin(PIER_TEXTS)
    town_best = best.reindex(good.loc[town, "adresseId"]).fillna(0)
    assert 0.6 < (town_best == 1000).mean() < 0.95
    assert ((town_best >= 20) & (town_best <= 60)).mean() > 0.05  # the xDSL-only edges
    village = good["tettstednavn"].ne("") & ~good["grunnkretsnavn"].isin(TOWNS)
    village_xdsl = fixed[fixed["address_id"].isin(good.loc[village, "adresseId"])]
    assert set(village_xdsl["technology"]) == {"xdsl"}
    assert village_xdsl["down_mbps"].between(20, 60).all()
    assert village_xdsl["up_mbps"].between(1, 10).all()


def test_sites_file(region: DemoRegion, dtm: tuple, sites: pd.DataFrame) -> None:
    header = region.sites.read_text(encoding="utf-8").splitlines()[0]
    assert header == (
        "site_id,operator,technology,east_m,north_m,epsg,antenna_height_m,frequency_mhz,"
        "max_range_m,down_mbps,up_mbps"
    )
    assert 6 <= len(sites) <= 10
    assert sites["site_id"].is_unique
    assert (sites["epsg"] == 25833).all()
    assert set(sites["technology"]) == {"fwa", "mobile_4g", "mobile_5g"}
    assert (sample(dtm, sites["east_m"], sites["north_m"]) != NODATA).all()


def test_fibre_geojson(region: DemoRegion, good: pd.DataFrame) -> None:
    collection = json.loads(region.fibre.read_text(encoding="utf-8"))
    assert collection["type"] == "FeatureCollection"
    assert "crs" not in collection
    kinds = [feature["properties"]["kind"] for feature in collection["features"]]
    assert kinds.count("trunk") >= 3
    assert set(kinds) == {"trunk", "distribution"}
    assert {f["geometry"]["type"] for f in collection["features"]} == {"LineString"}
    fibre = gpd.read_file(region.fibre).to_crs(25833)
    assert fibre.total_bounds[0] > 260_000 and fibre.total_bounds[2] < 300_000
