"""How far the line of sight agrees with a dense reference on a DTM in its own CRS.

The reference (:func:`reference_line_of_sight`) is written to be read, not to be fast: every
profile is sampled at a quarter of a cell (``samples_per_cell = 4``) on the raster's own grid
and CRS (the endpoints, given in EPSG:25833, are transformed into it), heights by bilinear
interpolation of cell centres coded out here, with the earth bulge, F1 and clearance rule of
:mod:`pipeline.radio.los`::

    n         = ceil(D / (cell / samples_per_cell)),   t = i / n,  i = 1 … n - 1
    ratio(t)  = (z_tx + t (z_rx - z_tx) - terrain(t) - t (1 - t) D² / 2kR) / sqrt(λ D t (1 - t))
    LOS       = min_t ratio(t) >= fresnel_clearance

It knows no nodata rule: the scenes it checks have terrain everywhere. :func:`compare` counts
where the production LOS (:func:`pipeline.radio.reach.line_of_sight_for_pairs` on a window read
as a run reads it) and the reference differ; :func:`besseggen_scene` and
:func:`synthetic_scene` are the two checks of ``scripts/los_agreement.py`` and the tests: a
UTM 32 DTM read by a run whose sites and addresses are in EPSG:25833 (UTM 33).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import rasterio
from affine import Affine
from numpy.typing import ArrayLike
from pyproj import Transformer
from rasterio.transform import from_origin
from scipy import ndimage

from layers.dtm import DtmTiles
from layers.vocabulary import CRS_EPSG
from pipeline.radio.dem_window import FloatArray, read_dem_window
from pipeline.radio.los import EARTH_RADIUS_M, SPEED_OF_LIGHT_M_PER_S
from pipeline.radio.reach import (
    CandidatePairs,
    LosSettings,
    bounds_of_pairs,
    candidate_pairs,
    line_of_sight_for_pairs,
)

REFERENCE_SAMPLES_PER_CELL = 4
LOS_DEFAULTS = LosSettings()
DTM_CRS_EPSG = 32632  # WGS 84 / UTM 32N, the CRS of the Besseggen tile and the synthetic DTM


def raster_bilinear_m(
    elevation_m: np.ndarray, transform: Affine, x: FloatArray, y: FloatArray
) -> FloatArray:
    """Bilinear height of cell centres at points in the raster's CRS; NaN off the centres.

    .. math:: z = (1-u)(1-v) z_{r,c} + u (1-v) z_{r,c+1} + (1-u) v z_{r+1,c} + u v z_{r+1,c+1}
    """
    col, row = ~transform * (x, y)
    col, row = np.asarray(col) - 0.5, np.asarray(row) - 0.5
    height, width = elevation_m.shape
    inside = (col >= 0) & (col <= width - 1) & (row >= 0) & (row <= height - 1)
    col, row = np.where(inside, col, 0.0), np.where(inside, row, 0.0)
    c0 = np.clip(np.floor(col), 0, width - 2).astype(np.int64)
    r0 = np.clip(np.floor(row), 0, height - 2).astype(np.int64)
    u, v = col - c0, row - r0
    z = elevation_m.astype("float64")
    blended = (
        z[r0, c0] * (1 - u) * (1 - v)
        + z[r0, c0 + 1] * u * (1 - v)
        + z[r0 + 1, c0] * (1 - u) * v
        + z[r0 + 1, c0 + 1] * u * v
    )
    return np.where(inside, blended, np.nan)


def reference_line_of_sight(
    dataset: rasterio.DatasetReader,
    tx_x_m: ArrayLike,
    tx_y_m: ArrayLike,
    antenna_height_m: ArrayLike,
    rx_x_m: ArrayLike,
    rx_y_m: ArrayLike,
    cpe_height_m: ArrayLike,
    frequency_mhz: ArrayLike,
    settings: LosSettings = LOS_DEFAULTS,
    samples_per_cell: int = REFERENCE_SAMPLES_PER_CELL,
) -> pd.DataFrame:
    """LOS of pairs (EPSG:25833) sampled every ``cell / samples_per_cell`` on ``dataset``'s grid.

    Returns ``los``, ``worst_clearance_ratio`` and ``t_worst`` (the worst sample's share of the
    path from the site) per pair; the formulas are in the module docstring.
    """
    values = [np.atleast_1d(np.asarray(v, "float64")) for v in (tx_x_m, tx_y_m, rx_x_m, rx_y_m)]
    heights = [antenna_height_m, cpe_height_m, frequency_mhz]
    tx_x, tx_y, rx_x, rx_y = np.broadcast_arrays(*values)
    mast_m, cpe_m, mhz = np.broadcast_arrays(*(np.asarray(h, "float64") for h in heights), tx_x)[:3]
    to_dtm = Transformer.from_crs(CRS_EPSG, dataset.crs, always_xy=True)
    (tx_x, tx_y), (rx_x, rx_y) = to_dtm.transform(tx_x, tx_y), to_dtm.transform(rx_x, rx_y)
    elevation_m = dataset.read(1, masked=True).astype("float64").filled(np.nan)
    z_tx = raster_bilinear_m(elevation_m, dataset.transform, tx_x, tx_y) + mast_m
    z_rx = raster_bilinear_m(elevation_m, dataset.transform, rx_x, rx_y) + cpe_m
    length_m = np.hypot(rx_x - tx_x, rx_y - tx_y)
    spacing_m = min(dataset.res) / samples_per_cell
    intervals = np.maximum(np.ceil(length_m / spacing_m), 1)
    worst, t_worst = np.full(len(tx_x), np.inf), np.full(len(tx_x), np.nan)
    for chunk in np.array_split(np.arange(len(tx_x)), max(len(tx_x) // 500, 1)):
        # pairs × samples, padded: sample i of pair p at t = i / n_p, kept where i < n_p
        i = np.arange(1, intervals[chunk].max(initial=1))[None, :]
        n = intervals[chunk][:, None]
        t = np.where(i < n, i / n, np.nan)
        xy = [
            start[chunk][:, None] + t * (end - start)[chunk][:, None]
            for start, end in ((tx_x, rx_x), (tx_y, rx_y))
        ]
        terrain_m = raster_bilinear_m(elevation_m, dataset.transform, *xy)
        d1_m, d2_m = t * length_m[chunk][:, None], (1 - t) * length_m[chunk][:, None]
        line_m = z_tx[chunk][:, None] + t * (z_rx - z_tx)[chunk][:, None]
        bulge_m = d1_m * d2_m / (2 * settings.k_factor * EARTH_RADIUS_M)
        wavelength_m = SPEED_OF_LIGHT_M_PER_S / (mhz[chunk][:, None] * 1e6)
        f1_m = np.sqrt(wavelength_m * d1_m * d2_m / length_m[chunk][:, None])
        ratio = np.where(np.isnan(t), np.inf, (line_m - terrain_m - bulge_m) / f1_m)
        worst[chunk] = ratio.min(axis=1, initial=np.inf)
        at = ratio.argmin(axis=1) if ratio.shape[1] else np.zeros(len(chunk), np.int64)
        t_worst[chunk] = np.where(np.isfinite(worst[chunk]), (at + 1) / n[:, 0], np.nan)
    los = worst >= settings.fresnel_clearance
    return pd.DataFrame({"los": los, "worst_clearance_ratio": worst, "t_worst": t_worst})


# --- the comparison ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Agreement:
    """Production against reference LOS over a set of pairs."""

    pairs: int
    agreeing: int
    optimistic: int  # LOS in production, none in the reference
    pessimistic: int  # no LOS in production, LOS in the reference
    median_ratio_difference: float  # |Δ worst clearance ratio| in F1, median over the pairs
    p90_ratio_difference: float  # … 90th percentile

    @property
    def share(self) -> float:
        return self.agreeing / max(self.pairs, 1)

    def describe(self) -> str:
        return (
            f"{self.pairs:,} pairs, LOS agrees on {self.share:.2%} ({self.agreeing:,}):"
            f" {self.optimistic} optimistic, {self.pessimistic} pessimistic;"
            f" |Δ worst clearance ratio| median {self.median_ratio_difference:.3f} F1,"
            f" p90 {self.p90_ratio_difference:.3f} F1"
        )


def compare(production: pd.DataFrame, reference: pd.DataFrame) -> Agreement:
    """Count agreement of ``los`` and the spread of ``worst_clearance_ratio`` (finite pairs)."""
    fast = production["los"].to_numpy(dtype=bool)
    slow = reference["los"].to_numpy(dtype=bool)
    fast_ratio = production["worst_clearance_ratio"].to_numpy(dtype="float64")
    slow_ratio = reference["worst_clearance_ratio"].to_numpy(dtype="float64")
    finite = np.isfinite(fast_ratio) & np.isfinite(slow_ratio)
    difference = np.abs(fast_ratio - slow_ratio)[finite]
    median, p90 = np.percentile(difference, [50, 90]) if len(difference) else (np.nan, np.nan)
    return Agreement(
        pairs=len(fast),
        agreeing=int((fast == slow).sum()),
        optimistic=int((fast & ~slow).sum()),
        pessimistic=int((~fast & slow).sum()),
        median_ratio_difference=float(median),
        p90_ratio_difference=float(p90),
    )


# --- the scenes ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scene:
    """A DTM file and a run's sites (canonical columns) and addresses, both in EPSG:25833."""

    dtm_path: Path
    sites: pd.DataFrame
    address_x_m: FloatArray
    address_y_m: FloatArray

    def pairs(self) -> CandidatePairs:
        return candidate_pairs(self.address_x_m, self.address_y_m, self.sites)


def production_line_of_sight(scene: Scene, settings: LosSettings = LOS_DEFAULTS) -> pd.DataFrame:
    """Per-pair LOS as a run computes it: the DTM window over the pairs, read as a run does."""
    pairs = scene.pairs()
    x, y = scene.address_x_m, scene.address_y_m
    with DtmTiles(scene.dtm_path) as tiles:
        window = read_dem_window(tiles, bounds_of_pairs(x, y, scene.sites, pairs))
    return line_of_sight_for_pairs(window, x, y, scene.sites, pairs, settings)


def reference_for_scene(scene: Scene, settings: LosSettings = LOS_DEFAULTS) -> pd.DataFrame:
    """:func:`reference_line_of_sight` for the scene's candidate pairs, in their order."""
    pairs = scene.pairs()
    site = scene.sites.iloc[pairs.site_idx]
    with rasterio.open(scene.dtm_path) as dataset:
        return reference_line_of_sight(
            dataset,
            site["x_m"].to_numpy(),
            site["y_m"].to_numpy(),
            site["antenna_height_m"].to_numpy(),
            scene.address_x_m[pairs.address_idx],
            scene.address_y_m[pairs.address_idx],
            settings.cpe_height_m,
            site["frequency_mhz"].to_numpy(),
            settings,
        )


def scene_in_tile(
    dtm_path: Path, n_sites: int, n_addresses: int, seed: int, margin_m: float = 30.0
) -> Scene:
    """Sites (masts 15-40 m, 3.6 GHz, range 3 km) and addresses uniform inside the DTM's
    extent less ``margin_m``, generated in the DTM's CRS and stored, as a run holds them, in
    EPSG:25833 rounded to the centimetre."""
    rng = np.random.default_rng(seed)
    with rasterio.open(dtm_path) as dataset:
        left, bottom, right, top = dataset.bounds
        to_run = Transformer.from_crs(dataset.crs, CRS_EPSG, always_xy=True)

    def points(n: int) -> tuple[FloatArray, FloatArray]:
        x = rng.uniform(left + margin_m, right - margin_m, n)
        y = rng.uniform(bottom + margin_m, top - margin_m, n)
        run_x, run_y = to_run.transform(x, y)
        return np.round(run_x, 2), np.round(run_y, 2)

    site_x, site_y = points(n_sites)
    sites = pd.DataFrame(
        {
            "site_id": [f"FWA{i:03d}" for i in range(n_sites)],
            "x_m": site_x,
            "y_m": site_y,
            "antenna_height_m": rng.uniform(15.0, 40.0, n_sites).round(1),
            "frequency_mhz": 3600.0,
            "max_range_m": 3000.0,
        }
    )
    address_x, address_y = points(n_addresses)
    return Scene(dtm_path, sites, address_x, address_y)


def besseggen_scene(realdata: Path, n_sites: int = 24, n_addresses: int = 1200) -> Scene:
    """The real Besseggen DTM (10 m, EPSG:32632, 2 × 2 km) with generated sites and addresses."""
    return scene_in_tile(realdata / "dem-jotunheimen" / "besseggen.tif", n_sites, n_addresses, 24)


def jotunheimen_scene(realdata: Path, folder: Path) -> Scene:
    """The 60 × 60 km Jotunheimen heightmap (117.19 m cells, EPSG:32632; see its SOURCE.md)
    written as a GeoTIFF in ``folder``, with 24 sites (30 m masts, ranges 5-10 km) and 1,200
    addresses: the coarse-DTM case of issue 13."""
    raw = np.fromfile(realdata / "dem-jotunheimen" / "jotunheimen512.bin", "<u2")
    elevation_m = (raw.reshape(512, 512).astype("float64") * 2470 / 65535).astype("float32")
    dtm_path = folder / "jotunheimen512.tif"
    profile = {"driver": "GTiff", "width": 512, "height": 512, "count": 1, "dtype": "float32"}
    transform = from_origin(432_000.0, 6_850_000.0, 60_000 / 512, 60_000 / 512)
    with rasterio.open(
        dtm_path, "w", crs=f"EPSG:{DTM_CRS_EPSG}", transform=transform, **profile
    ) as d:
        d.write(elevation_m, 1)
    scene = scene_in_tile(dtm_path, 24, 1200, 7, margin_m=200.0)
    ranges_m = np.random.default_rng(3).uniform(5_000.0, 10_000.0, 24).round(-1)
    sites = scene.sites.assign(max_range_m=ranges_m, antenna_height_m=30.0)
    return Scene(dtm_path, sites, scene.address_x_m, scene.address_y_m)


def rough_terrain_m(size: int, rng: np.random.Generator) -> np.ndarray:
    """Mountain-like noise: smoothed noise at 1 km to 20 m scales, 0-900 m, steep in places."""
    terrain = np.zeros((size, size))
    for sigma_cells, weight in ((40, 1.0), (12, 0.5), (4, 0.25), (1.5, 0.12)):
        layer = ndimage.gaussian_filter(rng.standard_normal((size, size)), sigma_cells)
        terrain += weight * layer / layer.std()
    terrain -= terrain.min()
    scaled: np.ndarray = terrain * (900.0 / terrain.max())
    return scaled


def write_synthetic_utm32_dtm(path: Path, size: int, seed: int, cell_m: float = 10.0) -> Path:
    """A float32 GeoTIFF of :func:`rough_terrain_m` in EPSG:32632, near the UTM 32/33 border
    (top-left 484 500 E, 6 820 000 N: Besseggen's corner, ~9° E)."""
    elevation_m = rough_terrain_m(size, np.random.default_rng(seed)).astype("float32")
    profile = {"driver": "GTiff", "width": size, "height": size, "count": 1, "dtype": "float32"}
    transform = from_origin(484_500.0, 6_820_000.0, cell_m, cell_m)
    with rasterio.open(path, "w", crs=f"EPSG:{DTM_CRS_EPSG}", transform=transform, **profile) as d:
        d.write(elevation_m, 1)
    return path


def synthetic_scene(
    folder: Path, size: int = 200, n_sites: int = 12, n_addresses: int = 300, seed: int = 32
) -> Scene:
    """:func:`write_synthetic_utm32_dtm` in ``folder`` with sites and addresses in UTM 33."""
    dtm_path = write_synthetic_utm32_dtm(folder / f"synthetic_utm32_{size}_{seed}.tif", size, seed)
    return scene_in_tile(dtm_path, n_sites, n_addresses, seed + 1)


def agreement_of_scene(scene: Scene, settings: LosSettings = LOS_DEFAULTS) -> Agreement:
    """:func:`compare` of :func:`production_line_of_sight` and :func:`reference_for_scene`."""
    return compare(production_line_of_sight(scene, settings), reference_for_scene(scene, settings))
