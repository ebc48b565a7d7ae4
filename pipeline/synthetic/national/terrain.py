"""The synthetic DTM of the national set (step 5): a GeoTIFF over the kommuner, window by window.

Multi-scale value noise whose level rises with the distance from the sea (territorial waters
from Kartverket's Fylker file, so the Swedish, Finnish and Russian borders are not "coast") and
is lowered where people live; EPSG:25833, float32, tiled 512 × 512, DEFLATE. Cells outside
every kommune polygon (``all_touched``) are nodata.
"""

from __future__ import annotations

import json
import math
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import rasterio.features
import rasterio.windows
import shapely
from rasterio.transform import Affine
from rasterio.windows import Window
from scipy import ndimage

from layers.errors import InputError
from pipeline.synthetic.writers import DTM_NODATA, write_dtm

# Value-noise octaves (lattice spacing km, amplitude weight) and the inland profile.
MACRO_OCTAVES = ((90.0, 1.0), (35.0, 0.6))
MESO_OCTAVES = ((12.0, 1.0), (5.0, 0.6))
MICRO_OCTAVES = ((2.0, 1.0), (0.8, 0.6), (0.3, 0.35))
INLAND_SCALE_KM = 35.0
COARSE_M = 1_000.0  # resolution of the coast-distance and population grids
DTM_BLOCK = 512
MAX_ELEVATION_M = 2_300.0
LATTICE_TILE = 64
DTM_THREADS = 2


@dataclass(frozen=True)
class TerrainFields:
    """National 1 km grids the elevation model samples: distance to the sea and people/km²."""

    x0_m: float  # west edge of the coarse grids
    y0_m: float  # north edge
    coast_km: np.ndarray
    people_km2: np.ndarray


def terrain_fields(
    kommuner: gpd.GeoDataFrame, fylker_path: Path, grid: pd.DataFrame
) -> TerrainFields:
    """Distance from the sea and smoothed population density on a national 1 km grid.

    Sea = inside Norway's territory (the Fylker polygons reach the territorial limit) and
    outside every kommune polygon (clipped to the coastline), so land borders are not coast.
    """
    minx, miny, maxx, maxy = kommuner.total_bounds
    x0_m = math.floor(minx / COARSE_M) * COARSE_M - 30_000.0
    y0_m = math.ceil(maxy / COARSE_M) * COARSE_M + 30_000.0
    shape = (
        math.ceil((y0_m - miny) / COARSE_M) + 30,
        math.ceil((maxx - x0_m) / COARSE_M) + 30,
    )
    transform = Affine(COARSE_M, 0.0, x0_m, 0.0, -COARSE_M, y0_m)
    land = rasterio.features.rasterize(
        ((g, 1) for g in kommuner.geometry), shape, transform=transform, dtype="uint8"
    )
    territory = rasterio.features.rasterize(
        ((g, 1) for g in read_fylker(fylker_path)), shape, transform=transform, dtype="uint8"
    )
    sea = (territory == 1) & (land == 0)
    coast_km = ndimage.distance_transform_edt(~sea) * COARSE_M / 1_000.0
    column = ((grid["x_m"].to_numpy() - x0_m) // COARSE_M).astype("int64")
    row = ((y0_m - grid["y_m"].to_numpy() - 1.0) // COARSE_M).astype("int64")
    people = np.zeros(shape)
    np.add.at(people, (row, column), grid["people"].to_numpy())
    people_km2 = ndimage.gaussian_filter(people, sigma=1.5) * (1e6 / COARSE_M**2)
    return TerrainFields(x0_m, y0_m, coast_km.astype("float32"), people_km2.astype("float32"))


FYLKER_EXPECTED = (
    'expected Kartverket\'s Basisdata Fylker GeoJSON zip (one .geojson holding "Fylke" and'
    ' "Grense" collections, EPSG:25833)'
)


def fylker_member(path: Path) -> str:
    """The name of the GeoJSON in Kartverket's Fylker zip (checked before the build starts)."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = [n for n in archive.namelist() if n.endswith(".geojson")]
    except (zipfile.BadZipFile, OSError) as exc:
        msg = f"{path}: not readable as a zip ({exc}); {FYLKER_EXPECTED}"
        raise InputError(msg) from exc
    if len(names) != 1:
        msg = f"{path}: got {len(names)} .geojson members {names[:3]}; {FYLKER_EXPECTED}"
        raise InputError(msg)
    return names[0]


def read_fylker(path: Path) -> list[dict[str, Any]]:
    """The fylke polygons (GeoJSON geometries, EPSG:25833) of Kartverket's Basisdata zip."""
    member = fylker_member(path)
    with zipfile.ZipFile(path) as archive:
        try:
            document = json.loads(archive.read(member))
        except ValueError as exc:
            msg = f"{path}: {member} is not JSON ({exc}); {FYLKER_EXPECTED}"
            raise InputError(msg) from exc
    if not isinstance(document, dict) or "Fylke" not in document:
        keys = list(document)[:4] if isinstance(document, dict) else type(document).__name__
        msg = f"{path}: got a {member} with keys {keys}; {FYLKER_EXPECTED}"
        raise InputError(msg)
    return [feature["geometry"] for feature in document["Fylke"]["features"]]


def lattice(seed: int, octave: int, rows: range, cols: range) -> np.ndarray:
    """White-noise lattice values for node ``rows`` × ``cols`` of one octave.

    Nodes come in 64 × 64 tiles, each from its own seeded generator, so any sub-range is
    the same wherever it is requested from (windows and limited builds agree).
    """
    tile = LATTICE_TILE
    out = np.empty((len(rows), len(cols)))
    for tile_row in range(rows.start // tile, (rows.stop - 1) // tile + 1):
        for tile_col in range(cols.start // tile, (cols.stop - 1) // tile + 1):
            rng = np.random.default_rng([seed, 7, octave, tile_row + 1000, tile_col + 1000])
            values = rng.standard_normal((tile, tile))
            r0, c0 = tile_row * tile, tile_col * tile
            rs = slice(max(rows.start, r0), min(rows.stop, r0 + tile))
            cs = slice(max(cols.start, c0), min(cols.stop, c0 + tile))
            out[
                rs.start - rows.start : rs.stop - rows.start,
                cs.start - cols.start : cs.stop - cols.start,
            ] = values[rs.start - r0 : rs.stop - r0, cs.start - c0 : cs.stop - c0]
    return out


def value_noise(
    seed: int,
    octaves: tuple[tuple[float, float], ...],
    first_octave: int,
    x_m: np.ndarray,
    y_m: np.ndarray,
    origin: tuple[float, float],
) -> np.ndarray:
    """Sum of cubic B-spline value-noise octaves at the points, scaled to unit spread.

    Octave ``o`` has nodes every ``spacing_km`` km from ``origin`` (west, north) and weight
    ``w_o``; a cubic B-spline of unit white noise has a standard deviation of about 0.47.
    """
    total = np.zeros(x_m.shape)
    for offset, (spacing_km, weight) in enumerate(octaves):
        spacing_m = spacing_km * 1_000.0
        u = (x_m - origin[0]) / spacing_m
        v = (origin[1] - y_m) / spacing_m
        rows = range(int(np.floor(v.min())) - 2, int(np.floor(v.max())) + 4)
        cols = range(int(np.floor(u.min())) - 2, int(np.floor(u.max())) + 4)
        nodes = lattice(seed, first_octave + offset, rows, cols)
        coordinates = np.stack([v - rows.start, u - cols.start])
        total += weight * ndimage.map_coordinates(nodes, coordinates, order=3, prefilter=False)
    return np.asarray(total / (0.47 * math.sqrt(sum(w * w for _, w in octaves))))


def elevation_m(fields: TerrainFields, seed: int, x_m: np.ndarray, y_m: np.ndarray) -> np.ndarray:
    """Synthetic elevation (m) at the points: rising inland, rough in the mountains, low where
    people live.

    .. math:: z = 15 + I (900 + 380 n_1) + (30 + 240 I) n_2 + (6 + 50 I) n_3, \\quad
        I = 1 - e^{-d / 35\\,\\mathrm{km}}

    with ``d`` the distance from the sea and ``n_1..n_3`` macro, meso and micro noise; then
    scaled by ``0.2 + 0.8 exp(-ρ / 30)`` for ``ρ`` people per km² (smoothed), floored softly
    at 0 and capped at 2,300 m.
    """
    origin = (fields.x0_m, fields.y0_m)
    column = (x_m - fields.x0_m) / COARSE_M - 0.5
    row = (fields.y0_m - y_m) / COARSE_M - 0.5
    d_km = ndimage.map_coordinates(fields.coast_km, [row, column], order=1, mode="nearest")
    people_km2 = ndimage.map_coordinates(fields.people_km2, [row, column], order=1, mode="nearest")
    inland = 1.0 - np.exp(-d_km / INLAND_SCALE_KM)
    macro = value_noise(seed, MACRO_OCTAVES, 0, x_m, y_m, origin)
    meso = value_noise(seed, MESO_OCTAVES, 10, x_m, y_m, origin)
    micro = value_noise(seed, MICRO_OCTAVES, 20, x_m, y_m, origin)
    z = 15.0 + inland * (900.0 + 380.0 * macro) + (30.0 + 240.0 * inland) * meso
    z += (6.0 + 50.0 * inland) * micro
    z = 1.0 + (z - 1.0) * (0.2 + 0.8 * np.exp(-people_km2 / 30.0))
    z = np.where(z < 5.0, 5.0 * np.exp((z - 5.0) / 5.0), z)
    return np.asarray(np.minimum(z, MAX_ELEVATION_M))


def dtm_grid(
    bounds: tuple[float, float, float, float], fields: TerrainFields, cell_m: float
) -> tuple[Affine, int, int]:
    """Transform, width and height of a DTM covering ``bounds`` (+1 km), on the national grid."""
    minx, miny, maxx, maxy = bounds
    west = fields.x0_m + math.floor((minx - 1_000.0 - fields.x0_m) / cell_m) * cell_m
    north = fields.y0_m - math.floor((fields.y0_m - maxy - 1_000.0) / cell_m) * cell_m
    width = math.ceil((maxx + 1_000.0 - west) / cell_m)
    height = math.ceil((north - miny + 1_000.0) / cell_m)
    return Affine(cell_m, 0.0, west, 0.0, -cell_m, north), width, height


def write_national_dtm(
    path: Path,
    kommuner: gpd.GeoDataFrame,
    bounds: tuple[float, float, float, float],
    fields: TerrainFields,
    cell_m: float,
    seed: int,
) -> dict[str, float]:
    """Write the DTM window by window (512 × 512, one tile each); return figures.

    Land is every cell that touches a kommune polygon (``all_touched``), the rest nodata.
    """
    transform, width, height = dtm_grid(bounds, fields, cell_m)
    figures = {"dtm_width": width, "dtm_height": height, "dtm_land_cells": 0, "dtm_highest_m": 0.0}
    blocks = dtm_blocks(transform, width, height, kommuner, fields, seed, figures)
    write_dtm(path, transform, (height, width), blocks, block_px=DTM_BLOCK, threads=DTM_THREADS)
    return figures


def dtm_blocks(
    transform: Affine,
    width: int,
    height: int,
    kommuner: gpd.GeoDataFrame,
    fields: TerrainFields,
    seed: int,
    figures: dict[str, float],
) -> Iterator[tuple[Window, np.ndarray]]:
    """Each tile window and its elevation (nodata off the kommune polygons); counts the land
    cells and the highest elevation into ``figures`` as it goes."""
    cell_m = transform.a
    polygons = kommuner.geometry.to_numpy()
    tree = shapely.STRtree(polygons)
    for window in dtm_windows(width, height):
        window_transform = rasterio.windows.transform(window, transform)
        box = shapely.box(*rasterio.windows.bounds(window, transform))
        touching = polygons[tree.query(box, predicate="intersects")]
        shape = (int(window.height), int(window.width))
        block = np.full(shape, DTM_NODATA, dtype="float32")
        if touching.size:
            land = rasterio.features.rasterize(
                ((g, 1) for g in touching),
                shape,
                transform=window_transform,
                all_touched=True,
                dtype="uint8",
            ).astype(bool)
            rows, cols = np.nonzero(land)
            x_m = window_transform.c + (cols + 0.5) * cell_m
            y_m = window_transform.f - (rows + 0.5) * cell_m
            z = elevation_m(fields, seed, x_m, y_m)
            block[rows, cols] = np.round(z, 2)
            figures["dtm_land_cells"] += rows.size
            figures["dtm_highest_m"] = max(figures["dtm_highest_m"], float(z.max(initial=0.0)))
        yield window, block


def dtm_windows(width: int, height: int) -> Iterator[Window]:
    """The 512 × 512 tile windows of the raster, row by row."""
    for row in range(0, height, DTM_BLOCK):
        for col in range(0, width, DTM_BLOCK):
            yield Window(col, row, min(DTM_BLOCK, width - col), min(DTM_BLOCK, height - row))
