"""The orchestrator: runs the stages in order, times them, records the run, publishes.

::

    ingest → locate → terrain → coverage → classify → cost → store → aggregate → publish

Each stage is a plain function in its own module; this file only wires them, measures wall
time and peak memory per stage, and keeps the ``runs`` table and the published folder honest:
a failed run is marked ``failed``, its partial rows are deleted, and ``current`` is not moved.
"""

from __future__ import annotations

import dataclasses
import resource
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import shapely
from rich.console import Console

from pipeline import (
    aggregate,
    classify,
    cost,
    coverage,
    ingest,
    locate,
    publish,
    rollout,
    store,
    terrain,
    wireless,
)
from pipeline.checksums import sha256_of
from pipeline.config import Config, to_dict
from pipeline.errors import GapmapError, RunError


@dataclass
class StageLog:
    """Wall time and peak resident memory after each stage."""

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


def _input_files(config: Config) -> list[tuple[str, Path]]:
    """(key, file) for every configured input; a folder or a list gives ``layer/name`` keys."""
    files = []
    for layer, value in vars(config.inputs).items():
        values = list(value) if isinstance(value, tuple) else [value]
        paths = [v for v in values if isinstance(v, Path)]  # not options such as roads_layer
        for path in paths:
            if not path.exists():
                msg = f"[inputs].{layer}: {path} does not exist"
                raise RunError(msg)
        if len(paths) == 1 and paths[0].is_file():
            files.append((layer, paths[0]))
            continue
        for path in paths:
            inside = sorted(p for p in path.iterdir() if p.is_file()) if path.is_dir() else [path]
            files += [(f"{layer}/{p.name}", p) for p in inside]
    return files


def input_checksums(config: Config) -> dict[str, dict[str, Any]]:
    """Path, size, modification time and SHA-256 of every configured input file."""
    result = {}
    for key, path in _input_files(config):
        stat = path.stat()
        result[key] = {
            "path": str(path),
            "bytes": stat.st_size,
            "sha256": sha256_of(path),
            "modified": datetime.fromtimestamp(stat.st_mtime, UTC).isoformat(),
        }
    return result


def code_version() -> str:
    """``gapmap <version>`` plus the git commit when run from a checkout."""
    try:
        version = metadata.version("gapmap")
    except metadata.PackageNotFoundError:
        version = "unknown"
    try:
        commit = subprocess.run(
            ["git", "describe", "--always", "--dirty"],
            cwd=Path(__file__).parent,
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        commit = ""
    return f"gapmap {version}" + (f" ({commit})" if commit else "")


def new_run_id(config_hash: str) -> str:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    return f"{stamp}-{config_hash[:8]}"


def run_pipeline(config: Config, console: Console | None = None) -> RunResult:
    """Run every stage on ``config``'s inputs and publish; see the module docstring."""
    console = console or Console()
    checksums = input_checksums(config)
    config_hash = config.digest()
    run_id = new_run_id(config_hash)
    output_dir = config.run.output_dir
    with store.open_store(config.store_path) as connection:
        store.begin_run(connection, run_id, config_hash, to_dict(config), checksums, code_version())
        try:
            result = _run_stages(config, connection, run_id, checksums, console)
        except Exception as exc:
            store.discard_run_rows(connection, run_id)
            store.finish_run(connection, run_id, "failed", None, f"{type(exc).__name__}: {exc}")
            failed = publish.run_folder(output_dir, run_id)
            if failed.exists():
                failed.rename(failed.with_name(failed.name + ".failed"))
            if isinstance(exc, GapmapError):
                raise
            msg = f"run {run_id} failed in the pipeline: {type(exc).__name__}: {exc}"
            raise RunError(msg) from exc
        store.finish_run(connection, run_id, "succeeded", str(result.published))
    return result


def _run_stages(
    config: Config, connection: Any, run_id: str, checksums: dict[str, Any], console: Console
) -> RunResult:
    log = StageLog(console)
    started_at = datetime.now(UTC).isoformat()
    with log.stage("ingest") as detail:
        inputs = ingest.ingest(config)
        detail["addresses"] = f"{len(inputs.addresses):,}"
        detail["quarantined"] = f"{len(inputs.quarantine):,}"
    with log.stage("locate") as detail:
        located = locate.locate_addresses(
            inputs.addresses,
            inputs.kommuner,
            config.locate.tolerance_m,
            str(config.inputs.addresses),
        )
        addresses = located.addresses.reset_index(drop=True)
        counts = _move_to_quarantine(inputs.counts, "addresses", len(located.quarantine))
        quarantine = pd.concat([inputs.quarantine, located.quarantine], ignore_index=True)
        # A run on one kommune may use the national boundary file: only kommuner with
        # addresses get rows and maps; the others are counted in the manifest.
        kept = inputs.kommuner["kommunenummer"].isin(addresses["kommunenummer"].unique())
        located.counts["kommuner_without_addresses"] = int((~kept).sum())
        inputs = dataclasses.replace(inputs, kommuner=inputs.kommuner.loc[kept])
        detail["disagree_with_file"] = str(located.counts["disagree_with_file"])
    with log.stage("terrain") as detail:
        terrain_columns = terrain.terrain_per_address(addresses, config.inputs.dtm)
        without = int((~terrain_columns["has_terrain"]).sum())
        terrain_counts = {
            "with_terrain": len(terrain_columns) - without,
            "without_terrain": without,
        }
        detail["without_terrain"] = str(without)
    with log.stage("wireless") as detail:
        reach = wireless.wireless_per_address(
            addresses, inputs.sites, config.inputs.dtm, config.wireless
        )
        detail["with_los"] = str(int(reach["has_los"].sum()))
    with log.stage("coverage") as detail:
        covered = coverage.coverage_per_address(
            inputs.offers, inputs.lacking, inputs.areas, addresses, config.classify
        )
        detail["no_offer"] = str(covered.counts["without_counted_offer"])
    with log.stage("classify") as detail:
        classes, reachable = classify_stage(config, inputs, addresses, covered, reach)
        map_column = f"class_{config.classify.map_target}"
        detail[f"unserved_{config.classify.map_target}"] = str(
            int((classes[map_column] == "unserved").sum())
        )
    with log.stage("cost") as detail:
        costs, masts = cost_stage(
            config, inputs, addresses, terrain_columns, covered, classes, reachable
        )
        detail["rounds"] = str(costs.attrs["replan_rounds"])
        taken = costs.loc[costs["cost_option"] == "fwa_new_site", "new_site_id"]
        detail["new_sites"] = str(taken.nunique())
        detail["total_nok"] = f"{costs['cost_nok'].sum():,.0f}"
    results = pd.concat(
        [addresses, terrain_columns, reach, covered.columns, classes, reachable, costs], axis=1
    )
    with log.stage("store") as detail:
        _store_tables(connection, run_id, config, inputs, addresses, results, quarantine, counts)
        store.append(connection, "new_sites", run_id, masts)
        detail["rows"] = f"{len(results):,}"
    with log.stage("aggregate") as detail:
        aggregate.aggregate_run(connection, run_id, config.cost.target)
        table = publish.with_last_shares(
            aggregate.gap_table(connection, run_id, config.targets), results
        )
        table = publish.with_subsidy_need(
            table, results, config.cost.commercially_viable_nok_per_household
        )
        detail["kommuner"] = str(int((table["level"] == "kommune").sum()))
    with log.stage("publish") as detail:
        folder = publish.run_folder(config.run.output_dir, run_id)
        tables = publish.RunTables(
            gap_table=table,
            kommuner=inputs.kommuner,
            results=results,
            quarantine=quarantine,
            layer_counts=counts,
            locate_counts=located.counts,
            terrain_counts=terrain_counts,
            coverage_counts=covered.counts,
            wireless_counts=_wireless_counts(reach, reachable, config),
            offers=inputs.offers,
            input_metadata=inputs.metadata,
            new_sites=masts,
            cost_counts=rollout.cost_counts(costs, masts),
        )
        run_info = publish.RunInfo(run_id, started_at, code_version(), checksums)
        manifest = publish.publish_products(folder, config, run_info, tables, log.rows)
        detail["files"] = str(sum(1 for p in folder.rglob("*") if p.is_file()))
    manifest["stage_timings"] = log.rows
    publish.write_manifest(folder, manifest)
    current = publish.switch_current(config.run.output_dir, folder)
    timings = pd.DataFrame(log.rows)
    store.append(connection, "stage_timings", run_id, timings)
    return RunResult(run_id, current.resolve(), table, counts, located.counts, timings, manifest)


def classify_stage(
    config: Config,
    inputs: ingest.Ingested,
    addresses: pd.DataFrame,
    covered: coverage.Coverage,
    reach: pd.DataFrame,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The classify stage: classes per target (Nkom's lacking lists capping them when trusted),
    which households below a target wireless could reach, and ``fwa_doubtful`` (added to
    ``reach``); with ``count_as_served``, wireless reach counts as served."""
    trusted = config.coverage.trust_lacking_lists
    classes = classify.classify_addresses(
        covered.offers,
        addresses["address_id"],
        config.targets,
        config.classify.floor_down_mbps,
        config.classify.floor_up_mbps,
        covered.columns["nkom_lacking_mbps"].to_numpy() if trusted else None,
    )
    reachable = wireless.reachable_by_wireless(
        classes,
        reach["wireless_down_mbps"].to_numpy(),
        reach["wireless_up_mbps"].to_numpy(),
        config.targets,
    )
    if config.wireless.count_as_served:
        for target in config.targets:
            column = f"class_{target.name}"
            classes[column] = classes[column].mask(reachable[f"wireless_{target.name}"], "served")
    fwa_checked = (
        inputs.sites is not None
        and "fwa" in config.wireless.technologies
        and config.inputs.dtm is not None
    )
    reach["fwa_doubtful"] = wireless.doubtful_fwa(inputs.offers, addresses, reach, fwa_checked)
    return classes, reachable


def cost_stage(
    config: Config,
    inputs: ingest.Ingested,
    addresses: pd.DataFrame,
    terrain_columns: pd.DataFrame,
    covered: coverage.Coverage,
    classes: pd.DataFrame,
    reachable: pd.DataFrame,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The cost stage: the costed addresses' options and choice (:mod:`pipeline.rollout`),
    and the candidate masts with the households that take them."""
    planned = rollout.prepare(
        config,
        pd.concat([addresses, terrain_columns[["elevation_m"]]], axis=1),
        costed_addresses(config, classes, covered, addresses),
        cost.presence_of_fibre(inputs.fibre, addresses, covered.has_fibre),
        reachable[f"wireless_{config.cost.target}"].to_numpy(),
        inputs.roads,
        inputs.cost_factors,
    )
    costs = rollout.plan(planned, config.cost)
    return costs, rollout.mast_summary(planned, costs, config.cost)


def costed_addresses(
    config: Config, classes: pd.DataFrame, covered: coverage.Coverage, addresses: pd.DataFrame
) -> np.ndarray:
    """The addresses the cost stage costs: below the cost target, outside funded and planned
    areas (they will be reached anyway) and with households (a cabin or a barn without one
    has no one to connect)."""
    return (
        (classes[f"class_{config.cost.target}"] != "served").to_numpy()
        & (covered.columns["area_status"] == "").to_numpy()
        & (addresses["households"] > 0).to_numpy()
    )


def _wireless_counts(
    reach: pd.DataFrame, reachable: pd.DataFrame, config: Config
) -> dict[str, int]:
    target = config.classify.map_target
    return {
        "with_los": int(reach["has_los"].sum()),
        "without_site_in_range": int((reach["sites_in_range"] == 0).sum()),
        "los_terrain_unknown": int((~reach["los_terrain_ok"].astype(bool)).sum()),
        f"reachable_by_wireless_below_{target}": int(reachable[f"wireless_{target}"].sum()),
        "fwa_doubtful": int(reach["fwa_doubtful"].sum()),
    }


def _move_to_quarantine(counts: pd.DataFrame, layer: str, moved: int) -> pd.DataFrame:
    counts = counts.copy()
    row = counts["layer"] == layer
    counts.loc[row, "rows_accepted"] -= moved
    counts.loc[row, "rows_quarantined"] += moved
    return counts


def _store_tables(
    connection: Any,
    run_id: str,
    config: Config,
    inputs: ingest.Ingested,
    addresses: pd.DataFrame,
    results: pd.DataFrame,
    quarantine: pd.DataFrame,
    counts: pd.DataFrame,
) -> None:
    kommuner = inputs.kommuner
    store.append(
        connection,
        "kommuner",
        run_id,
        pd.DataFrame(
            {
                "kommunenummer": kommuner["kommunenummer"],
                "kommunenavn": kommuner["kommunenavn"],
                "fylkesnummer": kommuner["fylkesnummer"],
                "area_km2": kommuner.geometry.area / 1e6,
                "geometry_wkb": shapely.to_wkb(kommuner.geometry.to_numpy()),
            }
        ),
    )
    store.append(connection, "fylker", run_id, inputs.fylker)
    store.append(connection, "addresses", run_id, pd.DataFrame(addresses.drop(columns="geometry")))
    store.append(connection, "offers", run_id, inputs.offers.drop(columns="row_number"))
    store.append(
        connection,
        "address_results",
        run_id,
        results[store.table_columns(connection, "address_results")],
    )
    class_columns = [f"class_{t.name}" for t in config.targets]
    long = results[["address_id", *class_columns]].melt(
        id_vars="address_id", var_name="target", value_name="class"
    )
    long["target"] = long["target"].str.removeprefix("class_")
    wireless_columns = [f"wireless_{t.name}" for t in config.targets]
    long["wireless_reachable"] = results[wireless_columns].melt()["value"].to_numpy(dtype=bool)
    store.append(connection, "address_classes", run_id, long)
    store.append(
        connection,
        "targets",
        run_id,
        pd.DataFrame(
            {
                "target": [t.name for t in config.targets],
                "down_mbps": [t.down_mbps for t in config.targets],
                "up_mbps": [t.up_mbps for t in config.targets],
                "label_nb": [t.label_nb for t in config.targets],
            }
        ),
    )
    store.append(connection, "quarantine", run_id, quarantine)
    store.append(connection, "layer_counts", run_id, counts)
