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

from layers.dtm import DtmTiles

TERRAIN_COLUMNS = ("elevation_m", "slope_deg", "has_terrain")


def no_terrain(index: pd.Index) -> pd.DataFrame:
    """The terrain columns for addresses when no DTM is configured."""
    return pd.DataFrame(
        {"elevation_m": np.nan, "slope_deg": np.nan, "has_terrain": False}, index=index
    )


def terrain_per_address(addresses: pd.DataFrame, dtm_path: Path | None) -> pd.DataFrame:
    """Terrain columns aligned to ``addresses.index`` (one DTM window per kommune)."""
    if dtm_path is None:
        return no_terrain(addresses.index)
    parts = []
    with DtmTiles(dtm_path) as tiles:
        for _, group in addresses.groupby("kommunenummer", sort=True):
            sampled = tiles.sample(group["x_m"].to_numpy(), group["y_m"].to_numpy())
            sampled.index = group.index
            parts.append(sampled)
    if not parts:
        return no_terrain(addresses.index)
    return pd.concat(parts).reindex(addresses.index)


def terrain_counts(terrain: pd.DataFrame) -> dict[str, int]:
    """Addresses with and without terrain (for the manifest)."""
    without = int((~terrain["has_terrain"]).sum())
    return {"with_terrain": len(terrain) - without, "without_terrain": without}
