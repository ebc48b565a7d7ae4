"""Stage 3, terrain: elevation and slope per address from the DTM.

Runs per kommune so that only one DTM window per tile is in memory at a time (the national
run reads 357 windows, never the whole country); the DTM may be one raster or a folder of
tiles in different CRSs. Addresses outside the DTM or on nodata keep
``has_terrain = False`` and NaN, never 0 m.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from layers.dtm import DtmTiles, on_tiles
from layers.errors import InputError

TERRAIN_COLUMNS = ("elevation_m", "slope_deg", "has_terrain")


def no_terrain(index: pd.Index) -> pd.DataFrame:
    """The terrain columns for addresses when no DTM is configured."""
    return pd.DataFrame(
        {"elevation_m": np.nan, "slope_deg": np.nan, "has_terrain": False}, index=index
    )


def terrain_per_address(addresses: pd.DataFrame, dtm_path: Path | None) -> pd.DataFrame:
    """Terrain columns aligned to ``addresses.index`` (one DTM window per kommune).

    Raises :class:`InputError` naming the DTM when it has no elevation at any address on it
    (only nodata there): the run would go on without terrain, silently. A DTM off every
    address is stopped at ingest (:func:`layers.dtm.refuse_dtm_off_the_addresses`).
    """
    if dtm_path is None:
        return no_terrain(addresses.index)
    parts = []
    with DtmTiles(dtm_path) as tiles:
        for _, group in addresses.groupby("kommunenummer", sort=True):
            sampled = tiles.sample(group["x_m"].to_numpy(), group["y_m"].to_numpy())
            sampled.index = group.index
            parts.append(sampled)
        bounds = tiles.bounds_25833
    if not parts:
        return no_terrain(addresses.index)
    terrain = pd.concat(parts).reindex(addresses.index)
    on_dtm = int(on_tiles(bounds, addresses["x_m"].to_numpy(), addresses["y_m"].to_numpy()).sum())
    if on_dtm and not terrain["has_terrain"].any():
        msg = (
            f"{dtm_path}: the DTM has no elevation (only nodata) at any of the {on_dtm:,}"
            f" addresses on it; expected elevations in metres, or remove dtm from [inputs] to"
            " run without terrain"
        )
        raise InputError(msg)
    return terrain


def terrain_counts(terrain: pd.DataFrame) -> dict[str, int]:
    """Addresses with and without terrain (for the manifest)."""
    without = int((~terrain["has_terrain"]).sum())
    return {"with_terrain": len(terrain) - without, "without_terrain": without}
