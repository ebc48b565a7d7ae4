"""Sea crossings: the part of a fibre tree edge over sea, laid as sea cable, not trench.

Each edge's straight line is sampled at :math:`S` evenly spaced points, both ends included
(the samples the terrain factor reads, :func:`pipeline.rollout.ground.sample_links`). A sample
is *sea* (:math:`s_i = 1`) where

- it lies on the DTM (within a tile's bounds) and the DTM has no elevation there (nodata:
  Kartverket's DTM has none over sea), or
- it lies outside every kommune polygon: the run's only other land information; kommune
  polygons hold land and some sea, so outside them is sea (or abroad) for certain.

Off the DTM and inside a kommune a sample is land (unknown terrain is not sea). With the
straight length :math:`\\ell` of the edge, its route :math:`L_{route}` and its sea part:

.. math::

    f_{sea} = \\frac{1}{S - 1} \\sum_{i=1}^{S-1} \\frac{s_{i-1} + s_i}{2}, \\quad
    L_{sea} = f_{sea}\\,\\ell, \\quad N_{landing} = \\sum_{i=1}^{S-1} [s_i \\ne s_{i-1}]

    c_e = (1 - f_{sea}) L_{route} (c_{trench} f_{terrain} f_{kommune} + c_{cable})
          + L_{sea} c_{sea} + N_{landing} c_{landing}

(the trapezoid rule over the samples: exact where the shore falls on a sample). The sea cable
goes straight (no route factor); the terrain factor is taken over the land samples and the
land length only (:func:`pipeline.rollout.ground.terrain_factor`), so sea never counts as flat
ground. An edge routed along roads (``[inputs].roads``) is priced along the roads: only a
straight edge crosses the sea.
"""

from __future__ import annotations

import numpy as np
import shapely

from pipeline.config_cost import SeaSettings


def on_land(land: np.ndarray | None, x_m: np.ndarray, y_m: np.ndarray) -> np.ndarray:
    """Whether each point is inside one of the ``land`` polygons (all True without them).

    Only the polygons whose bounds meet the points' bounds are tested, one
    :func:`shapely.contains_xy` call each (vectorised over the points)."""
    inside = np.zeros(x_m.shape, dtype=bool)
    if land is None:
        return ~inside
    finite = np.isfinite(x_m) & np.isfinite(y_m)
    if not finite.any():
        return inside
    xs, ys = x_m[finite], y_m[finite]
    box = shapely.box(xs.min(), ys.min(), xs.max(), ys.max())
    found = np.zeros(len(xs), dtype=bool)
    for polygon in land[shapely.intersects(land, box)]:  # a loop over nearby kommuner
        todo = ~found
        found[todo] = shapely.contains_xy(polygon, xs[todo], ys[todo])
    inside[finite] = found
    return inside


def sea_samples(
    elevation_m: np.ndarray, on_dtm: np.ndarray, inside_land: np.ndarray, finite: np.ndarray
) -> np.ndarray:
    """Sea flags per sample (links × samples): nodata on the DTM, or outside the land;
    never at a sample without coordinates (``finite`` false)."""
    return np.asarray(finite & ((on_dtm & np.isnan(elevation_m)) | ~inside_land))


def sea_fraction(sea: np.ndarray) -> np.ndarray:
    """Share of each link over sea, by the trapezoid rule over its samples (module docstring)."""
    if sea.shape[1] < 2:
        return np.asarray(sea[:, 0] if sea.shape[1] else np.zeros(len(sea)), dtype="float64")
    flags = sea.astype("float64")
    return np.asarray((flags[:, :-1] + flags[:, 1:]).sum(axis=1) / (2 * (sea.shape[1] - 1)))


def landings(sea: np.ndarray) -> np.ndarray:
    """Landings per link: the times its samples go from land to sea or back."""
    return np.asarray(np.count_nonzero(np.diff(sea.astype("int8"), axis=1), axis=1))


def sea_cost_nok(sea_m: np.ndarray, n_landings: np.ndarray, settings: SeaSettings) -> np.ndarray:
    """Sea cable and landings of each link: :math:`L_{sea} c_{sea} + N_{landing} c_{landing}`."""
    cost: np.ndarray = sea_m * settings.cable_nok_per_m + n_landings * settings.landing_nok
    return cost
