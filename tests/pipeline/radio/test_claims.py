"""pipeline/radio/claims.py: FWA claims judged against the claiming operator's own FWA sites.

The hand-made case: flat ground at 0 m (10 m cells, 2 km east-west), a hill 80 m high across
columns 95-105. Address 1 (column 150, east of the hill) is claimed by "Telenor Norge AS" and by
Fjordnett; address 2 (column 170) by Luftlinje.

- Telenor's only FWA site TN-1 (operator " telenor") stands at column 20, west of the hill,
  antenna 20 m: the line to a 5 m CPE at column 150 passes column 100 at
  20 − 15 · 80/130 ≈ 10.8 m, far below the 80 m hill top → blocked, TN-1 cited.
- Telenor's mobile mast MOB-1 at column 160 sees address 1 clearly but is no FWA site, and
  Luftlinje's FWA site LL-1 at column 180 is another operator's: neither may back or be cited
  for Telenor's claim.
- Fjordnett has no FWA site (only a mobile mast) → "ingen mast registrert".
- Luftlinje's claim at address 2 sees LL-1, 100 m away over flat ground → clear.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pipeline.radio.claims import decisive_claim_per_address, judge_fwa_claims
from pipeline.radio.reach import LosSettings
from tests.fixtures import WINDOW_X0_M as X0_M
from tests.fixtures import WINDOW_Y0_M as Y0_M
from tests.fixtures import column_x_m, write_dtm

ROW_Y_M = Y0_M - 105.0  # centre of row 10
ALIASES = {"Telenor Norge AS": "telenor"}


def write_hill_dtm(folder: Path) -> Path:
    """Flat ground at 0 m, 20 × 200 cells of 10 m, an 80 m hill across columns 95-105."""
    dem = np.zeros((20, 200))
    dem[:, 95:106] = 80.0
    return write_dtm(folder / "hill.tif", dem, (X0_M, Y0_M))


@pytest.fixture
def hill_dtm(tmp_path: Path) -> Path:
    return write_hill_dtm(tmp_path)


def hand_addresses() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "address_id": [1, 2, 3],
            "kommunenummer": "9901",
            "x_m": [column_x_m(150), column_x_m(170), column_x_m(10)],
            "y_m": ROW_Y_M,
        },
        index=[10, 11, 12],
    )


def hand_sites() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "site_id": ["TN-1", "MOB-1", "LL-1", "FJ-MOB"],
            "operator": [" telenor", "Telenor Norge AS", "Luftlinje", "Fjordnett"],
            "technology": ["fwa", "mobile_4g", "fwa", "mobile_5g"],
            "x_m": [column_x_m(20), column_x_m(160), column_x_m(180), column_x_m(140)],
            "y_m": ROW_Y_M,
            "antenna_height_m": [20.0, 30.0, 25.0, 30.0],
            "frequency_mhz": [3600.0, 800.0, 5800.0, 3600.0],
            "max_range_m": [5000.0, 10_000.0, 5000.0, 10_000.0],
        }
    )


def hand_offers() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "address_id": [1, 1, 1, 2, 3],
            "operator": ["Telenor Norge AS", "Fjordnett", "Kobber AS", "Luftlinje", "Ukjent"],
            "technology": ["fwa", "fwa", "xdsl", "fwa", "fiber"],
            "down_mbps": [100.0, 50.0, 20.0, 50.0, 1000.0],
            "up_mbps": [20.0, 10.0, 2.0, 10.0, 1000.0],
        }
    )


def test_each_claim_is_judged_against_its_own_operators_fwa_sites(hill_dtm: Path) -> None:
    claims = judge_fwa_claims(
        hand_offers(), hand_addresses(), hand_sites(), hill_dtm, LosSettings(), ALIASES
    )
    # by address, then operator; the xDSL and fibre offers are no claims
    assert claims[["address_id", "claimed_operator", "claim_status"]].values.tolist() == [
        [1, "Fjordnett", "no_site"],
        [1, "Telenor Norge AS", "blocked"],
        [2, "Luftlinje", "clear"],
    ]
    telenor = claims.iloc[1]
    assert telenor["site_id"] == "TN-1"  # never MOB-1 (mobile) nor LL-1 (Luftlinje's)
    assert telenor["site_distance_m"] == pytest.approx(1300.0)
    assert telenor["site_antenna_height_m"] == 20.0
    assert telenor["sites_in_range"] == 1
    assert telenor["worst_clearance_ratio"] < 0  # the hill stands above the line
    # the terrain cuts the line on the hill (columns 95-105)
    assert column_x_m(95) - 5 <= telenor["obstruction_x_m"] <= column_x_m(105) + 5
    fjordnett = claims.iloc[0]
    assert fjordnett["site_id"] is None and fjordnett["sites_in_range"] == 0
    assert np.isnan(fjordnett["obstruction_x_m"])
    assert claims.iloc[2]["site_id"] == "LL-1"
    assert not set(claims["site_id"].dropna()) & {"MOB-1", "FJ-MOB"}


def test_operator_names_match_through_the_aliases_only(hill_dtm: Path) -> None:
    """ "Telenor Norge AS" and " telenor" are one operator through the alias table; without it
    Telenor's claim has no site of its own. Case and spaces never matter."""
    offers, addresses, sites = hand_offers(), hand_addresses(), hand_sites()
    plain = judge_fwa_claims(offers, addresses, sites, hill_dtm, LosSettings(), {})
    assert plain.loc[plain["claimed_operator"] == "Telenor Norge AS", "claim_status"].item() == (
        "no_site"
    )
    shouting = offers.replace({"Luftlinje": "  LUFT linje "})
    judged = judge_fwa_claims(shouting, addresses, sites, hill_dtm, LosSettings(), ALIASES)
    assert judged.loc[judged["address_id"] == 2, "claim_status"].item() == "clear"
    spelled = {" TELENOR norge  as": "Telenor"}
    judged = judge_fwa_claims(offers, addresses, sites, hill_dtm, LosSettings(), spelled)
    assert judged.loc[judged["address_id"] == 1, "claim_status"].tolist() == ["no_site", "blocked"]


def test_a_site_out_of_range_is_cited_as_the_nearest_own_site(hill_dtm: Path) -> None:
    sites = hand_sites().assign(max_range_m=[1000.0, 10_000.0, 5000.0, 10_000.0])
    claims = judge_fwa_claims(
        hand_offers(), hand_addresses(), sites, hill_dtm, LosSettings(), ALIASES
    )
    telenor = claims.loc[claims["claimed_operator"] == "Telenor Norge AS"].iloc[0]
    assert telenor["claim_status"] == "out_of_range"
    assert telenor["site_id"] == "TN-1"
    assert telenor["site_distance_m"] == pytest.approx(1300.0)


def test_the_decisive_claim_of_an_address_is_the_most_doubtful(hill_dtm: Path) -> None:
    addresses = hand_addresses()
    claims = judge_fwa_claims(
        hand_offers(), addresses, hand_sites(), hill_dtm, LosSettings(), ALIASES
    )
    decisive = decisive_claim_per_address(claims, addresses["address_id"])
    assert decisive.index.tolist() == [10, 11, 12]
    assert decisive["fwa_claim_status"].tolist() == ["blocked", "clear", ""]
    assert decisive["fwa_claim_operator"].tolist() == ["Telenor Norge AS", "Luftlinje", ""]
    assert decisive["fwa_claim_site_id"].tolist()[:2] == ["TN-1", "LL-1"]


def test_without_fwa_sites_every_claim_has_no_site(hill_dtm: Path) -> None:
    claims = judge_fwa_claims(hand_offers(), hand_addresses(), None, hill_dtm, LosSettings(), {})
    assert claims["claim_status"].tolist() == ["no_site"] * 3
