"""pipeline/synthetic/offers.py: the demo region's sites and offers: towns on fibre, villages on
xDSL, Bakdalen only a doubtful FWA claim, the island nothing.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely

from pipeline.synthetic.region import PIER_TEXTS, DemoRegion
from tests.fixtures import OFFERS_HEADER, SITES_HEADER, DtmBand

# the technologies of layers/vocabulary.py, spelled out here
TECHNOLOGIES = {"fiber", "hfc", "xdsl", "fwa", "mobile_5g", "mobile_4g", "satellite"}
TOWNS = {"Fjordvik sentrum", "Nordheim", "Storlia", "Dalsbygd"}


def test_island_addresses_have_no_offers(
    island_area: shapely.Geometry, good_rows: pd.DataFrame, offer_rows: pd.DataFrame
) -> None:
    on_island = shapely.covers(island_area, shapely.points(good_rows["x_m"], good_rows["y_m"]))
    island = good_rows[on_island]
    assert 30 <= len(island) <= 80
    assert (island["kommunenummer"] == "9904").all()
    assert not offer_rows["address_id"].isin(island["adresseId"]).any()


def test_valley_behind_the_ridge_has_only_claimed_fwa(
    good_rows: pd.DataFrame, offer_rows: pd.DataFrame
) -> None:
    valley = good_rows[good_rows["grunnkretsnavn"] == "Bakdalen"]
    assert len(valley) >= 30
    valley_offers = offer_rows[offer_rows["address_id"].isin(valley["adresseId"])]
    assert set(valley_offers["address_id"]) == set(valley["adresseId"])
    assert set(valley_offers["technology"]) == {"fwa"}
    assert set(valley_offers["operator"]) == {"Luftlinje"}
    assert (valley_offers[["down_mbps", "up_mbps"]] == [50, 10]).all().all()


def test_coast_mast_faces_the_island_across_water(
    demo_dtm: DtmBand,
    island_area: shapely.Geometry,
    good_rows: pd.DataFrame,
    site_rows: pd.DataFrame,
) -> None:
    mast = site_rows.set_index("site_id").loc["MN-KYST-4G"]
    island = good_rows[
        shapely.covers(island_area, shapely.points(good_rows["x_m"], good_rows["y_m"]))
    ]
    distance_m = np.hypot(island["x_m"] - mast["east_m"], island["y_m"] - mast["north_m"])
    assert (distance_m <= mast["max_range_m"]).all()
    t = np.linspace(0.0, 1.0, 200)
    between = demo_dtm.sample(mast["east_m"] + t * (island["x_m"].mean() - mast["east_m"]),
                     mast["north_m"] + t * (island["y_m"].mean() - mast["north_m"]))  # fmt: skip
    assert (between == demo_dtm.nodata).sum() > 50


def test_offer_file_rows(
    demo_region: DemoRegion, offer_rows: pd.DataFrame, good_rows: pd.DataFrame
) -> None:
    header = demo_region.offers.read_text(encoding="utf-8").splitlines()[0]
    assert header == OFFERS_HEADER
    bad = ~offer_rows["technology"].isin(TECHNOLOGIES) | (offer_rows["down_mbps"] < 0)
    assert offer_rows.loc[bad, "technology"].tolist() in (
        ["dsl-ish", "fiber"],
        ["fiber", "dsl-ish"],
    )
    assert (offer_rows.loc[bad, "down_mbps"] < 0).sum() == 1
    valid = offer_rows[~bad]
    assert valid["address_id"].isin(good_rows["adresseId"]).all()
    assert not valid.duplicated(["address_id", "operator", "technology"]).any()
    speeds = valid.groupby("technology")[["down_mbps", "up_mbps"]].agg(["min", "max"])
    assert speeds.loc["fiber"].tolist() == [1000, 1000, 1000, 1000]
    assert speeds.loc["hfc"].tolist() == [1000, 1000, 100, 100]
    assert speeds.loc["satellite"].tolist() == [200, 200, 20, 20]
    assert speeds.loc["mobile_4g"].tolist() == [30, 80, 5, 20]
    unserved = ~good_rows["adresseId"].isin(valid["address_id"])
    assert unserved.mean() > 0.03


def test_towns_have_fibre_or_hfc_and_villages_xdsl(
    good_rows: pd.DataFrame, offer_rows: pd.DataFrame
) -> None:
    fixed = offer_rows[offer_rows["technology"].isin(["fiber", "hfc", "xdsl"])]
    best = fixed.groupby("address_id")["down_mbps"].max()
    town = good_rows["grunnkretsnavn"].isin(TOWNS) & ~good_rows["adresseTekst"].isin(PIER_TEXTS)
    town_best = best.reindex(good_rows.loc[town, "adresseId"]).fillna(0)
    assert 0.6 < (town_best == 1000).mean() < 0.95
    assert ((town_best >= 20) & (town_best <= 60)).mean() > 0.05  # the xDSL-only edges
    village = good_rows["tettstednavn"].ne("") & ~good_rows["grunnkretsnavn"].isin(TOWNS)
    village_xdsl = fixed[fixed["address_id"].isin(good_rows.loc[village, "adresseId"])]
    assert set(village_xdsl["technology"]) == {"xdsl"}
    assert village_xdsl["down_mbps"].between(20, 60).all()
    assert village_xdsl["up_mbps"].between(1, 10).all()


def test_sites_file(demo_region: DemoRegion, demo_dtm: DtmBand, site_rows: pd.DataFrame) -> None:
    header = demo_region.sites.read_text(encoding="utf-8").splitlines()[0]
    assert header == SITES_HEADER
    assert 6 <= len(site_rows) <= 10
    assert site_rows["site_id"].is_unique
    assert (site_rows["epsg"] == 25833).all()
    assert set(site_rows["technology"]) == {"fwa", "mobile_4g", "mobile_5g"}
    assert (demo_dtm.sample(site_rows["east_m"], site_rows["north_m"]) != demo_dtm.nodata).all()
