"""Stage 6, cost: what reaching each household below the cost target costs.

Fibre (:mod:`pipeline.network_design`): the households below ``cost.target`` (outside funded
and planned areas) are clustered by single linkage at ``cluster_distance_m``; each cluster gets
a minimum spanning tree rooted at its address nearest the fibre presence (an existing fibre
line, or an address that already has a fibre offer), which links to that presence. Every edge
is paid by the households it serves:

.. math::

    L_{route}(e) = \\min(\\ell_e \\cdot f_{route},\\ L_{max}), \\quad
    c_e = L_{route}(e) (c_{trench} f_{terrain}(e) + c_{cable})

    C(a) = h_a \\sum_{e \\in path(a)} \\frac{c_e}{n_e} + c_{drop,fixed} + c_{drop/m} L_{drop}
           + h_a (c_{ONT} + c_{install})

with :math:`n_e` the households downstream of :math:`e`; the addresses' shares add up to the
trees' cost. The terrain factor :math:`f_{terrain}` comes from the DTM sampled along each edge
(:func:`terrain_factor`); 1.0 without a DTM. Fixed wireless from an existing site in sight
replaces fibre where it meets the target and is cheaper (:func:`cheapest_option`). Addresses
that meet the cost target get NaN.
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

from layers.dtm import DtmTiles
from pipeline.config import CostSettings
from pipeline.network_design import (
    downstream_households,
    route_share_per_household,
    spanning_forest,
)

LINK_SAMPLES = 24  # terrain samples along each link (both ends included)


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


def terrain_factor(
    elevation_m: np.ndarray, link_m: np.ndarray, settings: CostSettings
) -> np.ndarray:
    """Trench cost multiplier per link from the terrain sampled along it.

    ``elevation_m`` is (links × samples), evenly spaced from one end to the other, NaN where
    there is no terrain:

    .. math::

        f = \\min\\Big(f_{max},\\ 1 + w_g \\frac{\\sum |\\Delta z|}{L}
            + w_r \\frac{\\max z - \\min z}{100\\,\\mathrm{m}}\\Big)

    1.0 on flat ground, and where fewer than two samples have terrain.
    """
    with np.errstate(invalid="ignore", divide="ignore"):
        climb_m = np.nansum(np.abs(np.diff(elevation_m, axis=1)), axis=1)
        grade = np.where(link_m > 0, climb_m / link_m, 0.0)
        valid = np.sum(~np.isnan(elevation_m), axis=1) >= 2
        relief_m = np.where(
            valid,
            np.nanmax(elevation_m, axis=1, initial=-np.inf)
            - np.nanmin(elevation_m, axis=1, initial=np.inf),
            0.0,
        )
    factor = (
        1.0
        + settings.terrain_grade_weight * grade
        + settings.terrain_relief_weight_per_100m * relief_m / 100.0
    )
    return np.where(valid, np.minimum(factor, settings.terrain_factor_max), 1.0)


def _terrain_factors(
    dtm: Path,
    kommunenummer: np.ndarray,
    x_m: np.ndarray,
    y_m: np.ndarray,
    far_end: np.ndarray,
    links_m: np.ndarray,
    settings: CostSettings,
) -> np.ndarray:
    """Terrain factor per link, one kommune at a time (one DTM window each, never the
    country's)."""
    factors = np.ones(len(x_m))
    with DtmTiles(dtm) as tiles:
        for rows in pd.Series(np.arange(len(x_m))).groupby(kommunenummer).indices.values():
            elevation = sample_links(
                tiles, x_m[rows], y_m[rows], far_end[rows, 0], far_end[rows, 1], LINK_SAMPLES
            )
            factors[rows] = terrain_factor(elevation, links_m[rows], settings)
    return factors


def sample_links(
    dtm: DtmTiles, x0: np.ndarray, y0: np.ndarray, x1: np.ndarray, y1: np.ndarray, samples: int
) -> np.ndarray:
    """Elevation at ``samples`` evenly spaced points of each link (links × samples)."""
    t = np.linspace(0.0, 1.0, samples)
    xs = x0[:, None] + (x1 - x0)[:, None] * t
    ys = y0[:, None] + (y1 - y0)[:, None] * t
    finite = np.isfinite(xs) & np.isfinite(ys)
    elevation = np.full(xs.shape, np.nan)
    sampled = dtm.sample(xs[finite], ys[finite])
    elevation[finite] = sampled["elevation_m"].to_numpy()
    return elevation


def route_length_m(distance_m: np.ndarray, settings: CostSettings) -> np.ndarray:
    """Route length: straight line × route factor, capped at ``max_route_m``."""
    return np.minimum(distance_m * settings.route_factor, settings.max_route_m)


def edge_cost_nok(
    route_m: np.ndarray, settings: CostSettings, terrain: np.ndarray | float = 1.0
) -> np.ndarray:
    """Cost of a tree edge: route length × (trench × terrain factor + cable)."""
    return route_m * (settings.trench_nok_per_m * terrain + settings.cable_nok_per_m)


def address_cost_nok(
    route_nok: np.ndarray, households: np.ndarray, settings: CostSettings
) -> np.ndarray:
    """Cost per address: its share of the tree, its drop, and equipment per household."""
    drop_nok = settings.drop_fixed_nok + settings.drop_nok_per_m * settings.drop_length_m
    equipment_nok = households * (settings.ont_nok + settings.install_nok)
    return route_nok + drop_nok + equipment_nok


def cost_per_address(
    addresses: pd.DataFrame,
    below_target: np.ndarray,
    presence: FibrePresence,
    settings: CostSettings,
    dtm: Path | None = None,
) -> pd.DataFrame:
    """The fibre tree of every cluster and each address's cost (module docstring).

    Columns (NaN / -1 / False for addresses not costed): ``cluster_id``,
    ``distance_to_fibre_m``, ``link_m`` (the address's edge towards the presence),
    ``terrain_factor`` and ``route_m`` of that edge, ``route_capped``, ``served_households``
    (downstream of the edge), ``cost_nok``.
    """
    households = addresses["households"].to_numpy()[below_target]
    x_m = addresses["x_m"].to_numpy()[below_target]
    y_m = addresses["y_m"].to_numpy()[below_target]
    nearest_m, nearest_xy = nearest_presence(presence, x_m, y_m)
    forest = spanning_forest(x_m, y_m, nearest_m, settings.cluster_distance_m)
    has_parent = forest.parent >= 0
    parent = np.where(has_parent, forest.parent, 0)
    xy = np.column_stack([x_m, y_m])
    far_end = np.where(has_parent[:, None], xy[parent] if len(xy) else xy, nearest_xy)
    edge_m = np.where(has_parent, np.hypot(*(xy - far_end).T), nearest_m) if len(xy) else nearest_m
    factor = np.ones(len(x_m))
    if dtm is not None and len(x_m):
        kommunenummer = addresses["kommunenummer"].to_numpy()[below_target]
        factor = _terrain_factors(dtm, kommunenummer, x_m, y_m, far_end, edge_m, settings)
    route_m = route_length_m(edge_m, settings)
    served = downstream_households(forest, households)
    share = route_share_per_household(forest, edge_cost_nok(route_m, settings, factor), served)
    cost = address_cost_nok(households * share, households, settings)
    return _aligned(
        addresses.index,
        below_target,
        {
            "cluster_id": (forest.cluster_id, -1),
            "distance_to_fibre_m": (nearest_m, np.nan),
            "link_m": (edge_m, np.nan),
            "terrain_factor": (factor, np.nan),
            "route_m": (route_m, np.nan),
            "route_capped": (edge_m * settings.route_factor > settings.max_route_m, False),
            "served_households": (served, np.nan),
            "cost_nok": (cost, np.nan),
        },
    )


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


def cheapest_option(
    costs: pd.DataFrame,
    households: np.ndarray,
    wireless_meets_target: np.ndarray,
    settings: CostSettings,
) -> pd.DataFrame:
    """The least-cost option that meets the cost target, per address: ``cost_option``
    ("fiber", "fwa", "satellite"), ``cost_nok``, and ``satellite_cost_nok`` for reference.

    .. math::

        C_{fwa}(a) = h_a c_{CPE} \\quad \\text{(an existing site in sight meets the target)}

        C_{sat}(a) = h_a (c_{terminal} + 12 \\, Y \\, c_{month})
        \\quad \\text{(only when the policy counts satellite)}

    Each address is decided alone: the fibre tree is not re-planned when a neighbour takes
    another option (its shares stay as planned), which overstates fibre slightly there.
    """
    costed = costs["cost_nok"].notna().to_numpy()
    fiber_nok = costs["cost_nok"].to_numpy()
    fwa_nok = np.where(wireless_meets_target, households * settings.fwa_cpe_nok, np.inf)
    satellite_nok = households * (
        settings.satellite_terminal_nok
        + 12.0 * settings.satellite_period_years * settings.satellite_subscription_nok_per_month
    )
    satellite_option = satellite_nok if settings.satellite_meets_target else np.inf
    options = np.column_stack(
        [
            np.where(costed, fiber_nok, np.inf),
            fwa_nok,
            np.broadcast_to(satellite_option, fiber_nok.shape),
        ]
    )
    best = options.argmin(axis=1)
    names = np.array(["fiber", "fwa", "satellite"], dtype=object)
    option = pd.Series(names[best], index=costs.index, dtype=object)
    return costs.assign(
        cost_option=option.where(costed, None),
        cost_nok=np.where(costed, options[np.arange(len(best)), best], np.nan),
        satellite_cost_nok=np.where(costed, satellite_nok, np.nan),
    )
