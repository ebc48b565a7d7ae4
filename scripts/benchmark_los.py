"""Benchmark of the line-of-sight stage: LOS pairs per second and peak memory.

A synthetic noise terrain (default 20 km × 20 km of 10 m cells, 0-800 m), random sites and
uniformly scattered addresses, all in memory (the DEM read is not timed). Run::

    .venv/bin/python scripts/benchmark_los.py [--addresses 200000] [--sites 200] [--range-m 5000]

With ``--national DIR`` (a folder written by ``gapmap build-national``) it times the
pipeline's wireless stage itself on the national-scale set instead: every address, the FWA
sites of ``master.csv`` and the national DTM, DTM windows read per kommune included::

    .venv/bin/python scripts/benchmark_los.py --national /work/national
"""

from __future__ import annotations

import argparse
import resource
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd
from rasterio.crs import CRS
from rasterio.transform import from_origin
from scipy import ndimage

from pipeline.radio.dem_window import DemWindow
from pipeline.radio.reach import LosSettings, best_site_for_pairs, candidate_pairs

X0_M, Y0_M = 250_000.0, 6_800_000.0  # top-left corner (EPSG:25833)


def noise_terrain_m(size: int, rng: np.random.Generator) -> np.ndarray:
    """Smoothed noise at four scales (≈ 3 km hills to 100 m knolls), scaled to 0-800 m."""
    terrain = np.zeros((size, size), dtype="float32")
    for sigma_cells, weight in ((150, 1.0), (50, 0.5), (15, 0.25), (5, 0.1)):
        layer = ndimage.gaussian_filter(
            rng.standard_normal((size, size)).astype("float32"), sigma_cells
        )
        terrain += weight * layer / layer.std()
    terrain -= terrain.min()
    scaled: np.ndarray = terrain * (800.0 / terrain.max())
    return scaled


def benchmark_national(folder: Path) -> None:
    """Time ``pipeline.wireless.wireless_per_address`` on the national-scale set (FWA sites)."""
    from layers.addresses import read_addresses
    from layers.sites import read_sites
    from pipeline.config import WirelessSettings
    from pipeline.wireless import wireless_per_address

    addresses = read_addresses(
        folder / "Basisdata_0000_Norge_25833_MatrikkelenAdresse_CSV.zip"
    ).accepted
    sites = read_sites(folder / "master.csv").accepted
    fwa = sites.loc[sites["technology"] == "fwa"].reset_index(drop=True)
    pairs = candidate_pairs(addresses["x_m"].to_numpy(), addresses["y_m"].to_numpy(), fwa)
    started = time.perf_counter()
    reach = wireless_per_address(addresses, sites, folder / "terreng.tif", WirelessSettings())
    seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"national: {len(addresses):,} addresses, {len(fwa):,} FWA sites,"
        f" {len(pairs.site_idx):,} pairs in {seconds:.1f} s ="
        f" {len(pairs.site_idx) / seconds:,.0f} pairs/s; with LOS {int(reach['has_los'].sum()):,};"
        f" peak RSS {peak_mb:,.0f} MB"
    )


def parse_arguments() -> argparse.Namespace:
    defaults = LosSettings()  # the engine's limits; the LOS physics default to [wireless]
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-km", type=float, default=20.0)
    parser.add_argument("--cell-m", type=float, default=10.0)
    parser.add_argument("--sites", type=int, default=200)
    parser.add_argument("--addresses", type=int, default=200_000)
    parser.add_argument("--range-m", type=float, default=5_000.0)
    parser.add_argument("--max-samples-per-chunk", type=int, default=defaults.max_samples_per_chunk)
    parser.add_argument("--max-pairs-per-batch", type=int, default=defaults.max_pairs_per_batch)
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--national", type=Path, default=None, help="national data set folder")
    return parser.parse_args()


def synthetic_scene(
    args: argparse.Namespace,
) -> tuple[DemWindow, np.ndarray, np.ndarray, pd.DataFrame]:
    """The noise terrain, the scattered addresses (x, y) and the random sites."""
    rng = np.random.default_rng(args.seed)
    cells = int(args.size_km * 1000 / args.cell_m)
    transform = from_origin(X0_M, Y0_M, args.cell_m, args.cell_m)
    window = DemWindow(noise_terrain_m(cells, rng), transform, CRS.from_epsg(25833))
    extent_m = cells * args.cell_m
    address_x = X0_M + rng.uniform(50, extent_m - 50, args.addresses)
    address_y = Y0_M - rng.uniform(50, extent_m - 50, args.addresses)
    sites = pd.DataFrame(
        {
            "site_id": [f"S{i:04d}" for i in range(args.sites)],
            "x_m": X0_M + rng.uniform(50, extent_m - 50, args.sites),
            "y_m": Y0_M - rng.uniform(50, extent_m - 50, args.sites),
            "antenna_height_m": rng.uniform(20, 40, args.sites),
            "frequency_mhz": rng.choice([800.0, 3500.0, 3600.0], args.sites),
            "max_range_m": args.range_m,
        }
    )
    return window, address_x, address_y, sites


def benchmark_synthetic(args: argparse.Namespace) -> None:
    """Time the candidate pairs and the line of sight on the synthetic scene."""
    window, address_x, address_y, sites = synthetic_scene(args)
    settings = LosSettings(
        max_samples_per_chunk=args.max_samples_per_chunk,
        max_pairs_per_batch=args.max_pairs_per_batch,
    )
    cells = window.elevation_m.shape[0]
    print(
        f"DEM {cells} × {cells} cells of {args.cell_m:g} m, {args.sites} sites, "
        f"{args.addresses} addresses, range {args.range_m:g} m, "
        f"chunks of {args.max_samples_per_chunk:,} samples, batches of "
        f"{args.max_pairs_per_batch:,} pairs"
    )

    tracemalloc.start()
    started = time.perf_counter()
    pairs = candidate_pairs(address_x, address_y, sites)
    paired, paired_cpu = time.perf_counter(), time.process_time()
    best = best_site_for_pairs(window, address_x, address_y, sites, pairs, settings)
    done, cpu_seconds = time.perf_counter(), time.process_time() - paired_cpu
    _, peak_bytes = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    n_pairs = len(pairs.distance_m)
    samples = int(np.maximum(np.ceil(pairs.distance_m / args.cell_m) - 1, 0).sum())  # a cell apart
    los_seconds = done - paired
    print(f"candidate pairs  {n_pairs:>11,} in {paired - started:.2f} s")
    print(
        f"line of sight    {n_pairs / los_seconds:>11,.0f} pairs/s "
        f"({samples / los_seconds / 1e6:.1f} M samples/s; {samples:,} samples in "
        f"{los_seconds:.1f} s, best site per address included)"
    )
    print(f"                 {n_pairs / cpu_seconds:>11,.0f} pairs per CPU second (load-proof)")
    print(
        f"result           {best['has_los'].mean():.1%} of addresses with LOS to a site, "
        f"{best['los_sites'].sum() / n_pairs:.1%} of pairs with LOS"
    )
    print(f"end to end       {n_pairs / (done - started):>11,.0f} pairs/s")
    print(
        f"peak memory      {peak_bytes / 2**20:,.0f} MiB traced (numpy + Python), "
        f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MiB peak RSS "
        "(terrain generation included)"
    )


def main() -> None:
    args = parse_arguments()
    if args.national is None:
        benchmark_synthetic(args)
    else:
        benchmark_national(args.national)


if __name__ == "__main__":
    main()
