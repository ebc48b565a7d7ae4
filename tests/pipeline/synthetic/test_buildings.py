"""The demo's building points: the Bygningspunkt layout, read without quarantine, every kind."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from layers.buildings import read_buildings
from pipeline.premises import class_of_building_type
from pipeline.synthetic.buildings import BLOCK_DWELLINGS, write_demo_buildings
from tests.fixtures import address_row, write_matrikkel_csv


def test_demo_buildings_read_cleanly_with_cabins_farms_businesses_and_a_block(
    tmp_path: Path,
) -> None:
    rows = []
    for i in range(60):
        row = address_row(1000 + i, "9901", f"Gate {i}", 270_000 + 100 * i, 7_010_000)
        rows.append(row | {"gardsnummer": 1 + i // 2, "bruksnummer": 1})
    addresses = write_matrikkel_csv(tmp_path / "adresser.csv", rows)
    path = write_demo_buildings(addresses, tmp_path / "bygg.gpkg", seed=7)
    result = read_buildings(path)
    assert len(result.quarantine) == 0 and result.rows_read == len(result.accepted)
    table = result.accepted
    kinds = set(class_of_building_type(table["building_type"]))
    assert kinds == {"dwelling", "holiday_home", "business", "no_premises"}
    farms = int((table["building_type"] == "113").sum())
    assert int((table["building_type"] == "241").sum()) == farms > 0  # a barn per farm
    assert table["dwellings"].dropna().tolist() == [BLOCK_DWELLINGS]
    assert int(table["gnr"].isna().sum()) == 6  # five sheds near an address, one far away
    second = read_buildings(write_demo_buildings(addresses, tmp_path / "again.gpkg", seed=7))
    assert np.array_equal(second.accepted["building_type"], table["building_type"])
