"""Existing fibre network: lines (or points) of fibre presence.

Any vector format pyogrio reads (GeoJSON, GeoPackage, Shapefile) with an optional ``kind``
attribute ("trunk", "distribution", ...). The canonical table has ``kind`` and a ``geometry``
in EPSG:25833. Each feature's geometry is checked by
:func:`layers.geometry_checks.check_geometries`: features GEOS cannot build (a line of one
point), empty, NaN, non-line/point and irreparable features go to quarantine, keyed by
``fibre_id`` / ``id`` / ``name`` or the feature number.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd

from layers.errors import InputError
from layers.geometry_checks import check_geometries
from layers.quarantine import LayerResult
from layers.vector import ids_or_feature_numbers, quarantine_features, read_features
from layers.vocabulary import CRS_EPSG

LAYER = "fibre"
ID_COLUMNS = ("fibre_id", "id", "name", "navn")


def read_network(path: Path, crs: str = "") -> LayerResult:
    """Read existing fibre geometries into EPSG:25833.

    Parameters
    ----------
    path
        A vector file of lines or points.
    crs
        The CRS the config names for the file (``[inputs].fibre_crs``); "" = the file's own.
    """
    if not path.exists():
        msg = f"{path}: fibre network file not found"
        raise InputError(msg)
    read = read_features(path, "a fibre network of lines or points", crs, "[inputs].fibre_crs")
    raw = read.frame
    kind = (
        raw["kind"].astype("str") if "kind" in raw.columns else pd.Series("fibre", index=raw.index)
    )
    checked = check_geometries(raw.geometry, "line_or_point", read.geometry_errors)
    ok, _, quarantine = quarantine_features(
        LAYER, path, ids_or_feature_numbers(raw, ID_COLUMNS), [checked.reasons]
    )
    accepted = gpd.GeoDataFrame(
        {"kind": kind[ok].to_numpy()}, geometry=checked.geometry[ok], crs=CRS_EPSG
    )
    metadata = {"geometries_repaired": checked.repaired} if checked.repaired else {}
    return LayerResult(LAYER, accepted, quarantine, rows_read=len(raw), metadata=metadata)
