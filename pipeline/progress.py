"""Where a long run is: progress per stage, as a bar on a terminal or plain lines in a log.

A stage that loops over kommuner (or chunks) reports through a :class:`Progress` passed down to
it, never per address::

    with progress.track("wireless", len(kommuner)) as advance:
        for kommune in kommuner:
            ...
            advance(1)

Three reporters, chosen by :func:`progress_for` (``gapmap run --progress``):

- :class:`BarProgress` (a terminal): one rich bar per stage, "kommuner done of total",
  elapsed and time left; the bar is gone when the stage's own ✓ line is printed.
- :class:`PlainProgress` (a log, cron, a pipe): one line at a stage's start, one every
  ``interval_s`` seconds and one at its end, printable ASCII and bokmål letters only::

      wireless: 120/357 kommuner (34 %), 41 s, about 81 s left

- :data:`NO_PROGRESS`: nothing (tests, the benchmark).

The time left is linear: :math:`t_{left} = t_{elapsed} (n_{total} - n_{done}) / n_{done}`.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from typing import IO, Final, Literal, Protocol, get_args

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.progress import Progress as RichProgress

from layers.errors import ConfigError

Advance = Callable[[int], None]
ProgressMode = Literal["auto", "bar", "plain", "off"]
PROGRESS_MODES: Final[tuple[str, ...]] = get_args(ProgressMode)
PLAIN_INTERVAL_S: Final = 5.0


class Progress(Protocol):
    """Reports a stage's progress: ``stage(name)`` around the whole stage (the driver's timer),
    ``track(name, total, unit)`` around its loop, whose ``advance(n)`` counts ``n`` done."""

    def stage(self, name: str) -> AbstractContextManager[None]: ...

    def track(
        self, name: str, total: int, unit: str = "kommuner"
    ) -> AbstractContextManager[Advance]: ...


def _ignore(done: int) -> None:
    """An ``advance`` that counts nothing."""


class NoProgress:
    """Reports nothing."""

    def stage(self, name: str) -> AbstractContextManager[None]:
        return nullcontext()

    @contextmanager
    def track(self, name: str, total: int, unit: str = "kommuner") -> Iterator[Advance]:
        yield _ignore


NO_PROGRESS: Final[Progress] = NoProgress()


def seconds_left(elapsed_s: float, done: int, total: int) -> float | None:
    """Linear estimate of the time left, :math:`t (n_{total} - n_{done}) / n_{done}`; None
    before anything is done."""
    if done <= 0:
        return None
    return elapsed_s * max(total - done, 0) / done


def plain_line(name: str, done: int, total: int, unit: str, elapsed_s: float) -> str:
    """One log line: ``wireless: 120/357 kommuner (34 %), 41 s, about 81 s left``."""
    share = f" ({100 * done // total} %)" if total > 0 else ""
    text = f"{name}: {done}/{total} {unit}{share}, {elapsed_s:.0f} s"
    left = seconds_left(elapsed_s, done, total)
    if done >= total:
        return f"{text}, done"
    return text if left is None else f"{text}, about {left:.0f} s left"


@dataclass
class PlainProgress:
    """Plain lines for a log: at a loop's start, at most every ``interval_s`` seconds, at its
    end. ``clock`` is ``time.monotonic`` (a test passes its own)."""

    stream: IO[str] = field(default_factory=lambda: sys.stdout)
    interval_s: float = PLAIN_INTERVAL_S
    clock: Callable[[], float] = time.monotonic

    def stage(self, name: str) -> AbstractContextManager[None]:
        return nullcontext()

    @contextmanager
    def track(self, name: str, total: int, unit: str = "kommuner") -> Iterator[Advance]:
        if total <= 0:  # nothing to count (no DTM, no site): no line
            yield _ignore
            return
        started = last = self.clock()
        done = 0
        lock = threading.Lock()  # a stage may count from several threads (brief PDFs)
        self._print(plain_line(name, done, total, unit, 0.0))

        def advance(count: int) -> None:
            nonlocal done, last
            with lock:
                done += count
                now = self.clock()
                if now - last >= self.interval_s and done < total:
                    last = now
                    self._print(plain_line(name, done, total, unit, now - started))

        yield advance
        self._print(plain_line(name, done, total, unit, self.clock() - started))

    def _print(self, line: str) -> None:
        self.stream.write(line + "\n")
        self.stream.flush()


@dataclass
class BarProgress:
    """A rich bar per stage on a terminal: a spinner while the stage has no count, then
    "done/total kommuner", elapsed and time left. Transient: the timer's ✓ line replaces it."""

    console: Console
    _bars: RichProgress | None = None
    _task: TaskID | None = None

    def _new_bars(self) -> RichProgress:
        return RichProgress(
            SpinnerColumn(),
            TextColumn("[bold cyan]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[unit]}"),
            TimeElapsedColumn(),
            TextColumn("left"),
            TimeRemainingColumn(),
            console=self.console,
            transient=True,
        )

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        bars = self._new_bars()
        self._bars, self._task = bars, bars.add_task(name, total=None, unit="")
        try:
            with bars:
                yield
        finally:
            self._bars = self._task = None

    @contextmanager
    def track(self, name: str, total: int, unit: str = "kommuner") -> Iterator[Advance]:
        if self._bars is None or self._task is None:  # a loop outside a timed stage
            with self.stage(name), self.track(name, total, unit) as advance:
                yield advance
            return
        bars, task = self._bars, self._task
        bars.reset(task, total=total, completed=0, description=name, unit=unit)
        yield lambda count: bars.advance(task, count)
        bars.update(task, total=None, unit="")


def progress_for(console: Console, mode: str = "auto") -> Progress:
    """The reporter for ``mode``: ``"bar"``, ``"plain"`` (into the console's stream),
    ``"off"``, or ``"auto"``: a bar on a terminal, plain lines otherwise."""
    if mode not in PROGRESS_MODES:
        msg = f"--progress: got {mode!r}, expected one of {', '.join(PROGRESS_MODES)}"
        raise ConfigError(msg)
    if mode == "off":
        return NO_PROGRESS
    if mode == "bar" or (mode == "auto" and console.is_terminal):
        return BarProgress(console)
    return PlainProgress(console.file)
