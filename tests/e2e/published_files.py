"""Two published run folders compared file by file, as far as they do not stamp the wall clock.

Shared by the tests that prove two ways of making a run publish the same thing: the executors
(:mod:`tests.e2e.test_executor_dask`) and the incremental refresh
(:mod:`tests.e2e.test_run_incremental`).
Both runs must get the same clock (run id, start time, the store's clock). Compared byte for
byte: every CSV, Parquet, GeoJSON, PNG and HTML page. Compared but for the clock, each exclusion
named here:

- XLSX: every member of the zip byte for byte; ``docProps/core.xml`` without openpyxl's
  ``dcterms:created`` and ``dcterms:modified`` (the time of writing), and not the zip entries'
  own date fields;
- the GeoPackage: every table's schema and rows, without ``gpkg_contents.last_change`` and
  ``layer_styles.update_time`` (GDAL's and :mod:`pipeline.products.gpkg_metadata`'s time of
  writing);
- ``manifest.json``: without ``finished_at`` and ``stage_timings`` (wall times) and the
  ``[run]`` keys the caller names (what differs on purpose);
- the brief PDFs are not compared: Chromium stamps each with its creation time.
"""

from __future__ import annotations

import json
import re
import sqlite3
import zipfile
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from pipeline import run as run_module
from pipeline import store

BYTE_FOR_BYTE = (".csv", ".parquet", ".geojson", ".png", ".html")
XLSX_CLOCK = re.compile(rb"<dcterms:(created|modified)[^>]*>[^<]*</dcterms:\1>")
GPKG_CLOCK = {("gpkg_contents", "last_change"), ("layer_styles", "update_time")}
MANIFEST_CLOCK = ("finished_at", "stage_timings")


def files(folder: Path) -> list[str]:
    """Every file under ``folder``, relative, sorted."""
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def xlsx_members(path: Path) -> dict[str, bytes]:
    """A workbook's zip members, ``docProps/core.xml`` without its time stamps."""
    with zipfile.ZipFile(path) as book:
        members = {name: book.read(name) for name in book.namelist()}
    members["docProps/core.xml"] = XLSX_CLOCK.sub(b"", members["docProps/core.xml"])
    return members


def gpkg_rows(path: Path) -> dict[str, Any]:
    """A GeoPackage's schema and every table's rows, without its time-of-writing columns."""
    connection = sqlite3.connect(path)
    try:
        tables = connection.execute("SELECT name, sql FROM sqlite_master ORDER BY name").fetchall()
        rows: dict[str, Any] = {"schema": tables}
        for name, sql in tables:
            if not sql or not sql.startswith("CREATE TABLE"):
                continue
            cursor = connection.execute(f'SELECT * FROM "{name}" ORDER BY rowid')
            columns = [c[0] for c in cursor.description]
            keep = [i for i, c in enumerate(columns) if (name, c) not in GPKG_CLOCK]
            rows[name] = [tuple(row[i] for i in keep) for row in cursor.fetchall()]
    finally:
        connection.close()
    return rows


def manifest(path: Path, run_keys: tuple[str, ...] = ()) -> dict[str, Any]:
    """``manifest.json`` without its wall-clock keys and the ``[run]`` keys ``run_keys``."""
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    for key in MANIFEST_CLOCK:
        data.pop(key)
    for key in run_keys:
        data["config"]["run"].pop(key)
    return data


def byte_differences(left: Path, right: Path) -> list[str]:
    """The files of :data:`BYTE_FOR_BYTE` kinds whose bytes differ between the folders."""
    names = [name for name in files(left) if Path(name).suffix in BYTE_FOR_BYTE]
    return [name for name in names if (left / name).read_bytes() != (right / name).read_bytes()]


def clock_free_differences(left: Path, right: Path, run_keys: tuple[str, ...]) -> list[str]:
    """The workbooks, GeoPackage and manifest that differ but for the clock (module
    docstring); a file of a kind no rule here compares is reported too."""
    differ = [
        name
        for name in files(left)
        if name.endswith(".xlsx") and xlsx_members(left / name) != xlsx_members(right / name)
    ]
    if gpkg_rows(left / "gapmap.gpkg") != gpkg_rows(right / "gapmap.gpkg"):
        differ.append("gapmap.gpkg")
    if manifest(left / "manifest.json", run_keys) != manifest(right / "manifest.json", run_keys):
        differ.append("manifest.json")
    known = {*BYTE_FOR_BYTE, ".xlsx", ".gpkg", ".pdf"}
    differ += [
        f"{name} (no comparison for this kind)"
        for name in files(left)
        if Path(name).suffix not in known and name != "manifest.json"
    ]
    return differ


def fixed_clock(patch: pytest.MonkeyPatch, start: datetime, stamp: str) -> None:
    """Give the runs made under ``patch`` one clock: run id ``<stamp>-<digest[:8]>``, start
    time and store clock ``start`` (the run id's config digest stays the real one)."""

    class FixedClock(datetime):
        @classmethod
        def now(cls, tz: Any = None) -> FixedClock:
            return cls.fromtimestamp(start.timestamp(), tz)

    patch.setattr(store, "new_run_id", lambda config_hash: f"{stamp}-{config_hash[:8]}")
    patch.setattr(store, "now_utc", lambda: start.replace(tzinfo=None))
    patch.setattr(run_module, "datetime", FixedClock)
