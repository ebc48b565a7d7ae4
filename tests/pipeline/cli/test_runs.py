"""pipeline/cli/runs.py: ``gapmap run``, ``demo`` and ``runs`` as a user runs them."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from layers.errors import InternalError
from pipeline.cli import app

runner = CliRunner()
CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f]")  # anything but a newline


@pytest.mark.parametrize("command", [[], ["run"], ["demo"], ["runs"]])
def test_every_command_has_help(command: list[str]) -> None:
    result = runner.invoke(app, [*command, "--help"])
    assert result.exit_code == 0 and "Usage" in result.output


def test_run_prints_stages_summary_and_paths(tiny_region: Path) -> None:
    config = tiny_region
    result = runner.invoke(app, ["run", "--config", str(config)])
    assert result.exit_code == 0, result.output
    for stage in (
        "ingest",
        "locate",
        "terrain",
        "coverage",
        "classify",
        "cost",
        "aggregate",
        "publish",
    ):
        assert f"✓ {stage}" in result.output
    assert "Fylke 99" in result.output and "Totalt" in result.output
    assert "Vestvik" not in result.output  # the kommuner are in the gap tables
    assert "Alle 2 kommuner: tables/gap_table.csv (.xlsx)" in result.output
    assert "index.html" in result.output
    # not a terminal: plain progress lines, one per counted loop at least, no control codes
    for line in ("kommune maps: 2/2 kommuner (100 %)", "briefs: 2/2 kommuner (100 %)"):
        assert line in result.output
    assert not CONTROL.search(result.output)
    listed = runner.invoke(app, ["runs", "--config", str(config)])
    assert "succeeded" in listed.output


def test_the_closing_summary_fits_80_columns(tiny_region: Path) -> None:
    """Fylker and the total, the layer counts and the paths within 80 columns, but the one
    line that is the output folder's own path."""
    out = tiny_region.parent / "out"
    result = runner.invoke(
        app, ["run", "--config", str(tiny_region), "--progress", "off"], env={"COLUMNS": "80"}
    )
    assert result.exit_code == 0, result.output
    summary = result.output[result.output.index("Husstander per fylke") :]
    lines = [line for line in summary.splitlines() if str(out) not in line]
    assert len(lines) > 12
    too_wide = [line for line in lines if len(line.rstrip()) > 80]
    assert too_wide == [], "\n".join(too_wide)
    assert "…" not in summary  # no figure cut short ("291 8…")


def test_a_bad_progress_mode_is_one_line_exit_2(tiny_region: Path) -> None:
    result = runner.invoke(app, ["run", "--config", str(tiny_region), "--progress", "loud"])
    assert result.exit_code == 2
    assert "--progress: got 'loud', expected one of auto, bar, plain, off" in result.output


def _with_run_settings(config: Path, lines: str) -> Path:
    """A copy of ``config`` beside it whose ``[run]`` section is ``lines``."""
    text = config.read_text(encoding="utf-8")
    start = text.index("[run]")
    end = text.index("\n[", start + 1)
    changed = config.with_name("changed.toml")
    changed.write_text(text[:start] + "[run]\n" + lines + text[end:], encoding="utf-8")
    return changed


def _one_error_line(output: str) -> str:
    """The one ``error:`` line, the last of the output (stage lines may come before it)."""
    lines = [line for line in output.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("error: ")]
    assert errors == lines[-1:], output
    assert "Traceback" not in output
    return errors[0]


def test_a_config_that_is_not_utf8_is_one_line_exit_2(tmp_path: Path) -> None:
    config = tmp_path / "latin1.toml"
    config.write_bytes('[run]\nname = "Trøndelag"\n'.encode("latin-1"))
    result = runner.invoke(app, ["run", "--config", str(config)])
    assert result.exit_code == 2
    assert "line 2: byte 0xf8 is not UTF-8" in _one_error_line(result.output)


def test_a_file_where_the_output_folder_should_be_is_exit_73(tiny_region: Path) -> None:
    blocker = tiny_region.parent / "blocker"
    blocker.write_text("not a folder", encoding="utf-8")
    config = _with_run_settings(tiny_region, f'output_dir = "{blocker}/out"\n')
    result = runner.invoke(app, ["run", "--config", str(config)])
    assert result.exit_code == 73
    line = _one_error_line(result.output)
    assert f"{blocker}/out: cannot write the run's output there" in line


def test_a_store_that_is_not_a_duckdb_file_is_exit_65(tiny_region: Path) -> None:
    junk = tiny_region.parent / "junk.duckdb"
    junk.write_bytes(b"\x00gapmap? no" * 500)
    config = _with_run_settings(
        tiny_region, f'output_dir = "{tiny_region.parent}/out"\nstore_path = "{junk}"\n'
    )
    result = runner.invoke(app, ["run", "--config", str(config)])
    assert result.exit_code == 65
    assert "cannot be opened as a gapmap store" in _one_error_line(result.output)
    assert junk.read_bytes() == b"\x00gapmap? no" * 500  # left as it was


def test_a_store_held_by_another_run_is_exit_75_and_then_works(tiny_region: Path) -> None:
    store_path = tiny_region.parent / "out" / "gapmap.duckdb"
    store_path.parent.mkdir(parents=True, exist_ok=True)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('held', flush=True);"
            " time.sleep(60)",
            str(store_path),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        result = runner.invoke(app, ["run", "--config", str(tiny_region)])
        assert result.exit_code == 75
        assert "the store is in use by another gapmap process" in _one_error_line(result.output)
    finally:
        holder.kill()
        holder.wait()
    assert runner.invoke(app, ["run", "--config", str(tiny_region)]).exit_code == 0


def test_a_bug_is_one_line_exit_70_and_debug_shows_the_traceback(
    tiny_region: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def bug(*args: object, **kwargs: object) -> None:
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr("pipeline.aggregate.aggregate_stage", bug)
    result = runner.invoke(app, ["run", "--config", str(tiny_region)])
    assert result.exit_code == 70
    line = _one_error_line(result.output)
    assert "internal error ZeroDivisionError" in line and "--debug" in line
    debug = runner.invoke(app, ["--debug", "run", "--config", str(tiny_region)])
    assert debug.exit_code == 1
    assert isinstance(debug.exception, InternalError)
    assert isinstance(debug.exception.__cause__, ZeroDivisionError)


def test_runs_prune_keeps_the_newest_publications(tiny_region: Path) -> None:
    for _ in range(3):
        assert runner.invoke(app, ["run", "--config", str(tiny_region)]).exit_code == 0
    runs_dir = tiny_region.parent / "out" / "runs"
    (runs_dir / "20250101T000000000000Z-deadbeef.failed").mkdir()
    result = runner.invoke(app, ["runs", "--config", str(tiny_region), "--prune", "--keep", "1"])
    assert result.exit_code == 0, result.output
    assert "Removed 3 run folders" in result.output
    left = [p.name for p in runs_dir.iterdir()]
    assert left == [(tiny_region.parent / "out" / "current").resolve().name]
    listed = runner.invoke(app, ["runs", "--config", str(tiny_region)])
    assert listed.output.count("succeeded") == 3  # the history stays


def _with_freshness(config: Path, lines: str) -> Path:
    """``config`` with a ``[freshness]`` section of ``lines`` appended (the same file)."""
    with config.open("a", encoding="utf-8") as handle:
        handle.write("\n[freshness]\n" + lines)
    return config


def _statuses(store_path: Path) -> list[tuple[str, str, str | None]]:
    with duckdb.connect(str(store_path), read_only=True) as connection:
        rows = connection.execute("SELECT run_id, status, message FROM runs ORDER BY started_at")
        return [(str(r), str(s), m) for r, s, m in rows.fetchall()]


def test_last_months_inputs_again_refuse_the_run_with_exit_79(tiny_region: Path) -> None:
    config = _with_freshness(tiny_region, 'monthly_inputs = ["offers"]\n')
    assert runner.invoke(app, ["run", "--config", str(config)]).exit_code == 0
    current = (tiny_region.parent / "out" / "current").resolve()
    refused = runner.invoke(app, ["run", "--config", str(config)])
    assert refused.exit_code == 79
    line = _one_error_line(refused.output)
    offers = tiny_region.parent / "dekning.csv"
    assert f"refused to publish: [inputs].offers ({offers}) is identical to the last" in line
    assert "✓ ingest" not in refused.output  # refused before the heavy work
    (first, _, _), (second, status, message) = _statuses(tiny_region.parent / "out/gapmap.duckdb")
    assert status == "failed" and message is not None
    assert message.startswith(f"run {second}: refused to publish: [inputs].offers (")
    assert f"last succeeded run {first}'s" in message
    assert (tiny_region.parent / "out" / "current").resolve() == current
    assert [p.name for p in (tiny_region.parent / "out" / "runs").iterdir()] == [first]
    listed = runner.invoke(app, ["runs", "--config", str(config)])
    assert "[inputs]" in listed.output  # the message, not swallowed as markup

    offers.write_text(offers.read_text(encoding="utf-8") + "1016,Ny,fiber,1000,1000\n")
    assert runner.invoke(app, ["run", "--config", str(config)]).exit_code == 0  # a new month


def test_allow_stale_publishes_and_records_why(tiny_region: Path) -> None:
    config = _with_freshness(tiny_region, 'monthly_inputs = ["offers", "addresses"]\n')
    assert runner.invoke(app, ["run", "--config", str(config)]).exit_code == 0
    allowed = runner.invoke(app, ["run", "--config", str(config), "--allow-stale"])
    assert allowed.exit_code == 0, allowed.output
    assert "stale inputs, going on:" in allowed.output
    last = _statuses(tiny_region.parent / "out/gapmap.duckdb")[-1]
    assert last[1] == "succeeded" and last[2] is not None
    assert last[2].startswith("published with stale inputs: [inputs].offers (")
    assert (tiny_region.parent / "out" / "current").resolve().name == last[0]


def test_an_input_older_than_max_age_days_refuses_the_first_run(tiny_region: Path) -> None:
    config = _with_freshness(tiny_region, 'monthly_inputs = ["addresses"]\nmax_age_days = 45\n')
    addresses = tiny_region.parent / "adresser.csv"
    old = time.time() - 50 * 86_400
    os.utime(addresses, (old, old))
    refused = runner.invoke(app, ["run", "--config", str(config)])
    assert refused.exit_code == 79
    line = _one_error_line(refused.output)
    assert f"[inputs].addresses ({addresses}) holds data of " in line
    assert ", 50 days old; expected at most 45 days ([freshness].max_age_days)" in line
    assert not (tiny_region.parent / "out" / "current").exists()
    with config.open("a", encoding="utf-8") as handle:
        handle.write("allow_stale = true\n")
    assert runner.invoke(app, ["run", "--config", str(config)]).exit_code == 0
