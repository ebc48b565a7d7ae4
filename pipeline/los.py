"""Wireless line of sight: which households a site can really reach over the terrain.

For every (address, wireless site) pair within the site's ``max_range_m``, the terrain profile
between the antenna (ground + mast height) and the receiver (ground + CPE height) is sampled
from an in-memory DEM window, with earth curvature (effective radius factor ``k``, default 4/3)
and a required clearance of a share (default 60 %) of the first Fresnel zone at the site's
frequency. Pairs come from a KD-tree; profiles are sampled for many pairs at once with numpy,
in chunks of a bounded number of samples.

Geometry. The profile is the straight line between the endpoints in the DEM's CRS (endpoints
given in EPSG:25833 are transformed to it; a straight 50 km line in UTM 33 maps to a line in
UTM 32 that bends by at most ~4 m, under half a 10 m cell). With ``n = ceil(D / spacing_m)``
intervals, the interior samples are ``t = i / n`` for ``i = 1 … n - 1`` at ``d1 = t D`` from
the site and ``d2 = D - d1`` (D in the DEM's CRS; a path shorter than one spacing has no
interior sample and LOS)::

    clearance(t) = z_tx + t (z_rx - z_tx) - terrain(t) - earth_bulge(d1, d2)
    ratio(t)     = clearance(t) / F1(d1, d2)
    LOS          = min_t ratio(t) >= fresnel_clearance

The worst point (``argmin ratio``) is the dominant knife edge: the ITU-R P.526 diffraction
parameter is ``v = -sqrt(2) · ratio``. The profile is the DTM along the path only: buildings
and forest are not in a DTM and the Fresnel zone's width beside the path is not checked, so
LOS here is an upper bound on what a planner will find in the field.

Nodata rule (``sea_level_for_nodata``, default True). Norwegian DTMs hold nodata over the sea.
An *interior* sample with a nodata cell among its four neighbours takes that cell as sea level
(0 m), so a mast on the coast reaches an island across the water; the share of such samples
is reported (``sea_share``). Kartverket tiles also hold nodata beyond the border, where this
rule is optimistic. An *endpoint* whose cell is nodata has no ground height (a pier, a
misplaced address): the pair gets ``terrain_ok = False`` and ``los = False``. A sample outside
every raster is unknown whatever the rule: ``terrain_ok = False``, ``los = False``. Nodata is
never silently 0 m when the rule is off.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd
import rasterio
import shapely
from affine import Affine
from numpy.typing import ArrayLike, NDArray
from pyproj import Transformer
from rasterio.crs import CRS
from rasterio.features import rasterize
from rasterio.warp import transform_bounds
from rasterio.windows import Window
from scipy.spatial import cKDTree

from layers.dtm import POINT_EPSG, DtmTiles, warp_band
from pipeline.errors import InputError

EARTH_RADIUS_M = 6_371_000.0
SPEED_OF_LIGHT_M_PER_S = 299_792_458.0
DEFAULT_K_FACTOR = 4.0 / 3.0
DEFAULT_FRESNEL_CLEARANCE = 0.6
DEFAULT_MAX_SAMPLES_PER_CHUNK = 250_000  # ~30 MB of work arrays; larger chunks run slower
DEFAULT_MAX_WINDOW_CELLS = 40_000_000  # 160 MB of float32 per window

FloatArray = NDArray[np.float64]
LOS_COLUMNS = (
    "los",
    "terrain_ok",
    "worst_clearance_ratio",
    "obstruction_x_m",
    "obstruction_y_m",
    "obstruction_distance_m",
    "tx_ground_m",
    "rx_ground_m",
    "sea_share",
)
LINK_COLUMNS = (
    "address_idx",
    "site_id",
    "distance_m",
    "los",
    "terrain_ok",
    "worst_clearance_ratio",
    "obstruction_x_m",
    "obstruction_y_m",
)
BEST_SITE_COLUMNS = (
    "los_site_id",
    "los_distance_m",
    "has_los",
    "worst_clearance_ratio",
    "obstruction_x_m",
    "obstruction_y_m",
    "sites_in_range",
    "los_sites",
    "los_terrain_ok",
)


def fresnel_radius_m(d1_m: ArrayLike, d2_m: ArrayLike, frequency_mhz: ArrayLike) -> FloatArray:
    """Radius of the first Fresnel zone at distances ``d1_m`` and ``d2_m`` from the two ends.

    .. math:: F_1 = \\sqrt{\\lambda d_1 d_2 / (d_1 + d_2)}, \\quad \\lambda = c / f

    with :math:`c` = 299 792 458 m/s and :math:`f` in Hz (``frequency_mhz · 1e6``); 0 at an end.
    """
    d1, d2 = np.asarray(d1_m, "float64"), np.asarray(d2_m, "float64")
    wavelength_m = SPEED_OF_LIGHT_M_PER_S / (np.asarray(frequency_mhz, "float64") * 1e6)
    total_m = d1 + d2
    with np.errstate(invalid="ignore", divide="ignore"):
        radius_m = np.sqrt(wavelength_m * d1 * d2 / total_m)
    return np.where(total_m > 0, radius_m, 0.0)


def earth_bulge_m(
    d1_m: ArrayLike, d2_m: ArrayLike, k_factor: float = DEFAULT_K_FACTOR
) -> FloatArray:
    """Height of the earth's bulge above the chord at distances ``d1_m``, ``d2_m`` from the ends.

    .. math:: h = \\frac{d_1 d_2}{2 k R}, \\quad R = 6\\,371\\,000 \\text{ m}

    ``k`` is the effective earth radius factor (4/3 for the standard atmosphere).
    """
    d1, d2 = np.asarray(d1_m, "float64"), np.asarray(d2_m, "float64")
    return d1 * d2 / (2.0 * k_factor * EARTH_RADIUS_M)


# --- the DEM window -------------------------------------------------------------------------


@dataclass(frozen=True)
class DemWindow:
    """An in-memory piece of a DEM on a north-up grid.

    Attributes
    ----------
    elevation_m : 2-D float array (float32 saves memory), NaN for nodata.
    transform : affine transform of the window (pixel corner to CRS coordinates).
    crs : the window's (projected) CRS.
    on_raster : False where no raster covers a cell (unknown, never sea); None = all covered.
    """

    elevation_m: np.ndarray
    transform: Affine
    crs: CRS
    on_raster: np.ndarray | None = None

    def __post_init__(self) -> None:
        shape = self.elevation_m.shape
        if self.elevation_m.ndim != 2 or min(shape) < 2:
            msg = f"DEM window: got an array of shape {shape}, expected 2-D with at least 2 × 2"
            raise InputError(msg)
        t = self.transform
        if t.b != 0 or t.d != 0 or t.a <= 0 or t.e >= 0:
            msg = f"DEM window: got transform {tuple(t)[:6]}, expected a north-up grid"
            raise InputError(msg)
        if self.on_raster is not None and self.on_raster.shape != shape:
            msg = f"DEM window: on_raster has shape {self.on_raster.shape}, expected {shape}"
            raise InputError(msg)

    @property
    def cell_size_m(self) -> float:
        """The smaller of the two cell sides (the largest allowed sample spacing)."""
        return float(min(self.transform.a, -self.transform.e))


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
        footprints = [transform_bounds(source.crs, f"EPSG:{POINT_EPSG}", *source.bounds)]
    left, bottom = bounds_25833[0] - margin_m, bounds_25833[1] - margin_m
    right, top = bounds_25833[2] + margin_m, bounds_25833[3] + margin_m
    hits = [
        d
        for d, (fl, fb, fr, ft) in zip(datasets, footprints, strict=True)
        if fl <= right and fr >= left and fb <= top and ft >= bottom
    ]
    grid = (hits or datasets)[0]
    box = transform_bounds(f"EPSG:{POINT_EPSG}", grid.crs, left, bottom, right, top, 21)
    cols, rows = ~grid.transform @ (np.array(box[0::2]), np.array(box[3:0:-2]))
    col0, row0 = math.floor(min(cols)) - 1, math.floor(min(rows)) - 1
    width = max(math.ceil(max(cols)) + 1 - col0, 2)
    height = max(math.ceil(max(rows)) + 1 - row0, 2)
    transform = grid.transform @ Affine.translation(col0, row0)
    elevation_m = np.full((height, width), np.nan, dtype="float32")
    on_raster = np.zeros((height, width), dtype=bool)
    for dataset in hits:
        offset = _grid_offset(dataset, transform, grid.crs)
        if offset is None:
            _paste_warped(dataset, elevation_m, on_raster, transform, grid.crs)
        else:
            _paste_cells(dataset, elevation_m, on_raster, offset)
    return DemWindow(elevation_m, transform, grid.crs, None if on_raster.all() else on_raster)


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
    values = dataset.read(1, window=window, masked=True).astype("float32").filled(np.nan)
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
    col, row = _cell_coordinates(window, np.asarray(x, "float64"), np.asarray(y, "float64"))
    return _interpolate(window, col, row, None, known_inside=False)[0]


def _cell_coordinates(
    window: DemWindow, x: FloatArray, y: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Column and row of points in units of cells, 0 at the centre of the first cell."""
    t = window.transform
    return (x - t.c) / t.a - 0.5, (y - t.f) / t.e - 0.5


def _interpolate(
    window: DemWindow, col: FloatArray, row: FloatArray, nodata_m: float | None, known_inside: bool
) -> tuple[FloatArray, np.ndarray]:
    """Bilinear elevation at cell coordinates, and where a nodata cell was taken as ``nodata_m``.

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
    return elevation_m, filled


def _blend(corners: list[np.ndarray], u: FloatArray, v: FloatArray) -> FloatArray:
    """Bilinear blend of the corners ``z00, z01, z10, z11`` in float64 (they may be float32)."""
    z00, z01, z10, z11 = corners
    top = z00 + u * np.subtract(z01, z00, dtype="float64")
    bottom = z10 + u * np.subtract(z11, z10, dtype="float64")
    return top + v * (bottom - top)


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


# --- candidate pairs ------------------------------------------------------------------------


class CandidatePairs(NamedTuple):
    """Positional indices of address and site, and their distance (EPSG:25833)."""

    address_idx: NDArray[np.int64]
    site_idx: NDArray[np.int64]
    distance_m: FloatArray


def candidate_pairs(
    addresses_x_m: ArrayLike,
    addresses_y_m: ArrayLike,
    sites: pd.DataFrame,
    max_sites_per_address: int | None = None,
) -> CandidatePairs:
    """Every (address, site) pair with ``distance_m <= max_range_m`` of the site.

    KD-trees over addresses and sites (``x_m``, ``y_m``, ``max_range_m`` columns of the
    canonical site table) are joined with ``sparse_distance_matrix``, once per band of similar
    ranges (a factor 2^(1/4) wide), then cut at each site's own range. Addresses or sites with
    missing coordinates or range take no part. With ``max_sites_per_address``, only that many
    nearest sites are kept per address. Pairs are sorted by site, then address.
    """
    x, y = np.asarray(addresses_x_m, "float64"), np.asarray(addresses_y_m, "float64")
    missing = [c for c in ("x_m", "y_m", "max_range_m") if c not in sites.columns]
    if missing:
        msg = f"sites: missing columns {missing}; expected the canonical site table"
        raise InputError(msg)
    site_xy = sites[["x_m", "y_m"]].to_numpy(dtype="float64")
    range_m = sites["max_range_m"].to_numpy(dtype="float64")
    usable_sites = np.flatnonzero(np.isfinite(site_xy).all(axis=1) & (range_m >= 0))
    usable_addresses = np.flatnonzero(np.isfinite(x) & np.isfinite(y))
    found: list[np.ndarray] = [np.zeros(0, dtype=[("i", "<i8"), ("j", "<i8"), ("v", "<f8")])]
    if len(usable_sites) and len(usable_addresses):
        address_tree = cKDTree(np.column_stack([x[usable_addresses], y[usable_addresses]]))
        band = np.ceil(4 * np.log2(np.maximum(range_m[usable_sites], 1.0)))
        for value in np.unique(band):
            in_band = usable_sites[band == value]
            site_tree = cKDTree(site_xy[in_band])
            near = site_tree.sparse_distance_matrix(
                address_tree, range_m[in_band].max(), output_type="ndarray"
            )
            near = near[near["v"] <= range_m[in_band][near["i"]]]
            near["i"], near["j"] = in_band[near["i"]], usable_addresses[near["j"]]
            found.append(near)
    pairs = np.concatenate(found)
    address_idx, site_idx, distance_m = pairs["j"], pairs["i"], pairs["v"]
    if max_sites_per_address is not None:
        keep = _nearest_per_address(address_idx, distance_m, max_sites_per_address)
        address_idx, site_idx, distance_m = address_idx[keep], site_idx[keep], distance_m[keep]
    order = np.argsort(site_idx * max(len(x), 1) + address_idx, kind="stable")
    return CandidatePairs(address_idx[order], site_idx[order], distance_m[order])


def _nearest_per_address(address_idx: np.ndarray, distance_m: np.ndarray, n: int) -> np.ndarray:
    order = np.lexsort((distance_m, address_idx))
    sorted_address = address_idx[order]
    start = np.r_[True, sorted_address[1:] != sorted_address[:-1]]
    group_start = np.maximum.accumulate(np.where(start, np.arange(len(order)), 0))
    return np.sort(order[np.arange(len(order)) - group_start < n])


# --- line of sight --------------------------------------------------------------------------


def line_of_sight(
    window: DemWindow,
    tx_x_m: ArrayLike,
    tx_y_m: ArrayLike,
    antenna_height_m: ArrayLike,
    rx_x_m: ArrayLike,
    rx_y_m: ArrayLike,
    cpe_height_m: ArrayLike,
    frequency_mhz: ArrayLike,
    *,
    tx_ground_m: ArrayLike | None = None,
    rx_ground_m: ArrayLike | None = None,
    k_factor: float = DEFAULT_K_FACTOR,
    fresnel_clearance: float = DEFAULT_FRESNEL_CLEARANCE,
    spacing_m: float | None = None,
    sea_level_for_nodata: bool = True,
    max_samples_per_chunk: int = DEFAULT_MAX_SAMPLES_PER_CHUNK,
) -> pd.DataFrame:
    """Line of sight with Fresnel clearance for N (site, receiver) pairs at once.

    Positions are EPSG:25833; heights above ground in metres. The antenna stands at
    ``tx_ground_m`` (default: the DEM at the site) + ``antenna_height_m``, the receiver at
    ``rx_ground_m`` (default: the DEM) + ``cpe_height_m``. Samples are at most ``spacing_m``
    apart (default and maximum: the DEM cell size). See the module docstring for the formulas
    and the nodata rule.

    Returns
    -------
    DataFrame, one row per pair in input order, with ``los``, ``terrain_ok``,
    ``worst_clearance_ratio`` (min clearance / F1 over the interior samples with known
    terrain; +inf when the path has no interior sample), ``obstruction_x_m``,
    ``obstruction_y_m`` (EPSG:25833) and ``obstruction_distance_m`` (from the site) of the
    worst sample, ``tx_ground_m``, ``rx_ground_m`` and ``sea_share`` (share of interior
    samples on nodata taken as sea level).
    """
    tx_x, tx_y, antenna, rx_x, rx_y, cpe, frequency = np.broadcast_arrays(
        *(
            np.atleast_1d(np.asarray(a, "float64"))
            for a in (tx_x_m, tx_y_m, antenna_height_m, rx_x_m, rx_y_m, cpe_height_m, frequency_mhz)
        )
    )
    spacing_m = _check_settings(window, frequency, k_factor, fresnel_clearance, spacing_m)
    (tx_wx, rx_wx), (tx_wy, rx_wy) = _to_window_crs(window, (tx_x, rx_x), (tx_y, rx_y))
    tx_ground = _given_or_sampled(tx_ground_m, window, tx_wx, tx_wy, len(tx_x))
    rx_ground = _given_or_sampled(rx_ground_m, window, rx_wx, rx_wy, len(tx_x))
    profile = _Profiles(
        x_m=tx_wx,
        y_m=tx_wy,
        dx_m=rx_wx - tx_wx,
        dy_m=rx_wy - tx_wy,
        z_m=tx_ground + antenna,
        dz_m=(rx_ground + cpe) - (tx_ground + antenna),
        length_m=np.hypot(rx_wx - tx_wx, rx_wy - tx_wy),
        wavelength_m=SPEED_OF_LIGHT_M_PER_S / (frequency * 1e6),
    )
    interior = np.maximum(np.ceil(profile.length_m / spacing_m), 1).astype(np.int64) - 1
    ends_known = np.isfinite(tx_ground) & np.isfinite(rx_ground)
    worst = np.where(ends_known, np.inf, np.nan)
    t_worst = np.full(len(tx_x), np.nan)
    unknown = ~ends_known
    sea = np.zeros(len(tx_x), dtype=np.int64)
    todo = np.flatnonzero(ends_known & (interior > 0))
    nodata_m = 0.0 if sea_level_for_nodata else None
    for chunk in _chunks(interior[todo], max_samples_per_chunk):
        pairs = todo[chunk]
        result = _profile_chunk(window, profile.take(pairs), interior[pairs], k_factor, nodata_m)
        worst[pairs], t_worst[pairs], unknown[pairs], sea[pairs] = result
    distance_m = np.hypot(rx_x - tx_x, rx_y - tx_y)
    return pd.DataFrame(
        {
            "los": ~unknown & (worst >= fresnel_clearance),
            "terrain_ok": ~unknown,
            "worst_clearance_ratio": worst,
            "obstruction_x_m": tx_x + t_worst * (rx_x - tx_x),
            "obstruction_y_m": tx_y + t_worst * (rx_y - tx_y),
            "obstruction_distance_m": t_worst * distance_m,
            "tx_ground_m": tx_ground,
            "rx_ground_m": rx_ground,
            "sea_share": sea / np.maximum(interior, 1),
        }
    )


@dataclass(frozen=True)
class _Profiles:
    """Per-pair constants of the straight profile (window CRS)."""

    x_m: FloatArray
    y_m: FloatArray
    dx_m: FloatArray
    dy_m: FloatArray
    z_m: FloatArray  # antenna height above sea level
    dz_m: FloatArray  # receiver minus antenna height above sea level
    length_m: FloatArray
    wavelength_m: FloatArray

    def take(self, pairs: np.ndarray) -> _Profiles:
        return _Profiles(*(getattr(self, f)[pairs] for f in self.__dataclass_fields__))


def _check_settings(
    window: DemWindow,
    frequency_mhz: FloatArray,
    k_factor: float,
    fresnel_clearance: float,
    spacing_m: float | None,
) -> float:
    if not (frequency_mhz > 0).all():
        bad = frequency_mhz[~(frequency_mhz > 0)][:3].tolist()
        msg = f"frequency_mhz: got {bad}, expected a frequency > 0 MHz for every site"
        raise InputError(msg)
    if not k_factor > 0:
        msg = f"k_factor: got {k_factor}, expected an effective earth radius factor > 0 (4/3)"
        raise InputError(msg)
    if not fresnel_clearance >= 0:
        msg = f"fresnel_clearance: got {fresnel_clearance}, expected a share >= 0 of F1 (0.6)"
        raise InputError(msg)
    cell_m = window.cell_size_m
    spacing = cell_m if spacing_m is None else spacing_m
    if not 0 < spacing <= cell_m * (1 + 1e-9):
        msg = f"spacing_m: got {spacing_m}, expected 0 < spacing <= the DEM cell size {cell_m} m"
        raise InputError(msg)
    return spacing


def _to_window_crs(
    window: DemWindow, xs: tuple[FloatArray, ...], ys: tuple[FloatArray, ...]
) -> tuple[list[FloatArray], list[FloatArray]]:
    if window.crs == CRS.from_epsg(POINT_EPSG):
        return list(xs), list(ys)
    transformer = Transformer.from_crs(POINT_EPSG, window.crs, always_xy=True)
    moved = [transformer.transform(x, y) for x, y in zip(xs, ys, strict=True)]
    return [np.asarray(m[0]) for m in moved], [np.asarray(m[1]) for m in moved]


def _given_or_sampled(
    given: ArrayLike | None, window: DemWindow, x: FloatArray, y: FloatArray, n: int
) -> FloatArray:
    if given is None:
        return ground_m(window, x, y)
    return np.broadcast_to(np.asarray(given, "float64"), (n,)).copy()


def _chunks(samples: np.ndarray, max_samples: int) -> list[slice]:
    """Consecutive slices of pairs holding at most ``max_samples`` samples (at least a pair)."""
    ends = np.cumsum(samples)
    chunks, start = [], 0
    while start < len(samples):
        before = ends[start - 1] if start else 0
        stop = max(int(np.searchsorted(ends, before + max_samples, side="right")), start + 1)
        chunks.append(slice(start, stop))
        start = stop
    return chunks


def _profile_chunk(
    window: DemWindow,
    profile: _Profiles,
    interior: np.ndarray,
    k_factor: float,
    nodata_m: float | None,
) -> tuple[FloatArray, FloatArray, np.ndarray, np.ndarray]:
    """Worst clearance ratio, its ``t``, unknown terrain and sea samples for each pair.

    The samples of all pairs lie in one flat array (pair ``p`` owns ``starts[p]`` to
    ``starts[p] + interior[p]``). With ``u = t (1 - t)``, the bulge is ``u D² / 2kR`` and
    ``F1 = sqrt(λ D u)``, the formulas of :func:`earth_bulge_m` and :func:`fresnel_radius_m`.
    """
    starts = np.concatenate([[0], np.cumsum(interior)[:-1]])
    pair = np.repeat(np.arange(len(interior)), interior)
    t = np.arange(len(pair), dtype="float64")
    t -= starts[pair] - 1
    t /= (interior + 1)[pair]
    col_tx, row_tx = _cell_coordinates(window, profile.x_m, profile.y_m)
    col_rx, row_rx = _cell_coordinates(
        window, profile.x_m + profile.dx_m, profile.y_m + profile.dy_m
    )
    height, width = window.elevation_m.shape
    ends_inside = (np.minimum(col_tx, col_rx) >= 0) & (np.maximum(col_tx, col_rx) <= width - 1)
    ends_inside &= (np.minimum(row_tx, row_rx) >= 0) & (np.maximum(row_tx, row_rx) <= height - 1)
    terrain_m, sea = _interpolate(
        window,
        col_tx[pair] + t * (col_rx - col_tx)[pair],
        row_tx[pair] + t * (row_rx - row_tx)[pair],
        nodata_m,
        known_inside=bool(ends_inside.all()),
    )
    u = t * (1.0 - t)
    bulge_per_u = profile.length_m**2 / (2.0 * k_factor * EARTH_RADIUS_M)
    clearance_m = profile.z_m[pair] + t * profile.dz_m[pair]
    clearance_m -= terrain_m
    clearance_m -= u * bulge_per_u[pair]
    ratio = clearance_m / (np.sqrt(u) * np.sqrt(profile.wavelength_m * profile.length_m)[pair])
    worst = np.fmin.reduceat(ratio, starts)
    unknown = np.logical_or.reduceat(np.isnan(terrain_m), starts)
    sea_samples = np.add.reduceat(sea.astype(np.int64), starts)
    at_worst = np.flatnonzero(ratio == worst[pair])
    first = np.r_[True, pair[at_worst][1:] != pair[at_worst][:-1]]
    t_worst = np.full(len(interior), np.nan)
    t_worst[pair[at_worst[first]]] = t[at_worst[first]]
    return worst, t_worst, unknown, sea_samples


# --- per address ----------------------------------------------------------------------------


@dataclass(frozen=True)
class LosSettings:
    """Settings of the line-of-sight stage (the proposed ``[wireless]`` config section)."""

    cpe_height_m: float = 5.0  # receiver antenna above ground: a wall or roof mount
    k_factor: float = DEFAULT_K_FACTOR  # effective earth radius factor (standard atmosphere)
    fresnel_clearance: float = DEFAULT_FRESNEL_CLEARANCE  # share of F1 that must be clear
    spacing_m: float | None = None  # profile sample spacing; None = the DEM cell size
    sea_level_for_nodata: bool = True  # nodata inside a path = sea at 0 m (module docstring)
    max_sites_per_address: int | None = None  # keep only the n nearest sites; None = all
    max_samples_per_chunk: int = DEFAULT_MAX_SAMPLES_PER_CHUNK  # ~120 bytes per sample
    max_window_cells: int = DEFAULT_MAX_WINDOW_CELLS  # larger kommune: one window per site
    max_pairs_per_batch: int = 500_000  # pairs in memory at once (~300 bytes per pair)


def line_of_sight_for_pairs(
    window: DemWindow,
    addresses_x_m: ArrayLike,
    addresses_y_m: ArrayLike,
    sites: pd.DataFrame,
    pairs: CandidatePairs,
    settings: LosSettings = LosSettings(),
) -> pd.DataFrame:
    """:func:`line_of_sight` for candidate pairs, with ``address_idx``, ``site_idx``,
    ``site_id`` and ``distance_m`` in front of its columns."""
    x, y = np.asarray(addresses_x_m, "float64"), np.asarray(addresses_y_m, "float64")
    site_idx = pairs.site_idx
    result = line_of_sight(
        window,
        sites["x_m"].to_numpy(dtype="float64")[site_idx],
        sites["y_m"].to_numpy(dtype="float64")[site_idx],
        sites["antenna_height_m"].to_numpy(dtype="float64")[site_idx],
        x[pairs.address_idx],
        y[pairs.address_idx],
        settings.cpe_height_m,
        sites["frequency_mhz"].to_numpy(dtype="float64")[site_idx],
        k_factor=settings.k_factor,
        fresnel_clearance=settings.fresnel_clearance,
        spacing_m=settings.spacing_m,
        sea_level_for_nodata=settings.sea_level_for_nodata,
        max_samples_per_chunk=settings.max_samples_per_chunk,
    )
    result.insert(0, "address_idx", pairs.address_idx)
    result.insert(1, "site_idx", site_idx)
    result.insert(2, "site_id", sites["site_id"].to_numpy(dtype=object)[site_idx])
    result.insert(3, "distance_m", pairs.distance_m)
    return result


def best_site_per_address(links: pd.DataFrame, n_addresses: int) -> pd.DataFrame:
    """The best site per address (positions ``0 … n_addresses - 1``) from per-pair results.

    Best = the *nearest site with LOS* (past 60 % F1 the signal is limited by distance, not by
    more clearance; ties go to the larger clearance); without one, the nearest site in range,
    with its worst clearance ratio and obstruction point (what blocks the likeliest site).

    Returns ``los_site_id`` (the chosen site; None where no site is in range),
    ``los_distance_m``, ``has_los``, ``worst_clearance_ratio``, ``obstruction_x_m``,
    ``obstruction_y_m`` (NaN where the address has LOS), ``sites_in_range``, ``los_sites``
    (sites with LOS) and ``los_terrain_ok`` (False where the chosen pair's terrain was unknown).
    """
    address_idx = links["address_idx"].to_numpy(dtype=np.int64)
    los = links["los"].to_numpy(dtype=bool)
    return _best_site_table(
        _best_links(links),
        np.bincount(address_idx, minlength=n_addresses),
        np.bincount(address_idx[los], minlength=n_addresses),
    )


def _best_links(links: pd.DataFrame) -> pd.DataFrame:
    """The best row per address of per-pair results (an associative reduction)."""
    address_idx = links["address_idx"].to_numpy(dtype=np.int64)
    order = np.lexsort(
        (
            -links["worst_clearance_ratio"].to_numpy(dtype="float64"),
            links["distance_m"].to_numpy(dtype="float64"),
            ~links["los"].to_numpy(dtype=bool),
            address_idx,
        )
    )
    sorted_address = address_idx[order]
    first = np.r_[True, sorted_address[1:] != sorted_address[:-1]] if len(order) else order > 0
    return links.iloc[order[first]][list(LINK_COLUMNS)]


def _best_site_table(
    best: pd.DataFrame, in_range: np.ndarray, los_sites: np.ndarray
) -> pd.DataFrame:
    result = pd.DataFrame(
        {
            "los_site_id": np.full(len(in_range), None, dtype=object),
            "los_distance_m": np.nan,
            "has_los": False,
            "worst_clearance_ratio": np.nan,
            "obstruction_x_m": np.nan,
            "obstruction_y_m": np.nan,
            "sites_in_range": in_range,
            "los_sites": los_sites,
            "los_terrain_ok": True,
        },
        index=pd.RangeIndex(len(in_range)),
    )
    at = best["address_idx"].to_numpy(dtype=np.int64)
    blocked = ~best["los"].to_numpy(dtype=bool)
    result.loc[at, "los_site_id"] = best["site_id"].to_numpy(dtype=object)
    result.loc[at, "los_distance_m"] = best["distance_m"].to_numpy(dtype="float64")
    result.loc[at, "has_los"] = ~blocked
    result.loc[at, "worst_clearance_ratio"] = best["worst_clearance_ratio"].to_numpy()
    for column in ("obstruction_x_m", "obstruction_y_m"):
        result.loc[at, column] = np.where(blocked, best[column].to_numpy(dtype="float64"), np.nan)
    result.loc[at, "los_terrain_ok"] = best["terrain_ok"].to_numpy(dtype=bool)
    return result


def no_wireless_reach(index: pd.Index) -> pd.DataFrame:
    """The best-site columns for addresses when there is no DTM or no site (terrain unknown)."""
    result = _best_site_table(
        _empty_links(), np.zeros(len(index), np.int64), np.zeros(len(index), np.int64)
    )
    result.index = index
    result["los_terrain_ok"] = False
    return result


def _empty_links() -> pd.DataFrame:
    dtypes = {"address_idx": np.int64, "site_id": object, "los": bool, "terrain_ok": bool}
    return pd.DataFrame({c: np.zeros(0, dtypes.get(c, "float64")) for c in LINK_COLUMNS})


def wireless_reach_per_address(
    addresses: pd.DataFrame,
    sites: pd.DataFrame | None,
    dtm_path: Path | None,
    settings: LosSettings = LosSettings(),
) -> pd.DataFrame:
    """Best site per address (:func:`best_site_per_address` columns), aligned to the index.

    ``addresses`` has ``x_m``, ``y_m`` (EPSG:25833) and ``kommunenummer``; ``sites`` is the
    canonical site table (pass only the technologies that should count). Per kommune: the
    candidate pairs, one DEM window covering them (one per site when it would exceed
    ``settings.max_window_cells``), and LOS in batches of ``settings.max_pairs_per_batch``
    pairs, each reduced to the best site so far, so memory does not grow with the pairs.
    """
    if dtm_path is None or sites is None or sites.empty:
        return no_wireless_reach(addresses.index)
    sites = sites.reset_index(drop=True)
    parts = []
    with DtmTiles(dtm_path) as tiles:
        cell_area_m2 = min(abs(d.res[0] * d.res[1]) for d in tiles.datasets)
        for _, group in addresses.groupby("kommunenummer", sort=True):
            x, y = group["x_m"].to_numpy("float64"), group["y_m"].to_numpy("float64")
            pairs = candidate_pairs(x, y, sites, settings.max_sites_per_address)
            left, bottom, right, top = _bounds(x, y, sites, pairs)
            batches: Iterable[CandidatePairs] = [pairs]
            if (right - left) * (top - bottom) / cell_area_m2 > settings.max_window_cells:
                batches = (_select(pairs, pairs.site_idx == s) for s in np.unique(pairs.site_idx))
            reach = _Reach.empty(len(group))
            for batch in batches:
                if len(batch.site_idx) == 0:
                    continue
                window = read_dem_window(tiles, _bounds(x, y, sites, batch))
                reach = reach.add(window, x, y, sites, batch, settings)
            table = reach.table()
            table.index = group.index
            parts.append(table)
    if not parts:
        return no_wireless_reach(addresses.index)
    return pd.concat(parts).reindex(addresses.index)


def best_site_for_pairs(
    window: DemWindow,
    addresses_x_m: ArrayLike,
    addresses_y_m: ArrayLike,
    sites: pd.DataFrame,
    pairs: CandidatePairs,
    settings: LosSettings = LosSettings(),
) -> pd.DataFrame:
    """:func:`best_site_per_address` of :func:`line_of_sight_for_pairs`, computed in batches
    of ``settings.max_pairs_per_batch`` pairs so that memory does not grow with the pairs."""
    x, y = np.asarray(addresses_x_m, "float64"), np.asarray(addresses_y_m, "float64")
    return _Reach.empty(len(x)).add(window, x, y, sites, pairs, settings).table()


@dataclass(frozen=True)
class _Reach:
    """The best link so far per address, and the running counts of sites in range / with LOS."""

    best: pd.DataFrame
    in_range: np.ndarray
    los_sites: np.ndarray

    @staticmethod
    def empty(n_addresses: int) -> _Reach:
        zeros = np.zeros(n_addresses, np.int64)
        return _Reach(_empty_links(), zeros, zeros.copy())

    def add(
        self,
        window: DemWindow,
        x: FloatArray,
        y: FloatArray,
        sites: pd.DataFrame,
        pairs: CandidatePairs,
        settings: LosSettings,
    ) -> _Reach:
        best, in_range, los_sites = self.best, self.in_range.copy(), self.los_sites.copy()
        step = settings.max_pairs_per_batch
        for start in range(0, len(pairs.site_idx), step):
            batch = _select(pairs, slice(start, start + step))
            links = line_of_sight_for_pairs(window, x, y, sites, batch, settings)
            los = links["los"].to_numpy(dtype=bool)
            in_range += np.bincount(batch.address_idx, minlength=len(in_range))
            los_sites += np.bincount(batch.address_idx[los], minlength=len(in_range))
            best = _best_links(pd.concat([best, links]) if len(best) else links)
        return _Reach(best, in_range, los_sites)

    def table(self) -> pd.DataFrame:
        return _best_site_table(self.best, self.in_range, self.los_sites)


def _select(pairs: CandidatePairs, keep: np.ndarray | slice) -> CandidatePairs:
    return CandidatePairs(pairs.address_idx[keep], pairs.site_idx[keep], pairs.distance_m[keep])


def _bounds(
    x: FloatArray, y: FloatArray, sites: pd.DataFrame, pairs: CandidatePairs
) -> tuple[float, float, float, float]:
    """Bounding box (EPSG:25833) of the addresses and sites of ``pairs``."""
    all_x = np.concatenate([x[pairs.address_idx], sites["x_m"].to_numpy("float64")[pairs.site_idx]])
    all_y = np.concatenate([y[pairs.address_idx], sites["y_m"].to_numpy("float64")[pairs.site_idx]])
    if len(all_x) == 0:
        return (0.0, 0.0, 0.0, 0.0)
    return float(all_x.min()), float(all_y.min()), float(all_x.max()), float(all_y.max())
