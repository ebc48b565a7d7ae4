"""The changes since the previous run as files, and as the map products' input.

- ``tables/changes.csv``: one row per changed (address, target) (:data:`CHANGES_COLUMNS`);
- ``tables/changes_summary.csv``: per level, target and class the households before, after and
  the change (:data:`pipeline.changes_summary.SUMMARY_COLUMNS`, the contract with the brief);
- ``tables/trend.csv``: per run, level, kommune and target the households by class and the
  served share (:data:`pipeline.changes_summary.TREND_COLUMNS`, the same contract).

Written by :func:`pipeline.products.tables.write_tables` (no text reaches a spreadsheet as a
formula). The first run writes the three files with their headers and no change rows.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from maps.changes_layer import ChangeSources
from pipeline.changes import Changes
from pipeline.products.tables import with_lon_lat, write_tables

CHANGES_COLUMNS = (
    "address_id",
    "kommunenummer",
    "kommunenavn",
    "address_text",
    "target",
    "change",
    "class_before",
    "class_after",
    "households_before",
    "households_after",
    "cause",
    "cause_nb",
)


def changes_table(rows: pd.DataFrame) -> pd.DataFrame:
    """``tables/changes.csv``: the stored ``address_changes`` rows in :data:`CHANGES_COLUMNS`,
    households as whole numbers (empty where the address was absent)."""
    table = rows.reindex(columns=list(CHANGES_COLUMNS))
    for column in ("households_before", "households_after"):
        table[column] = pd.to_numeric(table[column], errors="coerce").astype("Int64")
    table["address_id"] = pd.to_numeric(table["address_id"], errors="coerce").astype("Int64")
    return table


def write_changes_tables(folder: Path, changes: Changes) -> dict[str, str]:
    """Write the three tables into ``folder/tables``; their paths relative to ``folder``."""
    return write_tables(
        folder,
        {
            "changes": changes_table(changes.rows),
            "changes_summary": changes.summary,
            "trend": changes.trend,
        },
    )


def change_sources(changes: Changes) -> ChangeSources:
    """The changes as the maps take them: the rows with ``lon``/``lat`` (EPSG:4326)."""
    rows = changes.rows
    located = with_lon_lat(rows) if len(rows) else rows.assign(lon=[], lat=[])
    previous = changes.previous
    return ChangeSources(
        located,
        changes.trend,
        previous.run_id if previous else None,
        previous.started_at if previous else None,
    )
