"""Stage timing: wall time and peak resident memory per stage, shown on the console.

The driver (:mod:`pipeline.run`) times every stage through a :class:`StageTimer`; the CLI's is
:class:`StageLog`, the benchmark (``scripts/benchmark_stages.py``) brings its own.

Peak memory per stage: before each stage the kernel's high-water mark of this process is reset
(``/proc/self/clear_refs`` ← ``5``, Linux), so ``getrusage(RUSAGE_SELF).ru_maxrss`` read after
the stage is that stage's own peak. Where the reset is not allowed it is the process peak so
far, and ``peak_is_stage`` says so. The worker processes' peak (``RUSAGE_CHILDREN``: the
largest finished worker) is recorded beside it.
"""

from __future__ import annotations

import resource
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from rich.console import Console

from pipeline.progress import Progress


def reset_peak_rss() -> bool:
    """Reset the kernel's peak RSS of this process; False where that is not allowed."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def peak_rss_mb(who: int = resource.RUSAGE_SELF) -> float:
    """The peak resident memory (MB) of this process since the last reset, or of the largest
    finished child (``resource.RUSAGE_CHILDREN``)."""
    return resource.getrusage(who).ru_maxrss / 1024


class StageTimer(Protocol):
    """Times a stage: ``with timer.stage(name) as detail:`` (``detail``: figures to show)."""

    rows: list[dict[str, Any]]

    def stage(self, name: str) -> AbstractContextManager[dict[str, str]]: ...


@dataclass
class StageLog:
    """Wall time and peak resident memory after each stage, shown on the console; while a
    stage runs, its progress (``progress``) or a spinner."""

    console: Console
    rows: list[dict[str, Any]] = field(default_factory=list)
    # None: a spinner while a stage runs; else the run's reporter (:mod:`pipeline.progress`)
    progress: Progress | None = None

    @contextmanager
    def stage(self, name: str) -> Iterator[dict[str, str]]:
        detail: dict[str, str] = {}
        peak_is_stage = reset_peak_rss()
        started = time.perf_counter()
        showing = (
            self.console.status(f"[bold cyan]{name}[/] …")
            if self.progress is None
            else self.progress.stage(name)
        )
        with showing:
            yield detail
        seconds = time.perf_counter() - started
        self.rows.append(
            {
                "stage": name,
                "seconds": seconds,
                "peak_rss_mb": peak_rss_mb(),
                "peak_is_stage": peak_is_stage,
                "workers_peak_rss_mb": peak_rss_mb(resource.RUSAGE_CHILDREN),
            }
        )
        text = "  ".join(f"{k} {v}" for k, v in detail.items())
        self.console.print(f"[green]✓[/] {name:<10} {seconds:7.2f} s  {text}")
