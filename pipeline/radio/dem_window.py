"""DEM windows: an in-memory piece of the DTM around a set of paths, and heights sampled from it.

A :class:`DemWindow` is a north-up grid in the CRS of the first DTM raster that covers the
area (rasters on other grids or in other CRSs are warped onto it). Heights are read from it by
bilinear interpolation of cell centres (:func:`bilinear_m`, formula in its docstring) or, at
path endpoints, with a fall-back to the cell under the point (:func:`ground_m`).

Conventions. Nodata cells are NaN; cells that no raster covers are NaN with ``on_raster``
False (unknown, never sea). A bilinear height is NaN where any of its four cells is NaN or off
the raster, unless the caller asks for nodata cells to be taken as a given height
(:func:`bilinear_at_cells` with ``nodata_m``; :mod:`pipeline.radio.los` uses it for the sea-level
rule). Positions are in the window's CRS; :func:`read_dem_window` takes EPSG:25833 bounds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import rasterio
import shapely
from affine import Affine
from numpy.typing import ArrayLike, NDArray
from pyproj import Transformer
from rasterio.crs import CRS
from rasterio.features import rasterize
from rasterio.warp import transform_bounds
from rasterio.windows import Window
from scipy import ndimage

from layers.dtm import DtmTiles, read_band, warp_band
from layers.errors import InputError
from layers.vocabulary import CRS_EPSG

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class DemWindow:
    """An in-memory piece of a DEM on a north-up grid.

    Attributes
    ----------
    elevation_m : 2-D float array (float32 saves memory), NaN for nodata.
    transform : affine transform of the window (pixel corner to CRS coordinates).
    crs : the window's (projected) CRS.
    on_raster : False where no raster covers a cell (unknown, never sea); None = all covered.
    bare_earth_m : where ``elevation_m`` is a surface (terrain + buildings and trees, a DOM):
        the terrain under it on the same grid (:mod:`pipeline.radio.clutter`); None = the
        elevation is the terrain.
    forest : bool per cell, True where a forest polygon covers the cell's centre
        (:mod:`pipeline.radio.clutter`); None = no forest layer.
    """

    elevation_m: np.ndarray
    transform: Affine
    crs: CRS
    on_raster: np.ndarray | None = None
    bare_earth_m: np.ndarray | None = None
    forest: np.ndarray | None = None
    _highest: dict[float | None, np.ndarray] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        shape = self.elevation_m.shape
        if self.elevation_m.ndim != 2 or min(shape) < 2:
            msg = f"DEM window: got an array of shape {shape}, expected 2-D with at least 2 × 2"
            raise InputError(msg)
        t = self.transform
        if t.b != 0 or t.d != 0 or t.a <= 0 or t.e >= 0:
            msg = f"DEM window: got transform {tuple(t)[:6]}, expected a north-up grid"
            raise InputError(msg)
        for name in ("on_raster", "bare_earth_m", "forest"):
            layer = getattr(self, name)
            if layer is not None and layer.shape != shape:
                msg = f"DEM window: {name} has shape {layer.shape}, expected {shape}"
                raise InputError(msg)

    def terrain(self) -> DemWindow:
        """The bare-earth window: itself, or its ``bare_earth_m`` on the same grid."""
        if self.bare_earth_m is None:
            return self
        return DemWindow(self.bare_earth_m, self.transform, self.crs, self.on_raster)

    @property
    def cell_size_m(self) -> float:
        """The smaller of the two cell sides (the largest allowed sample spacing)."""
        return float(min(self.transform.a, -self.transform.e))

    def highest_nearby_m(self, nodata_m: float | None) -> np.ndarray:
        """Per cell ``(r, c)``, the highest cell of rows ``r-1 … r+2``, columns ``c-1 … c+2``
        (kept per ``nodata_m``: one float32 array the size of the window).

        Every bilinear height within a cell of a point in cell ``(r, c)`` is at most this. A
        nodata cell counts as ``nodata_m`` where a raster covers it (the sea rule), else as
        +inf (unknown).
        """
        if nodata_m not in self._highest:
            elevation_m = self.elevation_m
            unknown = np.isnan(elevation_m)
            if nodata_m is not None:
                sea = unknown if self.on_raster is None else unknown & self.on_raster
                elevation_m = np.where(sea, np.float32(nodata_m), elevation_m)
                unknown &= ~sea
            elevation_m = np.where(unknown, np.float32(np.inf), elevation_m)
            self._highest[nodata_m] = ndimage.maximum_filter(
                elevation_m, size=4, origin=-1, mode="nearest"
            )
        return self._highest[nodata_m]


def read_dem_window(
    source: rasterio.DatasetReader | DtmTiles,
    bounds_25833: tuple[float, float, float, float],
    margin_m: float = 0.0,
) -> DemWindow:
    """Read the DEM window covering ``bounds_25833`` (left, bottom, right, top) + ``margin_m``.

    The window is on the grid and in the CRS of the first raster that intersects the bounds,
    with one extra cell on every side for the interpolation. Rasters on the same grid are
    copied cell for cell (first raster with data wins, as in :class:`layers.dtm.DtmTiles`);
    a raster in another CRS or grid is warped onto it with bilinear resampling. Cells no
    raster covers are NaN with ``on_raster`` False.
    """
    if isinstance(source, DtmTiles):
        datasets, footprints = source.datasets, source.bounds_25833
    else:
        datasets = [source]
        footprints = [transform_bounds(source.crs, f"EPSG:{CRS_EPSG}", *source.bounds)]
    left, bottom = bounds_25833[0] - margin_m, bounds_25833[1] - margin_m
    right, top = bounds_25833[2] + margin_m, bounds_25833[3] + margin_m
    hits = [
        d
        for d, (fl, fb, fr, ft) in zip(datasets, footprints, strict=True)
        if fl <= right and fr >= left and fb <= top and ft >= bottom
    ]
    grid = (hits or datasets)[0]
    box = transform_bounds(f"EPSG:{CRS_EPSG}", grid.crs, left, bottom, right, top, 21)
    cols, rows = ~grid.transform @ (np.array(box[0::2]), np.array(box[3:0:-2]))
    col0, row0 = math.floor(min(cols)) - 1, math.floor(min(rows)) - 1
    width = max(math.ceil(max(cols)) + 1 - col0, 2)
    height = max(math.ceil(max(rows)) + 1 - row0, 2)
    transform = grid.transform @ Affine.translation(col0, row0)
    elevation_m, on_raster = _paste(hits, (height, width), transform, grid.crs)
    return DemWindow(elevation_m, transform, grid.crs, None if on_raster.all() else on_raster)


def read_onto_grid(source: DtmTiles, window: DemWindow) -> tuple[np.ndarray, np.ndarray]:
    """The rasters of ``source`` on the grid of ``window`` (float32, NaN for nodata and where
    none covers a cell) and where they cover it: cell for cell on the same grid, else warped
    (bilinear) once for the whole window, as :func:`read_dem_window` does."""
    height, width = window.elevation_m.shape
    left, top = window.transform * (0, 0)
    right, bottom = window.transform * (width, height)
    box = transform_bounds(window.crs, f"EPSG:{CRS_EPSG}", left, bottom, right, top, 21)
    hits = [
        d
        for d, (fl, fb, fr, ft) in zip(source.datasets, source.bounds_25833, strict=True)
        if fl <= box[2] and fr >= box[0] and fb <= box[3] and ft >= box[1]
    ]
    return _paste(hits, (height, width), window.transform, window.crs)


def _paste(
    datasets: list[rasterio.DatasetReader], shape: tuple[int, int], transform: Affine, crs: CRS
) -> tuple[np.ndarray, np.ndarray]:
    """Band 1 of ``datasets`` on a grid, first with data wins, and where any covers it."""
    elevation_m = np.full(shape, np.nan, dtype="float32")
    on_raster = np.zeros(shape, dtype=bool)
    for dataset in datasets:
        offset = _grid_offset(dataset, transform, crs)
        if offset is None:
            _paste_warped(dataset, elevation_m, on_raster, transform, crs)
        else:
            _paste_cells(dataset, elevation_m, on_raster, offset)
    return elevation_m, on_raster


def _grid_offset(
    dataset: rasterio.DatasetReader, transform: Affine, crs: CRS
) -> tuple[int, int] | None:
    """(col, row) of the window's first cell in ``dataset``'s grid; None when grids differ."""
    t = dataset.transform
    if dataset.crs != crs or not np.allclose((t.a, t.e), (transform.a, transform.e)):
        return None
    col, row = ~t @ (transform.c, transform.f)
    if abs(col - round(col)) > 1e-6 or abs(row - round(row)) > 1e-6:
        return None
    return round(col), round(row)


def _paste_cells(
    dataset: rasterio.DatasetReader,
    elevation_m: np.ndarray,
    on_raster: np.ndarray,
    offset: tuple[int, int],
) -> None:
    height, width = elevation_m.shape
    col0, row0 = max(offset[0], 0), max(offset[1], 0)
    col1 = min(offset[0] + width, dataset.width)
    row1 = min(offset[1] + height, dataset.height)
    if col1 <= col0 or row1 <= row0:
        return
    window = Window(col0, row0, col1 - col0, row1 - row0)
    values = read_band(dataset, window).astype("float32")
    cells = np.s_[row0 - offset[1] : row1 - offset[1], col0 - offset[0] : col1 - offset[0]]
    target = elevation_m[cells]
    empty = np.isnan(target)
    target[empty] = values[empty]
    on_raster[cells] = True


def _paste_warped(
    dataset: rasterio.DatasetReader,
    elevation_m: np.ndarray,
    on_raster: np.ndarray,
    transform: Affine,
    crs: CRS,
) -> None:
    warped = warp_band(dataset, elevation_m.shape, transform, crs)
    footprint = shapely.segmentize(shapely.box(*dataset.bounds), max(dataset.res) * 10)
    to_window = Transformer.from_crs(dataset.crs, crs, always_xy=True)
    footprint = shapely.transform(footprint, lambda xy: np.column_stack(to_window.transform(*xy.T)))
    covered = rasterize([footprint], out_shape=elevation_m.shape, transform=transform) > 0
    fill = np.isnan(elevation_m) & ~np.isnan(warped)
    elevation_m[fill] = warped[fill]
    on_raster |= covered


def bilinear_m(window: DemWindow, x: ArrayLike, y: ArrayLike) -> FloatArray:
    """Elevation at points ``x``, ``y`` (window CRS) by bilinear interpolation of cell centres.

    .. math:: z = (1-u)(1-v) z_{00} + u (1-v) z_{01} + (1-u) v z_{10} + u v z_{11}

    with ``u``, ``v`` the fractions of a cell east and south of the centre of ``z00``. NaN
    where any of the four cells is nodata or outside the window.
    """
    col, row = cell_coordinates(window, np.asarray(x, "float64"), np.asarray(y, "float64"))
    return bilinear_at_cells(window, col, row, None, known_inside=False)[0]


def cell_coordinates(
    window: DemWindow, x: FloatArray, y: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Column and row of points in units of cells, 0 at the centre of the first cell."""
    t = window.transform
    return (x - t.c) / t.a - 0.5, (y - t.f) / t.e - 0.5


def bilinear_at_cells(
    window: DemWindow, col: FloatArray, row: FloatArray, nodata_m: float | None, known_inside: bool
) -> tuple[FloatArray, np.ndarray, NDArray[np.int64]]:
    """Bilinear elevation at cell coordinates, where a nodata cell was taken as ``nodata_m``,
    and the flat index (``row0 · width + col0``) of each point's first corner cell, to read
    other per-cell arrays (e.g. :meth:`DemWindow.highest_nearby_m`) at the same points.

    ``known_inside`` skips the bounds check (the caller knows every point lies between cell
    centres of the window, e.g. samples on a segment whose ends do: the window is convex).
    """
    height, width = window.elevation_m.shape
    inside = np.ones(len(col), dtype=bool)
    if not known_inside:
        inside = (col >= 0) & (col <= width - 1) & (row >= 0) & (row <= height - 1)
        col, row = np.where(inside, col, 0.0), np.where(inside, row, 0.0)
    col0 = np.minimum(col.astype(np.int64), width - 2)  # col >= 0: truncation is floor
    row0 = np.minimum(row.astype(np.int64), height - 2)
    u, v = col - col0, row - row0
    index = row0 * width + col0
    flat = window.elevation_m.ravel()
    corners = [flat.take(index), flat[1:].take(index), flat[width:].take(index)]
    corners.append(flat[width + 1 :].take(index))
    elevation_m = _blend(corners, u, v)
    filled = np.zeros(len(col), dtype=bool)
    if nodata_m is not None:
        nodata = np.flatnonzero(np.isnan(elevation_m))
        if len(nodata):
            sea = [np.where(np.isnan(z[nodata]), np.float32(nodata_m), z[nodata]) for z in corners]
            elevation_m[nodata] = _blend(sea, u[nodata], v[nodata])
            filled[nodata] = True
    if window.on_raster is not None:
        covered = window.on_raster.ravel()
        inside &= covered.take(index) & covered[1:].take(index)
        inside &= covered[width:].take(index) & covered[width + 1 :].take(index)
    if not inside.all():
        elevation_m[~inside] = np.nan
        filled &= inside
    return elevation_m, filled, index


def _blend(corners: list[np.ndarray], u: FloatArray, v: FloatArray) -> FloatArray:
    """Bilinear blend of the corners ``z00, z01, z10, z11`` in float64 (they may be float32)."""
    z00, z01, z10, z11 = corners
    top = z00 + u * np.subtract(z01, z00, dtype="float64")
    bottom = z10 + u * np.subtract(z11, z10, dtype="float64")
    blended_m: FloatArray = top + v * (bottom - top)  # float64, as the differences
    return blended_m


def _cell_m(window: DemWindow, x: FloatArray, y: FloatArray) -> FloatArray:
    """Elevation of the cell under each point; NaN off the window, nodata or off the raster."""
    height, width = window.elevation_m.shape
    col, row = ~window.transform @ (x, y)
    col, row = np.floor(col), np.floor(row)
    inside = (col >= 0) & (col < width) & (row >= 0) & (row < height)
    c = np.where(inside, col, 0).astype(np.int64)
    r = np.where(inside, row, 0).astype(np.int64)
    if window.on_raster is not None:
        inside &= window.on_raster[r, c]
    return np.where(inside, window.elevation_m[r, c], np.nan)


def ground_m(window: DemWindow, x: ArrayLike, y: ArrayLike) -> FloatArray:
    """Ground height at path endpoints (window CRS): NaN where the cell under it is nodata.

    Bilinear where the four cells have data, else the value of the cell under the point (an
    address next to the shore keeps its ground height).
    """
    x, y = np.asarray(x, "float64"), np.asarray(y, "float64")
    cell_m = _cell_m(window, x, y)
    smooth_m = bilinear_m(window, x, y)
    return np.where(np.isnan(cell_m), np.nan, np.where(np.isnan(smooth_m), cell_m, smooth_m))
