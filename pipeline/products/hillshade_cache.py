"""Kommune hillshades kept between runs, keyed by the DTM's checksum.

A monthly refresh rarely changes the DTM, and warping it per kommune is most of what a
hillshade costs. :func:`kommune_hillshades` writes each kommune's PNG
(:func:`pipeline.products.hillshade.write_hillshade_png`) once into::

    <cache>/<dtm digest>/<knr>-<bounds key>.png   the hillshade
    <cache>/<dtm digest>/<knr>-<bounds key>.json  its Leaflet bounds (null: no DTM data there)

and later runs read them back. The DTM digest is the SHA-256 over its files' SHA-256s (from
the run's input checksums when there, else computed); the bounds key covers the kommune's
bounds and the image size, so a moved boundary makes a new file. Folders of other digests (a
replaced DTM) are removed when a new one is made. Missing kommuner are made by ``workers``
processes (:class:`maps.worker_pool.WorkerPool`).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd

from layers.dtm import dtm_digest
from maps.worker_pool import Pool, WorkerPool
from pipeline.config import Config
from pipeline.products.hillshade import write_hillshade_png

Shade = tuple[Path, list[list[float]]]
MAX_PX = 1024
HILLSHADE_CACHE = Path("hillshade")  # in [run] cache_dir (output_dir/cache), kept between runs


def bounds_key(bounds_25833: tuple[float, float, float, float], max_px: int) -> str:
    """A short key of a kommune's bounds (to the millimetre) and the image size."""
    text = ",".join(f"{b:.3f}" for b in bounds_25833) + f",{max_px}"
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _make_shade(dtm: Path, job: tuple[tuple[float, float, float, float], Path]) -> bool:
    """Write one cached hillshade (PNG, then its bounds, each by an atomic rename)."""
    bounds_25833, png = job
    partial = png.with_suffix(".part.png")
    leaflet_bounds = write_hillshade_png(dtm, bounds_25833, partial, MAX_PX)
    if leaflet_bounds is not None:
        os.replace(partial, png)
    sidecar = png.with_suffix(".part.json")
    sidecar.write_text(json.dumps(leaflet_bounds), encoding="utf-8")
    os.replace(sidecar, png.with_suffix(".json"))
    return leaflet_bounds is not None


def _same(value: Path) -> Path:
    return value


def _cache_folder(cache_dir: Path, digest: str) -> Path:
    """``cache_dir/<digest>``, made; other digests' folders removed."""
    folder = cache_dir / digest
    if not folder.is_dir():
        for old in cache_dir.iterdir() if cache_dir.is_dir() else []:
            if old.is_dir():
                shutil.rmtree(old)
        folder.mkdir(parents=True)
    return folder


def kommune_hillshades(
    dtm: Path,
    kommuner: gpd.GeoDataFrame,
    cache_dir: Path,
    digest: str,
    *,
    pool: Pool | None = None,
    done: Callable[[int], None] | None = None,
) -> dict[str, Shade]:
    """A hillshade PNG over each kommune's bounds (EPSG:25833) with its Leaflet bounds, from
    the cache or made now; kommuner without DTM data are left out."""
    folder = _cache_folder(cache_dir, digest)
    pngs: dict[str, Path] = {}
    missing = []
    for knr, geometry in zip(kommuner["kommunenummer"], kommuner.geometry, strict=True):
        left, bottom, right, top = (float(b) for b in geometry.bounds)
        bounds = (left, bottom, right, top)
        png = folder / f"{knr}-{bounds_key(bounds, MAX_PX)}.png"
        pngs[str(knr)] = png
        if not png.with_suffix(".json").is_file():
            missing.append((bounds, png))
        elif done is not None:
            done(1)
    pool = pool or WorkerPool(1)
    pool.map_ordered(_make_shade, missing, make_state=_same, state_args=(dtm,), done=done)
    shades = {}
    for knr, png in pngs.items():
        leaflet_bounds = json.loads(png.with_suffix(".json").read_text(encoding="utf-8"))
        if leaflet_bounds is not None:
            shades[knr] = (png, leaflet_bounds)
    return shades


def run_hillshades(
    config: Config,
    checksums: Mapping[str, Mapping[str, Any]],
    kommuner: gpd.GeoDataFrame,
    pool: Pool,
    done: Callable[[int], None] | None = None,
) -> dict[str, Shade]:
    """The run's kommune hillshades (none without a DTM), cached in
    ``[run] cache_dir``/hillshade/, the missing ones made by ``pool``."""
    dtm = config.inputs.dtm
    if dtm is None:
        return {}
    cache_dir = config.run.cache_folder / HILLSHADE_CACHE
    digest = dtm_digest(dtm, checksums)
    return kommune_hillshades(dtm, kommuner, cache_dir, digest, pool=pool, done=done)
