"""Per-kommune products on every core: ``work(state, item)`` over items, in order.

:meth:`WorkerPool.map_ordered` runs ``work(state, item)`` for each item and returns the results
in the items' order. With one worker it runs in this process; otherwise in a pool of
``workers`` processes started with ``spawn`` (safe beside threads, the same on every OS). Each
process builds ``state = make_state(*state_args)`` once and keeps it for later items with the
same ``(make_state, state_args)``, so what every item shares (a publication's tables, a
cost-curve figure) is read once per process, not per item. Both paths run the same ``work`` on
the same items: the outputs are the same bytes.

One pool serves a whole publish stage (hillshades, kommune maps, briefs), so the processes
start (and import folium & co., seconds each) once; :meth:`WorkerPool.warm_up` starts them
early, while this process writes the tables. At most ``2 × workers`` items are in flight, so
the items (a kommune's slice of the tables) need not all be in memory at once. ``done(1)`` is
called as each result arrives (progress). ``work`` and ``make_state`` must be importable
module-level functions or classes, ``state_args`` hashable.

:class:`Pool` is what the products ask of a pool (``workers``, ``warm_up``, ``map_ordered``):
this process pool, or :class:`pipeline.executor.DaskPool` on a Dask cluster, which runs the same
:func:`run_item` in its workers.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Hashable, Iterable
from concurrent.futures import Future, ProcessPoolExecutor
from types import TracebackType
from typing import Any, Protocol, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")

_STATES: dict[tuple[Any, tuple[Hashable, ...]], Any] = {}  # a worker's states, by how built
_STATES_LOCK = threading.Lock()  # a Dask worker may run items on several threads


class Pool(Protocol):
    """What the per-kommune products ask of a pool: :class:`WorkerPool` or
    :class:`pipeline.executor.DaskPool`."""

    @property
    def workers(self) -> int:
        """How many items run at once (processes or threads)."""
        ...

    def warm_up(self) -> None:
        """Start the workers now, while this process does other work."""

    def map_ordered(
        self,
        work: Callable[[Any, Item], Result],
        items: Iterable[Item],
        *,
        make_state: Callable[..., Any],
        state_args: tuple[Hashable, ...] = (),
        done: Callable[[int], None] | None = None,
    ) -> list[Result]:
        """``[work(state, item) for item in items]``, in the items' order."""
        ...


def run_item(
    work: Callable[[Any, Any], Any],
    make_state: Callable[..., Any],
    state_args: tuple[Hashable, ...],
    item: Any,
) -> Any:
    """``work(state, item)`` with this process's state for ``(make_state, state_args)``, made
    on first use and kept (module global) for the later items of this worker."""
    key = (make_state, state_args)
    with _STATES_LOCK:
        if key not in _STATES:
            _STATES[key] = make_state(*state_args)
        state = _STATES[key]
    return work(state, item)


def forget_states() -> int:
    """Drop this process's states (a long-lived Dask worker after a run); how many."""
    with _STATES_LOCK:
        count = len(_STATES)
        _STATES.clear()
    return count


def _exit_with_parent(parent_pid: int) -> None:
    """A worker's initializer: a daemon thread ends the worker when its parent is gone (a
    killed run must leave no process behind holding its pipes)."""

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, daemon=True).start()


def _nothing() -> None:
    """The task that makes a worker start (and import this module)."""


class WorkerPool:
    """``workers`` spawned processes (none when one), started on first use and stopped at the
    end of the ``with`` block; an exception in ``work`` is raised in this process."""

    def __init__(self, workers: int) -> None:
        self.workers = max(int(workers), 1)
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:
            context = multiprocessing.get_context("spawn")
            self._pool = ProcessPoolExecutor(
                max_workers=self.workers,
                mp_context=context,
                initializer=_exit_with_parent,
                initargs=(os.getpid(),),
            )
        return self._pool

    def warm_up(self) -> None:
        """Start the processes now (without waiting for them), when there is more than one."""
        if self.workers > 1:
            pool = self._executor()
            for _ in range(self.workers):
                pool.submit(_nothing)

    def map_ordered(
        self,
        work: Callable[[Any, Item], Result],
        items: Iterable[Item],
        *,
        make_state: Callable[..., Any],
        state_args: tuple[Hashable, ...] = (),
        done: Callable[[int], None] | None = None,
    ) -> list[Result]:
        """``[work(state, item) for item in items]`` (module docstring); here, without starting a
        process, when there is one worker or at most one item (a kommune preview's map)."""
        items = iter(items)
        first = list(itertools.islice(items, 2))
        items = itertools.chain(first, items)
        if self.workers <= 1 or (len(first) < 2 and self._pool is None):
            state = make_state(*state_args)
            results = []
            for item in items:
                results.append(work(state, item))
                if done is not None:
                    done(1)
            return results
        pool = self._executor()
        pending: deque[Future[Result]] = deque()
        results = []
        for item in items:
            pending.append(pool.submit(run_item, work, make_state, state_args, item))
            if len(pending) >= 2 * self.workers:
                results.append(pending.popleft().result())
                if done is not None:
                    done(1)
        while pending:
            results.append(pending.popleft().result())
            if done is not None:
                done(1)
        return results
