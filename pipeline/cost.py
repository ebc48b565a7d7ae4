"""Stage 6, cost: a first, honest estimate of reaching each household below the cost target.

The addresses below ``cost.target`` are joined in a *nearest-upstream tree*: each links to
whichever is nearer, the fibre presence (an existing fibre line, or an address that already has
a fibre offer) or the nearest other address below target that lies strictly closer to the
presence (ties broken by position, so the links never form a cycle). Each address pays for its
own link, so the links of a cluster add up to the cluster's tree:

.. math::

    \\ell(a) = \\min\\big(d_{presence}(a),
        \\ \\min_{b:\\,d_{presence}(b) < d_{presence}(a)} |ab|\\big)

    L_{route}(a) = \\min(\\ell(a) \\cdot f_{route},\\ L_{max})

    C(a) = L_{route}(a) (c_{trench} + c_{cable}) + c_{drop,fixed} + c_{drop/m} L_{drop}
           + n_{households}(a) (c_{ONT} + c_{install})

No link is ever longer than the address's own straight route to the presence, so the tree is
never longer than the star. It is a greedy tree, not a minimum spanning tree, and it does not yet
split a shared trench among the households downstream of it; the planning model replaces it.
Addresses that meet the cost target get NaN.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.spatial import cKDTree

from pipeline.config import CostSettings


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


def distance_to_presence_m(presence: FibrePresence, x_m: np.ndarray, y_m: np.ndarray) -> np.ndarray:
    """Straight-line distance from each point to the nearest fibre presence (inf: none).

    Points by a k-d tree (fast for millions), geometries by an STRtree; the nearer wins.
    """
    result = np.full(len(x_m), np.inf)
    if len(x_m) == 0:
        return result
    if len(presence.points_xy_m):
        result, _ = cKDTree(presence.points_xy_m).query(np.column_stack([x_m, y_m]), k=1)
    if len(presence.geometries):
        tree = shapely.STRtree(presence.geometries)
        (point_idx, _), distance_m = tree.query_nearest(
            shapely.points(x_m, y_m), return_distance=True, all_matches=False
        )
        result[point_idx] = np.minimum(result[point_idx], distance_m)
    return result


def upstream_link_m(
    x_m: np.ndarray, y_m: np.ndarray, distance_to_presence: np.ndarray, neighbours: int = 16
) -> np.ndarray:
    """Length of each point's link in the nearest-upstream tree (module docstring).

    Upstream candidates are the ``neighbours`` nearest points (k-d tree); a point with no
    upstream point among them links to the presence.
    """
    n = len(x_m)
    if n <= 1:
        return np.asarray(distance_to_presence, dtype="float64").copy()
    xy = np.column_stack([x_m, y_m])
    k = min(neighbours + 1, n)
    neighbour_m, neighbour_idx = cKDTree(xy).query(xy, k=k)
    own = np.arange(n)[:, None]
    # strict order by (distance to presence, position): no cycles, even among equal distances
    theirs = distance_to_presence[neighbour_idx]
    mine = distance_to_presence[:, None]
    upstream = (theirs < mine) | ((theirs == mine) & (neighbour_idx < own))
    candidate_m = np.where(upstream & (neighbour_idx != own), neighbour_m, np.inf)
    return np.minimum(distance_to_presence, candidate_m.min(axis=1))


def route_length_m(distance_m: np.ndarray, settings: CostSettings) -> np.ndarray:
    """Route length: straight line × route factor, capped at ``max_route_m``."""
    return np.minimum(distance_m * settings.route_factor, settings.max_route_m)


def address_cost_nok(
    route_m: np.ndarray, households: np.ndarray, settings: CostSettings
) -> np.ndarray:
    """Cost per address from its route length and household count (module docstring formula)."""
    route_nok = route_m * (settings.trench_nok_per_m + settings.cable_nok_per_m)
    drop_nok = settings.drop_fixed_nok + settings.drop_nok_per_m * settings.drop_length_m
    equipment_nok = households * (settings.ont_nok + settings.install_nok)
    return route_nok + drop_nok + equipment_nok


def cost_per_address(
    addresses: pd.DataFrame,
    below_target: np.ndarray,
    presence: FibrePresence,
    settings: CostSettings,
) -> pd.DataFrame:
    """``distance_to_fibre_m``, ``link_m``, ``route_m``, ``route_capped`` and ``cost_nok``.

    All are NaN (``route_capped`` False) for addresses that meet the cost target.

    ``link_m`` is the straight-line link in the nearest-upstream tree over the addresses below
    target; ``route_m`` is that link × the route factor, capped.
    """
    x_m = addresses["x_m"].to_numpy()[below_target]
    y_m = addresses["y_m"].to_numpy()[below_target]
    distance_m = np.full(len(addresses), np.nan)
    distance_m[below_target] = distance_to_presence_m(presence, x_m, y_m)
    link_m = np.full(len(addresses), np.nan)
    link_m[below_target] = upstream_link_m(x_m, y_m, distance_m[below_target])
    route_m = route_length_m(link_m, settings)
    cost_nok = address_cost_nok(route_m, addresses["households"].to_numpy(), settings)
    return pd.DataFrame(
        {
            "distance_to_fibre_m": distance_m,
            "link_m": link_m,
            "route_m": route_m,
            "route_capped": below_target & (link_m * settings.route_factor > settings.max_route_m),
            "cost_nok": np.where(below_target, cost_nok, np.nan),
        },
        index=addresses.index,
    )
