"""The run's steps beside its stages (:mod:`pipeline.adjustments`)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pandas as pd
from rich.console import Console

from pipeline.adjustments import (
    compared_with_scenarios,
    corrected,
    naive_utc,
    scenarios_of,
    stored_columns,
)
from pipeline.config import config_from_dict
from pipeline.progress import NO_PROGRESS
from pipeline.run_info import RunInfo
from pipeline.timing import StageLog
from tests.pipeline.test_corrections import _inputs

CONFIG = config_from_dict(
    {"inputs": {"kommuner": "k.geojson", "addresses": "a.csv", "offers": "o.csv"}},
    Path("/data"),
)


def test_the_runs_start_is_read_as_naive_utc() -> None:
    info = RunInfo("r", "2026-12-08T02:30:00+01:00", "v", {})
    assert naive_utc(info) == datetime(2026, 12, 8, 1, 30)


def test_without_a_register_the_inputs_stay(tmp_path: Path) -> None:
    config = config_from_dict(
        {
            "inputs": {"kommuner": "k.geojson", "addresses": "a.csv", "offers": "o.csv"},
            "run": {"output_dir": str(tmp_path)},
        },
        Path("/data"),
    )
    inputs, detail = _inputs(), {}
    info = RunInfo("r", "2026-12-08T02:30:00+00:00", "v", {})
    same, applied = corrected(config, inputs, info, False, detail)
    assert same is inputs and applied.uses.empty and detail == {}


def test_no_scenarios_no_stage_and_no_comparison() -> None:
    timer = StageLog(Console(quiet=True))
    results = pd.DataFrame({"address_id": [1]})
    assert scenarios_of(CONFIG, _inputs(), results, timer, (NO_PROGRESS, None, None)) == []  # type: ignore[arg-type]
    assert timer.rows == []
    assert compared_with_scenarios(CONFIG, results, [], pd.DataFrame()) is None


def test_the_store_keeps_the_uses_without_their_per_target_changes() -> None:
    uses = pd.DataFrame(
        columns=["correction_id", "applied", "below_target_change_by_corrections_no2025"]
    )
    assert stored_columns(uses) == ["correction_id", "applied"]
