"""Time the per-kommune downloads (tables/kommuner/<knr>.csv and .xlsx) at national scale.

Synthetic address results (the columns the downloads show), no pipeline run needed::

    PYTHONPATH=. python scripts/benchmark_kommune_downloads.py --out /tmp/bench-downloads

prints the seconds and sizes of (1) one kommune of 300,000 addresses (Oslo has ~290,000),
(2) the same kommune with every address as XLSX cells (the layout not chosen), and (3) 357
kommuner with 2.6 M addresses in all. ``--below-share`` is the share of addresses below the
map target (the XLSX holds those); nationally about 1 % lack 100 Mbit/s (Nkom, 2024).
"""

from __future__ import annotations

import argparse
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl import Workbook

from pipeline.config import Config, Inputs
from pipeline.products.columns_nb import describe_all
from pipeline.products.kommune_downloads import (
    address_columns,
    address_values,
    write_kommune_downloads,
)
from pipeline.products.sheets_nb import Sheet, add_sheet

CLASSES = np.array(["served", "underserved", "unserved"], dtype=object)


def synthetic_results(
    sizes: list[int], config: Config, below_share: float, seed: int = 1
) -> pd.DataFrame:
    """Address results for kommuner ``9000 + i`` of ``sizes[i]`` addresses each."""
    rng = np.random.default_rng(seed)
    n = sum(sizes)
    below = rng.random(n) < below_share
    frame = pd.DataFrame(
        {
            "address_id": np.arange(300_000_000, 300_000_000 + n),
            "kommunenummer": np.repeat([f"{9000 + i}" for i in range(len(sizes))], sizes),
            "address_text": [f"Storgata {i % 997} {chr(65 + i % 26)}" for i in range(n)],
            "households": rng.integers(1, 4, n),
            "best_technology": np.where(below, "xdsl", "fiber"),
            "best_operator": np.where(below, "Kobber AS", "Fjordnett"),
            "best_down_mbps": np.where(below, 20.0, 1000.0),
            "best_up_mbps": np.where(below, 2.0, 1000.0),
            "cost_option": pd.Series("fiber", index=range(n)).where(below),
            "cost_nok": np.where(below, rng.random(n) * 500_000.0, np.nan),
        }
    )
    for target in config.targets:
        frame[f"class_{target.name}"] = np.where(below, CLASSES[rng.integers(1, 3, n)], "served")
    return frame


def gap_rows(results: pd.DataFrame) -> pd.DataFrame:
    """A gap table with only the columns every row needs (the summary sheet's content does not
    change the timing)."""
    counts = results.groupby("kommunenummer").agg(
        addresses=("address_id", "size"), households=("households", "sum")
    )
    table = counts.reset_index().assign(level="kommune", fylkesnummer="90")
    table["kommunenavn"] = "Kommune " + table["kommunenummer"]
    return table[
        ["level", "fylkesnummer", "kommunenummer", "kommunenavn", "addresses", "households"]
    ]


def timed(label: str, folder: Path, run: Callable[[], object]) -> None:
    """Wall and CPU seconds (CPU: what a busy shared machine does not inflate) and MB."""
    start, cpu = time.perf_counter(), time.process_time()
    run()
    seconds, cpu_s = time.perf_counter() - start, time.process_time() - cpu
    files = [p for p in folder.rglob("*") if p.is_file()]
    size_mb = sum(p.stat().st_size for p in files) / 1e6
    print(f"{label}: {seconds:.1f} s wall, {cpu_s:.1f} s CPU, {len(files)} files, {size_mb:.1f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--below-share", type=float, default=0.05)
    parser.add_argument("--skip-national", action="store_true")
    parser.add_argument("--skip-all-xlsx", action="store_true")
    args = parser.parse_args()
    config = Config(inputs=Inputs(Path("k"), Path("a"), Path("o")))
    shutil.rmtree(args.out, ignore_errors=True)

    oslo = synthetic_results([300_000], config, args.below_share)
    one = args.out / "one"
    timed(
        f"1 kommune, 300,000 addresses ({args.below_share:.0%} below target in the XLSX)",
        one,
        lambda: write_kommune_downloads(one, oslo, gap_rows(oslo), config),
    )
    every = args.out / "every"
    every.mkdir(parents=True)

    def all_as_xlsx() -> None:
        book = Workbook(write_only=True)
        columns = describe_all(address_columns(config.targets), config.targets, "address")
        add_sheet(book, Sheet("Adresser", oslo, columns, address_values(config.targets)))
        book.save(every / "9000.xlsx")

    if not args.skip_all_xlsx:
        timed("the same 300,000 addresses all as XLSX cells", every, all_as_xlsx)
    if args.skip_national:
        return
    sizes = [2_600_000 // 357] * 356
    sizes.append(2_600_000 - sum(sizes))
    national = synthetic_results(sizes, config, args.below_share)
    land = args.out / "national"
    timed(
        "357 kommuner, 2.6 M addresses",
        land,
        lambda: write_kommune_downloads(land, national, gap_rows(national), config),
    )


if __name__ == "__main__":
    main()
