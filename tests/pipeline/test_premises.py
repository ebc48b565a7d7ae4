"""The premises stage: linking buildings to addresses, classes and whole households."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from pipeline.config_premises import PremisesSettings
from pipeline.premises import (
    BASIS_NB,
    class_of_building_type,
    dwellings_of_buildings,
    link_buildings,
    premises_from_addresses,
    premises_from_buildings,
    premises_from_register,
)

NA = pd.NA


def addresses() -> pd.DataFrame:
    """A (1, unit 12/1), B (2, unit 12/1, 30 m east), C (3, unit 13/1), D (4, no unit, at
    1 km), E (5, unit 14/1, no building). One household each in the address file."""
    return pd.DataFrame(
        {
            "address_id": [1, 2, 3, 4, 5],
            "kommunenummer": "9901",
            "households": [1, 1, 1, 1, 1],
            "x_m": [0.0, 30.0, 300.0, 1000.0, 2000.0],
            "y_m": 0.0,
            "gnr": pd.array([12, 12, 13, NA, 14], dtype="Int64"),
            "bnr": pd.array([1, 1, 1, NA, 1], dtype="Int64"),
            "fnr": pd.array([0, 0, 0, 0, 0], dtype="Int64"),
        }
    )


def buildings() -> gpd.GeoDataFrame:
    """b1 house on 12/1 next to A; b2 garage on 12/1 next to B; b3 cabin on 13/1; b4 barn
    without unit 20 m from D; b5 shed without unit 500 m from anything; b6 shop naming C."""
    return gpd.GeoDataFrame(
        {
            "building_id": [11, 12, 13, 14, 15, 16],
            "kommunenummer": "9901",
            "gnr": pd.array([12, 12, 13, NA, NA, NA], dtype="Int64"),
            "bnr": pd.array([1, 1, 1, NA, NA, NA], dtype="Int64"),
            "fnr": pd.array([0, 0, 0, 0, 0, 0], dtype="Int64"),
            "snr": pd.array([0, 0, 0, 0, 0, 0], dtype="Int64"),
            "address_id": pd.array([NA, NA, NA, NA, NA, 3], dtype="Int64"),
            "building_type": ["111", "181", "161", "241", "181", "311"],
            "dwellings": pd.array([NA] * 6, dtype="Int64"),
        },
        geometry=shapely.points([5, 28, 305, 1020, 1500, 310], [5, 5, 5, 0, 600, 0]),
        crs=25833,
    )


def test_building_types_give_ssb_classes() -> None:
    codes = pd.Series(["111", "113", "124", "146", "161", "171", "181", "183", "241", "221"])
    codes = pd.concat([codes, pd.Series(["311", "511", "439", "641", "999"])])
    assert list(class_of_building_type(codes)) == [
        *["dwelling"] * 4,
        *["holiday_home"] * 2,
        *["no_premises"] * 4,
        "business",
        "business",
        "no_premises",
        "business",
        "no_premises",
    ]


def test_dwellings_from_the_file_else_by_type() -> None:
    codes = pd.Series(["111", "112", "121", "136", "141", "141", "161"])
    given = pd.Series(pd.array([NA, NA, NA, NA, NA, 24, 3], dtype="Int64"))
    # 141 with 24 units in the file: 24; a cabin's units are no dwellings
    assert list(dwellings_of_buildings(codes, given)) == [1, 2, 2, 3, 5, 24, 0]


def test_buildings_link_by_address_id_then_cadastre_then_nearest() -> None:
    address_of, method = link_buildings(addresses(), buildings(), tolerance_m=50.0)
    # b1 → A and b2 → B (nearest address of unit 12/1), b3 → C, b4 → D (20 m), b5 none, b6 → C
    assert list(address_of) == [0, 1, 2, 3, -1, 2]
    assert list(method) == [1, 1, 1, 2, -1, 0]


def test_classes_and_whole_households_hand_checked() -> None:
    premises = premises_from_buildings(addresses(), buildings(), PremisesSettings())
    table = premises.columns
    assert list(table["premises_class"]) == [
        "dwelling",  # A: a house
        "no_premises",  # B: a garage only
        "holiday_home",  # C: a cabin, and a shop
        "no_premises",  # D: a barn
        "dwelling",  # E: no building; unlinked_as = dwelling keeps its household
    ]
    assert list(table["households"]) == [1, 0, 0, 0, 1]
    assert list(table["holiday_homes"]) == [0, 0, 1, 0, 0]
    assert list(table["businesses"]) == [0, 0, 1, 0, 0]
    assert list(table["premises_linked_by"]) == [
        "cadastre",
        "cadastre",
        "address_id",
        "nearest",
        "unlinked",
    ]
    assert list(table["premises_costed"]) == [True, False, False, False, True]
    counts = premises.counts
    assert counts["buildings_linked_by_address_id"] == 1
    assert counts["buildings_linked_by_cadastre"] == 3
    assert counts["buildings_linked_by_nearest"] == 1
    assert counts["buildings_unlinked"] == 1
    assert counts["addresses_unlinked"] == 1
    assert counts["households"] == 2 and counts["holiday_homes"] == 1


def test_no_tolerance_leaves_the_barn_unlinked_and_unlinked_as_no_premises() -> None:
    settings = PremisesSettings(link_tolerance_m=0.0, unlinked_as="no_premises")
    premises = premises_from_buildings(addresses(), buildings(), settings)
    assert premises.counts["buildings_unlinked"] == 2
    assert list(premises.columns["households"]) == [1, 0, 0, 0, 0]
    assert list(premises.columns["premises_linked_by"])[3:] == ["unlinked", "unlinked"]


def test_policy_counts_holiday_homes_and_costs_businesses() -> None:
    settings = PremisesSettings(
        counted_classes=("dwelling", "holiday_home"), costed_classes=("dwelling", "business")
    )
    table = premises_from_buildings(addresses(), buildings(), settings).columns
    assert list(table["households"]) == [1, 0, 1, 0, 1]  # C's cabin counts
    assert list(table["dwelling_households"]) == [1, 0, 0, 0, 1]
    assert list(table["premises_costed"]) == [True, False, True, False, True]  # C's shop


def test_a_block_counts_its_dwellings_and_a_dwelling_level_file_wins() -> None:
    block = buildings().iloc[[0]].assign(building_type="142")
    one = addresses().iloc[[0]]
    assert premises_from_buildings(one, block, PremisesSettings()).columns["households"][0] == 5
    with_units = block.assign(dwellings=pd.array([14], dtype="Int64"))
    table = premises_from_buildings(one, with_units, PremisesSettings()).columns
    assert table["households"][0] == 14
    folded = one.assign(households=9)  # the dwelling-level address file says 9 bruksenheter
    table = premises_from_buildings(folded, with_units, PremisesSettings(), dwelling_level=True)
    assert table.columns["households"][0] == 9


def test_register_households_and_holiday_homes_absent_is_zero() -> None:
    register = pd.DataFrame(
        {"address_id": [1, 3, 99], "households": [2, 0, 4], "holiday_homes": [0, 1, 0]}
    )
    business = np.array([0, 0, 1, 0, 0])
    premises = premises_from_register(addresses(), register, PremisesSettings(), business)
    table = premises.columns
    assert list(table["households"]) == [2, 0, 0, 0, 0]
    assert list(table["holiday_homes"]) == [0, 0, 1, 0, 0]
    assert list(table["premises_class"]) == [
        "dwelling",
        "no_premises",
        "holiday_home",
        "no_premises",
        "no_premises",
    ]
    assert premises.counts["addresses_not_in_register"] == 3
    assert premises.counts["register_rows_without_address"] == 1


def test_without_buildings_households_are_addresses_and_it_says_so() -> None:
    premises = premises_from_addresses(addresses(), PremisesSettings())
    assert premises.counts["basis"] == "addresses"
    assert BASIS_NB["addresses"] == "husstander = adresser"
    assert list(premises.columns["households"]) == [1, 1, 1, 1, 1]
    assert set(premises.columns["premises_linked_by"]) == {"addresses"}


@pytest.mark.parametrize("n", [50_000])
def test_linking_is_vectorised(n: int) -> None:
    rng = np.random.default_rng(1)
    x = rng.uniform(0, 50_000, n)
    many = pd.DataFrame(
        {
            "address_id": np.arange(n),
            "kommunenummer": "9901",
            "households": 1,
            "x_m": x,
            "y_m": 0.0,
            "gnr": pd.array(np.arange(n) // 3, dtype="Int64"),
            "bnr": pd.array(np.ones(n, dtype="int64"), dtype="Int64"),
            "fnr": pd.array(np.zeros(n, dtype="int64"), dtype="Int64"),
        }
    )
    homes = gpd.GeoDataFrame(
        {
            "building_id": np.arange(n),
            "kommunenummer": "9901",
            "gnr": many["gnr"],
            "bnr": many["bnr"],
            "fnr": many["fnr"],
            "snr": many["fnr"],
            "address_id": pd.array([NA] * n, dtype="Int64"),
            "building_type": "111",
            "dwellings": pd.array([NA] * n, dtype="Int64"),
        },
        geometry=shapely.points(x + 1.0, np.zeros(n)),
        crs=25833,
    )
    premises = premises_from_buildings(many, homes, PremisesSettings())
    # every house counts once; an address whose house went to a nearer one of its unit keeps
    # its own household (unlinked_as = "dwelling")
    unlinked = premises.counts["addresses_unlinked"]
    assert premises.columns["households"].sum() == n + unlinked
    assert premises.counts["buildings_linked_by_cadastre"] == n
