"""Stage 10, publish: write a run's products into its own folder, then switch ``current``.

A run writes everything under ``<output_dir>/runs/<run_id>/``: the tables first
(:mod:`pipeline.products.tables`), then the map products, which :mod:`maps` builds from those
published tables alone. Only when every file and the manifest are written does
``<output_dir>/current`` (a symlink) move to the folder, by an atomic rename. A run that fails
before the switch leaves the last published output exactly as it was.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import geopandas as gpd
import pandas as pd

from layers.errors import OutputFolderError, os_reason
from maps.cost_curve_png import plot_cost_curve
from maps.publish import AssetMode, KommuneWork, MapPaths, write_maps
from maps.style import TargetSpec
from maps.worker_pool import Pool
from pipeline.aggregate_premises import households_basis
from pipeline.config import Config, to_dict
from pipeline.corrections_effects import published_uses
from pipeline.executor import open_executor
from pipeline.planning.areas import project_areas
from pipeline.planning.cost_curve import subsidy_case
from pipeline.products import tables as files
from pipeline.products.briefs import write_briefs
from pipeline.products.challenges import challenge_rows, write_challenges
from pipeline.products.changes_tables import change_sources, write_changes_tables
from pipeline.products.gap_table_nb import write_gap_table_nb
from pipeline.products.geopackage import GeoPackageInputs, geopackage_layers, write_geopackage
from pipeline.products.hillshade_cache import run_hillshades
from pipeline.products.kommune_downloads import write_kommune_downloads
from pipeline.products.pieces import piece_cache, pieces_detail
from pipeline.progress import NO_PROGRESS, Progress
from pipeline.reason_counts import reason_counts
from pipeline.run_info import RunInfo as RunInfo
from pipeline.run_info import RunTables as RunTables
from pipeline.scenario_tables import with_scenario_classes
from pipeline.scenarios import on_the_maps
from pipeline.wireless import fwa_claims_stage

CURRENT = "current"
SET_ASIDE = (".failed", ".aborted")  # suffixes of run folders set aside


def prepare_output_dir(output_dir: Path, store_path: Path) -> None:
    """Create the output folder and the store's folder, and prove they can be written (a probe
    file, which also catches a read-only file system for root); :class:`OutputFolderError`
    names the folder and why not."""
    for folder in dict.fromkeys([output_dir, store_path.parent]):
        try:
            folder.mkdir(parents=True, exist_ok=True)
            with tempfile.TemporaryFile(dir=folder):
                pass
        except OSError as exc:
            reason = (
                "a file stands where the folder should be"
                if folder.exists() and not folder.is_dir()
                else os_reason(exc, name_file=False)
            )
            msg = f"{folder}: cannot write the run's output there ({reason})"
            raise OutputFolderError(msg) from exc


def run_folder(output_dir: Path, run_id: str) -> Path:
    return output_dir / "runs" / run_id


def publish_products(
    config: Config,
    info: RunInfo,
    tables: RunTables,
    stage_timings: list[dict[str, Any]],
    progress: Progress = NO_PROGRESS,
    pool: Pool | None = None,
    detail: dict[str, str] | None = None,
) -> Path:
    """Write every product of a run and its manifest into the run's folder (not yet current);
    the kommune hillshades, maps and briefs by ``pool``'s workers (default: the
    ``[run] executor``'s, :mod:`pipeline.executor`), each loop reporting to ``progress``. The
    maps' and briefs' costly pieces are kept between runs (:func:`piece_cache`); ``detail``
    gets how many were reused."""
    folder = run_folder(config.run.output_dir, info.run_id)
    folder.mkdir(parents=True, exist_ok=False)
    pieces = piece_cache(config)
    started = pieces.start()
    if pool is not None:
        written = _publish_into(folder, config, info, tables, stage_timings, (pool, progress))
    else:
        with open_executor(config.run) as opened:
            opened.warm_up()  # the workers start while this process writes the tables
            work = (opened, progress)
            written = _publish_into(folder, config, info, tables, stage_timings, work)
    if pieces.folder is not None and detail is not None:
        detail["pieces"] = pieces_detail(started, config.run.prunes_cache)
    return written


def _publish_into(
    folder: Path,
    config: Config,
    info: RunInfo,
    tables: RunTables,
    stage_timings: list[dict[str, Any]],
    work: tuple[Pool, Progress],
) -> Path:
    """:func:`publish_products` once its folder and worker processes are there."""
    pool, progress = work
    areas = project_areas_of(config, tables.results)
    outputs = _write_tables(folder, config, info, tables, work)
    if tables.changes is not None:
        outputs |= write_changes_tables(folder, tables.changes)
    outputs |= files.write_project_areas(folder, areas)
    outputs["geopackage"] = _write_geopackage(folder, config, tables, areas)
    outputs |= _write_map_products(folder, config, info, tables, areas, work)
    manifest = _manifest(config, info, tables, stage_timings, outputs)
    write_manifest(folder, manifest)
    # the kommune briefs read the published folder itself, manifest included
    manifest["outputs"]["briefs"] = write_briefs(
        folder, pool=pool, progress=progress, pieces=piece_cache(config)
    )
    write_manifest(folder, manifest)
    return folder


def _write_tables(
    folder: Path, config: Config, info: RunInfo, tables: RunTables, work: tuple[Pool, Progress]
) -> dict[str, Any]:
    pool, progress = work
    results = tables.results
    gap_table = tables.aggregated.gap_table
    reasons = reason_counts(results, config, gap_table)  # at the gap table's levels (a preview)
    reasons = reasons.loc[reasons["level"].isin(gap_table["level"].unique())]
    fwa_challenge = files.fwa_challenge_list(
        results,
        _fwa_claims(config, tables),
        files.dtm_stamp(config.inputs.dtm, info.checksums),
        config.wireless,
    )
    corrections = published_uses(tables.corrections, config.targets)
    outputs: dict[str, Any] = files.write_tables(
        folder,
        {
            "gap_table": gap_table,
            "quarantine": tables.inputs.quarantine,
            "layer_counts": tables.inputs.counts,
            "fwa_challenge": fwa_challenge,
            "new_sites": files.new_sites_table(tables.new_sites),
            "gap_reasons": reasons,
            "corrections": corrections,
            **({} if tables.scenarios is None else {"scenarios": tables.scenarios}),
        },
    )
    challenges = challenge_rows(fwa_challenge, tables.corrections, results)
    outputs |= write_challenges(folder, challenges, config.operators.aliases, info.run_id)
    stamp = {
        "run_id": info.run_id,
        "code_version": info.code_version,
        "checksums": info.checksums,
        "metadata": tables.inputs.metadata,
    }
    outputs |= write_gap_table_nb(
        folder, gap_table, config, stamp, reasons, corrections, tables.scenarios
    )
    with progress.track("kommune downloads", _kommune_count(gap_table)) as done:
        downloads = write_kommune_downloads(
            folder, results, gap_table, config, pool, done, piece_cache(config)
        )
    outputs["kommune_downloads"] = downloads
    curves = tables.aggregated.curves
    outputs["cost_curve"] = files.write_cost_curve(folder, curves.published())
    names = gap_table["kommunenavn"].astype(str)  # a preview's curve is its kommune's
    title = names.iloc[0] if info.scope is not None and len(names) else "alle kommuner"
    png = plot_cost_curve(
        curves.total, folder / "tables" / "cost_curve.png", f"Kostnadskurve, {title}"
    )
    outputs["cost_curve_png"] = str(png.relative_to(folder))
    return outputs


def _write_geopackage(
    folder: Path, config: Config, tables: RunTables, areas: gpd.GeoDataFrame | None
) -> str:
    """``gapmap.gpkg``: the QGIS layers with Norwegian aliases and default styles."""
    inputs = GeoPackageInputs(
        results=tables.results,
        targets=[TargetSpec(t.name, t.down_mbps, t.up_mbps, t.label_nb) for t in config.targets],
        map_target=config.classify.map_target,
        gap_table=tables.aggregated.gap_table,
        kommuner=tables.inputs.kommuner,
        areas=areas,
        new_sites=tables.new_sites,
        fibre=tables.inputs.fibre,
        sites=tables.inputs.sites,
    )
    return write_geopackage(folder, geopackage_layers(inputs))


def project_areas_of(config: Config, results: pd.DataFrame) -> gpd.GeoDataFrame | None:
    """The run's subsidy project areas (:func:`pipeline.planning.areas.project_areas`) over the
    addresses eligible for support (:func:`pipeline.planning.cost_curve.subsidy_case`), or None
    when the run costed no eligible household."""
    results = subsidy_case(results)
    if not results["cost_nok"].notna().any():
        return None
    return project_areas(results, config.cost.commercially_viable_nok_per_household)


def _write_map_products(
    folder: Path,
    config: Config,
    info: RunInfo,
    tables: RunTables,
    areas: gpd.GeoDataFrame | None,
    work: tuple[Pool, Progress],
) -> dict[str, Any]:
    """The index page, the overview and one map per kommune, from the published tables."""
    pool, progress = work
    kommuner = tables.inputs.kommuner
    with progress.track("hillshades", len(kommuner) if config.inputs.dtm else 0) as done:
        shades = run_hillshades(config, info.checksums, kommuner, pool, done)
    with progress.track("kommune maps", _kommune_count(tables.aggregated.gap_table)) as done:
        maps_work = KommuneWork(pool, done, piece_cache(config))
        paths = _write_maps(folder, config, info, tables, areas, shades, maps_work)
    return _relative(paths, folder)


def _kommune_count(gap_table: pd.DataFrame) -> int:
    return int(gap_table.loc[gap_table["level"] == "kommune", "kommunenummer"].nunique())


def _write_maps(
    folder: Path,
    config: Config,
    info: RunInfo,
    tables: RunTables,
    areas: gpd.GeoDataFrame | None,
    hillshades: dict[str, tuple[Path, list[list[float]]]],
    work: KommuneWork,
) -> MapPaths:
    """:func:`maps.publish.write_maps` on the run's tables."""
    results, masts = tables.results, tables.new_sites
    addresses = files.with_lon_lat(pd.DataFrame(results.drop(columns="geometry")))
    return write_maps(
        folder,
        tables.aggregated.gap_table,
        tables.inputs.kommuner,
        with_scenario_classes(addresses, config, tables.scenario_classes),
        [TargetSpec(t.name, t.down_mbps, t.up_mbps, t.label_nb) for t in config.targets],
        config.classify.map_target,
        _stamp(info, config.cost.target) | households_basis(tables.aggregated.gap_table),
        assets=cast(AssetMode, config.run.map_assets),  # checked by the config
        hillshades=hillshades,
        areas=areas,
        cost_curves=tables.aggregated.curves.kommune,
        # no candidate at all (no DTM, new_site off): no mast layer rather than "0" on each map
        new_sites=files.new_sites_table(masts) if len(masts) else None,
        fibre=tables.inputs.fibre,
        sites=tables.inputs.sites,
        changes=change_sources(tables.changes) if tables.changes is not None else None,
        work=work,
        scenarios=tuple(s.label for s in on_the_maps(config))
        if tables.scenarios is not None
        else (),
    )


def _fwa_claims(config: Config, tables: RunTables) -> pd.DataFrame:
    """The run's judged FWA claims: the wireless stage's, or judged now when not given."""
    if tables.fwa_claims is not None:
        return tables.fwa_claims
    return fwa_claims_stage(config, tables.inputs)


def _stamp(info: RunInfo, cost_target: str) -> dict[str, str]:
    """What every page says of its run; ``cost_target`` names the target costs are for."""
    return {
        "cost_target": cost_target,
        "run_id": info.run_id,
        "generated_at": info.started_at,
        "code_version": info.code_version,
        "data_sources": ", ".join(Path(s["path"]).name for s in info.checksums.values()),
        **({"scope": info.scope["note_nb"]} if info.scope is not None else {}),
    }


def _relative(paths: MapPaths, folder: Path) -> dict[str, Any]:
    return {
        "index": str(paths.index.relative_to(folder)),
        "overview_map": str(paths.overview.relative_to(folder)),
        "kommune_maps": {k: str(p.relative_to(folder)) for k, p in paths.kommuner.items()},
    }


def _manifest(
    config: Config,
    info: RunInfo,
    tables: RunTables,
    stage_timings: list[dict[str, Any]],
    outputs: dict[str, Any],
) -> dict[str, Any]:
    return {
        "run_id": info.run_id,
        "started_at": info.started_at,
        "finished_at": datetime.now(UTC).isoformat(),
        "code_version": info.code_version,
        "config_hash": config.digest(),
        "config": to_dict(config),
        **({"scope": dict(info.scope)} if info.scope is not None else {}),
        "targets": {
            t.name: {
                "down_mbps": t.down_mbps,
                "up_mbps": t.up_mbps,
                "label_nb": t.label_nb,
                "wording_nb": t.wording_nb,  # issue 15: the goal as its source words it
                "source": t.source,
            }
            for t in config.targets
        },
        "inputs": info.checksums,
        "input_metadata": tables.inputs.metadata,
        "layer_counts": tables.inputs.counts.to_dict(orient="records"),
        **{stage: dict(counts) for stage, counts in tables.counts.items()},
        "stage_timings": stage_timings,
        "outputs": outputs,
        **({"changes": tables.changes.manifest()} if tables.changes is not None else {}),
    }


def write_manifest(folder: Path, manifest: Mapping[str, Any]) -> Path:
    path = folder / "manifest.json"
    path.write_text(
        json.dumps(manifest, indent=2, ensure_ascii=False, default=str), encoding="utf-8"
    )
    return path


def read_manifest(folder: Path) -> dict[str, Any]:
    manifest: dict[str, Any] = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    return manifest


def finish_publication(config: Config, folder: Path, stage_timings: list[dict[str, Any]]) -> Path:
    """Record every stage's timing in the manifest, then switch ``current`` to the folder."""
    manifest = read_manifest(folder)
    manifest["stage_timings"] = stage_timings
    write_manifest(folder, manifest)
    return switch_current(config.run.output_dir, folder)


def set_aside_failed(output_dir: Path, run_id: str) -> None:
    """Rename a failed run's folder (if it got one) to ``<run_id>.failed``."""
    failed = run_folder(output_dir, run_id)
    if failed.exists():
        failed.rename(failed.with_name(failed.name + ".failed"))


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
