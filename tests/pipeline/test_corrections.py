"""Applying the corrections in force to a run's inputs (:mod:`pipeline.corrections`), on a
hand-made region of two kommuner, four addresses and their offers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from layers.quarantine import empty_quarantine
from pipeline.config import config_from_dict
from pipeline.corrections import (
    EXISTS,
    NO_ADDRESS,
    NO_KOMMUNE,
    NO_OFFER,
    apply_corrections,
    apply_to_premises,
)
from pipeline.corrections_register import empty_corrections
from pipeline.ingest import Ingested
from pipeline.premises import premises_from_addresses

CONFIG = config_from_dict(
    {
        "inputs": {"kommuner": "k.geojson", "addresses": "a.csv", "offers": "o.csv"},
        "operators": {"aliases": {"Fjordnett AS": "fjordnett"}},
    },
    Path("/data"),
)


def _inputs() -> Ingested:
    """Kommune 9901 is x 0–100, 9902 x 100–200; addresses 1–3 in 9901, 4 in 9902."""
    x = np.array([10.0, 50.0, 90.0, 150.0])
    addresses = gpd.GeoDataFrame(
        {
            "address_id": [1, 2, 3, 4],
            "kommunenummer": ["9901", "9901", "9901", "9902"],
            "address_text": ["A 1", "A 2", "A 3", "B 1"],
            "households": [1, 2, 1, 1],
            "x_m": x,
            "y_m": np.full(4, 50.0),
        },
        geometry=shapely.points(x, np.full(4, 50.0)),
        crs=25833,
    )
    offers = pd.DataFrame(
        {
            "address_id": [1, 1, 2, 3],
            "operator": ["Fjordnett", "Mobilnett", "fjordnett as", "Fjordnett"],
            "technology": ["fiber", "mobile_4g", "hfc", "fiber"],
            "down_mbps": [1000.0, 50.0, 500.0, 1000.0],
            "up_mbps": [1000.0, 10.0, 50.0, 1000.0],
            "source": "o.csv",
            "source_date": pd.NaT,
            "row_number": [2, 3, 4, 5],
        }
    )
    kommuner = gpd.GeoDataFrame(
        {"kommunenummer": ["9901", "9902"]},
        geometry=[shapely.box(0, 0, 100, 100), shapely.box(100, 0, 200, 100)],
        crs=25833,
    )
    counts = pd.DataFrame(
        {"layer": ["addresses"], "rows_read": [4], "rows_accepted": [4], "rows_merged": [0]}
    ).assign(rows_quarantined=0, rows_outside=0)
    return Ingested(
        kommuner=kommuner,
        fylker=pd.DataFrame(),
        addresses=addresses,
        offers=offers,
        lacking=pd.DataFrame({"address_id": [], "lacking_mbps": []}),
        areas=None,
        sites=None,
        fibre=None,
        roads=None,
        cost_factors=None,
        quarantine=empty_quarantine(),
        counts=counts,
        metadata={},
    )


def _corrections(*rows: dict[str, Any]) -> pd.DataFrame:
    """Corrections in force as the register gives them, numbered from 1."""
    frame = empty_corrections()
    filled = pd.DataFrame(
        [
            {
                "correction_id": i + 1,
                "batch_id": 1,
                "row_number": i + 2,
                "submitter": "Kari",
                "submitted_on": pd.Timestamp("2026-11-02"),
                "evidence": "befaring",
                "source_file": "rettinger.csv",
                **row,
            }
            for i, row in enumerate(rows)
        ]
    )
    return pd.concat([frame, filled], ignore_index=True).astype({"address_id": "Int64"})


def _offers_of(inputs: Ingested, address_id: int) -> list[tuple[str, str]]:
    rows = inputs.offers.loc[inputs.offers["address_id"] == address_id]
    return sorted(zip(rows["operator"], rows["technology"], strict=True))


def test_no_service_removes_the_named_operators_offers_through_its_aliases() -> None:
    corrections = _corrections(
        {"address_id": 1, "claim": "no_service", "operator": "FJORDNETT AS"},
        {"address_id": 2, "claim": "no_service", "operator": "Fjordnett"},
        {"address_id": 3, "claim": "no_service"},
    )
    changed, applied = apply_corrections(CONFIG, _inputs(), corrections)
    assert _offers_of(changed, 1) == [("Mobilnett", "mobile_4g")]
    assert _offers_of(changed, 2) == []  # "fjordnett as" is Fjordnett by the alias
    assert _offers_of(changed, 3) == []  # no operator named: every offer
    assert applied.uses["applied"].tolist() == [True, True, True]
    assert sorted(applied.offers_before["address_id"].unique()) == [1, 2, 3]


def test_a_technology_narrows_a_removal_and_a_removal_of_nothing_is_not_applied() -> None:
    corrections = _corrections(
        {
            "address_id": 1,
            "claim": "offer_not_available",
            "operator": "Mobilnett",
            "technology": "fiber",
        },
        {
            "address_id": 1,
            "claim": "offer_not_available",
            "operator": "Mobilnett",
            "technology": "mobile_4g",
        },
    )
    changed, applied = apply_corrections(CONFIG, _inputs(), corrections)
    assert _offers_of(changed, 1) == [("Fjordnett", "fiber")]
    assert applied.uses["outcome"].tolist() == [NO_OFFER, "applied"]


def test_a_missing_offer_is_added_after_the_removals() -> None:
    corrections = _corrections(
        {
            "address_id": 4,
            "claim": "offer_missing",
            "operator": "Fjordnett",
            "technology": "fiber",
            "down_mbps": 1000.0,
            "up_mbps": np.nan,
        },
        {"address_id": 4, "claim": "no_service"},
    )
    changed, _ = apply_corrections(CONFIG, _inputs(), corrections)
    added = changed.offers.loc[changed.offers["address_id"] == 4]
    assert added[["operator", "technology", "down_mbps", "source"]].values.tolist() == [
        ["Fjordnett", "fiber", 1000.0, "korreksjon 1"]
    ]
    assert np.isnan(added["up_mbps"].iloc[0])  # an unknown upload stays unknown
    assert added["source_date"].iloc[0] == pd.Timestamp("2026-11-02")


def test_a_position_names_the_nearest_address_within_50_m() -> None:
    corrections = _corrections(
        {"x_m": 52.0, "y_m": 80.0, "claim": "cabin"},  # 30 m from address 2
        {"x_m": 150.0, "y_m": 200.0, "claim": "cabin"},  # 150 m from address 4
    )
    _, applied = apply_corrections(CONFIG, _inputs(), corrections)
    assert applied.uses["address_id"].tolist()[0] == 2
    assert applied.uses["outcome"].tolist() == ["applied", NO_ADDRESS]
    assert applied.cabins.tolist() == [2]


def test_a_missing_address_is_added_where_a_kommune_holds_it() -> None:
    corrections = _corrections(
        {
            "x_m": 120.0,
            "y_m": 20.0,
            "claim": "address_missing",
            "households": 3,
            "address_text": "Nyveien 1",
        },
        {"x_m": 500.0, "y_m": 20.0, "claim": "address_missing", "households": 1},
        {"address_id": 3, "x_m": 20.0, "y_m": 20.0, "claim": "address_missing", "households": 1},
    )
    changed, applied = apply_corrections(CONFIG, _inputs(), corrections)
    new = changed.addresses.loc[changed.addresses["address_id"] < 0]
    assert new[["address_id", "kommunenummer", "households", "address_text"]].values.tolist() == [
        [-1, "9902", 3, "Nyveien 1"]
    ]
    assert new.geometry.iloc[0].equals(shapely.Point(120.0, 20.0))
    assert applied.uses["outcome"].tolist() == ["applied", NO_KOMMUNE, EXISTS]
    assert applied.added.tolist() == [-1] and applied.added_households.tolist() == [3]


def test_corrections_in_force_are_applied_or_quarantined_never_lost() -> None:
    corrections = _corrections(
        {"address_id": 1, "claim": "cabin"},
        {"address_id": 99, "claim": "cabin"},
        {"address_id": 2, "claim": "offer_not_available", "operator": "Nobody"},
    )
    changed, _ = apply_corrections(CONFIG, _inputs(), corrections)
    row = changed.counts.set_index("layer").loc["corrections"]
    assert (row["rows_read"], row["rows_accepted"], row["rows_quarantined"]) == (3, 1, 2)
    refused = changed.quarantine.loc[changed.quarantine["layer"] == "corrections"]
    assert refused[["file", "row_number", "key"]].values.tolist() == [
        ["rettinger.csv", 3, "korreksjon 2"],
        ["rettinger.csv", 4, "korreksjon 3"],
    ]


def test_in_a_preview_an_address_it_did_not_read_is_outside() -> None:
    corrections = _corrections({"address_id": 99, "claim": "cabin"})
    changed, applied = apply_corrections(CONFIG, _inputs(), corrections, preview=True)
    row = changed.counts.set_index("layer").loc["corrections"]
    assert (row["rows_read"], row["rows_quarantined"], row["rows_outside"]) == (1, 0, 1)
    assert applied.uses.empty


@pytest.mark.parametrize("claim", ["cabin", "address_missing"])
def test_premises_follow_cabins_and_added_addresses(claim: str) -> None:
    row = (
        {"address_id": 2, "claim": "cabin"}
        if claim == "cabin"
        else {"x_m": 120.0, "y_m": 20.0, "claim": "address_missing", "households": 3}
    )
    changed, applied = apply_corrections(CONFIG, _inputs(), _corrections(row))
    premises = premises_from_addresses(changed.addresses, CONFIG.premises).columns
    located = changed.addresses.assign(**{c: premises[c] for c in premises.columns})
    after, applied = apply_to_premises(CONFIG, located, applied)
    if claim == "cabin":
        cabin = after.loc[after["address_id"] == 2].iloc[0]
        assert (cabin["households"], cabin["holiday_homes"], cabin["premises_class"]) == (
            0,
            2,
            "holiday_home",
        )
        assert applied.households_before.to_dict() == {2: 2}
    else:
        new = after.loc[after["address_id"] == -1].iloc[0]
        assert (new["households"], new["premises_linked_by"]) == (3, "correction")


def test_no_corrections_change_nothing() -> None:
    inputs = _inputs()
    changed, applied = apply_corrections(CONFIG, inputs, empty_corrections())
    assert changed is inputs and applied.uses.empty
