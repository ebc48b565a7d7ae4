"""Every rule of issue 15 in one hand-made region, run once through the whole pipeline.

The region (:mod:`tests.every_rule_region`, its table of 14 addresses): one kommune, so the
kommune, fylke and total rows of ``tables/gap_table.csv`` are equal; every affected cell is
worked out by hand below. Targets (defaults): no2025 100 down; gigabit2030 1000 down; eu_vhcn
1000/200; subsidy30 30 down (floor 30/5). Copper counts (default), the cost target is
gigabit2030, the scheme's speed 100 Mbit/s, plans count within 3 years of 2026-12-01.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest
from rich.console import Console

from pipeline.config import load_config
from pipeline.run import RunResult, run_pipeline
from tests.every_rule_region import write_every_rule_region

# The hand cost model (tests.fixtures.HAND_COST): 500 NOK per route m, route = 1.3 × straight
# (650 NOK per straight m of land), 20,000 NOK per household for drop, ONT and installation;
# [cost.sea] defaults: 800 NOK per m of sea (straight), 150,000 NOK per landing.
PER_HOUSEHOLD_NOK = 20_000.0
# 3003, 3004, 3005, 3006: 20 m east of the fibre trunk, each its own edge:
# 20 × 650 + 20,000 = 33,000 NOK
BESIDE_TRUNK_NOK = 20 * 650.0 + PER_HOUSEHOLD_NOK
# 2001 → trunk: 230 m × 650 = 149,500 NOK, shared by 2001 and 2002 (downstream): 74,750 each
WEST_END_SHARE_NOK = 230 * 650.0 / 2
# 2001 → 2002: 1,150 m straight, 550 m of it sea (the DTM's nodata on [280, 830) m):
# 600 m land × 650 + 550 m × 800 + 2 landings × 150,000 = 390,000 + 440,000 + 300,000
SEA_EDGE_NOK = 600 * 650.0 + 550 * 800.0 + 2 * 150_000.0
H2001_NOK = WEST_END_SHARE_NOK + PER_HOUSEHOLD_NOK  # 94,750
H2002_NOK = WEST_END_SHARE_NOK + SEA_EDGE_NOK + PER_HOUSEHOLD_NOK  # 1,224,750


@pytest.fixture(scope="module")
def every_rule(tmp_path_factory: pytest.TempPathFactory) -> tuple[RunResult, Path]:
    config_path = write_every_rule_region(tmp_path_factory.mktemp("every_rule") / "r")
    return run_pipeline(load_config(config_path), Console(quiet=True)), config_path


@pytest.fixture(scope="module")
def gap_rows(every_rule: tuple[RunResult, Path]) -> pd.DataFrame:
    """The published gap table's rows (kommune, fylke, total) as text, exactly as written."""
    result, _ = every_rule
    path = result.published / "tables" / "gap_table.csv"
    return pd.read_csv(path, dtype=str, keep_default_na=False)


# Households: Nkom's register rules (hus), not the buildings: 3001–3006, 2001, 2002 one each
# (8), the block 4004 12, 4005 3 (its building, an enebolig, would say 1), 4006 1: 8 + 12 + 3 +
# 1 = 24. The cabin 4001 (fritid 1) is a holiday home, the office 4003 (building 311, hus 0) a
# business, the barn 4002 (241, hus 0) no premises: none of them a household.
COUNT_CELLS = {
    "addresses": 14,
    "households": 24,
    # no2025 (100 down): served 12 + 3 + 1 (fibre) + 3006 (xdsl 100, copper counts) = 17;
    # 4006's lacking-100 row (2026-03-01) is older than its fibre offer (2026-10-01): stale, so
    # 4006 stays served (it would be unserved if the list overrode the offer).
    "served_households_no2025": 17,
    "underserved_households_no2025": 2,  # 3003 hfc 50/5, 3005 fwa 50/10
    "unserved_households_no2025": 5,  # no offer: 3001, 3002, 3004, 2001, 2002
    "funded_households_no2025": 1,  # 3002 in the area funded in 2024
    "planned_households_no2025": 1,  # 3001, planned 2027-06-30 (within 3 years)
    "wireless_reachable_households_no2025": 0,  # Fjordnett's one site reaches 100 m only
    # gigabit2030 (1000 down): served 16 (fibre only); underserved 3003, 3005, 3006; unserved 5
    "served_households_gigabit2030": 16,
    "underserved_households_gigabit2030": 3,
    "unserved_households_gigabit2030": 5,
    "funded_households_gigabit2030": 1,
    "planned_households_gigabit2030": 1,
    # eu_vhcn (1000/200): the fibre offers are 1000/1000, so as gigabit2030
    "served_households_eu_vhcn": 16,
    "underserved_households_eu_vhcn": 3,
    "unserved_households_eu_vhcn": 5,
    # subsidy30 (30/5): 17 + 3003 (50/5) + 3005 (50/10) = 19; unserved the 5 without offer
    "served_households_subsidy30": 19,
    "underserved_households_subsidy30": 0,
    "unserved_households_subsidy30": 5,
    # copper switched off: 3006's xdsl no longer counts: 7 + 1 = 8 below no2025, 8 below the
    # gigabit targets (unchanged), 5 + 1 = 6 below subsidy30
    "below_target_households_no_copper_no2025": 8,
    "below_target_households_no_copper_gigabit2030": 8,
    "below_target_households_no_copper_eu_vhcn": 8,
    "below_target_households_no_copper_subsidy30": 6,
    # the cabin and the office have no offer: below every target
    "holiday_homes": 1,
    "businesses": 1,
    **{f"holiday_homes_below_{t}": 1 for t in ("no2025", "gigabit2030", "eu_vhcn", "subsidy30")},
    **{f"businesses_below_{t}": 1 for t in ("no2025", "gigabit2030", "eu_vhcn", "subsidy30")},
    # eligibility among the 8 households below gigabit2030 (first rule failed):
    "eligible_households": 3,  # 3005 (fwa 50 < 100), 2001, 2002
    "ineligible_has_network_households": 1,  # 3006: xdsl 100 ≥ the scheme's 100
    "ineligible_planned_households": 1,  # 3001
    "ineligible_funded_households": 1,  # 3002
    "ineligible_upgradable_households": 1,  # 3003: an HFC network at the address
    "ineligible_obligation_5g_households": 1,  # 3004: on Nkom's 5G obligation list
    # costed: below gigabit2030 and not in a planned or funded area: 3003–3006, 2001, 2002
    "households_below_cost_target": 6,
    "routes_capped": 0,
    "fwa_doubtful_households": 1,  # 3005's claim: "ingen mast registrert"
    # 6 costed households: the costliest 1, 5 and 10 % are ceil(0.06, 0.3, 0.6) = 1 household
    "last_1pct_households": 1,
    "last_5pct_households": 1,
    "last_10pct_households": 1,
    "eligible_costed_households": 3,  # 3005, 2001, 2002
}
TOTAL_NOK = 4 * BESIDE_TRUNK_NOK + H2001_NOK + H2002_NOK  # 132,000 + 94,750 + 1,224,750
ELIGIBLE_NOK = BESIDE_TRUNK_NOK + H2001_NOK + H2002_NOK  # 3005, 2001, 2002: 1,352,500
NOK_CELLS = {
    "cost_nok": TOTAL_NOK,  # 1,451,500
    "cost_per_household_nok": TOTAL_NOK / 6,  # 241,916.67
    "median_cost_per_household_nok": BESIDE_TRUNK_NOK,  # sorted: 33,000 × 4, 94,750, 1,224,750
    **{f"last_{p}_cost_nok": H2002_NOK for p in ("1pct", "5pct", "10pct")},
    **{f"last_{p}_cost_per_household_nok": H2002_NOK for p in ("1pct", "5pct", "10pct")},
    # the subsidy case: eligible only, cost − 30,000 commercially viable per household
    "subsidy_need_nok": ELIGIBLE_NOK - 3 * 30_000.0,  # 1,262,500
    "eligible_cost_nok": ELIGIBLE_NOK,
    "eligible_cost_per_household_nok": ELIGIBLE_NOK / 3,  # 450,833.33
}
SHARE_CELLS = {
    "below_target_share_no2025": 7 / 24,
    "below_target_share_gigabit2030": 8 / 24,
    "below_target_share_eu_vhcn": 8 / 24,
    "below_target_share_subsidy30": 5 / 24,
}


def test_the_gap_table_has_one_kommune_its_fylke_and_the_total(gap_rows: pd.DataFrame) -> None:
    assert gap_rows["level"].tolist() == ["kommune", "fylke", "total"]
    assert gap_rows["kommunenummer"].iloc[0] == "9901"
    basis = "husstander og fritidsboliger fra Nkoms adresseregister"
    assert set(gap_rows["premises_basis"]) == {basis}


@pytest.mark.parametrize("column", list(COUNT_CELLS))
def test_every_count_cell_is_the_whole_number_worked_out_by_hand(
    gap_rows: pd.DataFrame, column: str
) -> None:
    # written as whole numbers ("3", never "3.0"), in every row
    assert gap_rows[column].tolist() == [str(COUNT_CELLS[column])] * 3


@pytest.mark.parametrize("column", [*NOK_CELLS, *SHARE_CELLS])
def test_every_cost_and_share_cell_is_the_value_worked_out_by_hand(
    gap_rows: pd.DataFrame, column: str
) -> None:
    expected = {**NOK_CELLS, **SHARE_CELLS}[column]
    assert gap_rows[column].astype(float).tolist() == pytest.approx([expected] * 3, rel=1e-9)


def test_the_households_below_the_cost_target_add_up_by_eligibility(gap_rows: pd.DataFrame) -> None:
    below = 24 - int(gap_rows["served_households_gigabit2030"].iloc[0])  # 8
    reasons = [c for c in COUNT_CELLS if c.startswith("ineligible_")]
    assert (
        int(gap_rows["eligible_households"].iloc[0])
        + sum(int(gap_rows[c].iloc[0]) for c in reasons)
        == below
        == 8
    )


def test_the_sea_crossing_is_priced_as_sea_cable_in_the_store(
    every_rule: tuple[RunResult, Path],
) -> None:
    result, config_path = every_rule
    with duckdb.connect(str(load_config(config_path).store_path), read_only=True) as connection:
        stored = connection.execute(
            "SELECT address_id, cost_nok, sea_m, route_sea_m, eligible, ineligible_reason"
            " FROM address_results WHERE run_id = ? ORDER BY address_id",
            [result.run_id],
        ).df()
    stored = stored.set_index("address_id")
    assert stored.loc[[2001, 2002], "cost_nok"].tolist() == pytest.approx([H2001_NOK, H2002_NOK])
    assert stored.loc[[2001, 2002], "sea_m"].tolist() == pytest.approx([0.0, 550.0])
    assert stored.loc[[3003, 3004, 3005, 3006], "cost_nok"].tolist() == pytest.approx(
        [BESIDE_TRUNK_NOK] * 4
    )
    reasons = stored.loc[[3001, 3002, 3003, 3004, 3006], "ineligible_reason"].tolist()
    assert reasons == ["planned", "funded", "upgradable", "obligation_5g", "has_network"]


def test_the_claim_of_an_operator_without_sites_is_ingen_mast_registrert(
    every_rule: tuple[RunResult, Path],
) -> None:
    result, _ = every_rule
    listed = pd.read_csv(result.published / "tables" / "fwa_challenge.csv", dtype=str)
    # one claim (3005, "Luft Nett"): not judged against Fjordnett's FWA site, so no site cited
    assert listed["address_id"].tolist() == ["3005"]
    row = listed.iloc[0]
    assert (row["claimed_operator"], row["claim_status"]) == ("Luft Nett", "no_site")
    assert row["claim_status_nb"] == "ingen mast registrert"
    assert pd.isna(row["fwa_site_id"])


def test_the_manifest_counts_the_stale_row_and_the_premises(
    every_rule: tuple[RunResult, Path],
) -> None:
    result, _ = every_rule
    coverage = result.manifest["coverage"]
    assert coverage["lacking_rows_100"] == 1 and coverage["stale_lacking_rows_100"] == 1
    assert coverage["on_lacking_lists"] == 0  # the stale row puts 4006 on no list
    premises = result.manifest["premises"]
    assert premises["basis"] == "register"
    assert (premises["households"], premises["holiday_homes"], premises["businesses"]) == (24, 1, 1)
    # addresses by class: 11 dwellings (3001–3006, 2001, 2002, 4004–4006), 1 of each other
    classes = ("dwelling", "holiday_home", "business")
    assert [premises[f"addresses_{c}"] for c in classes] == [11, 1, 1]
    assert premises["addresses_no_premises"] == 1  # the barn
    # in the manifest has_network counts every household with the scheme's speed (12 + 3 + 1 + 1)
    assert result.manifest["eligibility"]["ineligible_has_network_households"] == 17
