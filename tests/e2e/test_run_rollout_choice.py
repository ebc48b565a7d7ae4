"""The technology choice through the whole pipeline, on a purpose-built region, by hand.

One kommune, 30 × 6 km of flat land at 0 m, a fibre line along its west edge and three
served houses beside it, priced as the hand cases (``tests.fixtures.HAND_COST``), plus:

- a village of 12 households 10 km out (80 m apart): fibre would cost 10 km × 1.3 × 500 NOK/m
  = 6.5 M NOK before the village's own trees, a new mast 2.5 M + 0.4 M radio link (a fibre
  backhaul would cost as much as the fibre) + 12 × 6,500 CPE = 2,978,000 NOK, so it takes the
  mast;
- an island of two households 28 km out: too small for a mast (fewer than 5 households), no
  site in sight; fibre is capped at 20 km of route (10 M NOK); satellite costs
  4,000 + 12 × 10 × 700 = 88,000 per household when the policy counts it.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from rich.console import Console

from pipeline.config import load_config, replace_nested
from pipeline.run import run_pipeline
from tests.fixtures import (
    HAND_COST,
    OFFERS_HEADER,
    address_row,
    cost_toml,
    polygon_feature,
    region_config_toml,
    write_dtm,
    write_feature_collection,
    write_fibre_line,
    write_matrikkel_csv,
)

X0, Y0 = 300_000.0, 7_000_000.0


VILLAGE = [(1100 + i, X0 + 10_000 + 80 * (i % 4), Y0 + 3_000 + 80 * (i // 4)) for i in range(12)]


ISLAND = [(1200, X0 + 28_000, Y0 + 3_000), (1201, X0 + 28_050, Y0 + 3_000)]


SERVED = [(1000 + i, X0 + 100, Y0 + 1_000 + 1_000 * i) for i in range(3)]


def _write_region(folder: Path, satellite_meets_target: bool) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    kommune = {"kommunenummer": "9901", "kommunenavn": "Langøy"}
    box_m = (X0, Y0, X0 + 30_000, Y0 + 6_000)
    write_feature_collection(folder / "kommuner.geojson", [polygon_feature(kommune, box_m)])
    rows = [
        address_row(address_id, "9901", f"Veg {address_id}", x, y)
        for address_id, x, y in SERVED + VILLAGE + ISLAND
    ]
    write_matrikkel_csv(folder / "adresser.csv", rows)
    offers = [OFFERS_HEADER]
    offers += [f"{address_id},Fjordnett,fiber,1000,1000" for address_id, _, _ in SERVED]
    (folder / "dekning.csv").write_text("\n".join(offers) + "\n", encoding="utf-8")
    write_dtm(folder / "terreng.tif", np.zeros((120, 600)), (X0, Y0 + 6_000), 50.0)
    write_fibre_line(folder / "fiber.geojson", [(X0, Y0), (X0, Y0 + 6_000)])
    config = folder / "gapmap.toml"
    policy = replace_nested(HAND_COST, {"satellite.meets_target": satellite_meets_target})
    # by design most of these addresses have no offer at all: the share check is off
    checks = "[checks]\nmin_addresses_with_offer_share = 0.0\n"
    config.write_text(region_config_toml(cost_toml(policy) + checks), encoding="utf-8")
    return config


def _results(config_path: Path) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    config = load_config(config_path)
    result = run_pipeline(config, Console(quiet=True))
    with duckdb.connect(str(config.store_path), read_only=True) as connection:
        addresses = connection.execute(
            "SELECT address_id, households, cost_option, cost_nok, route_capped, new_site_id"
            " FROM address_results WHERE run_id = ? ORDER BY address_id",
            [result.run_id],
        ).df()
    masts = pd.read_csv(result.published / "tables" / "new_sites.csv", dtype={"kommunenummer": str})
    cost = result.manifest["cost"]  # the manifest's record agrees with the stored rows
    assert cost["addresses_costed"] == int(addresses["cost_nok"].notna().sum())
    assert cost["cost_nok"] == pytest.approx(addresses["cost_nok"].sum())
    assert sum(cost["addresses_per_option"].values()) == cost["addresses_costed"]
    assert cost["masts_built"] == int((masts["households_taking"] > 0).sum())
    return addresses.set_index("address_id"), masts, result.gap_table


@pytest.fixture(scope="module")
def default_policy(tmp_path_factory: pytest.TempPathFactory):
    return _results(_write_region(tmp_path_factory.mktemp("default") / "r", False))


def test_the_far_village_is_cheaper_by_a_new_mast(default_policy) -> None:
    addresses, masts, _ = default_policy
    village = addresses.loc[[a for a, _, _ in VILLAGE]]
    assert village["cost_option"].eq("fwa_new_site").all()
    assert village["cost_nok"].sum() == pytest.approx(2_978_000.0)
    assert village["new_site_id"].nunique() == 1
    built = masts.loc[masts["households_taking"] > 0]
    assert len(built) == 1 and built["households_taking"].iloc[0] == 12
    assert built["fixed_cost_nok"].iloc[0] == pytest.approx(2_900_000.0)


def test_without_the_satellite_policy_the_island_gets_capped_fibre(default_policy) -> None:
    addresses, _, _ = default_policy
    island = addresses.loc[[a for a, _, _ in ISLAND]]
    assert island["cost_option"].tolist() == ["fiber", "fiber"]
    assert island["route_capped"].any()
    assert island["new_site_id"].isna().all()  # two households: no candidate mast
    # the 20 km capped link (10 M NOK), the 50 m edge between them (65 m × 500), 2 × 20,000
    assert island["cost_nok"].sum() == pytest.approx(10_000_000.0 + 32_500.0 + 40_000.0)


def test_the_gap_table_carries_the_chosen_costs(default_policy) -> None:
    addresses, _, table = default_policy
    total = table.loc[table["level"] == "total"].iloc[0]
    assert total["cost_nok"] == pytest.approx(2_978_000.0 + 10_072_500.0)
    assert total["households_below_cost_target"] == 14
    served = addresses.loc[[a for a, _, _ in SERVED]]
    assert served["cost_option"].isna().all() and served["cost_nok"].isna().all()


def test_when_satellite_counts_the_island_and_the_village_take_it(tmp_path: Path) -> None:
    # 88,000 per household undercuts the mast's 2,978,000 / 12 = 248,167
    addresses, masts, table = _results(_write_region(tmp_path / "r", True))
    costed = addresses.loc[[a for a, _, _ in VILLAGE + ISLAND]]
    assert costed["cost_option"].eq("satellite").all()
    assert costed["cost_nok"].tolist() == pytest.approx([88_000.0] * 14)
    assert (masts["households_taking"] == 0).all()  # the candidate mast is not built
    total = table.loc[table["level"] == "total"].iloc[0]
    assert total["cost_nok"] == pytest.approx(14 * 88_000.0)
