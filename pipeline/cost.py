"""Stage 6, cost: a first, honest estimate of reaching each household below the cost target.

Every address below ``cost.target`` gets its own fibre route to the nearest fibre presence
(an existing fibre line, or an address that already has a fibre offer):

.. math::

    L_{route} = \\min(d_{presence} \\cdot f_{route},\\ L_{max})

    C(a) = L_{route} (c_{trench} + c_{cable}) + c_{drop,fixed} + c_{drop/m} L_{drop}
           + n_{households}(a) (c_{ONT} + c_{install})

Routes are not shared between neighbours, so this is an upper bound for clustered households;
the planning model (minimum spanning trees per cluster) replaces it. Addresses that meet the
cost target get NaN.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from pipeline.config import CostSettings


def presence_geometries(
    fibre: gpd.GeoDataFrame | None, addresses: pd.DataFrame, has_fibre: np.ndarray
) -> np.ndarray:
    """Where fibre is: the network's geometries plus the points of addresses with fibre."""
    points = shapely.points(addresses["x_m"].to_numpy()[has_fibre], addresses["y_m"].to_numpy()[has_fibre])
    lines = fibre.geometry.to_numpy() if fibre is not None else np.empty(0, dtype=object)
    return np.concatenate([lines, points])


def distance_to_presence_m(presence: np.ndarray, x_m: np.ndarray, y_m: np.ndarray) -> np.ndarray:
    """Straight-line distance from each point to the nearest presence geometry (inf: none)."""
    if len(presence) == 0:
        return np.full(len(x_m), np.inf)
    tree = shapely.STRtree(presence)
    (point_idx, _), distance_m = tree.query_nearest(
        shapely.points(x_m, y_m), return_distance=True, all_matches=False
    )
    result = np.full(len(x_m), np.inf)
    result[point_idx] = distance_m
    return result


def route_length_m(distance_m: np.ndarray, settings: CostSettings) -> np.ndarray:
    """Route length: straight line × route factor, capped at ``max_route_m``."""
    return np.minimum(distance_m * settings.route_factor, settings.max_route_m)


def address_cost_nok(route_m: np.ndarray, households: np.ndarray, settings: CostSettings) -> np.ndarray:
    """Cost per address from its route length and household count (module docstring formula)."""
    route_nok = route_m * (settings.trench_nok_per_m + settings.cable_nok_per_m)
    drop_nok = settings.drop_fixed_nok + settings.drop_nok_per_m * settings.drop_length_m
    equipment_nok = households * (settings.ont_nok + settings.install_nok)
    return route_nok + drop_nok + equipment_nok


def cost_per_address(
    addresses: pd.DataFrame,
    below_target: np.ndarray,
    presence: np.ndarray,
    settings: CostSettings,
) -> pd.DataFrame:
    """``distance_to_fibre_m``, ``route_m``, ``route_capped`` and ``cost_nok`` per address."""
    distance_m = distance_to_presence_m(presence, addresses["x_m"].to_numpy(), addresses["y_m"].to_numpy())
    route_m = route_length_m(distance_m, settings)
    cost_nok = address_cost_nok(route_m, addresses["households"].to_numpy(), settings)
    return pd.DataFrame(
        {
            "distance_to_fibre_m": distance_m,
            "route_m": np.where(below_target, route_m, np.nan),
            "route_capped": below_target & (distance_m * settings.route_factor > settings.max_route_m),
            "cost_nok": np.where(below_target, cost_nok, np.nan),
        },
        index=addresses.index,
    )
