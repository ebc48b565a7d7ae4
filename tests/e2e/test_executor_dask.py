"""Issue 16, "Done when": the demo published through a local Dask cluster of two worker
processes is the same bytes as through the local process pool.

The demo runs twice in the same output folder (moved aside after the first run, so each run
starts from nothing: its own store, no hillshade cache), once with ``[run] executor = "local"``
and once with ``"dask"``, both with ``workers = 2``. A run stamps its products with its run id
and start time (maps, briefs, the Norwegian gap table, ``trend.csv``), so both runs get the same
clock: the run id's time stamp, the start time and the store's clock are fixed; the run id's
config digest stays the real one (the executor is not part of it, so both runs share it).

Compared (:mod:`tests.e2e.published_files`): every CSV, Parquet, GeoJSON, PNG and HTML page
byte for byte; workbooks, the GeoPackage and the manifest but for the clock, and the manifest
without ``config.run.executor`` (what differs on purpose).
"""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from rich.console import Console

from pipeline.config import load_config
from pipeline.run import run_pipeline
from pipeline.synthetic.demo import prepare_demo
from tests.e2e.published_files import (
    BYTE_FOR_BYTE,
    byte_differences,
    clock_free_differences,
    files,
    fixed_clock,
)

START = datetime(2026, 12, 7, 5, 0, tzinfo=UTC)
RUN_STAMP = "20261207T050000000000Z"
EXECUTORS = ("local", "dask")


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The demo's published folder by executor: ``{"local": ..., "dask": ...}``."""
    base = tmp_path_factory.mktemp("executors")
    config = load_config(prepare_demo(base))
    out = base / "out"
    folders = {}
    with pytest.MonkeyPatch.context() as patch:
        fixed_clock(patch, START, RUN_STAMP)
        for executor in EXECUTORS:
            run = dataclasses.replace(
                config.run, executor=executor, workers=2, output_dir=out, store_path=None
            )
            result = run_pipeline(dataclasses.replace(config, run=run), Console(quiet=True))
            kept = out.rename(base / executor)  # the next run starts from an empty folder
            folders[executor] = kept / "runs" / result.run_id
    return folders


def test_both_executors_publish_the_same_files_under_the_same_run_id(
    published: dict[str, Path],
) -> None:
    local, dask = published["local"], published["dask"]
    assert local.name == dask.name  # the executor is not part of the config digest
    assert files(local) == files(dask)
    kinds = {Path(name).suffix for name in files(local)}
    assert {".csv", ".xlsx", ".gpkg", ".json", ".html", ".png"} <= kinds
    maps = [name for name in files(local) if name.startswith("maps/kommune/")]
    assert len(maps) == 5  # the demo's kommuner, built by the Dask workers in the second run
    manifest = json.loads((dask / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["config"]["run"]["executor"] == "dask"


def test_tables_maps_and_pages_are_the_same_bytes(published: dict[str, Path]) -> None:
    local, dask = published["local"], published["dask"]
    names = [name for name in files(local) if Path(name).suffix in BYTE_FOR_BYTE]
    assert len(names) > 25
    assert byte_differences(local, dask) == []


def test_workbooks_geopackage_and_manifest_are_the_same_but_for_the_clock(
    published: dict[str, Path],
) -> None:
    local, dask = published["local"], published["dask"]
    assert len([name for name in files(local) if name.endswith(".xlsx")]) >= 6
    assert clock_free_differences(local, dask, run_keys=("executor",)) == []
