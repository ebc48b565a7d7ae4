"""pipeline/ingest_nkom.py (and its hunk in pipeline/ingest.py): Nkom's adr / fbb / mob on the
tiny region (``tests.fixtures.write_tiny_region``: addresses 1000–1008 in 9901 Vestvik,
1009–1017 in 9902; offers fibre 1000–1003, xDSL 40/5 1004–1011, xDSL 10/1 1012–1014).

Nkom's tables add: ``adr`` with 1000 = 3 households, 1005 a cabin (0 households, 1 holiday
home), 1010 = 2 households, the rest 1, plus 777 (not an address of the region) and a row with
a bad ``hus`` (5000); ``fbb`` with fibre that only passes 1015 (hc false), FWA (``ftb``) 100/20 at
1016 and a row for 777; ``mob`` with 5G 300 Mbit/s at 1017 and an unknown ``tek``.

By hand, no2025 (100/10), households: Vestvik 10 (3 + 7 × 1 + 0), served 1000–1003 = 6;
9902 10 (8 × 1 + 2 for 1010), served 1016 (FWA) and 1015 when homes passed count, 1017's 5G does
not count (mobile is not fixed coverage). Total 20 households, not the 18 addresses.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from rich.console import Console

from pipeline.config import load_config
from pipeline.ingest import ingest
from pipeline.ingest_nkom import homes_passed_only
from pipeline.locate import locate_stage
from pipeline.premises import premises_stage
from pipeline.run import run_pipeline
from pipeline.synthetic.nkom_tables import ADR_SCHEMA, FBB_SCHEMA, write_parquet

HOUSEHOLDS = {1000: 3, 1005: 0, 1010: 2}


def _with_nkom_tables(config: Path, nkom_section: str = "") -> Path:
    folder = config.parent / "nkom"
    ids = list(range(1000, 1018))
    adr = pd.DataFrame(
        {
            "adrid": [*ids, 777, 5000],
            "fylke": "FYLKE 99",
            "komnavn": ["VESTVIK"] * 9 + ["ØSTBY"] * 9 + ["X", "Y"],
            "ertett": [True] * 20,
            "hus": [HOUSEHOLDS.get(i, 1) for i in ids] + [1, -1],
            "pers": [2] * 20,
            "fritid": [int(i == 1005) for i in ids] + [0, 0],
        }
    )
    write_parquet(folder / "adr.parquet", adr, ADR_SCHEMA)
    fbb = pd.DataFrame(
        {
            "adrid": [1015, 1016, 777],
            "tilb": ["Fjordnett", "Luftlinje", "Fjordnett"],
            "tek": ["fiber", "ftb", "fiber"],
            "ned": [1_000_000, 100_000, 1_000_000],
            "opp": [1_000_000, 20_000, 1_000_000],
            "hc": [False, True, True],
            "egen": [True, False, True],
        }
    )
    write_parquet(folder / "fbb.parquet", fbb, FBB_SCHEMA)
    (folder / "mob.csv").write_text(
        "adrid;tilb;tek;ned\n1017;telia;5g;300000\n1017;telia;3g;2000\n", encoding="utf-8"
    )
    text = config.read_text(encoding="utf-8")
    inputs = (
        'nkom_addresses = "nkom/adr.parquet"\nnkom_fixed = "nkom/fbb.parquet"\n'
        'nkom_mobile = "nkom/mob.csv"\n'
    )
    config.write_text(text + inputs + nkom_section, encoding="utf-8")
    return config


def test_layers_reconcile_and_unknown_addresses_are_quarantined(tiny_region: Path) -> None:
    ingested = ingest(load_config(_with_nkom_tables(tiny_region)))
    counts = ingested.counts.set_index("layer")
    # (read, accepted, merged, quarantined, outside a preview)
    assert counts.loc["nkom_addresses"].tolist() == [20, 18, 0, 2, 0]
    assert counts.loc["nkom_fixed"].tolist() == [3, 2, 0, 1, 0]
    assert counts.loc["nkom_mobile"].tolist() == [2, 1, 0, 1, 0]
    quarantine = ingested.quarantine.set_index(["layer", "row_number"])["reason"]
    assert quarantine[("nkom_addresses", 20)] == "hus: got -1, expected a whole number >= 0"
    assert quarantine[("nkom_addresses", 19)] == (
        "adrid: got 777, expected an address of the address layer (or quarantined there)"
    )
    assert quarantine[("nkom_mobile", 3)] == "tek: got 3g, expected one of ['4g', '5g']"
    assert len(ingested.quarantine) == counts["rows_quarantined"].sum()


def test_households_come_from_the_register(tiny_region: Path) -> None:
    config = load_config(_with_nkom_tables(tiny_region))
    ingested = ingest(config)
    located, _ = premises_stage(config, locate_stage(config, ingested)[0], ingested.nkom_register)
    households = located.addresses.set_index("address_id")["households"]
    assert households.to_dict() == {i: HOUSEHOLDS.get(i, 1) for i in range(1000, 1018)}
    register = ingested.nkom_register
    assert register is not None
    assert register.loc[register["address_id"] == 1005, "holiday_homes"].tolist() == [1]
    # the real register names the kommune only: the number comes from the address layer
    numbers = register.set_index("address_id")["kommunenummer"]
    assert numbers[1000] == "9901" and numbers[1017] == "9902"
    assert set(register["fylkesnummer"]) == {"99"}


def test_homes_passed_count_by_default(tiny_region: Path) -> None:
    ingested = ingest(load_config(_with_nkom_tables(tiny_region)))
    nkom = ingested.offers.loc[ingested.offers["source"].isin(["nkom_fbb", "nkom_mob"])]
    assert nkom[["address_id", "technology", "down_mbps"]].values.tolist() == [
        [1015, "fiber", 1000.0],
        [1016, "fwa", 100.0],
        [1017, "mobile_5g", 300.0],
    ]
    assert nkom["up_mbps"].isna().tolist() == [False, False, True]
    metadata = ingested.metadata["nkom_fixed"]
    assert metadata["fibre_homes_passed_rows"] == 1
    assert metadata["fibre_homes_passed_rows_excluded"] == 0


def test_homes_passed_left_out_by_policy(tiny_region: Path) -> None:
    config = _with_nkom_tables(tiny_region, "[nkom]\ncount_homes_passed = false\n")
    ingested = ingest(load_config(config))
    assert 1015 not in set(ingested.offers["address_id"])
    assert 1016 in set(ingested.offers["address_id"])
    assert ingested.metadata["nkom_fixed"]["fibre_homes_passed_rows_excluded"] == 1
    # excluded by policy, not quarantined: the layer still reconciles with 1 quarantined row
    counts = ingested.counts.set_index("layer")
    assert counts.loc["nkom_fixed"].tolist() == [3, 2, 0, 1, 0]


def test_homes_passed_only_is_fibre_with_hc_false() -> None:
    offers = pd.DataFrame(
        {
            "technology": ["fiber", "fiber", "fiber", "hfc"],
            "homes_connected": pd.array([False, True, pd.NA, False], dtype="boolean"),
        }
    )
    assert homes_passed_only(offers).tolist() == [True, False, False, False]


@pytest.mark.parametrize(("count_passed", "served_9902"), [(True, 2), (False, 1)])
def test_a_tiny_run_counts_nkom_households_and_the_hc_policy(
    tiny_region: Path, count_passed: bool, served_9902: int
) -> None:
    section = f"[nkom]\ncount_homes_passed = {str(count_passed).lower()}\n"
    config = load_config(_with_nkom_tables(tiny_region, section))
    result = run_pipeline(config, Console(quiet=True))
    table = result.gap_table.set_index("kommunenummer")
    assert table.loc["9901", "households"] == 10
    assert table.loc["9902", "households"] == 10
    assert table.loc["9901", "served_households_no2025"] == 6
    assert table.loc["9902", "served_households_no2025"] == served_9902
    assert int(table.loc[["9901", "9902"], "households"].sum()) == 20
    # the tables are stamped and their quarantined rows published like every input's
    assert {"nkom_addresses", "nkom_fixed", "nkom_mobile"} <= set(result.manifest["inputs"])
    quarantine = pd.read_csv(result.published / "tables" / "quarantine.csv", dtype=str)
    layers = quarantine.loc[quarantine["layer"].str.startswith("nkom_"), "layer"]
    assert layers.value_counts().to_dict() == {
        "nkom_addresses": 2,
        "nkom_fixed": 1,
        "nkom_mobile": 1,
    }
