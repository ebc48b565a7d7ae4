"""Premises end to end: the demo's buildings tell households, holiday homes and businesses apart
and the gap table reconciles; without buildings every product says "husstander = adresser"."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from rich.console import Console

from pipeline.config import load_config
from pipeline.run import RunResult, run_pipeline


def test_demo_gap_table_reports_holiday_homes_and_businesses_that_reconcile(
    demo_run: tuple[RunResult, Path],
) -> None:
    result, _ = demo_run
    table = result.gap_table
    kommuner, total = table.loc[table["level"] == "kommune"], table.loc[table["level"] == "total"]
    premises = result.manifest["premises"]
    assert premises["basis"] == "buildings"
    assert premises["buildings_unlinked"] >= 1 and premises["buildings_linked_by_nearest"] >= 1
    for column in ("holiday_homes", "businesses"):
        assert int(total[column].iloc[0]) == premises[column] > 0
        assert int(kommuner[column].sum()) == premises[column]
        for target in ("no2025", "gigabit2030"):
            below = f"{column}_below_{target}"
            assert 0 < int(total[below].iloc[0]) <= premises[column]
            assert int(kommuner[below].sum()) == int(total[below].iloc[0])
    assert int(total["households"].iloc[0]) == premises["households"]
    # cabins, garages and barns are not households: fewer households than addresses
    assert premises["households"] < int(total["addresses"].iloc[0])
    assert set(table["premises_basis"]) == {"husstander fra bygningspunkter (Matrikkelen)"}


def test_without_buildings_every_product_says_husstander_er_adresser(tiny_region: Path) -> None:
    result = run_pipeline(load_config(tiny_region), Console(quiet=True))
    assert result.manifest["premises"]["basis_nb"] == "husstander = adresser"
    assert set(result.gap_table["premises_basis"]) == {"husstander = adresser"}
    about = pd.read_excel(result.published / "tables" / "gap_table.xlsx", sheet_name=None)
    about_text = " ".join(str(v) for frame in about.values() for v in frame.to_numpy().ravel())
    assert "husstander = adresser" in about_text
    index = (result.published / "index.html").read_text(encoding="utf-8")
    assert "Husstander</dt><dd>husstander = adresser" in index
