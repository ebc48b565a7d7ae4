"""pipeline/store.py: one DuckDB file keyed by run; older stores migrate, a run's rows go alone."""

from __future__ import annotations

from pathlib import Path

import pytest

from layers.errors import RunError
from pipeline import store
from pipeline.aggregate import aggregate_run, gap_table
from tests.fixtures import HAND_RUN_TARGETS, store_hand_run


def test_discard_run_rows_keeps_other_runs(hand_store) -> None:
    store.discard_run_rows(hand_store, "r2")
    left = hand_store.execute("SELECT DISTINCT run_id FROM addresses").fetchall()
    assert left == [("r1",)]


def test_an_older_store_is_migrated_and_keeps_its_history(tmp_path: Path) -> None:
    path = tmp_path / "old.duckdb"
    with store.open_store(path) as connection:
        store_hand_run(connection, "old")
        # what an older gapmap wrote: no wireless column, no fylker table
        connection.execute("ALTER TABLE gap_summary DROP COLUMN wireless_reachable_households")
        connection.execute("DROP TABLE fylker")
    with store.open_store(path) as connection:
        columns = [r[0] for r in connection.execute("DESCRIBE gap_summary").fetchall()]
        assert "wireless_reachable_households" in columns
        assert connection.execute("SELECT count(*) FROM fylker").fetchone() == (0,)
        assert connection.execute(
            "SELECT count(*) FROM addresses WHERE run_id = 'old'"
        ).fetchone() == (5,)
        store_hand_run(connection, "new")
        aggregate_run(connection, "new", "gigabit2030")
        assert gap_table(connection, "new", HAND_RUN_TARGETS)["households"].iloc[-1] == 11


def test_a_column_of_another_type_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "odd.duckdb"
    with store.open_store(path) as connection:
        connection.execute("ALTER TABLE runs ALTER COLUMN message TYPE INTEGER")
    expected = r"runs\.message has type INTEGER, expected VARCHAR"
    with pytest.raises(RunError, match=expected), store.open_store(path):
        pass
