"""What a run does beside its stages: the kommune's corrections applied to the inputs it read
(:mod:`pipeline.corrections`), and its ``[scenarios]`` computed on them
(:mod:`pipeline.scenarios`); the driver (:mod:`pipeline.run`) calls these in order."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd

from maps.worker_pool import Pool
from pipeline import corrections, ingest, scenario_tables, scenarios
from pipeline.config import Config
from pipeline.corrections_register import corrections_in_force
from pipeline.progress import Progress
from pipeline.radio.reach_cache import ReachCache
from pipeline.run_info import RunInfo
from pipeline.timing import StageTimer


def corrected(
    config: Config,
    inputs: ingest.Ingested,
    info: RunInfo,
    preview: bool,
    detail: dict[str, str],
) -> tuple[ingest.Ingested, corrections.Applied]:
    """The inputs with the corrections in force when the run started applied
    (:mod:`pipeline.corrections`); the ingest line says how many applied."""
    in_force = corrections_in_force(config.run.corrections_register, naive_utc(info))
    inputs, applied = corrections.apply_corrections(config, inputs, in_force, preview=preview)
    if len(in_force):
        detail["corrections"] = f"{int(applied.uses['applied'].sum())}/{len(in_force)}"
    return inputs, applied


def scenarios_of(
    config: Config,
    inputs: ingest.Ingested,
    results: pd.DataFrame,
    timer: StageTimer,
    work: tuple[Progress, Pool, ReachCache | None],
) -> list[scenarios.ScenarioResult]:
    """The ``[scenarios]`` of the config, each from classify onward on the run's own inputs
    (a stage of its own; none when the config has none)."""
    if not config.scenarios:
        return []
    with timer.stage("scenarios") as detail:
        done = scenarios.run_scenarios(config, inputs, results, work)
        detail["scenarios"] = str(len(done))
    return done


def compared_with_scenarios(
    config: Config,
    results: pd.DataFrame,
    what_if: list[scenarios.ScenarioResult],
    gap_table: pd.DataFrame,
) -> pd.DataFrame | None:
    """The comparison of the run with its scenarios (None without scenarios)."""
    if not what_if:
        return None
    return scenario_tables.comparison(config, results, what_if, gap_table)


def naive_utc(info: RunInfo) -> datetime:
    """The run's start as naive UTC (the corrections register's clock)."""
    return datetime.fromisoformat(info.started_at).astimezone(UTC).replace(tzinfo=None)


def stored_columns(uses: pd.DataFrame) -> list[str]:
    """The columns of ``correction_uses`` the store keeps (the per-target changes are the
    published table's)."""
    return [c for c in uses.columns if not c.startswith(corrections.CHANGE_PREFIX)]
