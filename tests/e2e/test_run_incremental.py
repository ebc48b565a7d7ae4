"""Issue 11 point 4, "Done when": an incremental refresh publishes what a full run publishes.

Month 1 is the demo, run once. Month 2 changes one kommune's inputs by hand: three addresses of
9902 move 40 m east. Month 2 then runs twice from copies of month 1's output folder (its store,
its hillshades and its reach cache), under the same clock:

- **incremental**: ``[run] reuse_cache = true`` (the default): kommuner whose points and nearby
  sites did not change read their line of sight back from month 1
  (:mod:`pipeline.radio.reach_cache`), and their maps and briefs reuse the encoded address
  layers and pictures (:mod:`maps.piece_cache`);
- **full**: ``reuse_cache = false``: every kommune computed again.

Every published file is compared (:mod:`tests.e2e.published_files`): tables, maps, pages and
briefs byte for byte, workbooks, GeoPackage and manifest but for the clock and the
``reuse_cache`` key itself.
"""

from __future__ import annotations

import dataclasses
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from rich.console import Console

from pipeline.config import Config, load_config
from pipeline.products.pieces import PIECE_CACHE
from pipeline.radio.reach_cache import REACH_CACHE
from pipeline.run import run_pipeline
from pipeline.synthetic.demo import prepare_demo
from tests.e2e.published_files import byte_differences, clock_free_differences, files, fixed_clock

MONTHS = {
    1: (datetime(2026, 11, 2, 5, 0, tzinfo=UTC), "20261102T050000000000Z"),
    2: (datetime(2026, 12, 7, 5, 0, tzinfo=UTC), "20261207T050000000000Z"),
}
CHANGED_KOMMUNE = "9902"


def _run(config: Config, out: Path, month: int, *, reuse_cache: bool) -> Path:
    """One run of ``config`` into ``out`` under month ``month``'s clock; its run folder."""
    run = dataclasses.replace(
        config.run, output_dir=out, store_path=None, workers=2, reuse_cache=reuse_cache
    )
    with pytest.MonkeyPatch.context() as patch:
        fixed_clock(patch, *MONTHS[month])
        result = run_pipeline(
            dataclasses.replace(config, run=run), Console(quiet=True), allow_stale=True
        )
    return out / "runs" / result.run_id


def _move_addresses(config: Config) -> list[str]:
    """Move three of 9902's addresses 40 m east (the file keeps its BOM and line ends); the
    ids of the addresses moved."""
    path = config.inputs.addresses
    lines = path.read_text(encoding="utf-8-sig").splitlines(keepends=True)
    header = lines[0].rstrip("\r\n").split(";")
    knr, east = header.index("kommunenummer"), header.index("Øst")
    moved: list[str] = []
    for i, line in enumerate(lines[1:], start=1):
        fields = line.rstrip("\r\n").split(";")
        if fields[knr] == CHANGED_KOMMUNE and len(moved) < 3:
            fields[east] = f"{float(fields[east]) + 40:.2f}"
            lines[i] = ";".join(fields) + line[len(line.rstrip("\r\n")) :]
            moved.append(fields[0])
    path.write_text("\ufeff" + "".join(lines), encoding="utf-8")
    return moved


@pytest.fixture(scope="module")
def month_two(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Month 2's run folder by way of running, and the cache folders after month 1 and 2."""
    base = tmp_path_factory.mktemp("incremental")
    config = load_config(prepare_demo(base))
    first = base / "first"
    _run(config, first, 1, reuse_cache=True)
    assert len(_move_addresses(config)) == 3
    folders = {"cache_month_1": base / "cache_month_1"}
    shutil.copytree(first / "cache" / REACH_CACHE, folders["cache_month_1"])
    shutil.copytree(first / "cache" / PIECE_CACHE, base / "pieces_month_1")
    out = base / "out"  # both month-2 runs in the same folder: it is part of the digest
    for way, reuse in (("incremental", True), ("full", False)):
        shutil.copytree(first, out, symlinks=True)
        run_id = _run(config, out, 2, reuse_cache=reuse).name
        folders[way] = out.rename(base / way) / "runs" / run_id
    folders["cache_month_2"] = base / "incremental" / "cache" / REACH_CACHE
    folders["pieces_month_1"] = base / "pieces_month_1"
    folders["pieces_month_2"] = base / "incremental" / "cache" / PIECE_CACHE
    return folders


def test_the_refresh_read_back_most_kommuner_and_computed_the_changed_ones(
    month_two: dict[str, Path],
) -> None:
    before = set(files(month_two["cache_month_1"]))
    after = set(files(month_two["cache_month_2"]))
    computed, read_back = after - before, after & before
    assert len(computed) >= 1  # 9902's addresses moved: its tables were made again
    assert len(read_back) > len(computed)  # the kommuner nothing touched were read back
    assert before - after  # month 1's tables of the changed kommuner were pruned


def test_the_refresh_reused_the_page_pieces_of_the_kommuner_nothing_changed(
    month_two: dict[str, Path],
) -> None:
    before = set(files(month_two["pieces_month_1"]))
    after = set(files(month_two["pieces_month_2"]))
    made, reused = after - before, after & before
    address_layers = {name for name in made if name.startswith("addresses-")}
    assert len(address_layers) == 1  # 9902's address layer, encoded again
    assert len([name for name in reused if name.startswith("addresses-")]) >= 4
    assert before - after  # month 1's pieces of 9902 were pruned


def test_incremental_and_full_publish_the_same_files(month_two: dict[str, Path]) -> None:
    incremental, full = month_two["incremental"], month_two["full"]
    assert incremental.name == full.name  # reuse_cache is not part of the config digest
    assert files(incremental) == files(full)
    assert byte_differences(incremental, full) == []
    assert clock_free_differences(incremental, full, run_keys=("reuse_cache",)) == []
