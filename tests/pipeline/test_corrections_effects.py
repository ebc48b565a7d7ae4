"""What the corrections changed (:mod:`pipeline.corrections_effects`): the gap table's sums,
the corrections' table and a preview's share, by hand."""

from __future__ import annotations

import dataclasses

import pandas as pd

from pipeline.config_schema import DEFAULT_TARGETS
from pipeline.corrections import USE_COLUMNS
from pipeline.corrections_effects import (
    kommune_uses,
    published_uses,
    uses_with_results,
    with_corrections,
)
from tests.pipeline.test_corrections import _inputs

NO2025 = "below_target_change_by_corrections_no2025"


def _results() -> pd.DataFrame:
    """Three corrected addresses in two kommuner of one fylke, and one untouched."""
    return pd.DataFrame(
        {
            "address_id": [1, 2, 3, 4],
            "kommunenummer": ["9901", "9901", "9902", "9902"],
            "fylkesnummer": ["99", "99", "99", "99"],
            "kommunenavn": ["A", "A", "B", "B"],
            "address_text": ["A 1", "A 2", "B 1", "B 2"],
            "households": [2, 0, 3, 1],
            "corrections_applied": [1, 2, 1, 0],
            **{
                f"below_target_change_by_corrections_{t.name}": [2, -1, 3, 0]
                for t in DEFAULT_TARGETS
            },
        }
    )


GAP = pd.DataFrame(
    {
        "level": ["kommune", "kommune", "kommune", "fylke", "total"],
        "fylkesnummer": ["99", "99", "99", "99", None],
        "kommunenummer": ["9901", "9902", "9903", None, None],
    }
)


def test_the_gap_table_sums_the_changes_per_level() -> None:
    table = with_corrections(GAP, _results(), DEFAULT_TARGETS)
    assert table["corrections_applied"].tolist() == [3, 1, 0, 4, 4]
    assert table["below_target_households_by_corrections_no2025"].tolist() == [1, 3, 0, 4, 4]


def test_without_corrections_the_columns_are_zero() -> None:
    results = _results().drop(columns=[c for c in _results() if "correction" in c])
    table = with_corrections(GAP, results, DEFAULT_TARGETS)
    assert table["corrections_applied"].tolist() == [0] * 5
    assert table["below_target_households_by_corrections_subsidy30"].tolist() == [0] * 5


def _uses() -> pd.DataFrame:
    uses = pd.DataFrame({c: [None, None, None] for c in USE_COLUMNS})
    uses["correction_id"] = [1, 2, 3]
    uses["claim"] = ["cabin", "no_service", "cabin"]
    uses["address_id"] = pd.array([1, 3, None], dtype="Int64")
    uses["applied"] = [True, False, False]
    uses["outcome"] = ["applied", "no such offer at the address", "no such address"]
    return uses


def test_each_use_gets_its_address_and_change() -> None:
    joined = uses_with_results(_uses(), _results())
    assert joined["kommunenummer"].tolist()[:2] == ["9901", "9902"]
    assert joined["households"].tolist()[:2] == [2, 3] and pd.isna(joined["households"][2])
    assert str(joined["households"].dtype) == "Int64"
    assert joined[NO2025].tolist()[:2] == [2, 3]


def test_a_preview_keeps_its_kommunes_uses_and_counts_the_others_outside() -> None:
    inputs = _inputs()
    counts = pd.concat(
        [
            inputs.counts,
            pd.DataFrame(
                [
                    {
                        "layer": "corrections",
                        "rows_read": 2,
                        "rows_accepted": 1,
                        "rows_merged": 0,
                        "rows_quarantined": 1,
                        "rows_outside": 0,
                    }
                ]
            ),
        ],
        ignore_index=True,
    )
    quarantine = pd.DataFrame(
        {
            "layer": ["corrections"],
            "file": ["k.csv"],
            "row_number": [3],
            "key": ["korreksjon 2"],
            "reason": ["no such offer at the address"],
        }
    )
    inputs = dataclasses.replace(inputs, counts=counts, quarantine=quarantine)
    uses = uses_with_results(_uses().iloc[:2], _results())
    kept, mine = kommune_uses(inputs, uses, "9901")
    assert mine["correction_id"].tolist() == [1]
    row = kept.counts.set_index("layer").loc["corrections"]
    assert (
        row["rows_read"],
        row["rows_accepted"],
        row["rows_quarantined"],
        row["rows_outside"],
    ) == (2, 1, 0, 1)
    assert kept.quarantine.empty


def test_the_published_table_has_its_columns_with_or_without_uses() -> None:
    empty = published_uses(None, DEFAULT_TARGETS)
    full = published_uses(uses_with_results(_uses(), _results()), DEFAULT_TARGETS)
    assert list(empty.columns) == list(full.columns)
    assert full["claim_nb"].tolist() == [
        "fritidsbolig, ikke husstand",
        "ingen dekning i virkeligheten",
        "fritidsbolig, ikke husstand",
    ]
