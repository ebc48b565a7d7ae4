"""pipeline/products/hillshade_cache.py: a kommune's hillshade is made once per DTM and read
back by later runs; a new DTM starts a new cache; kommuner off the DTM have none."""

from __future__ import annotations

import hashlib
from pathlib import Path

import geopandas as gpd
import numpy as np
from shapely.geometry import box

from layers.checksums import sha256_of
from maps.worker_pool import WorkerPool
from pipeline.products.hillshade_cache import dtm_digest, kommune_hillshades
from tests.fixtures import write_dtm


def _kommuner() -> gpd.GeoDataFrame:
    """Two 1 km squares on the DTM, one 50 km away from it."""
    return gpd.GeoDataFrame(
        {"kommunenummer": ["9901", "9902", "9903"]},
        geometry=[
            box(270_000, 7_010_000, 271_000, 7_011_000),
            box(271_000, 7_010_000, 272_000, 7_011_000),
            box(320_000, 7_010_000, 321_000, 7_011_000),
        ],
        crs=25833,
    )


def _ridge_dtm(path: Path, height_m: float) -> Path:
    ridge = np.tile(np.abs(np.arange(200) - 100.0) * -1.0 + height_m, (100, 1))
    return write_dtm(path, ridge, (270_000, 7_011_000), 10.0)


def test_the_digest_is_the_hash_of_the_files_hashes(tmp_path: Path) -> None:
    dtm = _ridge_dtm(tmp_path / "dtm.tif", 200.0)
    expected = hashlib.sha256(f"dtm.tif {sha256_of(dtm)}".encode()).hexdigest()
    assert dtm_digest(dtm, {}) == expected
    # the run's own checksum is used when it has one (a made-up one shows it is)
    given = {"dtm": {"path": str(dtm), "sha256": "f" * 64}}
    assert dtm_digest(dtm, given) == hashlib.sha256(f"dtm.tif {'f' * 64}".encode()).hexdigest()


def test_a_second_run_reads_the_hillshades_back_and_a_new_dtm_makes_new_ones(
    tmp_path: Path,
) -> None:
    dtm, cache = _ridge_dtm(tmp_path / "dtm.tif", 200.0), tmp_path / "cache"
    counted: list[int] = []
    with WorkerPool(2) as pool:
        first = kommune_hillshades(
            dtm, _kommuner(), cache, "a" * 64, pool=pool, done=counted.append
        )
    assert sorted(first) == ["9901", "9902"] and counted == [1, 1, 1]  # 9903 is off the DTM
    made = {knr: (png.stat().st_mtime_ns, png.read_bytes()) for knr, (png, _) in first.items()}
    assert all(png.parent == cache / ("a" * 64) for png, _ in first.values())
    second = kommune_hillshades(dtm, _kommuner(), cache, "a" * 64)
    assert second == first
    assert {k: (p.stat().st_mtime_ns, p.read_bytes()) for k, (p, _) in second.items()} == made
    # the same PNG the cache-less writer makes
    serial = kommune_hillshades(dtm, _kommuner(), tmp_path / "other", "a" * 64)
    assert serial["9901"][0].read_bytes() == first["9901"][0].read_bytes()
    # a new DTM: new files, the old digest's folder gone
    higher = _ridge_dtm(tmp_path / "dtm2.tif", 900.0)
    third = kommune_hillshades(higher, _kommuner(), cache, "b" * 64)
    assert sorted(p.name for p in cache.iterdir()) == ["b" * 64]
    assert third["9901"][0].parent == cache / ("b" * 64)
