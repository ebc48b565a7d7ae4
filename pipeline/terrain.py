"""Stage 3, terrain: elevation and slope per address from the DTM.

Runs per kommune so that only one DTM window is in memory at a time (the national run reads
357 windows, never the whole country). Addresses outside the DTM or on nodata keep
``has_terrain = False`` and NaN, never 0 m.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from layers.dtm import open_dtm, sample_terrain

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
    with open_dtm(dtm_path) as dataset:
        for _, group in addresses.groupby("kommunenummer", sort=True):
            sampled = sample_terrain(dataset, group["x_m"].to_numpy(), group["y_m"].to_numpy())
            sampled.index = group.index
            parts.append(sampled)
    if not parts:
        return no_terrain(addresses.index)
    return pd.concat(parts).reindex(addresses.index)
