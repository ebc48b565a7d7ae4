"""Issue 11 point 4: input files that did not change are read back from the ingest cache
(:mod:`pipeline.ingest_cache`), and the run publishes what a run that parses them publishes.

The demo runs once (the cache is filled), then a month later twice more from copies of that
output folder under the same clock: once reading the cache (every cached layer read back: the
stage line says ``cached 5/5``) and once with ``[run] reuse_cache = false`` (every file parsed).
Every published file is compared (:mod:`tests.e2e.published_files`): tables, maps and pages byte
for byte, workbooks, GeoPackage and manifest but for the clock and the ``reuse_cache`` key.
"""

from __future__ import annotations

import dataclasses
import io
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from rich.console import Console

from pipeline.config import Config, load_config
from pipeline.ingest_cache import INGEST_CACHE
from pipeline.run import run_pipeline
from pipeline.synthetic.demo import prepare_demo
from tests.e2e.published_files import byte_differences, clock_free_differences, files, fixed_clock

# the first run a month before the second (the trend table orders runs by their start)
CLOCKS = {
    1: (datetime(2026, 11, 2, 5, 0, tzinfo=UTC), "20261102T050000000000Z"),
    2: (datetime(2026, 12, 7, 5, 0, tzinfo=UTC), "20261207T050000000000Z"),
}


def _run(config: Config, out: Path, month: int, *, reuse_cache: bool) -> tuple[Path, str]:
    """One run of ``config`` into ``out`` under month ``month``'s clock: its run folder and
    what it printed."""
    run = dataclasses.replace(
        config.run, output_dir=out, store_path=None, workers=2, reuse_cache=reuse_cache
    )
    printed = io.StringIO()
    with pytest.MonkeyPatch.context() as patch:
        fixed_clock(patch, *CLOCKS[month])
        result = run_pipeline(
            dataclasses.replace(config, run=run),
            Console(file=printed, width=200),
            allow_stale=True,
        )
    return out / "runs" / result.run_id, printed.getvalue()


def _ingest_line(printed: str) -> str:
    """The ingest stage's line of what a run printed."""
    (line,) = [line for line in printed.splitlines() if line.startswith("✓ ingest")]
    return line


@pytest.fixture(scope="module")
def second_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, str]]:
    """The first run's cache folder, and the second run read back and parsed again."""
    base = tmp_path_factory.mktemp("ingest-cache")
    config = load_config(prepare_demo(base))
    _, printed = _run(config, base / "first", 1, reuse_cache=True)
    runs = {"first": (base / "first" / "cache" / INGEST_CACHE, printed)}
    out = base / "out"  # both second runs in the same folder: it is part of the digest
    for way, reuse in (("read_back", True), ("parsed", False)):
        shutil.copytree(base / "first", out, symlinks=True)
        folder, printed = _run(config, out, 2, reuse_cache=reuse)
        runs[way] = (out.rename(base / way) / "runs" / folder.name, printed)
    runs["cache_after"] = (base / "read_back" / "cache" / INGEST_CACHE, "")
    return runs


def test_the_first_run_parses_and_the_second_reads_every_cached_layer_back(
    second_runs: dict[str, tuple[Path, str]],
) -> None:
    cache, printed = second_runs["first"]
    assert "cached 0/5" in _ingest_line(printed)
    assert "cached 5/5" in _ingest_line(second_runs["read_back"][1])
    assert "cached" not in _ingest_line(second_runs["parsed"][1])
    # five layers (kommuner, addresses, offers, sites, fibre), three files each, kept as they were
    assert len(files(cache)) == 15
    assert files(cache) == files(second_runs["cache_after"][0])


def test_read_back_and_parsed_publish_the_same_files(
    second_runs: dict[str, tuple[Path, str]],
) -> None:
    read_back, parsed = second_runs["read_back"][0], second_runs["parsed"][0]
    assert read_back.name == parsed.name  # reuse_cache is not part of the config digest
    assert files(read_back) == files(parsed)
    assert byte_differences(read_back, parsed) == []
    assert clock_free_differences(read_back, parsed, run_keys=("reuse_cache",)) == []
