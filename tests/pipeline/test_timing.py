"""pipeline/timing.py: each stage's wall time and peak memory, recorded and shown on one line."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from types import SimpleNamespace

import numpy as np
import pytest
from rich.console import Console

from pipeline import timing
from pipeline.progress import Advance
from pipeline.timing import StageLog


def test_a_stage_is_timed_recorded_and_shown_with_its_figures(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = iter([10.0, 11.5, 20.0, 20.25])
    monkeypatch.setattr(timing.time, "perf_counter", lambda: next(clock))
    # ru_maxrss is in KiB on Linux: 204,800 KiB = 200 MB
    usage = SimpleNamespace(ru_maxrss=204_800)
    monkeypatch.setattr(timing.resource, "getrusage", lambda who: usage)
    console = Console(record=True, width=100, color_system=None)
    log = StageLog(console)
    with log.stage("ingest") as detail:
        detail["addresses"] = "20"
        detail["quarantined"] = "2"
    with log.stage("locate"):
        pass
    figures = {"peak_rss_mb": 200.0, "workers_peak_rss_mb": 200.0}
    assert [{k: r[k] for k in ("stage", "seconds", *figures)} for r in log.rows] == [
        {"stage": "ingest", "seconds": 1.5, **figures},
        {"stage": "locate", "seconds": 0.25, **figures},
    ]
    lines = console.export_text().splitlines()
    assert lines == [
        "✓ ingest        1.50 s  addresses 20  quarantined 2",
        "✓ locate        0.25 s  ",
    ]


def test_a_stage_that_fails_is_not_recorded(monkeypatch: pytest.MonkeyPatch) -> None:
    log = StageLog(Console(quiet=True))
    with pytest.raises(RuntimeError, match="disk full"), log.stage("publish"):
        raise RuntimeError("disk full")
    assert log.rows == []


class _StagesSeen:
    """A progress reporter that notes the stages it was shown around."""

    def __init__(self) -> None:
        self.stages: list[str] = []

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        self.stages.append(name)
        yield

    @contextmanager
    def track(self, name: str, total: int, unit: str = "kommuner") -> Iterator[Advance]:
        yield lambda done: None


def test_with_a_progress_the_stage_is_shown_by_it() -> None:
    seen = _StagesSeen()
    log = StageLog(Console(quiet=True), progress=seen)
    with log.stage("wireless"):
        pass
    assert seen.stages == ["wireless"] and [r["stage"] for r in log.rows] == ["wireless"]


def test_each_stage_reports_its_own_peak_not_the_process_peak() -> None:
    if not timing.reset_peak_rss():
        pytest.skip("this kernel does not let a process reset its peak RSS (/proc/self/clear_refs)")
    log = StageLog(Console(record=True, width=100, color_system=None))
    with log.stage("big"):
        block = np.ones(50_000_000)  # 400 MB, touched
        del block
    with log.stage("small"):
        pass
    big, small = (row["peak_rss_mb"] for row in log.rows)
    assert big - small > 300  # the second stage does not inherit the first one's 400 MB
    assert all(row["peak_is_stage"] for row in log.rows)
