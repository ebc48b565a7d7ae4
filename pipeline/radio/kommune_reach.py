"""Line of sight one kommune at a time, on the run's executor (every core, or a Dask cluster).

:func:`reach_per_kommune` splits the addresses by ``kommunenummer`` and hands each kommune's
points to :func:`reach_of_kommune` through ``pool.map_ordered`` (:mod:`maps.worker_pool`,
:mod:`pipeline.executor`). Each worker opens the DTM and takes the site table once
(:func:`open_reach_state`, cached per worker by its arguments) and keeps them for the next
kommune. The kommuner come back in order and each result is a pure function of its points,
the sites and the terrain, so the table is the same bytes for any number of workers.

The site table travels with each item inside :class:`SharedTable`, which compares and hashes
by a content digest only: a worker recognises the same sites and reuses its state.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from layers.dtm import DtmTiles
from maps.worker_pool import Pool, WorkerPool
from pipeline.radio.clutter import ClutterSources, read_clutter_window
from pipeline.radio.dem_window import FloatArray
from pipeline.radio.reach import (
    LosSettings,
    Reach,
    bounds_of_pairs,
    candidate_pairs,
    no_wireless_reach,
    select_pairs,
)
from pipeline.radio.reach_cache import ReachCache, site_row_hashes

LOS_DEFAULTS = LosSettings()


@dataclass(frozen=True)
class SharedTable:
    """A table every item needs, equal to another (and hashed) by its content digest only."""

    digest: str
    table: pd.DataFrame = field(compare=False, hash=False, repr=False)

    @staticmethod
    def of(table: pd.DataFrame) -> SharedTable:
        """``table`` with the SHA-256 of its rows (index included) and column names."""
        rows = pd.util.hash_pandas_object(table, index=True).to_numpy()
        digest = hashlib.sha256(rows.tobytes() + repr(list(table.columns)).encode()).hexdigest()
        return SharedTable(digest, table)


@dataclass(frozen=True)
class KommunePoints:
    """One kommune's addresses (EPSG:25833 metres), in the order of the addresses table."""

    kommunenummer: str
    x_m: FloatArray
    y_m: FloatArray


@dataclass
class ReachState:
    """What a worker keeps between kommuner: the open DTM, the sites, the settings and the
    clutter inputs (:mod:`pipeline.radio.clutter`)."""

    tiles: DtmTiles
    sites: pd.DataFrame
    settings: LosSettings
    cell_area_m2: float
    clutter: ClutterSources = field(default_factory=ClutterSources)


def open_reach_state(dtm_path: Path, sites: SharedTable, settings: LosSettings) -> ReachState:
    """Open the DTM, and the DOM or forest of ``settings.clutter``, once per worker (closed
    when the worker ends). The window's cells are the DOM's when there is one."""
    tiles = DtmTiles(dtm_path)
    clutter = ClutterSources.open(settings.clutter)
    cell_area_m2 = min(abs(d.res[0] * d.res[1]) for d in tiles.datasets)
    if clutter.dom is not None:
        cell_area_m2 = clutter.cell_area_m2()
    return ReachState(tiles, sites.table, settings, cell_area_m2, clutter)


def reach_of_kommune(state: ReachState, points: KommunePoints) -> pd.DataFrame:
    """The best-site table (:data:`pipeline.radio.reach.BEST_SITE_COLUMNS`) of one kommune's
    points, indexed 0..n-1: candidate pairs, one DEM window over them (one per site when it
    would exceed ``max_window_cells``), LOS in batches each reduced to the best so far."""
    settings, sites = state.settings, state.sites
    x, y = points.x_m, points.y_m
    pairs = candidate_pairs(x, y, sites, settings.max_sites_per_address)
    left, bottom, right, top = bounds_of_pairs(x, y, sites, pairs)
    batches = [pairs]
    if (right - left) * (top - bottom) / state.cell_area_m2 > settings.max_window_cells:
        batches = [select_pairs(pairs, pairs.site_idx == s) for s in np.unique(pairs.site_idx)]
    reach = Reach.empty(len(x))
    for batch in batches:
        if len(batch.site_idx) == 0:
            continue
        bounds = bounds_of_pairs(x, y, sites, batch)
        window = read_clutter_window(state.tiles, state.clutter, bounds)
        reach = reach.add(window, x, y, sites, batch, settings)
    return reach.table()


def _kommune_points(addresses: pd.DataFrame, order: list[pd.Index]) -> Iterator[KommunePoints]:
    """Each kommune's points, in kommunenummer order; ``order`` collects their index labels."""
    for knr, group in addresses.groupby("kommunenummer", sort=True):
        order.append(group.index)
        x, y = group["x_m"].to_numpy("float64"), group["y_m"].to_numpy("float64")
        yield KommunePoints(str(knr), x, y)


def wireless_reach_per_address(
    addresses: pd.DataFrame,
    sites: pd.DataFrame | None,
    dtm_path: Path | None,
    settings: LosSettings = LOS_DEFAULTS,
    kommune_done: Callable[[int], None] | None = None,
    pool: Pool | None = None,
    cache: ReachCache | None = None,
) -> pd.DataFrame:
    """Best site per address (:func:`pipeline.radio.reach.best_site_per_address` columns),
    aligned to the index; every best-site column empty without a DTM or a site.

    ``addresses`` has ``x_m``, ``y_m`` (EPSG:25833) and ``kommunenummer``; ``sites`` is the
    canonical site table (pass only the technologies that should count). Each kommune is
    :func:`reach_of_kommune`, on ``pool`` (default: this process), so memory does not grow
    with the pairs; ``kommune_done(1)`` as each kommune comes back. With ``cache`` (for this
    DTM), a kommune whose table is stored under its key is read back instead
    (:mod:`pipeline.radio.reach_cache`) and each one computed is stored.
    """
    if dtm_path is None or sites is None or sites.empty:
        return no_wireless_reach(addresses.index)
    sites = sites.reset_index(drop=True)
    order: list[pd.Index] = []
    points = list(_kommune_points(addresses, order))
    if cache is not None and Path(cache.dtm) != Path(dtm_path):
        cache = None  # a cache belongs to one DTM
    keys, tables = _cached(points, sites, settings, cache)
    todo = [i for i, table in enumerate(tables) if table is None]
    if kommune_done is not None and len(points) > len(todo):
        kommune_done(len(points) - len(todo))  # read back from the cache
    computed = (pool or WorkerPool(1)).map_ordered(
        reach_of_kommune,
        (points[i] for i in todo),
        make_state=open_reach_state,
        state_args=(Path(dtm_path), SharedTable.of(sites), settings),
        done=kommune_done,
    )
    for i, table in zip(todo, computed, strict=True):
        tables[i] = table
        if cache is not None:
            cache.save(keys[i], table)
    if not tables:
        return no_wireless_reach(addresses.index)
    table = pd.concat(tables, ignore_index=True)
    table.index = order[0].append(order[1:]) if len(order) > 1 else order[0]
    return table.reindex(addresses.index)


def _cached(
    points: list[KommunePoints],
    sites: pd.DataFrame,
    settings: LosSettings,
    cache: ReachCache | None,
) -> tuple[dict[int, str], list[pd.DataFrame | None]]:
    """Each kommune's cache key (by position; those not read back) and its table read back
    from ``cache`` (None where it must be computed)."""
    tables: list[pd.DataFrame | None] = [None] * len(points)
    if cache is None:
        return {}, tables
    rows = site_row_hashes(sites)
    keys: dict[int, str] = {}
    for i, kommune in enumerate(points):
        key = cache.key(kommune.x_m, kommune.y_m, sites, rows, settings)
        tables[i] = cache.load(key)
        if tables[i] is None:
            keys[i] = key
    return keys, tables
