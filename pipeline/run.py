"""The driver: runs the stages in order, times them, records the run, publishes.

::

    ingest → locate → premises → terrain → wireless → coverage → classify → eligibility → cost
    → reasons → store → aggregate → changes → publish

Each stage is a plain function in its own module (``pipeline/<stage>.py``); this file only
sequences them, measures wall time and peak memory per stage, and keeps the ``runs`` table and
the published folder honest: a failed run is marked ``failed``, its partial rows are deleted,
and ``current`` is not moved. The benchmark (``scripts/benchmark_stages.py``) runs this same
driver with its own timer and its own in-memory inputs.
"""

from __future__ import annotations

import dataclasses
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
from rich.console import Console
from rich.markup import escape

from layers.checksums import input_checksums
from layers.dtm import dtm_digest
from layers.errors import DISK_FULL_TEXT, InputError, fault_of
from maps.worker_pool import Pool
from pipeline import (
    aggregate,
    changes,
    classify,
    corrections,
    corrections_effects,
    cost,
    coverage,
    eligibility,
    freshness,
    ingest,
    locate,
    premises,
    preview,
    publication,
    publish,
    reasons,
    scenario_tables,
    scenarios,
    store,
    terrain,
    wireless,
)
from pipeline.adjustments import compared_with_scenarios, corrected, scenarios_of, stored_columns
from pipeline.config import Config, to_dict
from pipeline.executor import open_executor
from pipeline.ingest_cache import INGEST_CACHE, IngestCache
from pipeline.progress import NO_PROGRESS, Progress
from pipeline.radio.reach_cache import REACH_CACHE, ReachCache
from pipeline.timing import StageLog, StageTimer


@dataclass(frozen=True)
class Work:
    """What the stages report to and run on: the stage timer, the progress display, the run's
    executor, its reach cache (None: every kommune's line of sight computed again) and its
    ingest cache (None: every input parsed again)."""

    timer: StageTimer
    progress: Progress
    pool: Pool
    cache: ReachCache | None
    ingest_cache: IngestCache | None = None
    kommune: str | None = None  # a kommune preview's kommunenummer (pipeline/preview.py)


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
    allow_stale: bool = False,
    progress: Progress | None = None,
    kommune: str | None = None,
) -> RunResult:
    """Run every stage on ``config``'s inputs (or on ``inputs`` already read) and publish;
    refuse stale monthly inputs first (:mod:`pipeline.freshness`) unless ``allow_stale``.
    The slow stages report to ``progress`` (:mod:`pipeline.progress`; default: none); their
    per-kommune work (wireless reach, the kommune maps and briefs) runs on one executor for
    the whole run (``[run] executor``, :mod:`pipeline.executor`). With ``kommune`` the run is
    a preview of that kommune (:func:`run_kommune_preview`)."""
    timer = timer or StageLog(console or Console(), progress=progress)
    progress = progress or NO_PROGRESS
    checksums = input_checksums(vars(config.inputs)) if inputs is None else {}
    run_id = store.new_run_id(config_hash := config.digest())
    publish.prepare_output_dir(config.run.output_dir, config.store_path)
    with store.open_store(config.store_path) as connection:
        publication.tidy_after_crash(connection, config.run.output_dir, run_id)
        version = store.code_version()
        store.begin_run(connection, run_id, config_hash, to_dict(config), checksums, version)
        scope = preview.scope_of(kommune) if kommune is not None else None
        info = publish.RunInfo(run_id, datetime.now(UTC).isoformat(), version, checksums, scope)
        try:
            stale = freshness.check_freshness(connection, config, checksums, run_id, allow_stale)
            if stale and console is not None:
                console.print(f"[yellow]stale inputs, going on:[/] {escape('; '.join(stale))}")
            with open_executor(config.run) as pool:  # one executor for the run's stages
                if kommune is None:  # a preview's few items need no worker started early
                    pool.warm_up()  # its workers start (or it connects) while ingest reads
                ingest_cache = _ingest_cache(config, checksums)
                reach_cache = reach_cache_of(config, checksums)
                work = Work(timer, progress, pool, reach_cache, ingest_cache, kommune)
                result = _run_stages(config, connection, info, work, inputs)
        except Exception as exc:
            where = f"run {run_id}" + (f" after {timer.rows[-1]['stage']}" if timer.rows else "")
            fault = fault_of(exc, where, _input_paths(config))
            try:  # a cleanup that fails too (a full disk) must not hide the run's own error
                _record_failure(connection, config.run.output_dir, run_id, fault)
            except Exception as cleanup:
                fault.add_note(f"the failed run could not be recorded: {cleanup}")
            raise fault from exc
        note = f"published with stale inputs: {'; '.join(stale)}" if stale else None
        store.finish_run(connection, run_id, "succeeded", str(result.published), note)
    for cache in (work.cache, work.ingest_cache):
        if cache is not None and config.run.prunes_cache:
            _prune(cache, console)
    return result


def run_kommune_preview(
    config: Config,
    kommunenummer: str,
    console: Console | None = None,
    progress: Progress | None = None,
) -> RunResult:
    """``gapmap run --kommune``: the stages on one kommune's rows of ``config``'s inputs,
    published in ``<output_dir>/kommuner/<kommunenummer>/`` with a store of its own, reading
    the national run's caches (:mod:`pipeline.preview`). Monthly freshness is not checked: a
    preview is not a publication."""
    scoped = preview.preview_config(config, kommunenummer)
    folder = scoped.run.output_dir
    first = not folder.exists()
    try:
        return run_pipeline(
            scoped, console, allow_stale=True, progress=progress, kommune=kommunenummer
        )
    except InputError:
        if first:  # a first preview of an unknown kommune leaves nothing behind (a fault, such
            shutil.rmtree(folder, ignore_errors=True)  # as a busy store, leaves its record)
        raise


def reach_cache_of(config: Config, checksums: dict[str, dict[str, Any]]) -> ReachCache | None:
    """The run's reach cache (``[run] cache_dir``/reach), unless there is no DTM or
    ``[run] reuse_cache`` is off."""
    dtm = config.inputs.dtm
    if dtm is None or not config.run.reuse_cache:
        return None
    digest = dtm_digest(dtm, checksums)
    return ReachCache(config.run.cache_folder / REACH_CACHE, dtm, digest, checksums=checksums)


def _ingest_cache(config: Config, checksums: dict[str, dict[str, Any]]) -> IngestCache | None:
    """The run's ingest cache (``[run] cache_dir``/ingest), unless ``[run] reuse_cache`` is
    off or the run reads no files (its inputs given: no checksums, and nothing to prune by)."""
    if not config.run.reuse_cache or not checksums:
        return None
    return IngestCache(config.run.cache_folder / INGEST_CACHE, checksums)


def _prune(cache: ReachCache | IngestCache, console: Console | None) -> None:
    """Keep only the entries this run used; a cache that cannot be tidied is only reported
    (the run itself has succeeded)."""
    try:
        cache.prune()
    except OSError as exc:
        if console is not None:
            console.print(f"[yellow]{cache.folder} not tidied:[/] {escape(str(exc))}")


def _cache_detail(cache: ReachCache | IngestCache | None) -> dict[str, str]:
    """The stage line's ``cached``: kommuner (or input files) read back of those looked up in
    the stage."""
    if cache is None:
        return {}
    hits, misses = cache.take_counts()
    return {"cached": f"{hits}/{hits + misses}"} if hits + misses else {}


def _record_failure(
    connection: duckdb.DuckDBPyConnection, output_dir: Path, run_id: str, fault: Exception
) -> None:
    """Set the failed run's folder aside (``<run_id>.failed``) and mark the run failed. When
    the store cannot take even that because its disk is full, the set-aside folder's partial,
    never published files (what filled the disk) are removed and the record tried once more."""
    publish.set_aside_failed(output_dir, run_id)
    try:
        store.fail_run(connection, run_id, str(fault))
    except Exception as exc:
        if DISK_FULL_TEXT not in str(exc):
            raise
        failed = publish.run_folder(output_dir, run_id + ".failed")
        if not failed.is_dir():
            raise
        shutil.rmtree(failed)
        failed.mkdir()
        fault.add_note("its partial files were removed to make room for recording the failure")
        store.fail_run(connection, run_id, str(fault))


def _input_paths(config: Config) -> list[Path]:
    """Every input file the config names (an OS error on one is the user's input, exit 2)."""
    paths: list[Path] = []
    for value in vars(config.inputs).values():
        if isinstance(value, Path):
            paths.append(value)
        elif isinstance(value, tuple):
            paths.extend(p for p in value if isinstance(p, Path))
    return paths


def _run_stages(
    config: Config,
    connection: duckdb.DuckDBPyConnection,
    info: publish.RunInfo,
    work: Work,
    given: ingest.Ingested | None,
) -> RunResult:
    timer, progress, pool = work.timer, work.progress, work.pool
    with timer.stage("ingest") as detail:
        inputs = given or ingest.ingest(config, work.ingest_cache, work.kommune)
        if work.kommune is not None:
            inputs = preview.candidates_of(config, inputs, work.kommune)
        inputs, applied = corrected(config, inputs, info, work.kommune is not None, detail)
        detail["addresses"] = f"{len(inputs.addresses):,}"
        detail["quarantined"] = f"{len(inputs.quarantine):,}"
        detail |= _cache_detail(work.ingest_cache)
    inputs, results, counts, masts, claims = _address_stages(config, inputs, work, applied)
    uses = corrections_effects.uses_with_results(applied.uses, results)
    what_if = scenarios_of(config, inputs, results, timer, (progress, pool, work.cache))
    if work.kommune is not None:  # the neighbours' rows served the stages; now only the kommune
        inputs, results, masts, claims = preview.kommune_only(
            inputs, results, (masts, claims), work.kommune
        )
        inputs, uses = corrections_effects.kommune_uses(inputs, uses, work.kommune)
        what_if = [scenarios.of_addresses(r, results["address_id"]) for r in what_if]
    with timer.stage("store") as detail:
        store.store_run(connection, info.run_id, config, inputs, results, masts)
        store.append(connection, "correction_uses", info.run_id, uses[stored_columns(uses)])
        detail["rows"] = f"{len(results):,}"
    # the offers are stored and judged: no later stage reads them, so publish need not hold them
    inputs = dataclasses.replace(inputs, offers=inputs.offers.iloc[:0])
    with timer.stage("aggregate") as detail:
        aggregated = aggregate.aggregate_stage(connection, info.run_id, config, results)
        if work.kommune is not None:
            preview.drop_wider_levels(connection, info.run_id)
            table = preview.kommune_rows_only(aggregated.gap_table)
            aggregated = dataclasses.replace(aggregated, gap_table=table)
        detail["kommuner"] = str(int((aggregated.gap_table["level"] == "kommune").sum()))
        compared = compared_with_scenarios(config, results, what_if, aggregated.gap_table)
        changed_classes = scenario_tables.all_changed_classes(what_if, results)
        if compared is not None:  # stored under the run beside its own summaries
            scenario_tables.store_scenarios(connection, info.run_id, compared, changed_classes)
    with timer.stage("changes") as detail:
        changed = changes.changes_stage(connection, info.run_id, config)
        detail["rows"] = f"{len(changed.rows):,}"
    with timer.stage("publish") as detail:
        tables = publish.RunTables(
            aggregated, inputs, results, counts, masts, changed, claims, uses, compared
        )
        tables = dataclasses.replace(tables, scenario_classes=changed_classes)
        folder = publish.publish_products(config, info, tables, timer.rows, progress, pool, detail)
        detail["files"] = str(sum(1 for p in folder.rglob("*") if p.is_file()))
    current = publish.finish_publication(config, folder, timer.rows)
    timings = pd.DataFrame(timer.rows)
    store.append(connection, "stage_timings", info.run_id, timings)
    located, manifest = dict(counts["locate"]), publish.read_manifest(folder)
    table = aggregated.gap_table
    return RunResult(
        info.run_id, current.resolve(), table, inputs.counts, located, timings, manifest
    )


def _address_stages(
    config: Config, inputs: ingest.Ingested, work: Work, applied: corrections.Applied
) -> tuple[ingest.Ingested, pd.DataFrame, dict[str, dict[str, Any]], pd.DataFrame, pd.DataFrame]:
    """locate → premises → terrain → … → classify → eligibility → cost → reasons: the located
    inputs, one results row per address (every stage's columns), the stages' counts, the masts
    and the judged FWA claims."""
    timer, progress, pool, cache = work.timer, work.progress, work.pool, work.cache
    with timer.stage("locate") as detail:
        inputs, locate_counts = locate.locate_stage(config, inputs)
        if work.kommune is not None:
            inputs = preview.located_in(config, inputs, work.kommune)
        detail["disagree_with_file"] = str(locate_counts["disagree_with_file"])
    with timer.stage("premises") as detail:
        inputs, premises_counts = premises.premises_stage(config, inputs, inputs.nkom_register)
        located, applied = corrections.apply_to_premises(config, inputs.addresses, applied)
        inputs = dataclasses.replace(inputs, addresses=located)
        detail["basis"] = str(premises_counts["basis"])
    with timer.stage("terrain") as detail:
        terrain_columns = terrain.terrain_per_address(inputs.addresses, config.inputs.dtm)
        detail["without_terrain"] = str(int((~terrain_columns["has_terrain"]).sum()))
    with timer.stage("wireless") as detail:
        reach, claims = wireless.wireless_stage(config, inputs, progress, pool, cache)
        detail["with_los"] = str(int(reach["has_los"].sum()))
        detail |= _cache_detail(cache)
    with timer.stage("coverage") as detail:
        covered = coverage.coverage_stage(config, inputs)
        detail["no_offer"] = str(covered.counts["without_counted_offer"])
    with timer.stage("classify") as detail:
        classified = classify.classify_stage(config, inputs.addresses, covered, reach)
        detail |= classified.detail(config)
    with timer.stage("eligibility") as detail:
        eligible = eligibility.eligibility_stage(config, inputs, covered)
        detail |= eligible.detail()
    with timer.stage("cost") as detail:
        costed = cost.cost_stage(
            config, inputs, terrain_columns, covered, classified, progress, (pool, cache)
        )
        detail |= cost.cost_detail(costed) | _cache_detail(cache)
    frames = [inputs.addresses, terrain_columns, reach, covered.columns, *classified.frames()]
    frames.append(eligible.columns)
    frames.append(
        corrections_effects.effect_columns(config, inputs, classified.classes, reach, applied)
    )
    results = pd.concat([*frames, costed.costs], axis=1)
    with timer.stage("reasons") as detail:
        why = reasons.reasons_per_address(results, config, sites=inputs.sites, areas=inputs.areas)
        detail["with_reason"] = str(int(why[f"reason_{config.classify.map_target}"].notna().sum()))
    results = pd.concat([results, why], axis=1)
    counts = {
        "locate": locate_counts,
        "premises": premises_counts,
        "terrain": terrain.terrain_counts(terrain_columns),
        "coverage": covered.counts,
        "wireless": wireless.wireless_counts(reach) | classified.counts(config),
        "cost": cost.cost_counts(costed.costs, costed.masts),
        "eligibility": eligible.counts,
    }
    return inputs, results, counts, costed.masts, claims
