"""Agreement of ``gapmap``'s line of sight with a dense reference (issue 13, point 1).

For each scene, the production LOS (the DTM window read as a run reads it, sites and
addresses in EPSG:25833) against :func:`pipeline.radio.los_agreement.reference_line_of_sight`
(every profile sampled at a quarter cell, bilinear, on the DTM in its own CRS, EPSG:32632):
once with the sampler before issue 13 (samples a cell apart: ``spacing_m`` = the cell) and
once with the default. Scenes:

- ``besseggen``: the real 10 m Besseggen DTM (2 × 2 km), 24 sites and 1,200 addresses in it;
- ``synthetic``: rough numpy terrain written as a UTM 32 GeoTIFF (6 × 6 km of 10 m cells);
- ``jotunheimen``: the real 60 × 60 km heightmap at 117 m, 24 sites with 5-10 km ranges.

Run::

    .venv/bin/python scripts/los_agreement.py [--realdata ../shared/realdata]

The real scenes are skipped, with a message, when ``../shared/realdata`` is absent.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import rasterio

from pipeline.radio.los_agreement import (
    Scene,
    besseggen_scene,
    compare,
    jotunheimen_scene,
    production_line_of_sight,
    reference_for_scene,
    synthetic_scene,
)
from pipeline.radio.reach import LosSettings

REALDATA = Path(__file__).resolve().parents[1].parent / "shared" / "realdata"


def addresses_with_los(scene: Scene, links: pd.DataFrame) -> np.ndarray:
    """Whether each address sees at least one site."""
    pairs = scene.pairs()
    seen = pairs.address_idx[links["los"].to_numpy(dtype=bool)]
    return np.bincount(seen, minlength=len(scene.address_x_m)) > 0


def report(name: str, scene: Scene) -> None:
    started = time.perf_counter()
    reference = reference_for_scene(scene)
    print(f"{name}: reference in {time.perf_counter() - started:.1f} s")
    with rasterio.open(scene.dtm_path) as dataset:
        cell_m = float(min(dataset.res))
    slow = addresses_with_los(scene, reference)
    samplers = {"cell-spaced (before)": LosSettings(spacing_m=cell_m), "default (after)": None}
    for label, settings in samplers.items():
        started = time.perf_counter()
        production = production_line_of_sight(scene, settings or LosSettings())
        seconds = time.perf_counter() - started
        fast = addresses_with_los(scene, production)
        print(f"  {label:21s} {compare(production, reference).describe()}")
        print(
            f"  {'':21s} addresses with LOS {int(fast.sum()):,} (reference {int(slow.sum()):,}):"
            f" {int((fast & ~slow).sum())} optimistic, {int((~fast & slow).sum())} pessimistic;"
            f" {len(production) / seconds:,.0f} pairs/s"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--realdata", type=Path, default=REALDATA)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        synthetic = synthetic_scene(Path(folder), size=600, n_sites=24, n_addresses=1200)
        report("synthetic (UTM 32 DTM, UTM 33 run)", synthetic)
        if not args.realdata.is_dir():
            print(f"besseggen, jotunheimen: skipped, real sample data not found at {args.realdata}")
            return
        report("besseggen (10 m, UTM 32 DTM, UTM 33 run)", besseggen_scene(args.realdata))
        jotunheimen = jotunheimen_scene(args.realdata, Path(folder))
        report("jotunheimen (117 m, UTM 32 DTM, UTM 33 run)", jotunheimen)


if __name__ == "__main__":
    main()
