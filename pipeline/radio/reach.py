"""Wireless reach per address: the best site each household can see over the terrain.

For every (address, wireless site) pair within the site's ``max_range_m`` (candidate pairs from
KD-trees), line of sight comes from :func:`pipeline.radio.los.line_of_sight`; per address, the best
site is the nearest one with LOS, else the nearest one in range with what blocks it. Per
kommune, one DEM window (:mod:`pipeline.radio.dem_window`) covers the pairs (one per site when it
would be too large), and the pairs are checked in batches, each reduced to the best site so
far, so that memory does not grow with the number of pairs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from scipy.spatial import cKDTree

from layers.errors import InputError
from pipeline.config import WirelessSettings
from pipeline.radio.clutter import NO_CLUTTER, Clutter
from pipeline.radio.dem_window import DemWindow, FloatArray
from pipeline.radio.los import DEFAULT_MAX_SAMPLES_PER_CHUNK, line_of_sight

DEFAULT_MAX_WINDOW_CELLS = 40_000_000  # 160 MB of float32 per window
_WIRELESS = WirelessSettings()  # the one home of the line-of-sight defaults

LINK_COLUMNS = (
    "address_idx",
    "site_id",
    "distance_m",
    "los",
    "terrain_ok",
    "worst_clearance_ratio",
    "obstruction_x_m",
    "obstruction_y_m",
    "forest_depth_m",
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
    "los_forest_depth_m",
)


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


# --- per address ----------------------------------------------------------------------------


@dataclass(frozen=True)
class LosSettings:
    """Settings of the line-of-sight engine: the physics of the ``[wireless]`` section (whose
    :class:`pipeline.config.WirelessSettings` holds the defaults) and the engine's own
    sampling and memory limits."""

    cpe_height_m: float = _WIRELESS.cpe_height_m  # m, receiver antenna above ground
    k_factor: float = _WIRELESS.k_factor  # effective earth radius factor
    fresnel_clearance: float = _WIRELESS.fresnel_clearance  # share of F1 that must be clear
    spacing_m: float | None = None  # fine profile grid spacing; None = a quarter DEM cell
    # nodata inside a path = sea at 0 m (pipeline.radio.los)
    sea_level_for_nodata: bool = _WIRELESS.sea_level_for_nodata
    max_sites_per_address: int | None = None  # keep only the n nearest sites; None = all
    max_samples_per_chunk: int = DEFAULT_MAX_SAMPLES_PER_CHUNK  # ~120 bytes per sample
    max_window_cells: int = DEFAULT_MAX_WINDOW_CELLS  # larger kommune: one window per site
    max_pairs_per_batch: int = 500_000  # pairs in memory at once (~300 bytes per pair)
    clutter: Clutter = NO_CLUTTER  # DOM or forest polygons and their rules (radio/clutter.py)

    @staticmethod
    def from_wireless(wireless: WirelessSettings, clutter: Clutter = NO_CLUTTER) -> LosSettings:
        """The line-of-sight physics of a run's ``[wireless]`` section and its clutter
        inputs (``[inputs]`` dom, forest), engine limits default."""
        return LosSettings(
            cpe_height_m=wireless.cpe_height_m,
            k_factor=wireless.k_factor,
            fresnel_clearance=wireless.fresnel_clearance,
            sea_level_for_nodata=wireless.sea_level_for_nodata,
            clutter=clutter,
        )


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
        clutter=settings.clutter,
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
    (sites with LOS), ``los_terrain_ok`` (False where the chosen pair's terrain was unknown)
    and ``los_forest_depth_m`` (the chosen pair's metres of forest, NaN without a forest layer:
    :func:`pipeline.radio.los.line_of_sight`).
    """
    address_idx = links["address_idx"].to_numpy(dtype=np.int64)
    los = links["los"].to_numpy(dtype=bool)
    return _best_site_table(
        _best_links(links),
        np.bincount(address_idx, minlength=n_addresses),
        np.bincount(address_idx[los], minlength=n_addresses),
    )


def _best_links(links: pd.DataFrame) -> pd.DataFrame:
    """The best row per address of per-pair results (an associative reduction); a column of
    :data:`LINK_COLUMNS` the results lack (``forest_depth_m``) comes back NaN."""
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
    return links.iloc[order[first]].reindex(columns=list(LINK_COLUMNS))  # absent columns NaN


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
            "los_forest_depth_m": np.nan,
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
    result.loc[at, "los_forest_depth_m"] = best["forest_depth_m"].to_numpy(dtype="float64")
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
    return Reach.empty(len(x)).add(window, x, y, sites, pairs, settings).table()


@dataclass(frozen=True)
class Reach:
    """The best link so far per address, and the running counts of sites in range / with LOS."""

    best: pd.DataFrame
    in_range: np.ndarray
    los_sites: np.ndarray

    @staticmethod
    def empty(n_addresses: int) -> Reach:
        zeros = np.zeros(n_addresses, np.int64)
        return Reach(_empty_links(), zeros, zeros.copy())

    def add(
        self,
        window: DemWindow,
        x: FloatArray,
        y: FloatArray,
        sites: pd.DataFrame,
        pairs: CandidatePairs,
        settings: LosSettings,
    ) -> Reach:
        best, in_range, los_sites = self.best, self.in_range.copy(), self.los_sites.copy()
        step = settings.max_pairs_per_batch
        for start in range(0, len(pairs.site_idx), step):
            batch = select_pairs(pairs, slice(start, start + step))
            links = line_of_sight_for_pairs(window, x, y, sites, batch, settings)
            los = links["los"].to_numpy(dtype=bool)
            in_range += np.bincount(batch.address_idx, minlength=len(in_range))
            los_sites += np.bincount(batch.address_idx[los], minlength=len(in_range))
            best = _best_links(pd.concat([best, links]) if len(best) else links)
        return Reach(best, in_range, los_sites)

    def table(self) -> pd.DataFrame:
        return _best_site_table(self.best, self.in_range, self.los_sites)


def select_pairs(pairs: CandidatePairs, keep: np.ndarray | slice) -> CandidatePairs:
    return CandidatePairs(pairs.address_idx[keep], pairs.site_idx[keep], pairs.distance_m[keep])


def bounds_of_pairs(
    x: FloatArray, y: FloatArray, sites: pd.DataFrame, pairs: CandidatePairs
) -> tuple[float, float, float, float]:
    """Bounding box (EPSG:25833) of the addresses and sites of ``pairs``."""
    all_x = np.concatenate([x[pairs.address_idx], sites["x_m"].to_numpy("float64")[pairs.site_idx]])
    all_y = np.concatenate([y[pairs.address_idx], sites["y_m"].to_numpy("float64")[pairs.site_idx]])
    if len(all_x) == 0:
        return (0.0, 0.0, 0.0, 0.0)
    return float(all_x.min()), float(all_y.min()), float(all_x.max()), float(all_y.max())
