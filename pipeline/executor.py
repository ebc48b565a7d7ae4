"""One executor for the per-kommune work: this machine's processes, or a Dask cluster.

:func:`open_executor` reads ``[run] executor``:

- ``"local"`` (the default): :class:`maps.worker_pool.WorkerPool`, ``workers`` spawned
  processes on this machine;
- ``"dask"``: :class:`DaskPool` on dask.distributed, either the scheduler at ``[run] scheduler``
  or, when that is empty, a ``LocalCluster`` of ``workers`` processes of one thread each,
  started for the run and closed at its end.

Both are context managers with the :class:`maps.worker_pool.Pool` interface (``workers``,
``warm_up``, ``map_ordered``) and run the same :func:`maps.worker_pool.run_item` on the same
items: the files they write are the same bytes. Each Dask worker process keeps the state of
``(make_state, state_args)`` for its later items (a module global, as in the process pool), and
drops it when the pool closes, so a long-lived cluster does not keep one run's tables into the
next. At most ``2 × workers`` items (all the cluster's worker threads) are in flight, so the
kommune slices are not all in memory at once; results come back in the items' order,
``done(1)`` each; an exception in ``work`` is raised here as itself.

The work writes into the run folder: a remote cluster's workers must see the driver's file
system at the same paths (README, "Running on a cluster").
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable, Hashable, Iterable
from contextlib import AbstractContextManager, suppress
from importlib import metadata
from types import TracebackType
from typing import Any, TypeVar

from layers.errors import ConfigError
from maps.worker_pool import Pool, WorkerPool, forget_states, run_item
from pipeline.config_schema import DASK_INSTALL, RunSettings

# dask.distributed's Client, Future and LocalCluster: imported only when used, and typed Any
# (many of their methods carry no annotations for mypy --strict)
Client = Any
LocalCluster = Any
Item = TypeVar("Item")
Result = TypeVar("Result")


def open_executor(run: RunSettings) -> AbstractContextManager[Pool]:
    """The pool ``[run]`` asks for (module docstring); use it as ``with open_executor(...) as
    pool``."""
    if run.executor == "dask":
        return DaskPool(run.worker_count, run.scheduler, run.scheduler_timeout_s)
    return WorkerPool(run.worker_count)


def _import_distributed() -> Any:
    try:
        import distributed
    except ImportError as exc:
        msg = f'[run].executor: got "dask", but dask.distributed is not installed ({DASK_INSTALL})'
        raise ConfigError(msg) from exc
    return distributed


def _start_local_cluster(workers: int) -> tuple[LocalCluster, Client]:
    """A cluster of ``workers`` processes of one thread each on this machine, no dashboard,
    listening on 127.0.0.1 only (its HTTP health routes on a free port, not 8787: no warning
    when another cluster holds that)."""
    distributed = _import_distributed()
    cluster = distributed.LocalCluster(
        n_workers=workers,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
        scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
        silence_logs=logging.ERROR,
    )
    return cluster, distributed.Client(cluster)


def _connect(address: str, timeout_s: float) -> Client:
    """A client of the scheduler at ``address`` with at least one worker, gapmap installed on each;
    :class:`ConfigError` in one line when it does not answer within ``timeout_s``."""
    distributed = _import_distributed()
    try:
        client = distributed.Client(address, timeout=timeout_s)
    except (OSError, TimeoutError, ValueError) as exc:
        msg = (
            f"[run].scheduler: got {address!r}, but no Dask scheduler answered there within"
            f" {timeout_s:g} s; expected one started with `dask scheduler` ({type(exc).__name__})"
        )
        raise ConfigError(msg) from None
    try:
        client.wait_for_workers(1, timeout=timeout_s)
        versions = client.run(metadata.version, "gapmap", on_error="return")
    except (OSError, TimeoutError) as exc:
        client.close()
        msg = (
            f"[run].scheduler: the scheduler at {address!r} got no worker within {timeout_s:g} s;"
            f" expected at least one started with `dask worker {address}` ({type(exc).__name__})"
        )
        raise ConfigError(msg) from None
    lacking = sorted(worker for worker, v in versions.items() if not isinstance(v, str))
    if lacking:
        client.close()
        msg = (
            f"[run].scheduler: the workers {lacking} of {address!r} have no gapmap installed;"
            " expected the driver's gapmap on every worker"
        )
        raise ConfigError(msg)
    return client


class DaskPool:
    """The per-kommune work on a Dask cluster (module docstring): the scheduler at
    ``scheduler``, or a local cluster of ``workers`` processes when it is empty. Connects on
    :meth:`warm_up` or first use, disconnects (and closes a local cluster) at the end of the
    ``with`` block."""

    def __init__(self, workers: int, scheduler: str = "", timeout_s: float = 10.0) -> None:
        self.local_workers = max(int(workers), 1)
        self.scheduler = scheduler
        self.timeout_s = timeout_s
        self._cluster: LocalCluster | None = None
        self._client: Client | None = None
        self._lock = threading.Lock()  # one connection, made here or by the warm-up thread
        self._warming: threading.Thread | None = None
        self._failed: BaseException | None = None  # the warm-up thread's error, raised here

    def __enter__(self) -> DaskPool:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self._warming is not None:
            self._warming.join()
        client, cluster = self._client, self._cluster
        self._client = self._cluster = None
        if client is not None:
            # a long-lived worker keeps no run's tables (best effort: the cluster may be gone)
            with suppress(OSError, TimeoutError):
                client.run(forget_states, on_error="ignore")
            client.close()
        if cluster is not None:
            cluster.close()

    def _connected(self) -> Client:
        """The client, connecting first if need be (or waiting for the warm-up to)."""
        with self._lock:
            if self._failed is not None:
                raise self._failed
            if self._client is None:
                if self.scheduler:
                    self._client = _connect(self.scheduler, self.timeout_s)
                else:
                    self._cluster, self._client = _start_local_cluster(self.local_workers)
            return self._client

    def _connect_quietly(self) -> None:
        try:
            self._connected()
        except BaseException as exc:  # raised in the driver's thread at first use
            self._failed = exc

    @property
    def workers(self) -> int:
        """The cluster's worker threads (``workers`` of a local cluster before it starts)."""
        if self._client is None and not self.scheduler:
            return self.local_workers
        return max(int(sum(self._connected().nthreads().values())), 1)

    def warm_up(self) -> None:
        """Start (or reach) the cluster in a thread now, while this one writes the tables; the
        first :meth:`map_ordered` waits for it (and raises what went wrong)."""
        if self._client is None and self._warming is None:
            self._warming = threading.Thread(target=self._connect_quietly, daemon=True)
            self._warming.start()

    def map_ordered(
        self,
        work: Callable[[Any, Item], Result],
        items: Iterable[Item],
        *,
        make_state: Callable[..., Any],
        state_args: tuple[Hashable, ...] = (),
        done: Callable[[int], None] | None = None,
    ) -> list[Result]:
        """``[work(state, item) for item in items]`` on the cluster (module docstring)."""
        client = self._connected()
        in_flight = 2 * self.workers
        pending: deque[Any] = deque()  # the Futures in flight
        results: list[Result] = []

        def collect_oldest() -> None:
            results.append(pending.popleft().result())
            if done is not None:
                done(1)

        try:
            for item in items:
                [scattered] = client.scatter([item], hash=False)  # no large graph to send
                pending.append(
                    client.submit(run_item, work, make_state, state_args, scattered, pure=False)
                )
                if len(pending) >= in_flight:
                    collect_oldest()
            while pending:
                collect_oldest()
        finally:
            if pending:
                client.cancel(list(pending))
        return results
