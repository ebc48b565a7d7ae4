"""Helpers shared by the readers of vector layers: columns found by name, numbers read from text,
polygons repaired, ids or feature numbers, and the reason series a reader fills per feature.

Used by :mod:`layers.areas` (planned and funded areas), :mod:`layers.nkom_squares` (Nkom's speed
squares) and :mod:`layers.nkom_lists` (Nkom's lists of addresses lacking a speed).
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer

from layers.errors import InputError
from layers.quarantine import first_reason, quarantine_rows
from layers.vocabulary import CRS_EPSG

POLYGONAL_TYPES = ("Polygon", "MultiPolygon")


def find_column(frame: pd.DataFrame, candidates: tuple[str, ...]) -> str | None:
    """The first column whose name matches a candidate, ignoring case and surrounding blanks."""
    by_name = {str(c).strip().lower(): c for c in frame.columns}
    for name in candidates:
        if name.lower() in by_name:
            return str(by_name[name.lower()])
    return None


def to_float(text: pd.Series) -> pd.Series:
    """Numbers parsed from text as float64: NaN where empty or not a number."""
    values = pd.to_numeric(text, errors="coerce")
    return pd.Series(
        np.asarray(values.to_numpy(dtype="float64", na_value=np.nan)), index=text.index
    )


def blank(index: pd.Index) -> pd.Series:
    """An object series of NA aligned to ``index``: no value, or no reason to reject, yet."""
    return pd.Series(pd.NA, index=index, dtype="object")


def stripped_text(frame: pd.DataFrame, column: str) -> pd.Series:
    """A column as strings without surrounding blanks; NA where empty."""
    text = frame[column].astype("string").str.strip()
    return text.mask(text == "")


def read_vector(path: Path, what: str) -> gpd.GeoDataFrame:
    """Read every feature of a vector file; raise :class:`InputError` naming the file.

    Parameters
    ----------
    path
        Any file pyogrio reads.
    what
        What the file should hold, for the messages ("Nkom speed squares").
    """
    if not path.exists():
        msg = f"{path}: {what} file not found"
        raise InputError(msg)
    try:
        frame = gpd.read_file(path)
    except Exception as exc:  # pyogrio raises its own DataSourceError / DataLayerError
        msg = f"{path}: could not be read as a vector file ({exc}); expected {what}"
        raise InputError(msg) from exc
    if frame.crs is None:
        msg = f"{path}: no CRS in the file; expected {what} with a CRS (.prj, GeoPackage, GeoJSON)"
        raise InputError(msg)
    refuse_metres_as_degrees(frame, path)
    return frame


def refuse_metres_as_degrees(frame: gpd.GeoDataFrame, path: Path) -> None:
    """Refuse a layer read as longitude/latitude whose coordinates cannot be degrees: metres in
    a file that names no CRS (a GeoJSON without a ``crs`` member is read as WGS84), which would
    otherwise land far outside Norway or, worse, inside it at the wrong place."""
    if frame.crs is None or not frame.crs.is_geographic or frame.empty:
        return
    west, south, east, north = frame.total_bounds
    if west < -180 or east > 180 or south < -90 or north > 90:
        msg = (
            f"{path}: coordinates up to ({max(abs(west), abs(east)):,.0f},"
            f" {max(abs(south), abs(north)):,.0f}) cannot be degrees, but the file names no other"
            ' CRS (a GeoJSON without a "crs" member is longitude/latitude); expected'
            " longitude/latitude, or a file that names its CRS (GeoPackage, .prj, or a GeoJSON"
            ' "crs" such as urn:ogc:def:crs:EPSG::25833)'
        )
        raise InputError(msg)


def repair_polygons(geometry: gpd.GeoSeries) -> tuple[np.ndarray, pd.Series]:
    """Valid polygonal geometries in EPSG:25833, and why a feature cannot be one.

    Returns
    -------
    polygons
        Object array aligned to ``geometry``; ``make_valid`` applied, only polygonal parts kept
        (an empty polygon where nothing polygonal is left).
    reasons
        Per feature: NA when usable, else a reason naming the geometry got and a polygon expected.
    """
    projected = geometry.to_crs(CRS_EPSG).to_numpy()
    missing = shapely.is_missing(projected) | shapely.is_empty(projected)
    type_name = geometry.geom_type.fillna("<none>")
    not_polygonal = ~type_name.isin(POLYGONAL_TYPES) & ~pd.Series(missing, index=geometry.index)
    repaired = shapely.make_valid(np.where(missing, None, projected))
    repaired = _keep_polygonal(repaired)
    collapsed = pd.Series(shapely.is_empty(repaired) & ~missing, index=geometry.index)
    reasons = first_reason(
        [
            (pd.Series(missing, index=geometry.index), "geometry: empty, expected a polygon"),
            (not_polygonal, "geometry: got " + type_name + ", expected a Polygon or MultiPolygon"),
            (collapsed & ~not_polygonal, "geometry: no area left after make_valid"),
        ],
        geometry.index,
    )
    return repaired, reasons


def _keep_polygonal(geometry: np.ndarray) -> np.ndarray:
    """The polygonal parts of each geometry; an empty polygon where there are none.

    ``make_valid`` returns (Multi)Polygons for almost every input; only the few geometry
    collections it makes (a polygon with a dangling spike) are taken apart, one by one.
    """
    result = np.array(geometry, dtype=object)
    type_id = shapely.get_type_id(result)
    polygonal = np.isin(type_id, (shapely.GeometryType.POLYGON, shapely.GeometryType.MULTIPOLYGON))
    for i in np.flatnonzero(~polygonal):
        parts = shapely.get_parts(result[i]) if result[i] is not None else np.array([])
        keep = parts[
            np.isin(
                shapely.get_type_id(parts),
                (shapely.GeometryType.POLYGON, shapely.GeometryType.MULTIPOLYGON),
            )
        ]
        result[i] = shapely.union_all(keep) if len(keep) else shapely.Polygon()
    return result


def ids_or_feature_numbers(frame: pd.DataFrame, candidates: tuple[str, ...]) -> pd.Series:
    """Ids as text from the first candidate column; the 1-based feature number where missing."""
    feature_number = pd.Series(np.arange(1, len(frame) + 1), index=frame.index).astype("string")
    column = find_column(frame, candidates)
    if column is None:
        return feature_number.astype("object")
    values = frame[column]
    if pd.api.types.is_float_dtype(values) and (values.dropna() % 1 == 0).all():
        values = values.astype("Int64")  # a DBF may store 14-digit SSB grid ids as floats
    text = values.astype("string").str.strip()
    return text.mask(text == "").fillna(feature_number).astype("object")


def quarantine_features(
    layer: str, path: Path, feature_ids: pd.Series, reasons: list[pd.Series]
) -> tuple[np.ndarray, np.ndarray, pd.DataFrame]:
    """Which features a reader keeps, their feature numbers, and quarantine rows for the rest.

    Parameters
    ----------
    layer, path
        Written on every quarantine row.
    feature_ids
        The id of each feature (:func:`ids_or_feature_numbers`), the quarantine key.
    reasons
        Per check, a reason series aligned to the features, NA where the check passed; a
        feature is quarantined with the reason of the first check it fails.

    Returns
    -------
    kept
        Boolean array, True for the features without a reason.
    feature_number
        The 1-based feature number of every feature, for ``row_number``.
    quarantine
        :func:`layers.quarantine.quarantine_rows` of the rejected features.
    """
    reason = first_reason([(r.notna(), r) for r in reasons], feature_ids.index)
    rejected = reason.notna().to_numpy()
    feature_number = np.arange(1, len(feature_ids) + 1)
    quarantine = quarantine_rows(
        layer, path, feature_number[rejected], feature_ids[rejected], reason[rejected]
    )
    return ~rejected, feature_number, quarantine


def to_25833(
    east: np.ndarray, north: np.ndarray, epsg: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Reproject each row from its own EPSG code to EPSG:25833 (one transform per code).

    ``(east, north)`` are easting and northing, or longitude and latitude for EPSG:4258 and
    4326 (``always_xy``). A row whose code is NaN gets NaN coordinates.
    """
    x_m, y_m = east.astype("float64").copy(), north.astype("float64").copy()
    for code in np.unique(epsg[np.isfinite(epsg)]):
        rows = epsg == code
        if int(code) != CRS_EPSG:
            transformer = Transformer.from_crs(int(code), CRS_EPSG, always_xy=True)
            x_m[rows], y_m[rows] = transformer.transform(east[rows], north[rows])
    x_m[~np.isfinite(epsg)], y_m[~np.isfinite(epsg)] = np.nan, np.nan
    return x_m, y_m
