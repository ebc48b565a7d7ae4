"""maps/worker_pool.py: the same results in the same order, in this process or in several."""

from __future__ import annotations

import os

import pytest

from maps.worker_pool import WorkerPool


class Offset:
    """A state that is costly to make: made once per process, counted in the result."""

    def __init__(self, offset: int) -> None:
        self.offset = offset
        self.pid = os.getpid()


def add_offset(state: Offset, item: int) -> tuple[int, int, int]:
    if item < 0:
        msg = f"item {item}: got a negative number, expected >= 0"
        raise ValueError(msg)
    return item + state.offset, state.pid, id(state)


def test_two_workers_give_the_serial_results_in_order_and_make_state_once_each() -> None:
    items = list(range(12))
    counted: list[int] = []
    with WorkerPool(1) as pool:
        serial = pool.map_ordered(add_offset, items, make_state=Offset, state_args=(100,))
    with WorkerPool(2) as pool:
        pool.warm_up()
        parallel = pool.map_ordered(
            add_offset, items, make_state=Offset, state_args=(100,), done=counted.append
        )
        again = pool.map_ordered(add_offset, [1], make_state=Offset, state_args=(100,))
    assert [r[0] for r in serial] == [r[0] for r in parallel] == list(range(100, 112))
    assert {r[1] for r in serial} == {os.getpid()}
    assert os.getpid() not in {r[1] for r in parallel}
    # one state per worker process, kept for the next map with the same state
    states = {(pid, state) for _, pid, state in parallel}
    assert len(states) == len({pid for _, pid, _ in parallel}) <= 2
    assert (again[0][1], again[0][2]) in states
    assert counted == [1] * 12


def test_an_error_in_a_worker_is_raised_here() -> None:
    with (
        WorkerPool(2) as pool,
        pytest.raises(ValueError, match=r"item -1: got a negative number, expected >= 0"),
    ):
        pool.map_ordered(add_offset, [1, -1, 2], make_state=Offset, state_args=(0,))
