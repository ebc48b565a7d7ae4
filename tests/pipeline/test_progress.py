"""pipeline/progress.py: plain lines for a log, a rich bar on a terminal, and the choice."""

from __future__ import annotations

import io
import re

import pytest
from rich.console import Console

from layers.errors import ConfigError
from pipeline.progress import (
    NO_PROGRESS,
    BarProgress,
    PlainProgress,
    plain_line,
    progress_for,
    seconds_left,
)

CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f]")  # anything but a newline


class Clock:
    """A clock the test moves by hand (seconds)."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_time_left_is_linear_in_what_is_done() -> None:
    # 30 of 120 done in 10 s: 90 more at 3 per second = 30 s
    assert seconds_left(10.0, 30, 120) == 30.0
    assert seconds_left(10.0, 0, 120) is None
    assert plain_line("wireless", 120, 357, "kommuner", 41.0) == (
        "wireless: 120/357 kommuner (33 %), 41 s, about 81 s left"
    )


def test_plain_lines_at_start_every_interval_and_at_the_end() -> None:
    stream, clock = io.StringIO(), Clock()
    progress = PlainProgress(stream, interval_s=5.0, clock=clock)
    with progress.stage("wireless"), progress.track("wireless", 4) as advance:
        clock.now += 2.0
        advance(1)  # 2 s after the last line: none
        clock.now += 4.0
        advance(1)  # 6 s: a line
        clock.now += 1.0
        advance(1)  # 1 s after it: none
        clock.now += 1.0
        advance(1)  # the end comes next
    lines = stream.getvalue().splitlines()
    assert lines == [
        "wireless: 0/4 kommuner (0 %), 0 s",
        "wireless: 2/4 kommuner (50 %), 6 s, about 6 s left",
        "wireless: 4/4 kommuner (100 %), 8 s, done",
    ]
    assert not CONTROL.search(stream.getvalue())


def test_a_loop_of_nothing_prints_nothing() -> None:
    stream = io.StringIO()
    with PlainProgress(stream).track("wireless", 0) as advance:
        advance(1)
    assert stream.getvalue() == ""


def test_the_bar_shows_done_of_total_on_a_terminal() -> None:
    console = Console(file=io.StringIO(), force_terminal=True, width=100, record=True)
    progress = BarProgress(console)
    with progress.stage("wireless"), progress.track("wireless", 3) as advance:
        for _ in range(3):
            advance(1)
        progress._bars.refresh()  # type: ignore[union-attr]  # draw now, not at the next tick
        drawn = console.export_text()
    assert "wireless" in drawn and "3/3" in drawn and "kommuner" in drawn
    assert "\x1b[" in console.file.getvalue()  # type: ignore[attr-defined]  # a live bar
    # a count outside a timed stage gets its own bar
    with BarProgress(console).track("briefs", 2) as advance:
        advance(2)


def test_progress_for_a_terminal_a_log_and_off() -> None:
    assert isinstance(progress_for(Console(file=io.StringIO(), force_terminal=True)), BarProgress)
    plain = progress_for(Console(file=io.StringIO(), force_terminal=False))
    assert isinstance(plain, PlainProgress)
    assert isinstance(progress_for(Console(force_terminal=True), "plain"), PlainProgress)
    assert progress_for(Console(), "off") is NO_PROGRESS
    with pytest.raises(ConfigError, match=r"--progress: got 'loud', expected one of auto, bar"):
        progress_for(Console(), "loud")
