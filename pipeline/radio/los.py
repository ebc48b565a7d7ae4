"""Wireless line of sight: whether a site's antenna sees a receiver over the terrain.

For each (site, receiver) pair, the terrain profile between the antenna (ground + mast height)
and the receiver (ground + CPE height) is sampled from an in-memory DEM window
(:mod:`pipeline.radio.dem_window`), with earth curvature (effective radius factor ``k``,
default 4/3) and a required clearance of a share (default 60 %) of the first Fresnel zone at
the site's frequency. Profiles are sampled for many pairs at once with numpy, in chunks of a bounded
number of samples. Which pairs to check, and the best site per address, are in
:mod:`pipeline.radio.reach`.

Geometry. The profile is the straight line between the endpoints in the DEM's CRS (endpoints
given in EPSG:25833 are transformed to it; a straight 50 km line in UTM 33 maps to a line in
UTM 32 that bends by at most ~4 m, under half a 10 m cell); the raster is read on its own
grid, never warped for a path. With ``n = ceil(D / spacing_m)`` intervals (``spacing_m``
defaults to a quarter of a cell), the interior samples are ``t = i / n`` for ``i = 1 … n - 1``
at ``d1 = t D`` from the site and ``d2 = D - d1`` (D in the DEM's CRS; a path shorter than one
spacing has no interior sample and LOS)::

    clearance(t) = z_tx + t (z_rx - z_tx) - terrain(t) - earth_bulge(d1, d2)
    ratio(t)     = clearance(t) / F1(d1, d2)
    LOS          = min_t ratio(t) >= fresnel_clearance

That fine grid is read in two passes (:mod:`pipeline.radio.profile`): samples a cell apart,
then the fine samples only where a bound on the terrain nearby says they could lower the ratio
below the threshold or below the pair's worst: LOS is exactly the fine grid's, and so is the
worst ratio whenever it is below the threshold. Near the ends, where F1 → 0, this reads the
fine samples wherever the ground beside an endpoint rises.

The worst point (``argmin ratio``) is the dominant knife edge: the ITU-R P.526 diffraction
parameter is ``v = -sqrt(2) · ratio``. Over a DTM window the profile is the bare earth along
the path: buildings and forest are not in a DTM and the Fresnel zone's width beside the path
is not checked, so LOS there is an upper bound on what a planner will find in the field.

Clutter (:mod:`pipeline.radio.clutter`). Over a surface window (a DOM: ``terrain(t)`` is the
surface, the higher of DOM and DTM) the site's antenna stands on the ground (DTM + mast); the
CPE stands on what is at the address: where the surface there is more than
``on_structure_above_m`` above the ground (a roof), at ``surface + roof_mount_m``, else in
the open at ``ground + cpe_height_m``; samples within ``clear_radius_m`` of either end read
the DTM. Over a window with a forest mask, ``forest_depth_m`` is the metres of forest the path
crosses below the canopy: ``D ·`` (coarse samples in forest) / (coarse samples), within one
coarse spacing (a cell) of the true depth; the link budget takes Weissberger's loss of it.

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

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from pyproj import Transformer
from rasterio.crs import CRS

from layers.errors import InputError
from layers.vocabulary import CRS_EPSG
from pipeline.config_schema import WirelessSettings
from pipeline.radio.clutter import NO_CLUTTER, Clutter, forest_depth_m, receiver_height_m
from pipeline.radio.dem_window import (
    DemWindow,
    FloatArray,
    ground_m,
)
from pipeline.radio.profile import (
    SAMPLES_PER_CELL,
    Profiles,
    Sampling,
    coarse_sample_count,
    sample_stride,
    worst_of_profiles,
)

EARTH_RADIUS_M = 6_371_000.0
SPEED_OF_LIGHT_M_PER_S = 299_792_458.0
# the defaults have one home, the config's [wireless] section
DEFAULT_K_FACTOR = WirelessSettings().k_factor
DEFAULT_FRESNEL_CLEARANCE = WirelessSettings().fresnel_clearance
DEFAULT_MAX_SAMPLES_PER_CHUNK = 250_000  # ~30 MB of work arrays; larger chunks run slower

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
    "forest_depth_m",
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
    d1, d2 = np.asarray(d1_m, np.float64), np.asarray(d2_m, np.float64)
    return d1 * d2 / (2.0 * k_factor * EARTH_RADIUS_M)


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
    clutter: Clutter = NO_CLUTTER,
) -> pd.DataFrame:
    """Line of sight with Fresnel clearance for N (site, receiver) pairs at once.

    Positions are EPSG:25833; heights above ground in metres. The antenna stands at
    ``tx_ground_m`` (default: the DEM at the site) + ``antenna_height_m``, the receiver at
    ``rx_ground_m`` (default: the DEM) + ``cpe_height_m`` (over a surface window, the CPE rule
    of the module docstring with ``clutter``'s figures). The fine grid's samples are at most
    ``spacing_m`` apart (default: a quarter of the DEM cell; at most the cell, which reads
    every sample in one pass, the sampler before issue 13). See the module docstring for the
    formulas and the nodata rule.

    Returns
    -------
    DataFrame, one row per pair in input order, with ``los``, ``terrain_ok``,
    ``worst_clearance_ratio`` (min clearance / F1 over the interior samples with known
    terrain; +inf when the path has no interior sample), ``obstruction_x_m``,
    ``obstruction_y_m`` (EPSG:25833) and ``obstruction_distance_m`` (from the site) of the
    worst sample, ``tx_ground_m``, ``rx_ground_m`` and ``sea_share`` (share of the samples a
    cell apart on nodata taken as sea level) and ``forest_depth_m``
    (:func:`pipeline.radio.clutter.forest_depth_m`).
    """
    pairs = _Pairs.broadcast(
        tx_x_m, tx_y_m, antenna_height_m, rx_x_m, rx_y_m, cpe_height_m, frequency_mhz
    )
    spacing_m = _check_settings(window, pairs.frequency_mhz, k_factor, fresnel_clearance, spacing_m)
    profile, tx_ground, rx_ground = _profiles(
        window, pairs, (tx_ground_m, rx_ground_m), k_factor, clutter
    )
    sampling = Sampling(
        intervals=np.maximum(np.ceil(profile.length_m / spacing_m), 1).astype(np.int64),
        stride=sample_stride(window.cell_size_m, spacing_m),
        nodata_m=0.0 if sea_level_for_nodata else None,
        refine_below=fresnel_clearance,
        clear_radius_m=clutter.clear_radius_m,
        canopy_height_m=clutter.canopy_height_m,
    )
    ends_known = np.isfinite(tx_ground) & np.isfinite(rx_ground)
    clearance = _worst_clearance(window, profile, sampling, ends_known, max_samples_per_chunk)
    coarse = coarse_sample_count(sampling.intervals, sampling.stride)
    table = _los_table(pairs, tx_ground, rx_ground, clearance, coarse, fresnel_clearance)
    table["forest_depth_m"] = forest_depth_m(window, clearance.forest_samples, coarse, profile)
    return table


class _Pairs(NamedTuple):
    """The (site, receiver) pairs as float64 arrays of one length (positions in EPSG:25833)."""

    tx_x_m: FloatArray
    tx_y_m: FloatArray
    antenna_height_m: FloatArray
    rx_x_m: FloatArray
    rx_y_m: FloatArray
    cpe_height_m: FloatArray
    frequency_mhz: FloatArray

    @classmethod
    def broadcast(cls, *values: ArrayLike) -> _Pairs:
        """Broadcast the scalars and arrays of :func:`line_of_sight` (in field order)."""
        return cls(*np.broadcast_arrays(*(np.atleast_1d(np.asarray(v, "float64")) for v in values)))


@dataclass(frozen=True)
class _Clearance:
    """The worst point of each pair's profile."""

    worst_ratio: FloatArray  # min clearance / F1; +inf: no interior sample; NaN: an end unknown
    t_worst: FloatArray  # where along the path (0 at the site, 1 at the receiver); NaN if none
    unknown: np.ndarray  # bool: an end or an interior sample without terrain
    sea_samples: np.ndarray  # int64: coarse samples on nodata taken as sea level
    forest_samples: np.ndarray  # int64: coarse samples in forest below the canopy


def _profiles(
    window: DemWindow,
    pairs: _Pairs,
    ground_given_m: tuple[ArrayLike | None, ArrayLike | None],
    k_factor: float,
    clutter: Clutter,
) -> tuple[Profiles, FloatArray, FloatArray]:
    """The pairs' straight profiles in the window's CRS and the ground height at each end.

    An end's ground is the given height (site, receiver), or the terrain under it
    (:func:`ground_m` of the bare earth); the antenna stands at ``tx_ground +
    antenna_height_m``, the receiver at ``rx_ground + cpe_height_m``, or on the roof over a
    surface window (:func:`pipeline.radio.clutter.receiver_height_m`).
    """
    (tx_wx, rx_wx), (tx_wy, rx_wy) = _to_window_crs(
        window, (pairs.tx_x_m, pairs.rx_x_m), (pairs.tx_y_m, pairs.rx_y_m)
    )
    length_m = np.hypot(rx_wx - tx_wx, rx_wy - tx_wy)
    wavelength_m = SPEED_OF_LIGHT_M_PER_S / (pairs.frequency_mhz * 1e6)
    terrain = window.terrain()
    tx_ground = _given_or_sampled(ground_given_m[0], terrain, tx_wx, tx_wy, len(tx_wx))
    rx_ground = _given_or_sampled(ground_given_m[1], terrain, rx_wx, rx_wy, len(tx_wx))
    receiver_m = rx_ground + pairs.cpe_height_m
    if window.bare_earth_m is not None and ground_given_m[1] is None:
        receiver_m = receiver_height_m(window, rx_wx, rx_wy, rx_ground, pairs.cpe_height_m, clutter)
    profile = Profiles(
        x_m=tx_wx,
        y_m=tx_wy,
        dx_m=rx_wx - tx_wx,
        dy_m=rx_wy - tx_wy,
        z_m=tx_ground + pairs.antenna_height_m,
        dz_m=receiver_m - (tx_ground + pairs.antenna_height_m),
        length_m=length_m,
        bulge_per_u_m=length_m**2 / (2.0 * k_factor * EARTH_RADIUS_M),
        f1_per_sqrt_u_m=np.sqrt(wavelength_m * length_m),
    )
    return profile, tx_ground, rx_ground


def _worst_clearance(
    window: DemWindow,
    profile: Profiles,
    sampling: Sampling,
    ends_known: np.ndarray,
    max_samples_per_chunk: int,
) -> _Clearance:
    """The worst point of every pair's profile, sampled in chunks (:func:`_profile_chunk`).

    A pair with an end of unknown ground is unknown (ratio NaN) and not sampled; a pair without
    interior sample keeps ratio +inf. Chunks hold at most ``max_samples_per_chunk`` coarse
    samples.
    """
    n = len(sampling.intervals)
    worst = np.where(ends_known, np.inf, np.nan)
    t_worst = np.full(n, np.nan)
    unknown = ~ends_known
    sea = np.zeros(n, dtype=np.int64)
    forest = np.zeros(n, dtype=np.int64)
    todo = np.flatnonzero(ends_known & (sampling.intervals > 1))
    coarse = coarse_sample_count(sampling.intervals[todo], sampling.stride)
    for chunk in _chunks(coarse, max_samples_per_chunk):
        pairs = todo[chunk]
        result = worst_of_profiles(window, profile.take(pairs), sampling.take(pairs))
        worst[pairs], t_worst[pairs], unknown[pairs], sea[pairs], forest[pairs] = result
    return _Clearance(worst, t_worst, unknown, sea, forest)


def _los_table(
    pairs: _Pairs,
    tx_ground_m: FloatArray,
    rx_ground_m: FloatArray,
    clearance: _Clearance,
    coarse_samples: np.ndarray,
    fresnel_clearance: float,
) -> pd.DataFrame:
    """The table :func:`line_of_sight` returns, one row per pair.

    ``LOS = known terrain and min ratio >= fresnel_clearance``; the obstruction lies at
    ``t_worst`` along the EPSG:25833 segment, ``t_worst · D`` from the site.
    """
    tx_x, tx_y, rx_x, rx_y = pairs.tx_x_m, pairs.tx_y_m, pairs.rx_x_m, pairs.rx_y_m
    t_worst = clearance.t_worst
    distance_m = np.hypot(rx_x - tx_x, rx_y - tx_y)
    return pd.DataFrame(
        {
            "los": ~clearance.unknown & (clearance.worst_ratio >= fresnel_clearance),
            "terrain_ok": ~clearance.unknown,
            "worst_clearance_ratio": clearance.worst_ratio,
            "obstruction_x_m": tx_x + t_worst * (rx_x - tx_x),
            "obstruction_y_m": tx_y + t_worst * (rx_y - tx_y),
            "obstruction_distance_m": t_worst * distance_m,
            "tx_ground_m": tx_ground_m,
            "rx_ground_m": rx_ground_m,
            "sea_share": clearance.sea_samples / np.maximum(coarse_samples, 1),
        }
    )


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
    spacing = cell_m / SAMPLES_PER_CELL if spacing_m is None else spacing_m
    if not 0 < spacing <= cell_m * (1 + 1e-9):
        msg = f"spacing_m: got {spacing_m}, expected 0 < spacing <= the DEM cell size {cell_m} m"
        raise InputError(msg)
    return spacing


def _to_window_crs(
    window: DemWindow, xs: tuple[FloatArray, ...], ys: tuple[FloatArray, ...]
) -> tuple[list[FloatArray], list[FloatArray]]:
    if window.crs == CRS.from_epsg(CRS_EPSG):
        return list(xs), list(ys)
    transformer = Transformer.from_crs(CRS_EPSG, window.crs, always_xy=True)
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
