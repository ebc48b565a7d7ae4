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

    C(a) = L_{route}(a) (c_{trench} f_{terrain}(a) + c_{cable}) + c_{drop,fixed}
           + c_{drop/m} L_{drop} + n_{households}(a) (c_{ONT} + c_{install})

The terrain factor :math:`f_{terrain}` comes from the DTM sampled along the link (see
:func:`terrain_factor`); 1.0 without a DTM.

No link is ever longer than the address's own straight route to the presence, so the tree is
never longer than the star. It is a greedy tree, not a minimum spanning tree, and it does not yet
split a shared trench among the households downstream of it; the planning model replaces it.
Addresses that meet the cost target get NaN.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.spatial import cKDTree

from layers.dtm import DtmTiles
from pipeline.config import CostSettings

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


def upstream_links(
    x_m: np.ndarray,
    y_m: np.ndarray,
    distance_to_presence: np.ndarray,
    presence_xy: np.ndarray,
    neighbours: int = 16,
) -> tuple[np.ndarray, np.ndarray]:
    """Each point's link in the nearest-upstream tree: its length and its far end (x, y).

    Upstream candidates are the ``neighbours`` nearest points (k-d tree); a point with no
    upstream point among them links to its nearest presence point ``presence_xy``.
    """
    n = len(x_m)
    if n <= 1:
        return np.asarray(distance_to_presence, dtype="float64").copy(), presence_xy.copy()
    xy = np.column_stack([x_m, y_m])
    k = min(neighbours + 1, n)
    neighbour_m, neighbour_idx = cKDTree(xy).query(xy, k=k)
    own = np.arange(n)[:, None]
    # strict order by (distance to presence, position): no cycles, even among equal distances
    theirs = distance_to_presence[neighbour_idx]
    mine = distance_to_presence[:, None]
    upstream = (theirs < mine) | ((theirs == mine) & (neighbour_idx < own))
    candidate_m = np.where(upstream & (neighbour_idx != own), neighbour_m, np.inf)
    best = candidate_m.argmin(axis=1)
    best_m = candidate_m[np.arange(n), best]
    to_neighbour = best_m < distance_to_presence
    far_end = np.where(to_neighbour[:, None], xy[neighbour_idx[np.arange(n), best]], presence_xy)
    return np.where(to_neighbour, best_m, distance_to_presence), far_end


def upstream_link_m(
    x_m: np.ndarray, y_m: np.ndarray, distance_to_presence: np.ndarray, neighbours: int = 16
) -> np.ndarray:
    """Length of each point's link in the nearest-upstream tree (module docstring)."""
    far = np.full((len(x_m), 2), np.nan)
    return upstream_links(x_m, y_m, distance_to_presence, far, neighbours)[0]


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


def address_cost_nok(
    route_m: np.ndarray,
    households: np.ndarray,
    settings: CostSettings,
    terrain: np.ndarray | float = 1.0,
) -> np.ndarray:
    """Cost per address from its route length and household count (module docstring formula)."""
    route_nok = route_m * (settings.trench_nok_per_m * terrain + settings.cable_nok_per_m)
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
    """``distance_to_fibre_m``, ``link_m``, ``route_m``, ``route_capped`` and ``cost_nok``.

    All are NaN (``route_capped`` False) for addresses that meet the cost target.

    ``link_m`` is the straight-line link in the nearest-upstream tree over the addresses below
    target; ``route_m`` is that link × the route factor, capped.
    """
    x_m = addresses["x_m"].to_numpy()[below_target]
    y_m = addresses["y_m"].to_numpy()[below_target]
    distance_m = np.full(len(addresses), np.nan)
    nearest_m, nearest_xy = nearest_presence(presence, x_m, y_m)
    distance_m[below_target] = nearest_m
    link_m = np.full(len(addresses), np.nan)
    links_m, far_end = upstream_links(x_m, y_m, nearest_m, nearest_xy)
    link_m[below_target] = links_m
    factor = np.ones(len(addresses))
    if dtm is not None and len(x_m):
        factor[below_target] = _terrain_factors(
            dtm,
            addresses["kommunenummer"].to_numpy()[below_target],
            x_m,
            y_m,
            far_end,
            links_m,
            settings,
        )
    route_m = route_length_m(link_m, settings)
    cost_nok = address_cost_nok(route_m, addresses["households"].to_numpy(), settings, factor)
    return pd.DataFrame(
        {
            "distance_to_fibre_m": distance_m,
            "link_m": link_m,
            "terrain_factor": np.where(below_target, factor, np.nan),
            "route_m": route_m,
            "route_capped": below_target & (link_m * settings.route_factor > settings.max_route_m),
            "cost_nok": np.where(below_target, cost_nok, np.nan),
        },
        index=addresses.index,
    )


def cheapest_option(
    costs: pd.DataFrame,
    households: np.ndarray,
    wireless_meets_target: np.ndarray,
    settings: CostSettings,
) -> pd.DataFrame:
    """Fixed wireless instead of fibre where an existing site in sight meets the cost target
    and its CPEs cost less than the fibre route: ``cost_option`` and ``cost_nok`` updated.

    .. math:: C_{fwa}(a) = n_{households}(a) \\cdot c_{CPE}
    """
    fwa_nok = households * settings.fwa_cpe_nok
    costed = costs["cost_nok"].notna().to_numpy()
    use_fwa = costed & wireless_meets_target & (fwa_nok < costs["cost_nok"].to_numpy())
    option = pd.Series(np.where(use_fwa, "fwa", "fiber"), index=costs.index, dtype=object)
    return costs.assign(
        cost_option=option.where(costed, None),
        cost_nok=np.where(use_fwa, fwa_nok, costs["cost_nok"].to_numpy()),
    )
