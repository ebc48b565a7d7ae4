"""Benchmark the publish stage per product: many kommuner, few addresses.

The publish stage's cost is mostly per kommune (a map page, downloads, a brief and its PDF for
each of the 357), not per address. This script draws ``--addresses`` synthetic addresses in the
real kommune boundaries (:mod:`scripts.benchmark_stages`, default 3,000: a few per kommune),
runs the pipeline's driver on them once and times, inside publish, each per-kommune loop (the
loops report to a :class:`pipeline.progress.Progress`; this one records their wall time) and
the rest of the stage (the national tables, the GeoPackage, the overview and index pages, the
manifest).

``--save TABLES.pickle`` keeps what the driver handed to publish; ``--load TABLES.pickle`` then
runs only publish on it (seconds instead of a whole run, the same tables), so a change to a
product can be measured alone. ``--profile OUT.prof`` writes a cProfile of publish in this
process (with ``--workers 1`` that is all of it: every kommune's work runs here).

Usage (from the repository root)::

    .venv/bin/python scripts/benchmark_publish.py --kommuner Kommuner-M.geojson --save t.pickle
    .venv/bin/python scripts/benchmark_publish.py --load t.pickle --workers 1 --profile p.prof
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pickle
import resource
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import benchmark_stages as stages

from pipeline import publish
from pipeline.config import Config, Inputs, RunSettings
from pipeline.progress import Advance
from pipeline.run import run_pipeline

OTHER = "rest of publish (tables, GeoPackage, overview, index, manifest)"


@dataclass
class LoopTimes:
    """A :class:`pipeline.progress.Progress` that records each loop's wall time and count."""

    seconds: dict[str, float] = field(default_factory=dict)
    items: dict[str, int] = field(default_factory=dict)

    def stage(self, name: str) -> AbstractContextManager[None]:
        return nullcontext()

    @contextmanager
    def track(self, name: str, total: int, unit: str = "kommuner") -> Iterator[Advance]:
        done = 0
        lock = threading.Lock()

        def advance(count: int) -> None:
            nonlocal done
            with lock:
                done += count

        started = time.perf_counter()
        yield advance
        self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - started
        self.items[name] = self.items.get(name, 0) + done


@dataclass(frozen=True)
class PublishCall:
    """What the driver handed to :func:`pipeline.publish.publish_products` (picklable)."""

    config: Config
    info: publish.RunInfo
    tables: publish.RunTables
    stage_timings: list[dict[str, Any]]


def captured_run(
    kommuner_path: Path, addresses: int, seed: int, config: Config, loops: LoopTimes
) -> tuple[PublishCall, float]:
    """Run the driver on synthetic addresses; the publish call it made and publish's seconds."""
    kommuner = stages.read_kommune_table(kommuner_path)
    timer = stages.StageTimer()
    tables = stages.generate(kommuner, addresses, seed, timer)
    calls: list[PublishCall] = []
    original = publish.publish_products

    def recording(*args: Any, **kwargs: Any) -> Path:
        config, info, run_tables, timings = args[:4]
        calls.append(PublishCall(config, info, run_tables, list(timings)))
        loops.seconds.clear()  # only publish's loops
        loops.items.clear()
        return original(*args, **kwargs)

    publish.publish_products = recording  # the driver calls it through the module
    try:
        run_pipeline(config, timer=timer, inputs=tables.inputs, progress=loops)
    finally:
        publish.publish_products = original
    seconds = next(f.seconds for f in timer.figures if f.stage == "publish")
    return calls[0], seconds


def cpu_seconds() -> float:
    """CPU time (user + system) of this process and of its children that ended (the workers
    and browsers a publish starts and stops)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def publish_only(
    call: PublishCall, config: Config, loops: LoopTimes, profile: Path | None
) -> tuple[float, float]:
    """Publish ``call``'s tables with ``config`` (its own output folder); wall seconds and CPU
    seconds (:func:`cpu_seconds`: on a shared machine the CPU time is the steadier figure)."""
    profiler = cProfile.Profile() if profile else None
    started, cpu_started = time.perf_counter(), cpu_seconds()
    if profiler is not None:
        profiler.enable()
    publish.publish_products(config, call.info, call.tables, call.stage_timings, loops)
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(str(profile))
    return time.perf_counter() - started, cpu_seconds() - cpu_started


def report(publish_s: float, loops: LoopTimes, kommuner: int) -> list[dict[str, Any]]:
    """Rows product → seconds in all and per kommune; the rest of publish is the remainder."""
    rows = [
        {"product": name, "items": loops.items[name], "seconds": s}
        for name, s in loops.seconds.items()
    ]
    rows.append({"product": OTHER, "items": 0, "seconds": publish_s - sum(loops.seconds.values())})
    rows.append({"product": "publish", "items": 0, "seconds": publish_s})
    print(f"\n{'product':<66} {'items':>6} {'s':>8} {'ms / kommune':>13}")
    for row in rows:
        per_kommune_ms = 1000 * row["seconds"] / max(kommuner, 1)
        row["ms_per_kommune"] = per_kommune_ms
        print(
            f"{row['product']:<66} {row['items']:>6} {row['seconds']:8.2f} {per_kommune_ms:13.1f}"
        )
    return rows


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kommuner", type=Path, help="kommune boundary file (the 357 of 2024)")
    parser.add_argument("--addresses", type=int, default=3_000, help="number of addresses")
    parser.add_argument("--seed", type=int, default=2025, help="random seed")
    parser.add_argument("--workers", type=int, default=None, help="publish's workers")
    parser.add_argument("--save", type=Path, default=None, help="keep publish's inputs here")
    parser.add_argument("--load", type=Path, default=None, help="publish only, on saved inputs")
    parser.add_argument("--profile", type=Path, default=None, help="cProfile of publish (--load)")
    parser.add_argument("--keep", type=Path, default=None, help="output folder to keep")
    parser.add_argument("--json", type=Path, default=None, help="write the figures here")
    args = parser.parse_args(argv)
    if (args.kommuner is None) == (args.load is None):
        parser.error("expected exactly one of --kommuner (a whole run) and --load (publish only)")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    print("machine:", ", ".join(f"{k} {v}" for k, v in stages.machine_info().items()))
    loops = LoopTimes()
    with tempfile.TemporaryDirectory(prefix="gapmap-bench-publish-") as scratch:
        out = args.keep or Path(scratch)
        run = RunSettings(output_dir=out, workers=args.workers)
        if args.load is not None:
            call: PublishCall = pickle.loads(args.load.read_bytes())
            config = replace(call.config, run=replace(call.config.run, **vars(run)))
            seconds, cpu_s = publish_only(call, config, loops, args.profile)
        else:
            source = Path(stages.SOURCE)
            config = Config(inputs=Inputs(args.kommuner, source, source), run=run)
            call, seconds = captured_run(
                args.kommuner.resolve(), args.addresses, args.seed, config, loops
            )
            cpu_s = float("nan")  # the run's workers outlive publish
            if args.save is not None:
                args.save.write_bytes(pickle.dumps(call, protocol=pickle.HIGHEST_PROTOCOL))
    kommuner = len(call.tables.inputs.kommuner)
    print(
        f"kommuner {kommuner}, addresses {len(call.tables.results):,}, workers {run.worker_count}"
    )
    rows = report(seconds, loops, kommuner)
    print(f"publish CPU s (this process and its children, browsers included): {cpu_s:.1f}")
    if args.json is not None:
        figures = {"rows": rows, "kommuner": kommuner, "cpu_s": cpu_s}
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
