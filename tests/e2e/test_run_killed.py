"""A run killed with SIGKILL inside each stage, then the next run: nothing is left behind.

The run is a real ``run_pipeline`` in a child process; the stage's function is replaced there by
one that sends the process SIGKILL, so the kill lands inside that stage (for ``store``, in the
middle of its appends; for ``finish``, after ``current`` moved but before the run recorded its
end). The next run, in this process, must find: no run left ``running``, every run folder either
a succeeded run's or set aside, ``current`` intact, and the store readable.
"""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from rich.console import Console
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.config import load_config
from pipeline.run import run_pipeline

KILLER = """
import os, signal, sys
from pathlib import Path
from rich.console import Console
import pipeline.{module} as target
from pipeline.config import load_config
from pipeline.run import run_pipeline

real = target.{name}
calls = []

def killed(*args, **kwargs):
    calls.append(args)
    if len(calls) >= {after_calls} and {condition}:
        os.kill(os.getpid(), signal.SIGKILL)
    return real(*args, **kwargs)

target.{name} = killed
run_pipeline(load_config(Path(sys.argv[1])), Console(quiet=True))
"""
# stage: (module, function, how many calls before the kill, a condition on the call's args)
runner = CliRunner()
KILL_POINTS = {
    "ingest": ("ingest", "ingest", 1, "True"),
    "locate": ("locate", "locate_stage", 1, "True"),
    "wireless": ("wireless", "wireless_stage", 1, "True"),
    "cost": ("cost", "cost_stage", 1, "True"),
    "reasons": ("reasons", "reasons_per_address", 1, "True"),
    "store": ("store", "append", 3, "True"),  # after the kommuner, fylker and addresses rows
    "aggregate": ("aggregate", "aggregate_stage", 1, "True"),
    "changes": ("changes", "changes_stage", 1, "True"),  # the store holds the run's rows
    "publish": ("publish", "_write_map_products", 1, "True"),  # the tables are written
    "finish": ("store", "finish_run", 1, "args[2] == 'succeeded'"),  # current already moved
}


def _kill_a_run(config: Path, stage: str) -> None:
    module, name, after_calls, condition = KILL_POINTS[stage]
    script = KILLER.format(module=module, name=name, after_calls=after_calls, condition=condition)
    done = subprocess.run(
        [sys.executable, "-c", script, str(config)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == -signal.SIGKILL, done.stderr


def _statuses(store_path: Path) -> dict[str, str]:
    with duckdb.connect(str(store_path), read_only=True) as connection:
        return dict(connection.execute("SELECT run_id, status FROM runs").fetchall())


@pytest.mark.parametrize("stage", sorted(KILL_POINTS))
def test_the_run_after_a_killed_one_leaves_nothing_behind(tiny_region: Path, stage: str) -> None:
    config = load_config(tiny_region)
    first = run_pipeline(config, Console(quiet=True))
    _kill_a_run(tiny_region, stage)
    killed = next(r for r, s in _statuses(config.store_path).items() if s == "running")
    published = (config.run.output_dir / "current").resolve()
    if stage == "finish":  # it published before it died
        assert published.name == killed
    else:
        assert published == first.published
    after = run_pipeline(config, Console(quiet=True))
    statuses = _statuses(config.store_path)
    assert "running" not in statuses.values()
    assert statuses[killed] == ("succeeded" if stage == "finish" else "aborted")
    assert statuses[after.run_id] == "succeeded"
    folders = {p.name for p in (config.run.output_dir / "runs").iterdir()}
    succeeded = {run for run, status in statuses.items() if status == "succeeded"}
    assert folders - succeeded <= {f"{killed}.aborted"}
    assert all(
        (config.run.output_dir / "runs" / run / "manifest.json").is_file() for run in succeeded
    )
    assert (config.run.output_dir / "current").resolve() == after.published
    with duckdb.connect(str(config.store_path), read_only=True) as connection:
        leaked = connection.execute(
            "SELECT count(*) FROM addresses WHERE run_id = ?", [killed]
        ).fetchone()
    assert leaked == ((18,) if stage == "finish" else (0,))


def test_gapmap_runs_shows_the_aborted_run_and_no_table_keeps_its_rows(tiny_region: Path) -> None:
    config = load_config(tiny_region)
    assert runner.invoke(app, ["run", "--config", str(tiny_region)]).exit_code == 0
    _kill_a_run(tiny_region, "aggregate")  # its addresses, classes and counts are stored
    killed = next(r for r, s in _statuses(config.store_path).items() if s == "running")
    with duckdb.connect(str(config.store_path), read_only=True) as connection:
        stored = connection.execute("SELECT count(*) FROM addresses WHERE run_id = ?", [killed])
        assert stored.fetchone() == (18,)
    assert runner.invoke(app, ["run", "--config", str(tiny_region)]).exit_code == 0
    listed = runner.invoke(app, ["runs", "--config", str(tiny_region)])
    assert listed.exit_code == 0
    assert listed.output.count("│ aborted ") == 1 and listed.output.count("│ succeeded ") == 2
    assert _statuses(config.store_path)[killed] == "aborted"
    with duckdb.connect(str(config.store_path), read_only=True) as connection:
        tables = connection.execute(
            "SELECT table_name FROM information_schema.columns WHERE column_name = 'run_id'"
            " AND table_name <> 'runs'"
        ).fetchall()
        left = {
            table: connection.execute(
                f"SELECT count(*) FROM {table} WHERE run_id = ?", [killed]
            ).fetchone()
            for (table,) in tables
        }
    assert len(left) >= 5 and set(left.values()) == {(0,)}
    assert (config.run.output_dir / "runs" / f"{killed}.aborted").is_dir() or not any(
        p.name.startswith(killed) for p in (config.run.output_dir / "runs").iterdir()
    )
