"""The gap table for people: ``tables/gap_table.xlsx`` and ``tables/gap_table_nb.csv``.

The XLSX holds the same rows three times, one topic a sheet, so that each sheet prints on
landscape pages a reader can read (the whole table is 50-odd columns wide):

- "Dekningsgap": households and, per target, underserved, unserved and the share below it;
- "Detaljer per mål": addresses, households and, per target, those served, those below it in
  funded or planned areas and those a mast with line of sight could reach;
- "Kostnad": what reaching the cost target costs, the costliest shares, the subsidy need;
- "Årsaker" (when the run gives them): households below each target per reason for a gap
  (:mod:`pipeline.reason_counts`, the same rows as ``tables/gap_reasons.csv``);
- "Scenarier" (when the config has ``[scenarios]``): the run against each scenario
  (:mod:`pipeline.products.scenarios_nb`, the rows of ``tables/scenarios.csv``);
- "Korreksjoner" (when the kommune's corrections were in force): each with its outcome
  (:mod:`pipeline.products.corrections_nb`, the rows of ``tables/corrections.csv``);

then "Om tabellen" (sources, targets, licences: :mod:`pipeline.products.about_nb`) and
"Kolonnenavn" (Norwegian header → machine name → definition). Each table sheet keeps the
kommune, fylke and national rows together, with a "Nivå" column (Kommune/Fylke/Nasjonalt) to
filter on: a fylke's row sits under its kommuner, so a reader sees the sum beside its parts,
and one filter gives one level (a sheet per level would split each topic in three).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Final

import pandas as pd

from pipeline.config import Config
from pipeline.products.about_nb import about_rows, column_rows
from pipeline.products.columns_nb import ColumnNb, describe_all
from pipeline.products.corrections_nb import corrections_sheet
from pipeline.products.scenarios_nb import scenarios_sheet
from pipeline.products.sheets_nb import Sheet, write_csv_nb, write_workbook

LEVELS_NB: Final = {"kommune": "Kommune", "fylke": "Fylke", "total": "Nasjonalt"}
VALUES_NB: Final = {"level": LEVELS_NB}
IDENTITY: Final = ("level", "fylkesnummer", "fylkesnavn", "kommunenummer", "kommunenavn")
BELOW: Final = (
    "underserved_households",
    "unserved_households",
    "below_target_share",
    "below_target_households_no_copper",  # issue 15: copper switched off (aggregate_copper.py)
)
DETAILS: Final = (
    "served_households",
    "funded_households",
    "planned_households",
    "wireless_reachable_households",
    "below_target_households_by_corrections",  # pipeline/corrections.py
)


def topic_columns(columns: Sequence[str], config: Config) -> dict[str, list[str]]:
    """The gap table's columns per sheet, identity first; every column lands on a sheet
    (those of no other topic on "Kostnad")."""
    present = [str(c) for c in columns]
    identity = [c for c in IDENTITY if c in present]
    below = ["households"]
    details = ["addresses", "households", "corrections_applied"]
    for target in config.targets:
        below += [f"{stem}_{target.name}" for stem in BELOW]
        details += [f"{stem}_{target.name}" for stem in DETAILS]
    below = [c for c in below if c in present]
    details = [c for c in details if c in present]
    taken = {*identity, *below, *details}
    cost = [c for c in present if c not in taken]
    return {
        "Dekningsgap": [*identity, *below],
        "Detaljer per mål": [*identity, *details],
        "Kostnad": [*identity, *cost],
    }


def text_sheet(name: str, frame: pd.DataFrame, title: str = "") -> Sheet:
    """A sheet of texts only (the about and column sheets)."""
    columns = [ColumnNb(str(c), str(c), "text", "") for c in frame.columns]
    widths = {str(frame.columns[-1]): 90.0}
    return Sheet(name, frame, columns, wrap=True, widths=widths, title=title)


def reasons_sheet(
    reasons: pd.DataFrame, config: Config, title: str
) -> tuple[Sheet, list[ColumnNb]]:
    """The "Årsaker" sheet (targets by their labels) and its columns."""
    described = describe_all(list(reasons.columns), config.targets, "reasons")
    values = {**VALUES_NB, "target": {t.name: t.label_nb for t in config.targets}}
    return Sheet("Årsaker", reasons, described, values, title=title), described


def write_gap_table_nb(
    folder: Path,
    gap_table: pd.DataFrame,
    config: Config,
    info: Mapping[str, Any],
    reasons: pd.DataFrame | None = None,
    corrections: pd.DataFrame | None = None,
    scenarios: pd.DataFrame | None = None,
) -> dict[str, str]:
    """``tables/gap_table.xlsx`` and ``tables/gap_table_nb.csv``; ``info`` holds ``run_id``,
    ``code_version``, ``checksums`` and ``metadata`` (the input layers' vintages); ``reasons``
    (:func:`pipeline.reason_counts.reason_counts`) adds the "Årsaker" sheet, ``corrections``
    (:func:`pipeline.corrections_effects.published_uses`, when any) the "Korreksjoner" sheet and
    ``scenarios`` (:func:`pipeline.scenario_tables.comparison`) the "Scenarier" sheet."""
    tables_dir = folder / "tables"
    tables_dir.mkdir(parents=True, exist_ok=True)
    described = describe_all(list(gap_table.columns), config.targets)
    by_name = {c.name: c for c in described}
    title = f"Dekningsgap for bredbånd (gapmap, kjøring {info['run_id']})"
    sheets = [
        Sheet(name, gap_table, [by_name[c] for c in names], VALUES_NB, title=title)
        for name, names in topic_columns(list(gap_table.columns), config).items()
    ]
    named = list(described)
    if reasons is not None:
        sheet, reason_columns = reasons_sheet(reasons, config, title)
        sheets.append(sheet)
        named += [c for c in reason_columns if c.name not in by_name]
    if scenarios is not None:
        sheet = scenarios_sheet(scenarios, config, title)
        sheets.append(sheet)
        named += [c for c in sheet.columns if c.name not in by_name]
    if corrections is not None and len(corrections):
        sheet = corrections_sheet(corrections, config, title)
        sheets.append(sheet)
        named += [c for c in sheet.columns if c.name not in by_name]
    about = about_rows(
        config, info["run_id"], info["code_version"], info["checksums"], info["metadata"]
    )
    sheets.append(text_sheet("Om tabellen", about, title))
    sheets.append(text_sheet("Kolonnenavn", column_rows(named), title))
    xlsx = write_workbook(tables_dir / "gap_table.xlsx", sheets)
    csv = write_csv_nb(tables_dir / "gap_table_nb.csv", gap_table, described, VALUES_NB)
    return {
        "gap_table_xlsx": str(xlsx.relative_to(folder)),
        "gap_table_nb_csv": str(csv.relative_to(folder)),
    }
