"""pipeline/synthetic/nkom_tables.py: the demo's Nkom tables are in the real layout and say the
same as the demo's own addresses and offers; with the demo config's commented keys switched
on, ingest takes the households from Nkom's register."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from layers.addresses import read_addresses
from layers.nkom_address_data import read_fixed, read_mobile, read_register
from layers.offers import read_offers
from pipeline.config import load_config
from pipeline.ingest import ingest
from pipeline.locate import locate_stage
from pipeline.premises import premises_stage
from pipeline.synthetic.demo import prepare_demo
from pipeline.synthetic.nkom_tables import (
    ADR_SCHEMA,
    FBB_SCHEMA,
    MOB_SCHEMA,
    NkomTables,
    in_tettsted,
    write_nkom_tables,
)
from pipeline.synthetic.region import DemoRegion


@pytest.fixture(scope="module")
def tables(demo_region: DemoRegion, tmp_path_factory: pytest.TempPathFactory) -> NkomTables:
    folder = tmp_path_factory.mktemp("nkom")
    return write_nkom_tables(folder, demo_region.addresses, demo_region.offers)


def test_the_files_have_the_real_layout(tables: NkomTables) -> None:
    assert pq.read_schema(tables.addresses).remove_metadata() == ADR_SCHEMA
    assert pq.read_schema(tables.fixed).remove_metadata() == FBB_SCHEMA
    assert pq.read_schema(tables.mobile).remove_metadata() == MOB_SCHEMA


def test_register_covers_every_address_once(tables: NkomTables, demo_region: DemoRegion) -> None:
    addresses = read_addresses(demo_region.addresses).accepted
    register = read_register(tables.addresses)
    assert len(register.quarantine) == 0
    frame = register.accepted
    assert sorted(frame["address_id"]) == sorted(addresses["address_id"])
    holiday = frame["holiday_homes"] == 1
    assert 0 < holiday.sum() < len(frame) // 4
    assert (frame.loc[holiday, "households"] == 0).all()
    assert (frame.loc[~holiday, "households"] >= 1).all()
    assert 0.2 < frame["in_tettsted"].mean() < 0.95


def test_offers_read_back_as_the_demo_offers(tables: NkomTables, demo_region: DemoRegion) -> None:
    offers = read_offers(demo_region.offers).accepted
    fixed, mobile = read_fixed(tables.fixed), read_mobile(tables.mobile)
    assert len(fixed.quarantine) == 0 and len(mobile.quarantine) == 0
    read_back = pd.concat([fixed.accepted, mobile.accepted], ignore_index=True)
    known = offers.loc[offers["address_id"].isin(read_back["address_id"])]
    assert _rows(read_back) == _rows(known)
    assert len(known) == len(offers)  # every demo offer has its Nkom row
    passed = fixed.accepted["homes_connected"].eq(False)
    assert set(fixed.accepted.loc[passed, "technology"]) == {"fiber"}


def test_tettsted_needs_fifteen_neighbours_within_300_m() -> None:
    x_m = np.concatenate([np.arange(16) * 10.0, [5000.0]])
    assert in_tettsted(x_m, np.zeros(17)).tolist() == [True] * 16 + [False]
    assert not in_tettsted(x_m[:15], np.zeros(15)).any()  # 14 neighbours each


def test_demo_with_the_commented_keys_on_takes_nkoms_households(tmp_path: Path) -> None:
    config_path = prepare_demo(tmp_path)
    text = config_path.read_text(encoding="utf-8")
    for key in ("nkom_addresses", "nkom_fixed", "nkom_mobile"):
        assert f'# {key} = "nkom/' in text
        text = text.replace(f"# {key} = ", f"{key} = ")
    config_path.write_text(text, encoding="utf-8")
    config = load_config(config_path)
    ingested = ingest(config)
    register = pd.read_parquet(tmp_path / "data" / "nkom" / "adr.parquet")
    located = locate_stage(config, ingested)[0]
    counted, _ = premises_stage(config, located, ingested.nkom_register)
    assert int(counted.addresses["households"].sum()) == int(register["hus"].sum())
    counts = ingested.counts.set_index("layer")
    assert counts.loc["nkom_addresses", "rows_quarantined"] == 0
    fbb = pd.read_parquet(tmp_path / "data" / "nkom" / "fbb.parquet")
    assert counts.loc["nkom_fixed", "rows_accepted"] == len(fbb)


def _rows(offers: pd.DataFrame) -> Counter[tuple[object, ...]]:
    """Offers as a multiset of (address, operator lower-cased, technology, down kbit/s)."""
    return Counter(
        zip(
            offers["address_id"],
            offers["operator"].str.lower(),
            offers["technology"],
            np.round(offers["down_mbps"].to_numpy() * 1000).astype("int64"),
            strict=True,
        )
    )
