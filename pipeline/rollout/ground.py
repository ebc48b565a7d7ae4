"""The ground along each fibre tree edge: its terrain factor and how much of it is sea.

Each link (an address's edge towards the presence) is sampled at :data:`LINK_SAMPLES` evenly
spaced points, both ends included, one kommune at a time (one DTM window each). The samples
give the terrain factor on the trench price (:func:`terrain_factor`, over the land part only)
and the sea part with its landings (:mod:`pipeline.rollout.sea`).
"""

from __future__ import annotations

from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from layers.dtm import DtmTiles, on_tiles
from pipeline.config import TerrainSettings
from pipeline.rollout.sea import landings, on_land, sea_fraction, sea_samples

LINK_SAMPLES = 24  # terrain samples along each link (both ends included)


def terrain_factor(
    elevation_m: np.ndarray, link_m: np.ndarray, settings: TerrainSettings
) -> np.ndarray:
    """Trench cost multiplier per link from the terrain sampled along it.

    ``elevation_m`` is (links × samples), evenly spaced from one end to the other, NaN where
    there is no terrain (off the DTM, or sea); ``link_m`` (:math:`L`) is the length of the
    link over land, so a link half over sea climbs its land part at the land part's grade:

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
        1.0 + settings.grade_weight * grade + settings.relief_weight_per_100m * relief_m / 100.0
    )
    return np.where(valid, np.minimum(factor, settings.factor_max), 1.0)


@dataclass(frozen=True)
class LinkTerrain:
    """What the ground along each link says: its terrain factor (over land), the share of it
    over sea and its landings (:mod:`pipeline.rollout.sea`)."""

    factor: np.ndarray
    sea_fraction: np.ndarray
    landings: np.ndarray

    @staticmethod
    def flat(n: int) -> LinkTerrain:
        return LinkTerrain(np.ones(n), np.zeros(n), np.zeros(n, dtype=np.int64))


def link_terrain(
    dtm: Path | None,
    land: np.ndarray | None,
    kommunenummer: np.ndarray,
    xy: np.ndarray,
    far_end: np.ndarray,
    settings: TerrainSettings,
) -> LinkTerrain:
    """Terrain factor and sea per link, one kommune at a time (one DTM window each, never the
    country's); the factor over the land part only, so sea never counts as flat ground."""
    links_m = np.hypot(*(xy - far_end).T)
    terrain = LinkTerrain.flat(len(xy))
    with DtmTiles(dtm) if dtm is not None else nullcontext() as tiles:
        for rows in pd.Series(np.arange(len(xy))).groupby(kommunenummer).indices.values():
            xs, ys = link_points(xy[rows, 0], xy[rows, 1], far_end[rows, 0], far_end[rows, 1])
            elevation, on_dtm = np.full(xs.shape, np.nan), np.zeros(xs.shape, dtype=bool)
            if tiles is not None:
                elevation = sample_points(tiles, xs, ys)
                on_dtm = on_tiles(tiles.bounds_25833, xs.ravel(), ys.ravel()).reshape(xs.shape)
            inside = on_land(land, xs.ravel(), ys.ravel()).reshape(xs.shape)
            sea = sea_samples(elevation, on_dtm, inside, np.isfinite(xs) & np.isfinite(ys))
            terrain.sea_fraction[rows] = sea_fraction(sea)
            terrain.landings[rows] = landings(sea)
            land_m = links_m[rows] * (1.0 - terrain.sea_fraction[rows])
            terrain.factor[rows] = terrain_factor(elevation, land_m, settings)
    return terrain


def link_points(
    x0: np.ndarray, y0: np.ndarray, x1: np.ndarray, y1: np.ndarray, samples: int = LINK_SAMPLES
) -> tuple[np.ndarray, np.ndarray]:
    """``samples`` evenly spaced points of each link, both ends included (links × samples)."""
    t = np.linspace(0.0, 1.0, samples)
    return x0[:, None] + (x1 - x0)[:, None] * t, y0[:, None] + (y1 - y0)[:, None] * t


def sample_points(dtm: DtmTiles, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    """Elevation at each point of an array (NaN: nodata, off the DTM or no coordinates)."""
    finite = np.isfinite(xs) & np.isfinite(ys)
    elevation = np.full(xs.shape, np.nan)
    sampled = dtm.sample(xs[finite], ys[finite])
    elevation[finite] = sampled["elevation_m"].to_numpy()
    return elevation


def sample_links(
    dtm: DtmTiles, x0: np.ndarray, y0: np.ndarray, x1: np.ndarray, y1: np.ndarray, samples: int
) -> np.ndarray:
    """Elevation at ``samples`` evenly spaced points of each link (links × samples)."""
    return sample_points(dtm, *link_points(x0, y0, x1, y1, samples))
