"""Stage timing: wall time and peak resident memory per stage, shown on the console.

The driver (:mod:`pipeline.run`) times every stage through a :class:`StageTimer`; the CLI's is
:class:`StageLog`, the benchmark (``scripts/benchmark_stages.py``) brings its own.
"""

from __future__ import annotations

import resource
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol

from rich.console import Console

from pipeline.progress import Progress


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
        started = time.perf_counter()
        showing = (
            self.console.status(f"[bold cyan]{name}[/] …")
            if self.progress is None
            else self.progress.stage(name)
        )
        with showing:
            yield detail
        seconds = time.perf_counter() - started
        peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        self.rows.append({"stage": name, "seconds": seconds, "peak_rss_mb": peak_rss_mb})
        text = "  ".join(f"{k} {v}" for k, v in detail.items())
        self.console.print(f"[green]✓[/] {name:<10} {seconds:7.2f} s  {text}")
