"""Benchmark the monthly refresh: one kommune changed, against a run that computes everything.

Three ``gapmap run`` in a row on the config's output folder (each a fresh process, timed with
its peak memory):

1. **warm**: the inputs as they are, caches on (fills the reach, ingest and piece caches);
2. **refresh**: ``--count`` addresses of kommune ``--kommune`` moved ``--move-m`` metres east in
   the address file (a copy of the original is kept and put back at the end), caches on;
3. **full**: the same changed inputs with ``[run] reuse_cache = false``: every stage computes
   everything again (what a refresh is compared with).

Each run's stage seconds come from its manifest. The table (and ``--json``) is what the README's
"Incremental refresh" section quotes. The address file must be Kartverket's CSV or its zip
(one member), as the national-scale set has it.

Usage (from the repository root)::

    .venv/bin/python scripts/benchmark_refresh.py --config /work/national/gapmap.toml \\
        --kommune 3420 --json bench-refresh.json
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Any

from pipeline.config import load_config
from pipeline.publish import published_folder, read_manifest

GAPMAP = [sys.executable, "-c", "from pipeline.cli import main; main()"]


def moved_csv(text: str, kommune: str, count: int, move_m: float) -> tuple[str, int]:
    """Kartverket's address CSV with the first ``count`` addresses of ``kommune`` moved
    ``move_m`` east (line ends kept); the text and how many moved."""
    lines = text.split("\n")
    header = lines[0].rstrip("\r").split(";")
    knr, east = header.index("kommunenummer"), header.index("Øst")
    moved = 0
    for i in range(1, len(lines)):
        fields = lines[i].rstrip("\r").split(";")
        if moved < count and len(fields) > east and fields[knr] == kommune:
            fields[east] = f"{float(fields[east]) + move_m:.2f}"
            lines[i] = ";".join(fields) + ("\r" if lines[i].endswith("\r") else "")
            moved += 1
    return "\n".join(lines), moved


def move_addresses(path: Path, kommune: str, count: int, move_m: float) -> int:
    """Rewrite the address file (CSV or a zip of one) with addresses moved; how many."""
    if path.suffix.lower() != ".zip":
        text, moved = moved_csv(path.read_text("utf-8-sig"), kommune, count, move_m)
        path.write_text("\ufeff" + text, encoding="utf-8")
        return moved
    with zipfile.ZipFile(path) as archive:
        (name,) = archive.namelist()
        text = archive.read(name).decode("utf-8-sig")
    text, moved = moved_csv(text, kommune, count, move_m)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, ("\ufeff" + text).encode("utf-8"))
    return moved


def timed_run(config: Path, extra_toml: str = "") -> dict[str, Any]:
    """One ``gapmap run`` in a child process; wall seconds, the children's peak RSS so far and
    the stage seconds of the run it published."""
    path = config
    if extra_toml:
        path = config.with_name(f".{config.stem}.benchmark.toml")
        path.write_text(config.read_text("utf-8").replace("[run]", f"[run]\n{extra_toml}", 1))
    started = time.perf_counter()
    subprocess.run([*GAPMAP, "run", "-c", str(path), "--allow-stale"], check=True)
    wall_s = time.perf_counter() - started
    if path != config:
        path.unlink()
    folder = published_folder(load_config(config).run.output_dir)
    manifest = read_manifest(folder) if folder else {}
    stages = {row["stage"]: float(row["seconds"]) for row in manifest.get("stage_timings", [])}
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"wall_s": wall_s, "peak_rss_mb_so_far": peak_mb, "stages": stages}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", type=Path, required=True)
    parser.add_argument("--kommune", default="3420")
    parser.add_argument("--count", type=int, default=3)
    parser.add_argument("--move-m", type=float, default=40.0)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    addresses = load_config(args.config).inputs.addresses
    runs: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="gapmap-refresh-") as scratch:
        original = Path(scratch) / addresses.name
        shutil.copy2(addresses, original)
        try:
            runs["warm"] = timed_run(args.config)
            moved = move_addresses(addresses, args.kommune, args.count, args.move_m)
            runs["refresh"] = timed_run(args.config)
            runs["full"] = timed_run(args.config, "reuse_cache = false")
        finally:
            shutil.copy2(original, addresses)
    print(f"moved {moved} addresses of {args.kommune} {args.move_m:g} m")
    refresh, full = runs["refresh"], runs["full"]
    print(f"{'stage':<12} {'refresh s':>10} {'full s':>10}")
    for stage, seconds in full["stages"].items():
        refresh_s = refresh["stages"].get(stage, float("nan"))
        print(f"{stage:<12} {refresh_s:>10.1f} {seconds:>10.1f}")
    share = refresh["wall_s"] / full["wall_s"]
    print(
        f"whole run: refresh {refresh['wall_s']:.0f} s, full {full['wall_s']:.0f} s ({share:.0%})"
    )
    if args.json is not None:
        args.json.write_text(json.dumps({"moved": moved, "runs": runs}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
