"""The driver: runs the stages in order, times them, records the run, publishes.

::

    ingest → locate → terrain → wireless → coverage → classify → cost → store → aggregate
           → publish

Each stage is a plain function in its own module (``pipeline/<stage>.py``); this file only
sequences them, measures wall time and peak memory per stage, and keeps the ``runs`` table and
the published folder honest: a failed run is marked ``failed``, its partial rows are deleted,
and ``current`` is not moved. The benchmark (``scripts/benchmark_stages.py``) runs this same
driver with its own timer and its own in-memory inputs.
"""

from __future__ import annotations

import resource
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import duckdb
import pandas as pd
from rich.console import Console

from layers.checksums import input_checksums
from layers.errors import GapmapError, RunError
from pipeline import aggregate, classify, cost, coverage, ingest, locate, publish, store, terrain
from pipeline import wireless as wireless_stage
from pipeline.config import Config, to_dict


class StageTimer(Protocol):
    """Times a stage: ``with timer.stage(name) as detail:`` (``detail``: figures to show)."""

    rows: list[dict[str, Any]]

    def stage(self, name: str) -> AbstractContextManager[dict[str, str]]: ...


@dataclass
class StageLog:
    """Wall time and peak resident memory after each stage, shown on the console."""

    console: Console
    rows: list[dict[str, Any]] = field(default_factory=list)

    @contextmanager
    def stage(self, name: str) -> Iterator[dict[str, str]]:
        detail: dict[str, str] = {}
        started = time.perf_counter()
        with self.console.status(f"[bold cyan]{name}[/] …"):
            yield detail
        seconds = time.perf_counter() - started
        peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        self.rows.append({"stage": name, "seconds": seconds, "peak_rss_mb": peak_rss_mb})
        text = "  ".join(f"{k} {v}" for k, v in detail.items())
        self.console.print(f"[green]✓[/] {name:<10} {seconds:7.2f} s  {text}")


@dataclass(frozen=True)
class RunResult:
    run_id: str
    published: Path
    gap_table: pd.DataFrame
    layer_counts: pd.DataFrame
    locate_counts: dict[str, int]
    timings: pd.DataFrame
    manifest: dict[str, Any]


def run_pipeline(
    config: Config,
    console: Console | None = None,
    *,
    timer: StageTimer | None = None,
    inputs: ingest.Ingested | None = None,
) -> RunResult:
    """Run every stage on ``config``'s inputs (or on ``inputs`` already read) and publish."""
    timer = timer or StageLog(console or Console())
    checksums = input_checksums(vars(config.inputs)) if inputs is None else {}
    config_hash = config.digest()
    run_id = store.new_run_id(config_hash)
    with store.open_store(config.store_path) as connection:
        version = store.code_version()
        store.begin_run(connection, run_id, config_hash, to_dict(config), checksums, version)
        info = publish.RunInfo(run_id, datetime.now(UTC).isoformat(), version, checksums)
        try:
            result = _run_stages(config, connection, info, timer, inputs)
        except Exception as exc:
            store.discard_run_rows(connection, run_id)
            store.finish_run(connection, run_id, "failed", None, f"{type(exc).__name__}: {exc}")
            publish.set_aside_failed(config.run.output_dir, run_id)
            if isinstance(exc, GapmapError):
                raise
            msg = f"run {run_id} failed in the pipeline: {type(exc).__name__}: {exc}"
            raise RunError(msg) from exc
        store.finish_run(connection, run_id, "succeeded", str(result.published))
    return result


def _run_stages(
    config: Config,
    connection: duckdb.DuckDBPyConnection,
    info: publish.RunInfo,
    timer: StageTimer,
    given: ingest.Ingested | None,
) -> RunResult:
    with timer.stage("ingest") as detail:
        inputs = given if given is not None else ingest.ingest(config)
        detail["addresses"] = f"{len(inputs.addresses):,}"
        detail["quarantined"] = f"{len(inputs.quarantine):,}"
    with timer.stage("locate") as detail:
        inputs, locate_counts = locate.locate_stage(config, inputs)
        detail["disagree_with_file"] = str(locate_counts["disagree_with_file"])
    addresses = inputs.addresses
    with timer.stage("terrain") as detail:
        terrain_columns = terrain.terrain_per_address(addresses, config.inputs.dtm)
        detail["without_terrain"] = str(int((~terrain_columns["has_terrain"]).sum()))
    with timer.stage("wireless") as detail:
        reach = wireless_stage.wireless_stage(config, inputs)
        detail["with_los"] = str(int(reach["has_los"].sum()))
    with timer.stage("coverage") as detail:
        covered = coverage.coverage_stage(config, inputs)
        detail["no_offer"] = str(covered.counts["without_counted_offer"])
    with timer.stage("classify") as detail:
        classified = classify.classify_stage(config, addresses, covered, reach)
        unserved = classified.classes[f"class_{config.classify.map_target}"] == "unserved"
        detail[f"unserved_{config.classify.map_target}"] = str(int(unserved.sum()))
    with timer.stage("cost") as detail:
        costed = cost.cost_stage(config, inputs, terrain_columns, covered, classified)
        detail.update(cost.cost_detail(costed))
    results = pd.concat(
        [addresses, terrain_columns, reach, covered.columns, *classified.frames(), costed.costs],
        axis=1,
    )
    with timer.stage("store") as detail:
        store.store_run(connection, info.run_id, config, inputs, results, costed.masts)
        detail["rows"] = f"{len(results):,}"
    with timer.stage("aggregate") as detail:
        aggregated = aggregate.aggregate_stage(connection, info.run_id, config, results)
        detail["kommuner"] = str(int((aggregated.gap_table["level"] == "kommune").sum()))
    tables = publish.RunTables(
        aggregated=aggregated,
        inputs=inputs,
        results=results,
        counts={
            "locate": locate_counts,
            "terrain": terrain.terrain_counts(terrain_columns),
            "coverage": covered.counts,
            "wireless": wireless_stage.wireless_counts(reach) | classified.counts(config),
            "cost": cost.cost_counts(costed.costs, costed.masts),
        },
        new_sites=costed.masts,
    )
    with timer.stage("publish") as detail:
        folder = publish.publish_products(config, info, tables, timer.rows)
        detail["files"] = str(sum(1 for p in folder.rglob("*") if p.is_file()))
    current = publish.finish_publication(config, folder, timer.rows)
    timings = pd.DataFrame(timer.rows)
    store.append(connection, "stage_timings", info.run_id, timings)
    manifest = publish.read_manifest(folder)
    return RunResult(
        info.run_id,
        current.resolve(),
        aggregated.gap_table,
        inputs.counts,
        locate_counts,
        timings,
        manifest,
    )
