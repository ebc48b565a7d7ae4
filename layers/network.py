"""Existing fibre network: lines (or points) of fibre presence.

Any vector format pyogrio reads (GeoJSON, GeoPackage, Shapefile) with an optional ``kind``
attribute ("trunk", "distribution", ...). The canonical table has ``kind`` and a ``geometry``
in EPSG:25833. Features with empty geometry go to quarantine.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from layers.errors import InputError
from layers.quarantine import LayerResult, first_reason, quarantine_rows
from layers.vector import refuse_metres_as_degrees
from layers.vocabulary import CRS_EPSG

LAYER = "fibre"


def read_network(path: Path) -> LayerResult:
    """Read existing fibre geometries into EPSG:25833."""
    if not path.exists():
        msg = f"{path}: fibre network file not found"
        raise InputError(msg)
    raw = gpd.read_file(path)
    if raw.crs is None:
        msg = f"{path}: no CRS in the file; expected GeoJSON (WGS84) or a file with a CRS"
        raise InputError(msg)
    refuse_metres_as_degrees(raw, path)
    kind = (
        raw["kind"].astype("str") if "kind" in raw.columns else pd.Series("fibre", index=raw.index)
    )
    empty = pd.Series(raw.geometry.isna() | raw.geometry.is_empty, index=raw.index)
    reasons = first_reason([(empty, "geometry: empty, expected a line or point")], raw.index)
    rejected = reasons.notna().to_numpy()
    quarantine = quarantine_rows(
        LAYER, path, np.flatnonzero(rejected) + 1, kind[rejected], reasons[rejected]
    )
    accepted = gpd.GeoDataFrame(
        {"kind": kind[~rejected].to_numpy()},
        geometry=raw.geometry[~rejected].to_crs(CRS_EPSG).to_numpy(),
        crs=CRS_EPSG,
    )
    return LayerResult(LAYER, accepted, quarantine, rows_read=len(raw))
