"""Issue 16, "Done when": the demo published through a local Dask cluster of two worker
processes is the same bytes as through the local process pool.

The demo runs twice in the same output folder (moved aside after the first run, so each run
starts from nothing: its own store, no hillshade cache), once with ``[run] executor = "local"``
and once with ``"dask"``, both with ``workers = 2``. A run stamps its products with its run id
and start time (maps, briefs, the Norwegian gap table, ``trend.csv``), so both runs get the same
clock: the run id's time stamp, the start time and the store's clock are fixed; the run id's
config digest stays the real one (the executor is not part of it, so both runs share it).

Compared byte for byte: every CSV, Parquet, GeoJSON and PNG and every HTML page (kommune maps,
overview, index, briefs). Compared as far as they do not stamp the wall clock, each exclusion
named here:

- XLSX: every member of the zip byte for byte; ``docProps/core.xml`` without openpyxl's
  ``dcterms:created`` and ``dcterms:modified`` (the time of writing), and not the zip entries'
  own date fields;
- the GeoPackage: every table's schema and rows, without ``gpkg_contents.last_change`` and
  ``layer_styles.update_time`` (GDAL's and :mod:`pipeline.products.gpkg_metadata`'s time of
  writing);
- ``manifest.json``: without ``finished_at`` and ``stage_timings`` (wall times) and
  ``config.run.executor`` (what differs on purpose);
- the brief PDFs are not compared: Chromium stamps each with its creation time, and the driver
  prints them with either executor.
"""

from __future__ import annotations

import dataclasses
import json
import re
import sqlite3
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from pipeline import run as run_module
from pipeline import store
from pipeline.config import load_config
from pipeline.run import run_pipeline
from pipeline.synthetic.demo import prepare_demo

START = datetime(2026, 12, 7, 5, 0, tzinfo=UTC)
RUN_STAMP = "20261207T050000000000Z"
EXECUTORS = ("local", "dask")
BYTE_FOR_BYTE = (".csv", ".parquet", ".geojson", ".png", ".html")
XLSX_CLOCK = re.compile(rb"<dcterms:(created|modified)[^>]*>[^<]*</dcterms:\1>")
GPKG_CLOCK = {("gpkg_contents", "last_change"), ("layer_styles", "update_time")}
MANIFEST_CLOCK = ("finished_at", "stage_timings")


class _FixedClock(datetime):
    """``datetime`` whose ``now`` is :data:`START` (the run's start time)."""

    @classmethod
    def now(cls, tz: Any = None) -> _FixedClock:
        return cls.fromtimestamp(START.timestamp(), tz)


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The demo's published folder by executor: ``{"local": ..., "dask": ...}``."""
    base = tmp_path_factory.mktemp("executors")
    config = load_config(prepare_demo(base))
    out = base / "out"
    folders = {}
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(store, "new_run_id", lambda config_hash: f"{RUN_STAMP}-{config_hash[:8]}")
        patch.setattr(store, "now_utc", lambda: START.replace(tzinfo=None))
        patch.setattr(run_module, "datetime", _FixedClock)
        for executor in EXECUTORS:
            run = dataclasses.replace(
                config.run, executor=executor, workers=2, output_dir=out, store_path=None
            )
            result = run_pipeline(dataclasses.replace(config, run=run), Console(quiet=True))
            kept = out.rename(base / executor)  # the next run starts from an empty folder
            folders[executor] = kept / "runs" / result.run_id
    return folders


def _files(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def _xlsx_members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as book:
        members = {name: book.read(name) for name in book.namelist()}
    members["docProps/core.xml"] = XLSX_CLOCK.sub(b"", members["docProps/core.xml"])
    return members


def _gpkg_rows(path: Path) -> dict[str, Any]:
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


def _manifest(path: Path) -> dict[str, Any]:
    manifest: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    for key in MANIFEST_CLOCK:
        manifest.pop(key)
    manifest["config"]["run"].pop("executor")
    return manifest


def test_both_executors_publish_the_same_files_under_the_same_run_id(
    published: dict[str, Path],
) -> None:
    local, dask = published["local"], published["dask"]
    assert local.name == dask.name  # the executor is not part of the config digest
    assert _files(local) == _files(dask)
    kinds = {Path(name).suffix for name in _files(local)}
    assert {".csv", ".xlsx", ".gpkg", ".json", ".html", ".png"} <= kinds
    maps = [name for name in _files(local) if name.startswith("maps/kommune/")]
    assert len(maps) == 5  # the demo's kommuner, built by the Dask workers in the second run
    manifest = json.loads((dask / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["config"]["run"]["executor"] == "dask"


def test_tables_maps_and_pages_are_the_same_bytes(published: dict[str, Path]) -> None:
    local, dask = published["local"], published["dask"]
    names = [name for name in _files(local) if Path(name).suffix in BYTE_FOR_BYTE]
    assert len(names) > 25
    differ = [name for name in names if (local / name).read_bytes() != (dask / name).read_bytes()]
    assert differ == []


def test_workbooks_geopackage_and_manifest_are_the_same_but_for_the_clock(
    published: dict[str, Path],
) -> None:
    local, dask = published["local"], published["dask"]
    books = [name for name in _files(local) if name.endswith(".xlsx")]
    assert len(books) >= 6
    differ = [name for name in books if _xlsx_members(local / name) != _xlsx_members(dask / name)]
    assert differ == []
    assert _gpkg_rows(local / "gapmap.gpkg") == _gpkg_rows(dask / "gapmap.gpkg")
    assert _manifest(local / "manifest.json") == _manifest(dask / "manifest.json")
    other = [
        name
        for name in _files(local)
        if Path(name).suffix not in {*BYTE_FOR_BYTE, ".xlsx", ".gpkg", ".pdf"}
    ]
    assert other == ["manifest.json"]  # a new kind of file gets a comparison here
