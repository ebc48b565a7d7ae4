"""pipeline/reason_counts.py: households per reason for a gap, per kommune, fylke and nation;
by hand on a small frame, and on a real run of the tiny region against its gap table, its
store and its spreadsheet."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import duckdb
import openpyxl
import pandas as pd

from pipeline.config import Config, Inputs, Target
from pipeline.reason_counts import COUNT_COLUMNS, reason_counts
from pipeline.run import RunResult

TARGETS = (
    Target("no2025", 100.0, 10.0, "100/10 Mbit/s (mål 2025)"),
    Target("gigabit2030", 1000.0, None, "1 Gbit/s (mål 2030)"),
)


def hand_results() -> pd.DataFrame:
    """Kommuner 5001 and 5006 (fylke 50) and 3401 (fylke 34); reasons set by hand."""
    return pd.DataFrame(
        {
            "fylkesnummer": ["50", "50", "50", "50", "34", "34"],
            "kommunenummer": ["5001", "5001", "5001", "5006", "3401", "3401"],
            "kommunenavn": ["Trondheim"] * 3 + ["Steinkjer"] + ["Kongsvinger"] * 2,
            "households": [2, 3, 1, 4, 5, 0],
            "reason_no2025": [None, "copper_only", "copper_only", "no_offer", None, "no_offer"],
            "reason_gigabit2030": [
                "fibre_distance",
                "copper_only",
                "copper_only",
                "no_offer",
                "below_target",
                "no_offer",
            ],
        }
    )


def test_counts_by_hand() -> None:
    config = Config(inputs=Inputs(Path("k"), Path("a"), Path("o")), targets=TARGETS)
    gap_table = pd.DataFrame(
        {
            "level": ["fylke", "fylke"],
            "fylkesnummer": ["34", "50"],
            "kommunenummer": [None, None],
            "kommunenavn": ["Innlandet", "Trøndelag"],
        }
    )
    table = reason_counts(hand_results(), config, gap_table)
    assert list(table.columns) == list(COUNT_COLUMNS)
    rows = [tuple(r) for r in table.astype(object).where(table.notna(), None).to_numpy()]
    no_offer, copper = "Ingen tilbud", "Bare kobber (xDSL)"
    fibre, below = "Avstand til fiber", "Tilbud under målet"
    assert rows == [
        ("kommune", "34", "3401", "Kongsvinger", "no2025", "no_offer", no_offer, 0, 1),
        ("kommune", "34", "3401", "Kongsvinger", "gigabit2030", "no_offer", no_offer, 0, 1),
        ("kommune", "34", "3401", "Kongsvinger", "gigabit2030", "below_target", below, 5, 1),
        ("fylke", "34", None, "Innlandet", "no2025", "no_offer", no_offer, 0, 1),
        ("fylke", "34", None, "Innlandet", "gigabit2030", "no_offer", no_offer, 0, 1),
        ("fylke", "34", None, "Innlandet", "gigabit2030", "below_target", below, 5, 1),
        ("kommune", "50", "5001", "Trondheim", "no2025", "copper_only", copper, 4, 2),
        ("kommune", "50", "5001", "Trondheim", "gigabit2030", "copper_only", copper, 4, 2),
        ("kommune", "50", "5001", "Trondheim", "gigabit2030", "fibre_distance", fibre, 2, 1),
        ("kommune", "50", "5006", "Steinkjer", "no2025", "no_offer", no_offer, 4, 1),
        ("kommune", "50", "5006", "Steinkjer", "gigabit2030", "no_offer", no_offer, 4, 1),
        ("fylke", "50", None, "Trøndelag", "no2025", "no_offer", no_offer, 4, 1),
        ("fylke", "50", None, "Trøndelag", "no2025", "copper_only", copper, 4, 2),
        ("fylke", "50", None, "Trøndelag", "gigabit2030", "no_offer", no_offer, 4, 1),
        ("fylke", "50", None, "Trøndelag", "gigabit2030", "copper_only", copper, 4, 2),
        ("fylke", "50", None, "Trøndelag", "gigabit2030", "fibre_distance", fibre, 2, 1),
        ("total", None, None, "Totalt", "no2025", "no_offer", no_offer, 4, 2),
        ("total", None, None, "Totalt", "no2025", "copper_only", copper, 4, 2),
        ("total", None, None, "Totalt", "gigabit2030", "no_offer", no_offer, 4, 2),
        ("total", None, None, "Totalt", "gigabit2030", "copper_only", copper, 4, 2),
        ("total", None, None, "Totalt", "gigabit2030", "fibre_distance", fibre, 2, 1),
        ("total", None, None, "Totalt", "gigabit2030", "below_target", below, 5, 1),
    ]
    assert table["households"].dtype == "int64" and table["addresses"].dtype == "int64"


def test_no_gap_gives_an_empty_table_with_its_columns() -> None:
    config = Config(inputs=Inputs(Path("k"), Path("a"), Path("o")), targets=TARGETS)
    results = hand_results().assign(reason_no2025=None, reason_gigabit2030=None)
    table = reason_counts(results, config)
    assert list(table.columns) == list(COUNT_COLUMNS) and table.empty


def test_a_run_counts_reconcile_with_its_gap_table_store_and_workbook(
    tiny_run: tuple[Config, RunResult],
) -> None:
    config, result = tiny_run
    folder = result.published
    keys = {"fylkesnummer": str, "kommunenummer": str}
    reasons = pd.read_csv(folder / "tables" / "gap_reasons.csv", dtype=keys)
    gap = pd.read_csv(folder / "tables" / "gap_table.csv", dtype=keys)
    assert list(reasons.columns) == list(COUNT_COLUMNS)
    assert json.loads((folder / "manifest.json").read_text())["outputs"]["gap_reasons"] == (
        "tables/gap_reasons.csv"
    )
    for target in config.targets:
        of_target = reasons.loc[reasons["target"] == target.name]
        below = gap[f"underserved_households_{target.name}"]
        below = below + gap[f"unserved_households_{target.name}"]
        for level, key in (("kommune", "kommunenummer"), ("fylke", "fylkesnummer")):
            counted = of_target.loc[of_target["level"] == level].groupby(key)["households"].sum()
            expected = below[gap["level"] == level].set_axis(gap.loc[gap["level"] == level, key])
            assert counted.reindex(expected.index, fill_value=0).to_dict() == expected.to_dict()
        total = of_target.loc[of_target["level"] == "total", "households"].sum()
        assert total == below[gap["level"] == "total"].sum() > 0
    assert reasons["households"].sum() > 0
    with duckdb.connect(str(config.store_path), read_only=True) as connection:
        stored = connection.execute(
            "SELECT target, count(*) FILTER (WHERE class <> 'served'),"
            " count(*) FILTER (WHERE reason IS NOT NULL),"
            " count(*) FILTER (WHERE class = 'served' AND reason IS NOT NULL),"
            " count(*) FILTER (WHERE reason IS NOT NULL AND reason_evidence IS NULL)"
            " FROM address_classes WHERE run_id = ? GROUP BY target",
            [result.run_id],
        ).fetchall()
    assert stored and all(b == r and s == 0 and e == 0 for _, b, r, s, e in stored)
    book = openpyxl.load_workbook(folder / "tables" / "gap_table.xlsx")
    assert "Årsaker" in book.sheetnames
    headers = [cell.value for cell in book["Årsaker"][1]]
    assert headers == [
        "Nivå",
        "Fylkesnr.",
        "Kommunenr.",
        "Navn",
        "Mål",
        "Årsakskode",
        "Årsak",
        "Husstander under mål (antall)",
        "Adresser under mål (antall)",
    ]
    second = [cell.value for cell in book["Årsaker"][2]]
    assert second[0] == "Kommune" and second[4] in {t.label_nb for t in config.targets}
    assert len(list(book["Årsaker"].iter_rows())) == len(reasons) + 1


def test_names_default_without_a_gap_table() -> None:
    config = dataclasses.replace(
        Config(inputs=Inputs(Path("k"), Path("a"), Path("o"))), targets=TARGETS[:1]
    )
    table = reason_counts(hand_results(), config)
    names = dict(
        zip(table["level"] + table["fylkesnummer"].fillna(""), table["kommunenavn"], strict=True)
    )
    assert names["fylke50"] == "Fylke 50" and names["total"] == "Totalt"
