"""Terrain from Kartverket DTM GeoTIFF tiles (or any single-band elevation rasters).

The DTM input is one raster (GeoTIFF, VRT), or a folder of tiles in any projected CRSs — a
UTM 32 tile beside UTM 33 ones works. Tiles are never mosaicked in memory: each tile answers
for the points inside it, reading only the window those points cover.

Elevation and slope are sampled for many points at once: the raster window covering the points
is read once and indexed with numpy (``rasterio.sample`` point by point is ~100 s for 2.6 M
points). Points outside the raster or on nodata get ``has_terrain = False`` and NaN values,
never 0 m. Points in EPSG:25833 are reprojected to the raster's CRS when it differs (a UTM 32
tile works beside UTM 33 addresses).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import rasterio
from pyproj import Transformer
from rasterio.warp import Resampling, reproject, transform_bounds
from rasterio.windows import Window

from layers.checksums import sha256_of
from layers.errors import InputError
from layers.vocabulary import CRS_EPSG


@contextmanager
def raster_errors(path: Path | str, where: str) -> Iterator[None]:
    """Turn rasterio's errors (a truncated GeoTIFF, a corrupt tile, a failed warp) into one
    line :class:`InputError` naming the file and ``where`` it was read (the window)."""
    try:
        yield
    except rasterio.errors.RasterioError as exc:
        cause = exc.__cause__ or exc.__context__
        detail = " ".join(f"{exc}{f': {cause}' if cause else ''}".split())
        msg = (
            f"{path}: could not read {where} ({detail}); expected a readable raster (is the"
            " file truncated, or a tile corrupt?)"
        )
        raise InputError(msg) from exc


def describe_window(window: Window) -> str:
    """A raster window in words: "the window at row 0, col 256 (256 × 512 cells)"."""
    return (
        f"the window at row {int(window.row_off)}, col {int(window.col_off)}"
        f" ({int(window.height)} × {int(window.width)} cells)"
    )


def read_band(dataset: rasterio.DatasetReader, window: Window) -> np.ndarray:
    """Band 1 over ``window`` as float64, NaN for nodata; an error names the file and window."""
    with raster_errors(dataset.name, describe_window(window)):
        values = dataset.read(1, window=window, masked=True)
    return np.asarray(values.astype("float64").filled(np.nan))


def open_dtm(path: Path, what: str = "terrain") -> rasterio.DatasetReader:
    """Open a DTM (or ``what`` else: "surface model (DOM)"), failing clearly when it is
    missing, unreadable or has no CRS."""
    if not path.exists():
        msg = f"{path}: {what} file not found"
        raise InputError(msg)
    try:
        dataset = rasterio.open(path)
    except rasterio.errors.RasterioError as exc:
        detail = " ".join(str(exc).split())
        msg = f"{path}: not a raster GDAL can read ({detail}); expected a {what} GeoTIFF or VRT"
        raise InputError(msg) from exc
    if dataset.crs is None:
        msg = f"{path}: the raster has no CRS; expected a projected CRS such as EPSG:25833"
        raise InputError(msg)
    return dataset


def _to_raster_crs(
    dataset: rasterio.DatasetReader, x_m: np.ndarray, y_m: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    if dataset.crs.to_epsg() == CRS_EPSG:
        return x_m, y_m
    transformer = Transformer.from_crs(CRS_EPSG, dataset.crs, always_xy=True)
    return transformer.transform(x_m, y_m)


def slope_deg(
    dem: np.ndarray, rows: np.ndarray, cols: np.ndarray, cell_x_m: float, cell_y_m: float
) -> np.ndarray:
    """Slope at each cell by central differences over its four neighbours.

    .. math:: \\tan\\theta = \\sqrt{(\\partial z/\\partial x)^2 + (\\partial z/\\partial y)^2},
        \\quad \\partial z/\\partial x = (z_{r,c+1} - z_{r,c-1}) / 2\\Delta x

    ``dem`` holds NaN for nodata; cells on the window edge or next to nodata get NaN.
    """
    height, width = dem.shape
    inside = (rows >= 1) & (rows < height - 1) & (cols >= 1) & (cols < width - 1)
    # a NaN frame: a window of 2 cells (a point on the raster's corner) has no neighbours
    dem = np.pad(dem, 1, constant_values=np.nan)
    r = np.where(inside, rows, 0) + 1
    c = np.where(inside, cols, 0) + 1
    dz_dx = (dem[r, c + 1] - dem[r, c - 1]) / (2.0 * cell_x_m)
    dz_dy = (dem[r - 1, c] - dem[r + 1, c]) / (2.0 * cell_y_m)
    slope = np.degrees(np.arctan(np.hypot(dz_dx, dz_dy)))
    return np.where(inside, slope, np.nan)


def sample_terrain(
    dataset: rasterio.DatasetReader, x_m: np.ndarray, y_m: np.ndarray
) -> pd.DataFrame:
    """Elevation (m) and slope (degrees) of the DTM cell under each point.

    Returns a frame aligned to the input order with ``elevation_m``, ``slope_deg`` and
    ``has_terrain`` (False outside the raster or on nodata).
    """
    n = len(x_m)
    result = pd.DataFrame(
        {
            "elevation_m": np.full(n, np.nan),
            "slope_deg": np.full(n, np.nan),
            "has_terrain": np.zeros(n, dtype=bool),
        }
    )
    if n == 0:
        return result
    px, py = _to_raster_crs(dataset, np.asarray(x_m, "float64"), np.asarray(y_m, "float64"))
    rows, cols = rasterio.transform.rowcol(dataset.transform, px, py, op=np.floor)
    rows, cols = np.asarray(rows, "int64"), np.asarray(cols, "int64")
    on_raster = (rows >= 0) & (rows < dataset.height) & (cols >= 0) & (cols < dataset.width)
    if not on_raster.any():
        return result
    # one window around all points on the raster, with a one-cell margin for the slope
    row0 = max(int(rows[on_raster].min()) - 1, 0)
    col0 = max(int(cols[on_raster].min()) - 1, 0)
    row1 = min(int(rows[on_raster].max()) + 2, dataset.height)
    col1 = min(int(cols[on_raster].max()) + 2, dataset.width)
    window = Window(col0, row0, col1 - col0, row1 - row0)
    dem = read_band(dataset, window)
    r = rows[on_raster] - row0
    c = cols[on_raster] - col0
    elevation = dem[r, c]
    cell_x_m, cell_y_m = abs(dataset.transform.a), abs(dataset.transform.e)
    result.loc[on_raster, "elevation_m"] = elevation
    result.loc[on_raster, "slope_deg"] = slope_deg(dem, r, c, cell_x_m, cell_y_m)
    result.loc[on_raster, "has_terrain"] = ~np.isnan(elevation)
    return result


class DtmTiles:
    """One or many DTM rasters that sample as one surface (first tile with data wins).

    Use as a context manager; ``sample(x_m, y_m)`` takes EPSG:25833 points. ``what`` names the
    rasters in messages ("surface model (DOM)" for the DOM tiles read the same way).
    """

    def __init__(self, path: Path, what: str = "terrain") -> None:
        self.paths = dtm_paths(path, what)
        self.datasets = [open_dtm(p, what) for p in self.paths]
        self.bounds_25833 = [
            transform_bounds(d.crs, f"EPSG:{CRS_EPSG}", *d.bounds) for d in self.datasets
        ]

    def __enter__(self) -> DtmTiles:
        return self

    def __exit__(self, *exc: object) -> None:
        for dataset in self.datasets:
            dataset.close()

    def sample(self, x_m: np.ndarray, y_m: np.ndarray) -> pd.DataFrame:
        """Elevation, slope and ``has_terrain`` per point, aligned to the input order."""
        x_m, y_m = np.asarray(x_m, "float64"), np.asarray(y_m, "float64")
        result = sample_terrain(self.datasets[0], x_m[:0], y_m[:0]).reindex(range(len(x_m)))
        result["has_terrain"] = False
        for dataset, (left, bottom, right, top) in zip(
            self.datasets, self.bounds_25833, strict=True
        ):
            todo = ~result["has_terrain"].to_numpy()
            todo &= (x_m >= left) & (x_m <= right) & (y_m >= bottom) & (y_m <= top)
            if not todo.any():
                continue
            sampled = sample_terrain(dataset, x_m[todo], y_m[todo])
            sampled.index = np.flatnonzero(todo)
            result.loc[sampled.index[sampled["has_terrain"]]] = sampled[sampled["has_terrain"]]
        result["has_terrain"] = result["has_terrain"].astype(bool)
        return result


def dtm_digest(dtm: Path, checksums: Mapping[str, Mapping[str, Any]] | None = None) -> str:
    """SHA-256 over the SHA-256 of each DTM file (from ``checksums``, the run's input
    checksums, where they name the file; else read from the file), in file-name order."""
    known = {Path(v["path"]).resolve(): str(v["sha256"]) for v in (checksums or {}).values()}
    files = sorted(dtm_paths(dtm))
    sums = [known.get(p.resolve()) or sha256_of(p) for p in files]
    text = "\n".join(f"{p.name} {s}" for p, s in zip(files, sums, strict=True))
    return hashlib.sha256(text.encode()).hexdigest()


def dtm_paths(path: Path, what: str = "terrain") -> list[Path]:
    """The raster files behind ``path``: itself, or every .tif/.tiff/.vrt in a folder."""
    if path.is_dir():
        paths = sorted(p for p in path.iterdir() if p.suffix.lower() in (".tif", ".tiff", ".vrt"))
        if not paths:
            msg = f"{path}: no .tif, .tiff or .vrt files in the folder, expected {what} tiles"
            raise InputError(msg)
        return paths
    return [path]


def warp_band(
    dataset: rasterio.DatasetReader, shape: tuple[int, int], transform: Any, crs: Any
) -> np.ndarray:
    """Band 1 of ``dataset`` warped (bilinear) onto a grid; NaN for nodata and outside.

    An error names the file and the grid's bounds (in the grid's CRS).
    """
    warped = np.full(shape, np.nan, dtype="float32")
    left, top = transform * (0, 0)
    right, bottom = transform * (shape[1], shape[0])
    where = f"the area ({left:,.0f}, {bottom:,.0f}, {right:,.0f}, {top:,.0f}) in {crs}"
    with raster_errors(dataset.name, where):
        reproject(
            source=rasterio.band(dataset, 1),
            destination=warped,
            src_nodata=dataset.nodata,
            dst_transform=transform,
            dst_crs=crs,
            dst_nodata=np.nan,
            resampling=Resampling.bilinear,
        )
    return warped


def on_tiles(
    bounds_25833: list[tuple[float, float, float, float]], x_m: np.ndarray, y_m: np.ndarray
) -> np.ndarray:
    """Whether each EPSG:25833 point lies within the bounds of a tile (those bounds in
    EPSG:25833, as :class:`DtmTiles` samples them)."""
    inside = np.zeros(len(x_m), dtype=bool)
    for left, bottom, right, top in bounds_25833:
        inside |= (x_m >= left) & (x_m <= right) & (y_m >= bottom) & (y_m <= top)
    return inside


def _extent(bounds: list[tuple[float, float, float, float]]) -> str:
    """The union of bounds as "(west, south, east, north)" in whole metres."""
    array = np.asarray(bounds, dtype="float64").reshape(-1, 4)
    union = (array[:, 0].min(), array[:, 1].min(), array[:, 2].max(), array[:, 3].max())
    return "(" + ", ".join(f"{value:,.0f}" for value in union) + ")"


def refuse_dtm_off_the_addresses(
    path: Path, x_m: np.ndarray, y_m: np.ndarray, min_share: float = 0.0
) -> None:
    """Stop when the DTM covers none of the addresses, or less than ``min_share`` of them.

    An address is covered when it lies within a tile's bounds in EPSG:25833. A DTM with a
    wrong CRS tag, or a tile of another place, would otherwise give every address
    ``has_terrain = False`` and the run would go on without terrain, silently. Partial cover is
    allowed down to ``min_share`` (``[checks].min_addresses_on_dtm_share``): the addresses off
    the DTM get ``has_terrain = False``.
    """
    x_m, y_m = np.asarray(x_m, "float64"), np.asarray(y_m, "float64")
    finite = np.isfinite(x_m) & np.isfinite(y_m)
    x_m, y_m = x_m[finite], y_m[finite]
    if len(x_m) == 0:
        return
    with DtmTiles(path) as tiles:
        bounds = tiles.bounds_25833
    covered = int(on_tiles(bounds, x_m, y_m).sum())
    share = covered / len(x_m)
    if covered > 0 and share >= min_share:
        return
    addresses = _extent([(x_m.min(), y_m.min(), x_m.max(), y_m.max())])
    how = "remove dtm from [inputs] to run without terrain"
    if covered > 0:
        how = f"lower [checks].min_addresses_on_dtm_share to go on anyway (now {min_share:.0%})"
    msg = (
        f"{path}: the DTM covers {'none' if covered == 0 else f'{covered:,}'} of the"
        f" {len(x_m):,} addresses{'' if covered == 0 else f' ({share:.1%})'}: its bounds in"
        f" EPSG:{CRS_EPSG} are {_extent(bounds)}, the addresses' {addresses}; expected a DTM over"
        f" the addresses (is its CRS tag right, is it the right tile?), or {how}"
    )
    raise InputError(msg)
