"""A new fixed-wireless site per project area: where it stands, whom it reaches, what it costs.

Each project area (cluster of households below target) with at least
``[cost.new_site].min_households`` households gets one candidate mast, standing on its highest
address (masts go on high ground; without terrain, on the address nearest the area's
household-weighted centre). Each household below target within ``max_range_m`` gets its best
mast as for existing sites (:mod:`pipeline.radio.reach`: the nearest it sees, else the nearest),
and the mast reaches it when the link budget over the terrain between them
(:mod:`pipeline.radio.throughput`, the same model as for existing sites; the mast's capacity
shared among every household below target it serves) predicts speeds that meet the cost
target.

The mast's fixed cost is its mast and its backhaul, the cheaper of a microwave link and a
fibre route to the nearest presence:

.. math::

    C_{site} = c_{mast} + \\min(c_{radio\\ link},\\ L_{route} (c_{trench} + c_{cable}))

shared by the households that take it (:mod:`pipeline.rollout.choice`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from maps.worker_pool import Pool
from pipeline.config import CostSettings, NewSiteSettings, Target, WirelessSettings
from pipeline.radio.clutter import NO_CLUTTER, Clutter
from pipeline.radio.kommune_reach import wireless_reach_per_address
from pipeline.radio.reach import LosSettings
from pipeline.radio.reach_cache import ReachCache
from pipeline.rollout.fibre import FibrePresence, edge_cost_nok, nearest_presence, route_length_m
from pipeline.wireless import SITE_COLUMNS, households_of, predicted_speeds_mbps


@dataclass(frozen=True)
class NewSites:
    """Candidate masts and, per address, the mast that reaches it (-1: none)."""

    # the site table of pipeline.radio.reach plus cluster_id, kommunenummer and
    # backhaul_fibre_m (the straight distance to the nearest fibre presence; inf: none)
    masts: pd.DataFrame
    mast_of: np.ndarray  # int64 per address: row in ``masts``, -1 where none reaches it

    @staticmethod
    def none(n_addresses: int) -> NewSites:
        masts = mast_table([], [], [], [], [], NewSiteSettings())
        return NewSites(masts, np.full(n_addresses, -1, np.int64))


def mast_table(
    cluster_id: ArrayLike,
    kommunenummer: ArrayLike,
    x_m: ArrayLike,
    y_m: ArrayLike,
    backhaul_fibre_m: ArrayLike,
    settings: NewSiteSettings,
    area_id: ArrayLike | None = None,
) -> pd.DataFrame:
    """The candidate masts' site table (the columns of :mod:`pipeline.radio.reach`'s site
    table), one row per project area, with ``cluster_id``, ``area_id``, ``kommunenummer`` and
    ``backhaul_fibre_m``. ``site_id`` is ``"ny-<area_id>"`` (stable run after run:
    :mod:`pipeline.rollout.area_ids`); without area ids ``"ny-<kommunenummer>-<cluster_id>"``."""
    cluster = np.asarray(cluster_id, dtype=np.int64)
    kommune = np.asarray(kommunenummer, dtype=object)
    if area_id is None:
        area = np.array([f"{k}-{c}" for k, c in zip(kommune, cluster, strict=True)], dtype=object)
    else:
        area = np.asarray(area_id, dtype=object)
    return pd.DataFrame(
        {
            "site_id": ["ny-" + str(a) for a in area],  # one per project area
            "cluster_id": cluster,
            "area_id": area,
            "kommunenummer": kommune,
            "x_m": np.asarray(x_m, dtype="float64"),
            "y_m": np.asarray(y_m, dtype="float64"),
            "antenna_height_m": settings.antenna_height_m,
            "frequency_mhz": settings.frequency_mhz,
            "technology": "fwa",
            "down_mbps": settings.down_mbps,
            "up_mbps": settings.up_mbps,
            "max_range_m": settings.max_range_m,
            "backhaul_fibre_m": np.asarray(backhaul_fibre_m, dtype="float64"),
        }
    )


def mast_positions(
    addresses: pd.DataFrame,
    cluster_id: np.ndarray,
    settings: NewSiteSettings,
    area_id: np.ndarray | None = None,
) -> pd.DataFrame:
    """One row per project area big enough for a mast: ``cluster_id``, ``kommunenummer``,
    ``x_m``, ``y_m`` of its highest address (``elevation_m``; NaN never wins), or of the
    address nearest the household-weighted centre where no address has terrain.

    ``addresses`` are the costed ones, aligned with ``cluster_id`` (``x_m``, ``y_m``,
    ``households``, ``kommunenummer``, optional ``elevation_m``); ``area_id`` (aligned too)
    gives the row's ``area_id``: that of the mast's address.
    """
    frame = pd.DataFrame(
        {
            "cluster_id": cluster_id,
            "kommunenummer": addresses["kommunenummer"].to_numpy(dtype=object),
            "x_m": addresses["x_m"].to_numpy(dtype="float64"),
            "y_m": addresses["y_m"].to_numpy(dtype="float64"),
            "households": addresses["households"].to_numpy(dtype="float64"),
            "area_id": None if area_id is None else np.asarray(area_id, dtype=object),
        }
    )
    elevation = (
        addresses["elevation_m"].to_numpy(dtype="float64")
        if "elevation_m" in addresses.columns
        else np.full(len(frame), np.nan)
    )
    by_cluster = frame.groupby("cluster_id", sort=True)
    households = by_cluster["households"].transform("sum").to_numpy()
    big = households >= settings.min_households
    weight = frame["households"].to_numpy()
    weighted = frame.assign(wx=frame["x_m"] * weight, wy=frame["y_m"] * weight)
    sums = weighted.groupby("cluster_id", sort=True)[["wx", "wy"]].transform("sum")
    centre_x = sums["wx"].to_numpy() / households
    centre_y = sums["wy"].to_numpy() / households
    off_centre_m = np.hypot(frame["x_m"].to_numpy() - centre_x, frame["y_m"].to_numpy() - centre_y)
    # rank: highest first; without terrain (NaN) nearest the centre first
    has_terrain = np.isfinite(elevation)
    order = np.lexsort((off_centre_m, -np.nan_to_num(elevation, nan=-np.inf), ~has_terrain))
    order = order[big[order]]
    chosen = frame.iloc[order].drop_duplicates("cluster_id").sort_values("cluster_id")
    return chosen[["cluster_id", "area_id", "kommunenummer", "x_m", "y_m"]].reset_index(drop=True)


def fixed_cost_nok(masts: pd.DataFrame, settings: CostSettings) -> np.ndarray:
    """Per mast: the mast, and the cheaper of a microwave link and a fibre route to the
    nearest presence (module docstring)."""
    route_m = route_length_m(masts["backhaul_fibre_m"].to_numpy(dtype="float64"), settings.fibre)
    fibre_nok = np.nan_to_num(edge_cost_nok(route_m, settings.fibre), nan=np.inf)
    fixed_nok: np.ndarray = settings.new_site.mast_nok + np.minimum(
        settings.new_site.backhaul_nok, fibre_nok
    )
    return fixed_nok


def new_sites(
    addresses: pd.DataFrame,
    costed: np.ndarray,
    cluster_id: np.ndarray,
    presence: FibrePresence,
    dtm: Path | None,
    target: Target,
    settings: CostSettings,
    wireless: WirelessSettings,
    area_id: np.ndarray | None = None,
    work: tuple[Pool | None, ReachCache | None] = (None, None),
    clutter: Clutter = NO_CLUTTER,
) -> NewSites:
    """Candidate masts for the project areas and the mast reaching each address (module
    docstring). ``cluster_id`` is aligned with the costed rows; without a DTM, or with
    ``[cost.new_site].enabled`` off, no mast is proposed (line of sight cannot be judged).
    ``area_id`` (aligned with the costed rows) names the masts (:func:`mast_table`). Their
    line of sight runs kommune by kommune on ``work``'s pool, reading back what its reach
    cache holds (:mod:`pipeline.radio.reach_cache`), over the same ``clutter`` (DOM or forest)
    as the existing sites' (:mod:`pipeline.radio.clutter`)."""
    n = len(addresses)
    site = settings.new_site
    if not site.enabled or dtm is None or not costed.any():
        return NewSites.none(n)
    below = addresses.loc[costed]
    positions = mast_positions(below, cluster_id, site, area_id)
    if positions.empty:
        return NewSites.none(n)
    x, y = positions["x_m"].to_numpy(), positions["y_m"].to_numpy()
    masts = mast_table(
        positions["cluster_id"].to_numpy(),
        positions["kommunenummer"].to_numpy(),
        x,
        y,
        nearest_presence(presence, x, y)[0],
        site,
        None if area_id is None else positions["area_id"].to_numpy(),
    )
    los = LosSettings.from_wireless(wireless, clutter)
    pool, cache = work
    reach = wireless_reach_per_address(below, masts, dtm, los, pool=pool, cache=cache)
    row = pd.Series(np.arange(len(masts)), index=masts["site_id"])
    mast_row = row.reindex(reach["los_site_id"]).to_numpy()
    has_mast = np.isfinite(mast_row)
    down, up = predicted_speeds_mbps(
        masts.set_index("site_id")[list(SITE_COLUMNS)].reindex(reach["los_site_id"]),
        reach,
        households_of(below),
        wireless.link,
        1.0,  # every household below target that a new mast reaches takes it
    )
    meets = has_mast & (np.nan_to_num(down) >= target.down_mbps)
    if target.up_mbps is not None:
        meets &= np.nan_to_num(up) >= target.up_mbps
    mast_of = np.full(n, -1, np.int64)
    mast_of[np.flatnonzero(costed)[meets]] = mast_row[meets].astype(np.int64)
    return NewSites(masts, mast_of)
