"""Sea crossings, stable project area ids and whole households through the whole pipeline.

One kommune polygon (3 × 1 km, land and sea, as Kartverket draws them), a DTM at 5 m on two
islands with sea (nodata) on [280, 830) m east between them, a fibre line at 5 m east with a
served house on it, and the cost model of the hand cases (``tests.fixtures.HAND_COST``: trench
450 + cable 50 NOK/m, route factor 1.3, 20,000 per household for drop and equipment) with the
default ``[cost.sea]`` (800 NOK/m, 150,000 per landing):

- H1 (2001) at 235 m east, on the west island: 230 m to the fibre, 149,500 NOK, 3 households;
- H2 (2002) at 1,385 m east on the east island, to H1 over 1,150 m, 550 m of it sea:
  780 m of land × 500 + 550 m × 800 + 2 landings × 150,000 = 1,130,000 NOK, 2 households;
- H3 (2003) 50 m north of H2: 65 m × 500 = 32,500 NOK.

H1 = 149,500 / 3 + 20,000; H2 = 149,500 / 3 + 565,000 + 20,000; H3 = H2 + 32,500; in all
1,372,000 NOK. Project areas (500 m single linkage): {H1} "9901-2001" and {H2, H3}
"9901-2002". A second run gives the same ids; a new house H4 (2004, 50 m east of H2) joins the
east island's area, which keeps its id.
"""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from rich.console import Console

from pipeline.config import load_config
from pipeline.run import RunResult, run_pipeline
from tests.fixtures import (
    HAND_COST,
    OFFERS_HEADER,
    address_row,
    cost_toml,
    polygon_feature,
    region_config_toml,
    write_feature_collection,
    write_fibre_line,
    write_matrikkel_csv,
)
from tests.pipeline.rollout.test_ground import X0, Y0, two_islands_dtm

SERVED = [(1000, X0 + 5.0, Y0 + 505.0)]
ISLANDERS = [
    (2001, X0 + 235.0, Y0 + 505.0),
    (2002, X0 + 1_385.0, Y0 + 505.0),
    (2003, X0 + 1_385.0, Y0 + 555.0),
]
NEWCOMER = (2004, X0 + 1_435.0, Y0 + 505.0)
FIRST_NOK = 149_500.0 / 3
PER_HOUSEHOLD_NOK = 20_000.0


def _write_region(folder: Path, islanders: list[tuple[int, float, float]]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    kommune = {"kommunenummer": "9901", "kommunenavn": "Øyane"}
    write_feature_collection(
        folder / "kommuner.geojson", [polygon_feature(kommune, (X0, Y0, X0 + 3_000, Y0 + 1_000))]
    )
    rows = [address_row(a, "9901", f"Øyvegen {a}", x, y) for a, x, y in SERVED + islanders]
    write_matrikkel_csv(folder / "adresser.csv", rows)
    offers = [OFFERS_HEADER, "1000,Fjordnett,fiber,1000,1000"]
    (folder / "dekning.csv").write_text("\n".join(offers) + "\n", encoding="utf-8")
    two_islands_dtm(folder / "terreng.tif")
    write_fibre_line(folder / "fiber.geojson", [(X0 + 5.0, Y0), (X0 + 5.0, Y0 + 1_000)])
    config = folder / "gapmap.toml"
    checks = "[checks]\nmin_addresses_with_offer_share = 0.0\n"
    config.write_text(region_config_toml(cost_toml(HAND_COST) + checks), encoding="utf-8")
    return config


def _run(config_path: Path) -> tuple[RunResult, pd.DataFrame]:
    config = load_config(config_path)
    result = run_pipeline(config, Console(quiet=True))
    with duckdb.connect(str(config.store_path), read_only=True) as connection:
        stored = connection.execute(
            "SELECT address_id, cost_option, cost_nok, area_id, sea_m, route_sea_m"
            " FROM address_results WHERE run_id = ? ORDER BY address_id",
            [result.run_id],
        ).df()
    return result, stored.set_index("address_id")


@pytest.fixture(scope="module")
def islands(tmp_path_factory: pytest.TempPathFactory) -> tuple[RunResult, pd.DataFrame, Path]:
    config = _write_region(tmp_path_factory.mktemp("islands") / "r", ISLANDERS)
    return (*_run(config), config)


def test_the_sea_crossing_is_priced_as_sea_cable_and_landings(islands) -> None:
    _, stored, _ = islands
    costed = stored.loc[[a for a, _, _ in ISLANDERS]]
    assert costed["cost_option"].eq("fiber").all()
    h2_nok = FIRST_NOK + 1_130_000.0 / 2 + PER_HOUSEHOLD_NOK
    assert costed["cost_nok"].tolist() == pytest.approx(
        [FIRST_NOK + PER_HOUSEHOLD_NOK, h2_nok, h2_nok + 32_500.0]
    )
    assert costed["sea_m"].tolist() == pytest.approx([0.0, 550.0, 0.0])
    assert costed["route_sea_m"].tolist() == pytest.approx([0.0, 550.0, 550.0])


def test_project_areas_are_named_by_their_smallest_member(islands) -> None:
    result, stored, _ = islands
    east = "9901-2002"
    assert stored.loc[[2001, 2002, 2003], "area_id"].tolist() == ["9901-2001", east, east]
    assert pd.isna(stored.loc[1000, "area_id"])  # served: in no area
    areas = pd.read_csv(result.published / "tables" / "project_areas.csv", dtype=str)
    assert sorted(areas["area_id"]) == ["9901-2001", "9901-2002"]


def test_the_same_region_run_again_keeps_every_area_id(islands) -> None:
    _, first, config = islands
    _, again = _run(config)
    assert again["area_id"].tolist() == first["area_id"].tolist()


def test_a_new_house_joins_its_area_without_renaming_it(tmp_path: Path) -> None:
    _, stored = _run(_write_region(tmp_path / "r", [*ISLANDERS, NEWCOMER]))
    assert stored.loc[[2001, 2002, 2003, 2004], "area_id"].tolist() == [
        "9901-2001",
        "9901-2002",
        "9901-2002",
        "9901-2002",
    ]


def test_the_gap_table_and_the_kommune_download_have_whole_households(islands) -> None:
    result, _, _ = islands
    table = pd.read_csv(result.published / "tables" / "gap_table.csv", dtype={"kommunenummer": str})
    counts = [c for c in table.columns if "households" in c and "per_household" not in c]
    assert "last_1pct_households" in counts
    values = table[counts].to_numpy(dtype="float64")
    assert np.array_equal(values[~np.isnan(values)], np.round(values[~np.isnan(values)]))
    kommune = table.loc[table["level"] == "kommune"].iloc[0]
    # 3 costed households: 1, 5 and 10 % are each ceil(0.03 … 0.3) = 1 household, H3 the costliest
    for label in ("1pct", "5pct", "10pct"):
        assert kommune[f"last_{label}_households"] == 1
        assert kommune[f"last_{label}_cost_nok"] == pytest.approx(
            FIRST_NOK + 565_000.0 + 32_500.0 + PER_HOUSEHOLD_NOK
        )
    download = result.published / "tables" / "kommuner" / "9901.csv"
    with download.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter=";"))
    households = [row["Husstander (antall)"] for row in rows]
    assert len(households) == 4 and all(value.isdigit() for value in households)
