"""pipeline/executor.py: the per-kommune work on the local process pool or on a Dask cluster.

The unit tests use one in-process Dask cluster of two one-thread workers (``processes=False``:
fast, and the workers' module globals are this process's); the end-to-end comparison with real
worker processes is tests/e2e/test_executor_dask.py.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from distributed import LocalCluster
from typer.testing import CliRunner

from layers.errors import ConfigError
from maps import worker_pool
from maps.worker_pool import WorkerPool
from pipeline.cli import app
from pipeline.config import RunSettings
from pipeline.executor import DaskPool, open_executor

BUILT: list[tuple[int, ...]] = []  # the states made, by their arguments


class Offset:
    """A state that is costly to make: counted in :data:`BUILT` each time it is made."""

    def __init__(self, offset: int) -> None:
        self.offset = offset
        BUILT.append((offset,))


def add_offset(state: Offset, item: int) -> tuple[int, int]:
    """``item + offset`` (a negative item is refused) and the state's id."""
    if item < 0:
        msg = f"item {item}: got a negative number, expected >= 0"
        raise ValueError(msg)
    time.sleep(0.002 * (item % 3))  # later items may finish first
    return item + state.offset, id(state)


def slow_identity(state: Offset, item: int) -> int:
    time.sleep(0.03)
    return item


def _in_process_cluster(workers: int) -> LocalCluster:
    """``workers`` one-thread workers in this process; HTTP on a free port (not 8787)."""
    return LocalCluster(
        n_workers=workers,
        threads_per_worker=1,
        processes=False,
        dashboard_address=None,
        scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
    )


@pytest.fixture(scope="module")
def scheduler() -> Iterator[str]:
    """The address of an in-process cluster of two workers of one thread each."""
    with _in_process_cluster(2) as cluster:
        yield cluster.scheduler_address


def _closed_port_address() -> str:
    """A tcp address on this machine where nothing listens."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"tcp://127.0.0.1:{port}"


def test_open_executor_gives_the_pool_the_run_asks_for() -> None:
    with open_executor(RunSettings(workers=3)) as local:
        assert isinstance(local, WorkerPool) and local.workers == 3
    dask_settings = RunSettings(workers=2, executor="dask", scheduler="tcp://10.0.0.5:8786")
    dask = open_executor(dask_settings)
    assert isinstance(dask, DaskPool)
    assert (dask.scheduler, dask.local_workers, dask.timeout_s) == ("tcp://10.0.0.5:8786", 2, 10.0)


def test_results_come_in_the_items_order_with_done_per_item(scheduler: str) -> None:
    counted: list[int] = []
    with DaskPool(2, scheduler) as pool:
        assert pool.workers == 2  # the cluster's worker threads
        results = pool.map_ordered(
            add_offset, range(12), make_state=Offset, state_args=(100,), done=counted.append
        )
    assert [value for value, _ in results] == list(range(100, 112))
    assert counted == [1] * 12


def test_at_most_twice_the_worker_threads_are_in_flight(scheduler: str) -> None:
    counted: list[int] = []
    in_flight: list[int] = []  # items handed out and not yet back, as each item is taken

    def items() -> Iterator[int]:
        for number in range(20):
            in_flight.append(number - len(counted))
            yield number

    with DaskPool(2, scheduler) as pool:
        results = pool.map_ordered(
            slow_identity, items(), make_state=Offset, state_args=(0,), done=counted.append
        )
    assert results == list(range(20))
    # the fifth item is taken only when the first is back: 2 workers × 2 = 4 in flight at most
    assert max(in_flight) == 3 and in_flight[:5] == [0, 1, 2, 3, 3]


def test_an_error_in_work_is_raised_here_as_itself(scheduler: str) -> None:
    with (
        DaskPool(2, scheduler) as pool,
        pytest.raises(ValueError, match=r"item -1: got a negative number, expected >= 0"),
    ):
        pool.map_ordered(add_offset, [1, 2, -1, 3, 4, 5], make_state=Offset, state_args=(0,))


def test_a_state_is_made_once_per_worker_process_kept_then_forgotten(scheduler: str) -> None:
    BUILT.clear()
    worker_pool.forget_states()  # what an earlier test left in this (pytest worker) process
    with DaskPool(2, scheduler) as pool:
        first = pool.map_ordered(add_offset, range(8), make_state=Offset, state_args=(7,))
        again = pool.map_ordered(add_offset, range(4), make_state=Offset, state_args=(7,))
        other = pool.map_ordered(add_offset, range(4), make_state=Offset, state_args=(9,))
        assert len(worker_pool._STATES) == 2  # both workers live in this process here
    # one process: one state per (make_state, state_args), shared by its threads and reused
    assert BUILT == [(7,), (9,)]
    assert len({state for _, state in first + again}) == 1
    assert [value for value, _ in other] == [9, 10, 11, 12]
    assert worker_pool._STATES == {}  # dropped on the workers when the pool closed


def test_a_scheduler_that_does_not_answer_is_one_config_error() -> None:
    address = _closed_port_address()
    started = time.monotonic()
    with DaskPool(2, address, timeout_s=1.0) as pool:
        pool.warm_up()  # tries in a thread: no waiting here; the error is raised at first use
        assert time.monotonic() - started < 0.5
        with pytest.raises(ConfigError) as raised:
            pool.map_ordered(add_offset, [1], make_state=Offset, state_args=(0,))
    assert str(raised.value).startswith(
        f"[run].scheduler: got '{address}', but no Dask scheduler answered there within 1 s"
    )
    assert time.monotonic() - started < 15


def test_a_scheduler_without_workers_is_one_config_error() -> None:
    with (
        _in_process_cluster(0) as empty,
        DaskPool(2, empty.scheduler_address, timeout_s=1.0) as pool,
        pytest.raises(ConfigError) as raised,
    ):
        pool.map_ordered(add_offset, [1], make_state=Offset, state_args=(0,))
    assert f"the scheduler at '{empty.scheduler_address}' got no worker within 1 s" in str(
        raised.value
    )


def test_gapmap_run_with_no_scheduler_there_is_one_line_exit_2(tiny_region: Path) -> None:
    address = _closed_port_address()
    text = tiny_region.read_text(encoding="utf-8")
    run = f'[run]\nexecutor = "dask"\nscheduler = "{address}"\nscheduler_timeout_s = 1\n'
    tiny_region.write_text(text.replace("[run]\n", run, 1), encoding="utf-8")
    result = CliRunner().invoke(app, ["run", "--config", str(tiny_region), "--progress", "off"])
    assert result.exit_code == 2, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert lines[-1].startswith("error: ") and "Traceback" not in result.output
    assert f"[run].scheduler: got '{address}', but no Dask scheduler answered" in lines[-1]
    assert not (tiny_region.parent / "out" / "current").exists()  # nothing published
