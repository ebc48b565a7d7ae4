"""Stage 8, publish: write a run's products into its own folder, then switch ``current`` to it.

A run writes everything under ``<output_dir>/runs/<run_id>/``; only when every file is written
does ``<output_dir>/current`` (a symlink) move to it, by an atomic rename. A run that fails
before the switch leaves the last published output exactly as it was.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

CURRENT = "current"


def run_folder(output_dir: Path, run_id: str) -> Path:
    return output_dir / "runs" / run_id


def write_tables(
    folder: Path, tables: Mapping[str, pd.DataFrame], about: pd.DataFrame
) -> dict[str, str]:
    """Each table as CSV; the gap table also as XLSX with an "Om tabellen" sheet."""
    tables_dir = folder / "tables"
    tables_dir.mkdir(parents=True, exist_ok=True)
    written = {}
    for name, frame in tables.items():
        path = tables_dir / f"{name}.csv"
        frame.to_csv(path, index=False, encoding="utf-8")
        written[name] = str(path.relative_to(folder))
    xlsx = tables_dir / "gap_table.xlsx"
    with pd.ExcelWriter(xlsx, engine="openpyxl") as writer:
        tables["gap_table"].to_excel(writer, sheet_name="Dekningsgap", index=False)
        about.to_excel(writer, sheet_name="Om tabellen", index=False)
    written["gap_table_xlsx"] = str(xlsx.relative_to(folder))
    return written


def write_geopackage(folder: Path, addresses: gpd.GeoDataFrame, layer: str) -> str:
    """Addresses below target as a GeoPackage layer for QGIS users."""
    path = folder / "gapmap.gpkg"
    addresses.to_file(path, layer=layer, driver="GPKG")
    return str(path.relative_to(folder))


def write_manifest(folder: Path, manifest: Mapping[str, Any]) -> Path:
    path = folder / "manifest.json"
    path.write_text(
        json.dumps(manifest, indent=2, ensure_ascii=False, default=str), encoding="utf-8"
    )
    return path


def switch_current(output_dir: Path, folder: Path) -> Path:
    """Point ``<output_dir>/current`` at ``folder`` atomically (symlink + rename)."""
    current = output_dir / CURRENT
    staging = output_dir / f".{CURRENT}.{folder.name}.tmp"
    if staging.is_symlink() or staging.exists():
        staging.unlink()
    staging.symlink_to(folder.relative_to(output_dir), target_is_directory=True)
    os.replace(staging, current)
    return current


def published_folder(output_dir: Path) -> Path | None:
    """The folder ``current`` points at, or None before the first successful run."""
    current = output_dir / CURRENT
    return current.resolve() if current.is_symlink() else None
