"""pipeline/synthetic/eligibility_inputs.py: the demo's planned and funded areas and 5G
obligation list, read back through their layers without a quarantined row, each over addresses
that no other rule would take."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from layers.addresses import read_addresses
from layers.areas import read_areas
from layers.obligation_5g import read_obligation_list
from pipeline.synthetic.eligibility_inputs import DEMO_SCHEME_DOWN_MBPS, candidate_addresses
from pipeline.synthetic.region import DemoRegion, build_demo_region


@pytest.fixture(scope="module")
def region(tmp_path_factory: pytest.TempPathFactory) -> DemoRegion:
    return build_demo_region(tmp_path_factory.mktemp("demo"))


def test_the_areas_read_back_with_their_dates(region: DemoRegion) -> None:
    assert region.planned_areas and region.funded_areas
    planned = read_areas(region.planned_areas, "planned")
    funded = read_areas(region.funded_areas, "funded")
    assert len(planned.quarantine) == 0 and len(funded.quarantine) == 0
    assert planned.accepted["build_date"].tolist() == [
        pd.Timestamp("2027-06-30"),
        pd.Timestamp("2033-06-30"),
    ]
    assert funded.accepted["year"].tolist() == [2024]


def test_the_obligation_list_links_every_row_to_a_candidate(region: DemoRegion) -> None:
    assert region.obligation_5g
    addresses = read_addresses(region.addresses).accepted
    listed = read_obligation_list(region.obligation_5g, addresses)
    assert len(listed.quarantine) == 0 and len(listed.accepted) == 6
    raw = pd.read_csv(region.obligation_5g, sep=";", dtype=str)
    assert raw["adresseid"].isna().sum() == 2  # two rows give only a point
    candidates = candidate_addresses(region.addresses, region.offers, region.fibre)
    assert listed.accepted["address_id"].isin(candidates["address_id"]).all()
    # ids in the list agree with the addresses the points were taken from
    by_id = raw["adresseid"].notna().to_numpy()
    linked = listed.accepted["address_id"].to_numpy()
    assert (linked[by_id] == raw.loc[by_id, "adresseid"].astype("int64").to_numpy()).all()


def test_candidates_have_households_and_no_offer_of_the_scheme_speed(region: DemoRegion) -> None:
    candidates = candidate_addresses(region.addresses, region.offers, region.fibre)
    offers = pd.read_csv(region.offers)
    fixed = offers.loc[offers["technology"].isin(["fiber", "hfc", "xdsl", "fwa"])]
    fast = fixed.loc[fixed["down_mbps"] >= DEMO_SCHEME_DOWN_MBPS, "address_id"]
    assert len(candidates) > 0 and (candidates["households"] > 0).all()
    assert not candidates["address_id"].isin(fast).any()
    assert np.all(np.diff(candidates["address_id"].to_numpy()) > 0)
