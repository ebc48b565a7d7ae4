"""Where a path's terrain profile is sampled: a fine grid, read coarsely, refined where it matters.

Every path of length ``D`` has a *fine grid* of ``N = ceil(D / spacing)`` intervals, samples at
``t = j / N`` for ``j = 1 … N - 1`` (``spacing`` defaults to a quarter of a DEM cell). Reading
all of it costs four times a cell-spaced profile, so :mod:`pipeline.radio.los` reads it in two
passes, and finds the same LOS as reading every fine sample:

1. *coarse*: every ``stride``-th fine sample (``stride = floor(cell / spacing)``, so the
   coarse samples are at most a cell apart) and the last one, ``j = N - 1``
   (:func:`coarse_samples`). Each fine sample lies within ``stride - 1`` fine steps, less than
   a cell, of a coarse sample.
2. *refine*: around a coarse sample, no fine sample's terrain can exceed the highest cell of
   the 4 × 4 block around it (``DemWindow.highest_nearby_m``: a bilinear height is a blend of
   the four cells of its square, and every square within a cell of the coarse sample is in
   the block). That bounds the clearance ratio of the fine samples from below
   (:func:`ratio_lower_bound`). The fine samples of a gap between coarse samples are read
   (:func:`gap_samples`) only where the bounds of both its ends are below what the pair's LOS
   or worst point could still change to.

Near the ends F1 → 0, so the bound falls steeply wherever the ground rises beside an
endpoint: the profile comes out dense (a quarter cell) there and at the ridges that decide,
and a cell apart elsewhere.

Clutter (:mod:`pipeline.radio.clutter`). Over a surface window (a DOM, ``bare_earth_m`` set),
samples within ``clear_radius_m`` of either end read the bare earth instead: the CPE's own
roof and the mast's own structure do not block their path. The bound of step 2 still holds
(the surface's highest cell is at least the terrain's). Over a window with a ``forest`` mask,
each coarse sample whose nearest cell is forest and where the path passes below the canopy
(clearance above the ground ``< canopy_height_m``) counts as forest crossed.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

from pipeline.radio.dem_window import DemWindow, FloatArray, bilinear_at_cells, cell_coordinates

IntArray = NDArray[np.int64]
SAMPLES_PER_CELL = 4  # the default fine grid: a quarter of a cell


@dataclass(frozen=True)
class Profiles:
    """Per-pair constants of straight profiles (window CRS), for :func:`worst_of_profiles`.

    Along the path at ``t`` (0 at the site, 1 at the receiver), with ``u = t (1 - t)``: the
    line is ``z_m + t · dz_m``, the earth bulge ``u · bulge_per_u_m`` (``D² / 2kR``) and F1
    ``sqrt(u) · f1_per_sqrt_u_m`` (``sqrt(λ D)``).
    """

    x_m: FloatArray
    y_m: FloatArray
    dx_m: FloatArray
    dy_m: FloatArray
    z_m: FloatArray  # antenna height above sea level
    dz_m: FloatArray  # receiver minus antenna height above sea level
    length_m: FloatArray
    bulge_per_u_m: FloatArray
    f1_per_sqrt_u_m: FloatArray

    def take(self, pairs: np.ndarray) -> Profiles:
        return Profiles(*(getattr(self, f)[pairs] for f in self.__dataclass_fields__))


@dataclass(frozen=True)
class Sampling:
    """The fine grid of each pair (``intervals``), how it is read and what decides refining."""

    intervals: IntArray  # N: fine samples at t = j / N, j = 1 … N - 1
    stride: int  # coarse samples every stride fine steps (at most a cell apart)
    nodata_m: float | None  # nodata inside a path taken as this height (sea); None: unknown
    refine_below: float  # the LOS threshold: pairs with coarse LOS are refined below it
    clear_radius_m: float = 0.0  # over a surface: samples this near an end read bare earth
    canopy_height_m: float = 0.0  # m, forest cells count where the path passes below this

    def take(self, pairs: np.ndarray) -> Sampling:
        return dataclasses.replace(self, intervals=self.intervals[pairs])


def sample_stride(cell_m: float, spacing_m: float) -> int:
    """Fine steps between coarse samples: the largest ``s`` with ``s · spacing_m <= cell_m``."""
    return max(int(np.floor(cell_m / spacing_m * (1 + 1e-9))), 1)


def coarse_sample_count(intervals: IntArray, stride: int) -> IntArray:
    """Coarse samples per path: ``ceil((N - 1) / stride)`` (0 without interior sample)."""
    counts: IntArray = -((1 - intervals) // stride)
    return counts


def coarse_samples(intervals: IntArray, stride: int) -> tuple[IntArray, IntArray]:
    """(path, fine index ``j``) of every coarse sample, by path then ``j``.

    ``j = min(k · stride, N - 1)`` for ``k = 1 … ceil((N - 1) / stride)``.
    """
    counts = coarse_sample_count(intervals, stride)
    path = np.repeat(np.arange(len(intervals)), counts)
    index = np.arange(1, len(path) + 1)
    index -= (np.cumsum(counts) - counts)[path]
    index *= stride
    np.minimum(index, (intervals - 1)[path], out=index)
    return path, index


def gap_samples(
    path: IntArray, index: IntArray, open_: np.ndarray, stride: int
) -> tuple[IntArray, IntArray]:
    """(path, fine index) of the fine samples in the gaps that must be read.

    Coarse samples ``path, index`` (by path, then ``j``) are flagged ``open_`` where their
    bound does not rule out their neighbours within ``stride - 1`` steps. The gap before a
    coarse sample (after the previous one, or from ``j = 1``) is read when no coarse sample
    next to it rules it out: both ends open, or its one end for the first gap.
    """
    candidate = np.flatnonzero(open_)
    before = np.maximum(candidate - 1, 0)
    first = (candidate == 0) | (path[before] != path[candidate])
    read = candidate[first | open_[before]]
    previous = np.where(first[first | open_[before]], 0, index[np.maximum(read - 1, 0)])
    offsets = np.arange(1, stride)
    fine = (previous[:, None] + offsets[None, :]).ravel()
    fine_path = np.repeat(path[read], len(offsets))
    keep = fine < np.repeat(index[read], len(offsets))
    return fine_path[keep], fine[keep]


def ratio_lower_bound(
    low_m: FloatArray,
    u: FloatArray,
    du: FloatArray,
    u_floor: FloatArray,
    f1_per_sqrt_u_m: FloatArray,
) -> FloatArray:
    """A lower bound of ``clearance / F1`` where the clearance is at least ``low_m`` and
    ``u = t (1 - t)`` lies within ``u ± du`` (and ``u_floor <= u <= 1/4``).

    ``F1 = f1_per_sqrt_u_m · sqrt(u)``, so the ratio is at least ``low_m / F1(min(u + du, 1/4))``
    when ``low_m >= 0`` and ``low_m / F1(max(u - du, u_floor))`` when ``low_m < 0``.
    """
    u_bound = np.where(low_m >= 0, np.minimum(u + du, 0.25), np.maximum(u - du, u_floor))
    return np.asarray(low_m / (f1_per_sqrt_u_m * np.sqrt(u_bound)), dtype="float64")


def worst_of_profiles(
    window: DemWindow, profile: Profiles, sampling: Sampling
) -> tuple[FloatArray, FloatArray, np.ndarray, np.ndarray, np.ndarray]:
    """Worst clearance ratio, its ``t``, unknown terrain, sea samples and forest samples (both
    counted among the coarse samples) for each pair.

    The coarse samples first (:func:`coarse_samples`); then the fine samples around each
    coarse sample whose lower bound (:func:`_refine`) is below both the pair's worst coarse
    ratio and the LOS threshold (``refine_below``). So the worst ratio is the fine grid's
    whenever that is below the threshold, and LOS is the fine grid's; above it, the worst
    ratio may be a little higher than the fine grid's.
    """
    n = len(sampling.intervals)
    path, index = coarse_samples(sampling.intervals, sampling.stride)
    coarse = _sample(window, profile, sampling, path, index)
    worst = np.full(n, np.inf)
    np.fmin.at(worst, path, coarse.ratio)
    sea_samples = np.bincount(path[coarse.sea], minlength=n)
    forest_samples = np.bincount(path[_in_forest(window, sampling, coarse)], minlength=n)
    unknown = np.zeros(n, dtype=bool)
    unknown[path[np.isnan(coarse.terrain_m)]] = True
    if sampling.stride == 1:
        t_worst = _first_t_at(worst, path, coarse.t, coarse.ratio)
        return worst, t_worst, unknown, sea_samples, forest_samples
    level = np.minimum(worst, sampling.refine_below)
    refine = _refine(window, profile, sampling, path, coarse, level)
    fine_path, fine_index = gap_samples(path, index, refine, sampling.stride)
    fine = _sample(window, profile, sampling, fine_path, fine_index)
    np.fmin.at(worst, fine_path, fine.ratio)
    unknown[fine_path[np.isnan(fine.terrain_m)]] = True
    t_worst = np.fmin(
        _first_t_at(worst, path, coarse.t, coarse.ratio),
        _first_t_at(worst, fine_path, fine.t, fine.ratio),
    )
    return worst, t_worst, unknown, sea_samples, forest_samples


class _Samples(NamedTuple):
    t: FloatArray
    u: FloatArray  # t (1 - t)
    ratio: FloatArray
    clearance_m: FloatArray
    terrain_m: FloatArray
    sea: np.ndarray
    corner: IntArray  # flat index of the first corner cell of each sample
    col: FloatArray  # cell coordinates (0 at the first cell's centre)
    row: FloatArray


def _sample(
    window: DemWindow, profile: Profiles, sampling: Sampling, path: IntArray, index: IntArray
) -> _Samples:
    """``t = j / N``, clearance and its ratio to F1, terrain, sea flags of samples.

    With ``u = t (1 - t)``, the bulge is ``u D² / 2kR`` and ``F1 = sqrt(λ D u)``, the
    formulas of :func:`pipeline.radio.los.earth_bulge_m` and
    :func:`pipeline.radio.los.fresnel_radius_m`.
    """
    t = index / sampling.intervals[path]
    col_tx, row_tx = cell_coordinates(window, profile.x_m, profile.y_m)
    col_rx, row_rx = cell_coordinates(
        window, profile.x_m + profile.dx_m, profile.y_m + profile.dy_m
    )
    height, width = window.elevation_m.shape
    ends_inside = (np.minimum(col_tx, col_rx) >= 0) & (np.maximum(col_tx, col_rx) <= width - 1)
    ends_inside &= (np.minimum(row_tx, row_rx) >= 0) & (np.maximum(row_tx, row_rx) <= height - 1)
    col = col_tx[path] + t * (col_rx - col_tx)[path]
    row = row_tx[path] + t * (row_rx - row_tx)[path]
    inside = bool(ends_inside.all())
    terrain_m, sea, corner = bilinear_at_cells(window, col, row, sampling.nodata_m, inside)
    if window.bare_earth_m is not None and sampling.clear_radius_m > 0:
        near_end_m = np.minimum(t, 1.0 - t) * profile.length_m[path]
        near = np.flatnonzero(near_end_m < sampling.clear_radius_m)
        if len(near):
            terrain_m[near] = bilinear_at_cells(
                window.terrain(), col[near], row[near], sampling.nodata_m, inside
            )[0]
    u = t * (1.0 - t)
    clearance_m = profile.z_m[path] + t * profile.dz_m[path]
    clearance_m -= terrain_m
    clearance_m -= u * profile.bulge_per_u_m[path]
    ratio = clearance_m / (np.sqrt(u) * profile.f1_per_sqrt_u_m[path])
    return _Samples(t, u, ratio, clearance_m, terrain_m, sea, corner, col, row)


def _in_forest(window: DemWindow, sampling: Sampling, samples: _Samples) -> np.ndarray:
    """Samples on a forest cell (the cell nearest to each) where the path passes below the
    canopy: ``clearance_m < canopy_height_m``; none without a forest mask."""
    if window.forest is None:
        return np.zeros(len(samples.t), dtype=bool)
    height, width = window.forest.shape
    col = np.clip(np.rint(samples.col), 0, width - 1).astype(np.int64)
    row = np.clip(np.rint(samples.row), 0, height - 1).astype(np.int64)
    forest: np.ndarray = window.forest.ravel().take(row * width + col)
    return forest & (samples.clearance_m < sampling.canopy_height_m)


def _refine(
    window: DemWindow,
    profile: Profiles,
    sampling: Sampling,
    path: IntArray,
    coarse: _Samples,
    level: FloatArray,
) -> np.ndarray:
    """Coarse samples whose fine neighbours (within ``s - 1`` steps, ``Δt <= (s - 1) / N``)
    may have a ratio below their pair's ``level``.

    There the terrain is at most the highest cell of the 4 × 4 block, the line moves by at
    most ``|dz| Δt`` and the bulge by ``bulge_per_u Δt`` (``|du/dt| <= 1``), so the clearance
    is at least ``low = clearance - (highest - terrain) - (|dz| + bulge_per_u) Δt``. The cheap
    test ``low < max(level, 0) · F1_max`` (``F1_max = F1(u = 1/4)``) keeps the candidates;
    :func:`ratio_lower_bound` decides among them.
    """
    highest_m = window.highest_nearby_m(sampling.nodata_m).ravel().take(coarse.corner)
    step = (sampling.stride - 1) / sampling.intervals
    slack_m = step * (np.abs(profile.dz_m) + profile.bulge_per_u_m)
    low_m = np.subtract(highest_m, coarse.terrain_m)  # float64 from float32 cells
    np.subtract(coarse.clearance_m, low_m, out=low_m)
    low_m -= slack_m[path]
    f1_max_m = 0.5 * profile.f1_per_sqrt_u_m
    candidate = np.flatnonzero(low_m < (np.maximum(level, 0.0) * f1_max_m)[path])
    on = path[candidate]
    u_floor = (1 - 1 / sampling.intervals) / sampling.intervals
    bound = ratio_lower_bound(
        low_m[candidate], coarse.u[candidate], step[on], u_floor[on], profile.f1_per_sqrt_u_m[on]
    )
    refine = np.zeros(len(path), dtype=bool)
    refine[candidate[bound < level[on]]] = True
    return refine


def _first_t_at(worst: FloatArray, path: IntArray, t: FloatArray, ratio: FloatArray) -> FloatArray:
    """Per pair, the smallest ``t`` among its samples whose ratio is its ``worst``; NaN if none."""
    at = np.flatnonzero(ratio == worst[path])
    at = at[np.lexsort((t[at], path[at]))]
    first = np.r_[True, path[at][1:] != path[at][:-1]] if len(at) else at > 0
    t_worst = np.full(len(worst), np.nan)
    t_worst[path[at[first]]] = t[at[first]]
    return t_worst
