"""The fibre option: a tree per project area and each address's share of it.

Fibre (:mod:`pipeline.rollout.trees`): the households on fibre are clustered by single
linkage at ``cluster_distance_m``; each cluster gets a minimum spanning tree rooted where it
meets the fibre presence (an existing fibre line, or an address that already has a fibre
offer). Every edge is paid by the households it serves (docs/design.md, "Cost"):

.. math::

    L_{route}(e) = \\min(\\ell_e \\cdot f_{route},\\ L_{max}), \\quad
    c_e = L_{route}(e) (c_{trench} f_{terrain}(e) f_{kommune} + c_{cable})

    C(a) = h_a \\sum_{e \\in path(a)} \\frac{c_e}{n_e} + c_{drop,fixed} + c_{drop/m} L_{drop}
           + h_a \\Big(c_{ONT} + c_{install} + c_{splitter} \\frac{\\lceil N/p \\rceil}{N}\\Big)

with :math:`n_e` the households downstream of :math:`e` and :math:`N` the households of the
cluster; the addresses' shares add up to the trees' cost. With a road network,
:math:`L_{route}` is the route along roads (no route factor) where the roads connect the two
ends. The terrain factor :math:`f_{terrain}` comes from the DTM sampled along each edge
(:func:`pipeline.rollout.ground.terrain_factor`; 1.0 without a DTM), :math:`f_{kommune}`
from the kommune cost factors (1.0 unless given). An edge over sea is priced as sea cable
with landings instead of trench (:mod:`pipeline.rollout.sea`): its land part
:math:`(1 - f_{sea}) L_{route}` as above plus :math:`L_{sea} c_{sea} + N_{landing}
c_{landing}`. The choice between fibre and the other options is
:mod:`pipeline.rollout.choice`.
Addresses not costed get NaN.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.spatial import cKDTree

from pipeline.config import CostSettings, FibreSettings
from pipeline.rollout.ground import LinkTerrain, link_terrain
from pipeline.rollout.routing import CachedRoutes
from pipeline.rollout.sea import sea_cost_nok
from pipeline.rollout.trees import (
    EdgeLength,
    downstream_households,
    route_share_per_household,
    spanning_forest,
)


@dataclass(frozen=True)
class FibrePresence:
    """Where fibre is: network geometries (lines or points) and addresses that have fibre."""

    geometries: np.ndarray  # shapely geometries, EPSG:25833
    points_xy_m: np.ndarray  # (n, 2) coordinates of addresses with a fibre offer


def presence_of_fibre(
    fibre: gpd.GeoDataFrame | None, addresses: pd.DataFrame, has_fibre: np.ndarray
) -> FibrePresence:
    """The fibre layer's geometries plus the points of addresses with a fibre offer."""
    geometries = fibre.geometry.to_numpy() if fibre is not None else np.empty(0, dtype=object)
    points_xy_m = np.column_stack(
        [addresses["x_m"].to_numpy()[has_fibre], addresses["y_m"].to_numpy()[has_fibre]]
    )
    return FibrePresence(geometries, points_xy_m)


def nearest_presence(
    presence: FibrePresence, x_m: np.ndarray, y_m: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Distance (inf: none) and the nearest presence point (x, y; NaN: none) of each point.

    Points by a k-d tree (fast for millions), geometries by an STRtree; the nearer wins.
    """
    n = len(x_m)
    distance_m, nearest_xy = np.full(n, np.inf), np.full((n, 2), np.nan)
    if n == 0:
        return distance_m, nearest_xy
    if len(presence.points_xy_m):
        distance_m, index = cKDTree(presence.points_xy_m).query(np.column_stack([x_m, y_m]), k=1)
        nearest_xy = presence.points_xy_m[index].astype("float64")
    if len(presence.geometries):
        points = np.asarray(shapely.points(x_m, y_m))
        tree = shapely.STRtree(presence.geometries)
        (point_idx, geom_idx), line_m = tree.query_nearest(
            points, return_distance=True, all_matches=False
        )
        nearer = line_m < distance_m[point_idx]
        rows = point_idx[nearer]
        joins = shapely.shortest_line(points[rows], presence.geometries[geom_idx[nearer]])
        nearest_xy[rows] = shapely.get_coordinates(joins).reshape(-1, 2, 2)[:, 1]
        distance_m[rows] = line_m[nearer]
    return distance_m, nearest_xy


def distance_to_presence_m(presence: FibrePresence, x_m: np.ndarray, y_m: np.ndarray) -> np.ndarray:
    """Straight-line distance from each point to the nearest fibre presence (inf: none)."""
    return nearest_presence(presence, x_m, y_m)[0]


def route_length_m(distance_m: np.ndarray, settings: FibreSettings) -> np.ndarray:
    """Route length: straight line × route factor, capped at ``max_route_m``."""
    return np.minimum(distance_m * settings.route_factor, settings.max_route_m)


def edge_cost_nok(
    route_m: np.ndarray,
    settings: FibreSettings,
    terrain: np.ndarray | float = 1.0,
    kommune_factor: np.ndarray | float = 1.0,
) -> np.ndarray:
    """Cost of a tree edge: route length × (trench × terrain factor × kommune factor + cable)."""
    trench_nok_per_m = settings.trench_nok_per_m * terrain * kommune_factor
    return route_m * (trench_nok_per_m + settings.cable_nok_per_m)


def splitter_nok_per_household(
    cluster_id: np.ndarray, households: np.ndarray, settings: FibreSettings
) -> np.ndarray:
    """Each household's share of its cluster's splitters, aligned to the input.

    .. math::

        s = c_{splitter} \\frac{\\lceil N / p \\rceil}{N}

    with :math:`N` the households of the cluster and :math:`p` the ports of a splitter.
    """
    if len(cluster_id) == 0:
        return np.zeros(0)
    _, inverse = np.unique(cluster_id, return_inverse=True)
    n_households = np.bincount(inverse, weights=households)[inverse]
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.ceil(n_households / settings.splitter_ports) / n_households
    return settings.splitter_nok * np.where(n_households > 0, share, 0.0)


def address_cost_nok(
    route_nok: np.ndarray,
    households: np.ndarray,
    settings: FibreSettings,
    splitter_nok_per_household: np.ndarray | float = 0.0,
) -> np.ndarray:
    """Cost per address: its share of the tree, its drop, and equipment per household."""
    drop_nok = settings.drop_fixed_nok + settings.drop_nok_per_m * settings.drop_length_m
    per_household_nok = settings.ont_nok + settings.install_nok + splitter_nok_per_household
    return route_nok + drop_nok + households * per_household_nok


@dataclass(frozen=True)
class CostContext:
    """What shapes the fibre routes besides the addresses: terrain, kommune prices, roads."""

    dtm: Path | None = None
    kommune_factor: np.ndarray | None = None  # per address (all addresses, not only costed)
    roads: CachedRoutes | None = None  # the road graph, with the routes asked so far
    land: np.ndarray | None = None  # kommune polygons (EPSG:25833): outside them is sea


def cost_per_address(
    addresses: pd.DataFrame,
    below_target: np.ndarray,
    presence: FibrePresence,
    settings: CostSettings,
    context: CostContext = CostContext(),
) -> pd.DataFrame:
    """The fibre tree of every cluster and each address's cost (module docstring).

    Columns (NaN / -1 / False for addresses not costed): ``cluster_id``,
    ``distance_to_fibre_m``, ``link_m`` (the address's edge towards the presence, straight
    or along roads), ``terrain_factor`` and ``route_m`` of that edge, ``route_capped``,
    ``served_households`` (downstream of the edge), ``kommune_cost_factor``, ``sea_m`` (on
    the edge, :mod:`pipeline.rollout.sea`), ``route_sea_m`` (on the path), ``cost_nok``.
    """
    households = addresses["households"].to_numpy()[below_target]
    x_m = addresses["x_m"].to_numpy()[below_target]
    y_m = addresses["y_m"].to_numpy()[below_target]
    kommune = np.ones(len(x_m))
    if context.kommune_factor is not None:
        kommune = np.asarray(context.kommune_factor, dtype="float64")[below_target]
    fibre = settings.fibre
    nearest_m, nearest_xy = nearest_presence(presence, x_m, y_m)
    routes = _Routes(x_m, y_m, settings, context.roads)
    to_fibre_m = routes.to_points(nearest_m, nearest_xy)
    forest = spanning_forest(x_m, y_m, to_fibre_m, fibre.cluster_distance_m, routes.pairs)
    has_parent = forest.parent >= 0
    xy = np.column_stack([x_m, y_m])
    far_end = np.where(has_parent[:, None], xy[np.where(has_parent, forest.parent, 0)], nearest_xy)
    terrain = _ground(context, addresses, below_target, xy, far_end, settings)
    uncapped_m = routes.route_m(forest.edge_m)
    route_m = np.minimum(uncapped_m, fibre.max_route_m)
    straight_m = np.hypot(*(xy - far_end).T)
    sea_share, sea_m, n_landings = _sea_parts(terrain, straight_m, uncapped_m, settings, routes)
    served = downstream_households(forest, households)
    edge_nok = edge_cost_nok(
        route_m * (1.0 - sea_share), fibre, terrain.factor, kommune
    ) + sea_cost_nok(sea_m, n_landings, settings.sea)
    share = route_share_per_household(forest, edge_nok, served)
    splitters = splitter_nok_per_household(forest.cluster_id, households, fibre)
    cost = address_cost_nok(households * share, households, fibre, splitters)
    return _aligned(
        addresses.index,
        below_target,
        {
            "cluster_id": (forest.cluster_id, -1),
            "distance_to_fibre_m": (nearest_m, np.nan),
            "link_m": (forest.edge_m, np.nan),
            "terrain_factor": (terrain.factor, np.nan),
            "route_m": (route_m, np.nan),
            "route_capped": (uncapped_m > fibre.max_route_m, False),
            "served_households": (served, np.nan),
            "kommune_cost_factor": (kommune, np.nan),
            "sea_m": (sea_m, np.nan),
            "route_sea_m": (route_share_per_household(forest, sea_m, np.ones(len(x_m))), np.nan),
            "cost_nok": (cost, np.nan),
        },
    )


def _ground(
    context: CostContext,
    addresses: pd.DataFrame,
    below_target: np.ndarray,
    xy: np.ndarray,
    far_end: np.ndarray,
    settings: CostSettings,
) -> LinkTerrain:
    """Terrain factor and sea of each link (one kommune at a time); flat land where neither a
    DTM nor land is given."""
    if (context.dtm is None and context.land is None) or len(xy) == 0:
        return LinkTerrain.flat(len(xy))
    kommunenummer = addresses["kommunenummer"].to_numpy()[below_target]
    return link_terrain(context.dtm, context.land, kommunenummer, xy, far_end, settings.terrain)


def _sea_parts(
    terrain: LinkTerrain,
    straight_m: np.ndarray,
    uncapped_m: np.ndarray,
    settings: CostSettings,
    routes: _Routes,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per edge: the share of its route over sea, its sea cable metres (straight, at most
    ``max_route_m``) and its landings; none on an edge that follows the roads."""
    straight = np.ones(len(straight_m), dtype=bool)
    if routes.roads is not None:  # a road route is longer than the straight line × factor
        straight = np.isclose(uncapped_m, straight_m * settings.fibre.route_factor)
    share = np.where(straight, terrain.sea_fraction, 0.0)
    sea_m = np.minimum(np.nan_to_num(share * straight_m), settings.fibre.max_route_m)
    return share, sea_m, np.where(straight, terrain.landings, 0)


class _Routes:
    """Edge lengths for the tree: straight lines (× route factor later) or along roads.

    With roads, a pair's length is its road route (:func:`pipeline.rollout.routing.pair_route_m`);
    where the road network does not connect the two ends within ``max_route_m``, the straight
    line × route factor stands in.
    """

    def __init__(
        self, x_m: np.ndarray, y_m: np.ndarray, settings: CostSettings, roads: CachedRoutes | None
    ) -> None:
        self.x_m, self.y_m, self.settings, self.roads = x_m, y_m, settings, roads

    def _road_or_straight(
        self, x0: np.ndarray, y0: np.ndarray, x1: np.ndarray, y1: np.ndarray
    ) -> np.ndarray:
        """Road route for edges longer than ``[cost.roads].min_edge_m`` whose ends are within
        ``max_snap_m`` of a road and connected by it; straight × route factor otherwise."""
        assert self.roads is not None
        fibre, roads = self.settings.fibre, self.settings.roads
        straight_m = np.hypot(x1 - x0, y1 - y0)
        length_m: np.ndarray = straight_m * fibre.route_factor
        long = np.flatnonzero(straight_m > roads.min_edge_m)
        if len(long):
            road_m = self.roads.pair_route_m(
                x0[long],
                y0[long],
                x1[long],
                y1[long],
                fibre.max_route_m,
                max_snap_m=roads.max_snap_m,
            )
            found = np.isfinite(road_m)
            length_m[long[found]] = road_m[found]
        return length_m

    @property
    def pairs(self) -> EdgeLength | None:
        if self.roads is None:
            return None
        x, y = self.x_m, self.y_m
        return lambda i, j: self._road_or_straight(x[i], y[i], x[j], y[j])

    def to_points(self, straight_m: np.ndarray, xy: np.ndarray) -> np.ndarray:
        """Length from each address to its point in ``xy`` (inf stays inf: no presence)."""
        if self.roads is None or len(xy) == 0:
            return straight_m
        found = np.isfinite(straight_m)
        length_m = straight_m.copy()
        length_m[found] = self._road_or_straight(
            self.x_m[found], self.y_m[found], xy[found, 0], xy[found, 1]
        )
        return length_m

    def route_m(self, edge_m: np.ndarray) -> np.ndarray:
        """Route length of tree edges (uncapped): roads as measured, straight × factor."""
        return edge_m if self.roads is not None else edge_m * self.settings.fibre.route_factor


def _aligned(
    index: pd.Index, rows: np.ndarray, columns: dict[str, tuple[np.ndarray, Any]]
) -> pd.DataFrame:
    """Columns for the rows in ``rows``, the given fill value elsewhere."""
    frame = {}
    for name, (values, fill) in columns.items():
        full = np.full(len(index), fill, dtype=np.asarray(values).dtype if len(values) else None)
        full[rows] = values
        frame[name] = full
    return pd.DataFrame(frame, index=index)
