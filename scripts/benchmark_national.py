"""Benchmark a whole ``gapmap run`` on a national-scale input set, with plain floors beside it.

Runs the pipeline's own driver (:func:`pipeline.run.run_pipeline`, what ``gapmap run`` runs) on
the config's real files, into a fresh output folder, and records per stage the wall time and
the stage's own peak resident memory (:mod:`pipeline.timing`), plus the whole run's wall time
and peak. In the same process, before the run, it measures the floors the targets of issue 16
are ratios to:

- **read floor**: the address CSVs (the zip, or the folder of zips) and the offers CSV read
  with a plain ``pyarrow.csv.read_csv`` (typed columns straight from the CSV, every core),
  and the addresses reprojected with one ``pyproj`` transform per EPSG group;
- **point-in-polygon floor**: ``geopandas.sjoin(predicate="within")`` of those points in the
  kommune polygons (what a GIS analyst would write in a notebook).

Then, with ``--kommune``, it times ``gapmap run --kommune KNR`` in a fresh process where the
CLI has that option. The table it prints (and ``--json``) is what the README's benchmark
section quotes.

Usage (from the repository root)::

    .venv/bin/python scripts/benchmark_national.py --config /work/national/gapmap.toml \\
        --json bench-national.json
"""

from __future__ import annotations

import argparse
import dataclasses
import io
import json
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
from pyproj import Transformer
from rich.console import Console

from layers.kommuner import read_kommuner
from pipeline.config import Config, load_config
from pipeline.run import run_pipeline
from pipeline.timing import StageLog, peak_rss_mb, reset_peak_rss

ADDRESS_TYPES = {
    "adresseId": pa.int64(),
    "kommunenummer": pa.string(),
    "EPSG-kode": pa.int32(),
    "Nord": pa.float64(),
    "Øst": pa.float64(),
}
OFFER_TYPES = {
    "address_id": pa.int64(),
    "operator": pa.string(),
    "technology": pa.string(),
    "down_mbps": pa.float64(),
    "up_mbps": pa.float64(),
}
# The targets of issue 16 ("The national run in three minutes"), seconds.
TARGETS_S = {"run": 180.0, "publish": 40.0, "store": 8.0, "kommune_run": 10.0}
TARGET_RATIOS = {"ingest": 2.0, "locate": 1.0}  # × the floor measured in the same run
TARGET_PEAK_MB = 4096.0


def _csv_bytes(path: Path) -> list[bytes]:
    """The CSVs behind ``path``: a CSV, a zip of CSVs, or a folder of both."""
    if path.is_dir():
        return [b for p in sorted(path.iterdir()) for b in _csv_bytes(p)]
    if path.suffix.lower() == ".zip":
        with zipfile.ZipFile(path) as archive:
            names = [n for n in archive.namelist() if n.lower().endswith(".csv")]
            return [archive.read(n) for n in sorted(names)]
    return [path.read_bytes()] if path.suffix.lower() == ".csv" else []


def read_floor(config: Config) -> tuple[float, gpd.GeoDataFrame, int]:
    """Seconds to read addresses + offers with plain pyarrow and reproject the addresses; the
    points (EPSG:25833) and the offer rows read."""
    started = time.perf_counter()
    tables = [
        pacsv.read_csv(
            io.BytesIO(raw),
            parse_options=pacsv.ParseOptions(delimiter=";"),
            convert_options=pacsv.ConvertOptions(
                include_columns=list(ADDRESS_TYPES), column_types=ADDRESS_TYPES
            ),
        )
        for raw in _csv_bytes(config.inputs.addresses)
    ]
    addresses = pa.concat_tables(tables).to_pandas()
    x = np.empty(len(addresses))
    y = np.empty(len(addresses))
    for epsg, rows in addresses.groupby("EPSG-kode").indices.items():
        to_utm = Transformer.from_crs(int(epsg), 25833, always_xy=True)
        east = addresses["Øst"].to_numpy()[rows]
        north = addresses["Nord"].to_numpy()[rows]
        x[rows], y[rows] = to_utm.transform(east, north)
    offers = pacsv.read_csv(
        config.inputs.offers,
        convert_options=pacsv.ConvertOptions(
            include_columns=list(OFFER_TYPES), column_types=OFFER_TYPES
        ),
    )
    seconds = time.perf_counter() - started
    points = gpd.GeoDataFrame(
        {"adresseId": addresses["adresseId"]},
        geometry=gpd.points_from_xy(x, y),
        crs=25833,
    )
    return seconds, points, offers.num_rows


def sjoin_floor(points: gpd.GeoDataFrame, kommuner_path: Path) -> tuple[float, int]:
    """Seconds for ``geopandas.sjoin(predicate="within")`` of ``points`` in the kommuner, and
    the points that fell in one (the polygons are read before the clock starts)."""
    read: gpd.GeoDataFrame = read_kommuner(kommuner_path).accepted
    kommuner = read[["kommunenummer", "geometry"]].set_crs(read.crs).to_crs(points.crs)
    started = time.perf_counter()
    joined = gpd.sjoin(points, kommuner, predicate="within", how="inner")
    return time.perf_counter() - started, int(joined.index.nunique())


def kommune_run_seconds(config_path: Path, kommune: str) -> float | None:
    """Wall seconds of ``gapmap run --kommune KNR`` in a fresh process (None: not supported)."""
    command = [sys.executable, "-m", "pipeline.cli", "run", "--config", str(config_path)]
    helped = subprocess.run([*command, "--help"], capture_output=True, text=True, check=False)
    if "--kommune" not in helped.stdout:
        return None
    started = time.perf_counter()
    done = subprocess.run(
        [*command, "--kommune", kommune, "--progress", "off"],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        print(done.stderr, file=sys.stderr)
        return None
    return time.perf_counter() - started


def national_run(config: Config, output_dir: Path) -> tuple[list[dict[str, Any]], float]:
    """Per-stage rows of one whole run into ``output_dir`` and its wall seconds."""
    config = dataclasses.replace(
        config, run=dataclasses.replace(config.run, output_dir=output_dir, store_path=None)
    )
    timer = StageLog(Console(stderr=True))
    started = time.perf_counter()
    run_pipeline(config, timer=timer, allow_stale=True)
    return timer.rows, time.perf_counter() - started


def figures_table(figures: dict[str, Any]) -> str:
    """The Markdown table the README quotes: stage, seconds, peak, target, floor and ratio."""
    floors = {"ingest": figures["read_floor_s"], "locate": figures["sjoin_floor_s"]}
    lines = [
        "| stage | s | peak MB | target | floor s | × floor |",
        "|---|---:|---:|---|---:|---:|",
    ]
    for row in figures["stages"]:
        stage = row["stage"]
        floor = floors.get(stage)
        target = (
            f"≤ {TARGET_RATIOS[stage]:g} × floor"
            if stage in TARGET_RATIOS
            else (f"≤ {TARGETS_S[stage]:g} s" if stage in TARGETS_S else "")
        )
        ratio = f"{row['seconds'] / floor:.2f}" if floor else ""
        floor_text = f"{floor:.1f}" if floor else ""
        lines.append(
            f"| {stage} | {row['seconds']:.1f} | {row['peak_rss_mb']:,.0f} | {target} "
            f"| {floor_text} | {ratio} |"
        )
    lines.append(
        f"| **whole run** | **{figures['run_s']:.1f}** | **{figures['peak_rss_mb']:,.0f}** "
        f"| ≤ {TARGETS_S['run']:g} s, ≤ {TARGET_PEAK_MB:,.0f} MB | | |"
    )
    if figures.get("kommune_run_s") is not None:
        lines.append(
            f"| `run --kommune {figures['kommune']}` | {figures['kommune_run_s']:.1f} | "
            f"| ≤ {TARGETS_S['kommune_run']:g} s | | |"
        )
    return "\n".join(lines)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", type=Path, required=True, help="the national set's config")
    parser.add_argument("--kommune", default="3420", help="kommune of the one-kommune run")
    parser.add_argument("--json", type=Path, default=None, help="write the figures here")
    parser.add_argument(
        "--work-dir", type=Path, default=None, help="folder for the run (default: a temp folder)"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    config = load_config(args.config.resolve())
    figures: dict[str, Any] = {"config": str(args.config), "kommune": args.kommune}
    figures["read_floor_s"], points, figures["offer_rows"] = read_floor(config)
    figures["addresses_read"] = len(points)
    figures["sjoin_floor_s"], figures["sjoin_located"] = sjoin_floor(points, config.inputs.kommuner)
    del points
    print(f"floors: read {figures['read_floor_s']:.1f} s, sjoin {figures['sjoin_floor_s']:.1f} s")
    reset_peak_rss()
    with tempfile.TemporaryDirectory(prefix="gapmap-national-", dir=args.work_dir) as folder:
        figures["stages"], figures["run_s"] = national_run(config, Path(folder))
    figures["peak_rss_mb"] = max(row["peak_rss_mb"] for row in figures["stages"])
    figures["workers_peak_rss_mb"] = peak_rss_mb(resource.RUSAGE_CHILDREN)
    figures["kommune_run_s"] = kommune_run_seconds(args.config.resolve(), args.kommune)
    print(figures_table(figures))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2, default=str) + "\n", encoding="utf-8")
        print(f"figures written to {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
