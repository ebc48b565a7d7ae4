"""Polygons of planned builds and of areas already granted broadband subsidy.

Any vector format pyogrio reads (GeoPackage, GeoJSON, Shapefile, GML, ...) with a CRS. One file
holds one kind of area; the caller says which: ``status="planned"`` (announced commercial or
municipal builds, e.g. the answers to Nkom's yearly consultation) or ``status="funded"`` (areas
granted bredbåndsstøtte). The canonical table has one row per area:

=============  ==============================================================================
``area_id``    from an ``area_id`` / ``id`` / ``prosjektnummer`` column, else the feature number
``status``     ``"planned"`` or ``"funded"`` (the caller's)
``name``       ``name`` / ``navn`` / ``prosjektnavn`` (``""`` when absent)
``year``       ``year`` / ``aar`` / ``år`` (nullable Int64)
``operator``   ``operator`` / ``utbygger`` / ``tilbyder`` (``""`` when absent)
``households`` ``households`` / ``husstander`` (nullable Int64)
``row_number`` the 1-based feature number in the file, for provenance
``geometry``   valid (Multi)Polygon in EPSG:25833
=============  ==============================================================================

Invalid polygons are repaired with ``make_valid`` and keep only their polygonal parts; features
that are not polygons (points, lines) or are empty go to quarantine.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from layers.quarantine import LayerResult, first_reason, quarantine_rows
from pipeline.errors import ConfigError, InputError

LAYER_BY_STATUS = {"planned": "planned_areas", "funded": "funded_areas"}
STATUSES = ("planned", "funded")  # in rising precedence: a funded area wins over a planned one
TARGET_EPSG = 25833
ID_COLUMNS = ("area_id", "id", "prosjektnummer", "prosjektnr")
NAME_COLUMNS = ("name", "navn", "prosjektnavn")
YEAR_COLUMNS = ("year", "aar", "år")
OPERATOR_COLUMNS = ("operator", "utbygger", "tilbyder")
HOUSEHOLD_COLUMNS = ("households", "husstander")
YEAR_RANGE = (1990, 2100)
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
    return frame


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
    projected = geometry.to_crs(TARGET_EPSG).to_numpy()
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


def _integer_column(
    frame: pd.DataFrame, candidates: tuple[str, ...], low: int, high: int
) -> tuple[pd.Series, pd.Series]:
    """A nullable Int64 column and the rows whose non-empty value is not an integer in range."""
    column = find_column(frame, candidates)
    if column is None:
        empty = pd.Series(pd.NA, index=frame.index, dtype="Int64")
        return empty, pd.Series(pd.NA, index=frame.index, dtype="object")
    text = frame[column].astype("string").str.strip()
    value = to_float(text)
    given = text.notna() & (text != "")
    bad = given & (value.isna() | (value != value.round()) | (value < low) | (value > high))
    reason = pd.Series(pd.NA, index=frame.index, dtype="object").mask(
        bad.to_numpy(),
        f"{column}: got " + text.fillna("") + f", expected an integer in [{low}, {high}]",
    )
    return value.where(~bad).round().astype("Int64"), reason


def _text_column(frame: pd.DataFrame, candidates: tuple[str, ...]) -> pd.Series:
    column = find_column(frame, candidates)
    if column is None:
        return pd.Series("", index=frame.index, dtype="object")
    return frame[column].astype("string").str.strip().fillna("").astype("object")


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


def read_areas(path: Path | str, status: str) -> LayerResult:
    """Read polygons of planned builds or funded areas into the canonical table.

    Parameters
    ----------
    path
        A vector file with a CRS.
    status
        ``"planned"`` or ``"funded"``: what every area of this file is.

    Returns
    -------
    LayerResult
        Layer ``planned_areas`` or ``funded_areas``; non-polygonal or empty features, and
        features with a year or households that is not an integer, are quarantined.
    """
    if status not in STATUSES:
        msg = f"status: got {status!r}, expected one of {list(STATUSES)}"
        raise ConfigError(msg)
    path = Path(path)
    layer = LAYER_BY_STATUS[status]
    raw = read_vector(path, f"{status} area polygons")
    polygons, geometry_reason = repair_polygons(raw.geometry)
    year, year_reason = _integer_column(raw, YEAR_COLUMNS, *YEAR_RANGE)
    households, households_reason = _integer_column(raw, HOUSEHOLD_COLUMNS, 0, 10_000_000)
    area_id = ids_or_feature_numbers(raw, ID_COLUMNS)
    reasons = first_reason(
        [
            (geometry_reason.notna(), geometry_reason),
            (year_reason.notna(), year_reason),
            (households_reason.notna(), households_reason),
        ],
        raw.index,
    )
    rejected = reasons.notna().to_numpy()
    feature_number = np.arange(1, len(raw) + 1)
    quarantine = quarantine_rows(
        layer, path, feature_number[rejected], area_id[rejected], reasons[rejected]
    )
    ok = ~rejected
    accepted = gpd.GeoDataFrame(
        {
            "area_id": area_id[ok].to_numpy(),
            "status": status,
            "name": _text_column(raw, NAME_COLUMNS)[ok].to_numpy(),
            "year": year[ok].array,
            "operator": _text_column(raw, OPERATOR_COLUMNS)[ok].to_numpy(),
            "households": households[ok].array,
            "row_number": feature_number[ok],
        },
        geometry=polygons[ok],
        crs=TARGET_EPSG,
    )
    return LayerResult(layer, accepted, quarantine, rows_read=len(raw))


def status_of_addresses(areas: gpd.GeoDataFrame, x_m: np.ndarray, y_m: np.ndarray) -> np.ndarray:
    """The area status of each address: ``"funded"``, ``"planned"`` or ``""``.

    A point on an area's boundary is inside it (closed polygons, as in
    :func:`pipeline.locate.polygon_index_of_points`). Where a point lies in areas of both
    statuses, ``"funded"`` wins over ``"planned"``: granted subsidy is a commitment, a plan is
    not. One STRtree over the points, queried with every area polygon (areas are few and large).

    Parameters
    ----------
    areas
        Canonical areas (``status``, ``geometry`` in EPSG:25833), planned and funded together.
    x_m, y_m
        Address coordinates in EPSG:25833; a NaN coordinate gets ``""``.

    Returns
    -------
    numpy.ndarray
        Strings aligned to the input order.
    """
    x_m = np.asarray(x_m, dtype="float64")
    y_m = np.asarray(y_m, dtype="float64")
    status = areas["status"].to_numpy()
    unknown = ~np.isin(status, STATUSES)
    if unknown.any():
        msg = f"areas.status: got {sorted(set(status[unknown]))}, expected one of {list(STATUSES)}"
        raise ConfigError(msg)
    area_precedence = pd.Index(STATUSES).get_indexer(status) + 1  # planned 1, funded 2
    finite = np.flatnonzero(np.isfinite(x_m) & np.isfinite(y_m))
    tree = shapely.STRtree(np.asarray(shapely.points(x_m[finite], y_m[finite])))
    area_idx, point_idx = tree.query(areas.geometry.to_numpy(), predicate="intersects")
    best = np.zeros(len(x_m), dtype="int64")
    np.maximum.at(best, finite[point_idx], area_precedence[area_idx])
    return np.array(["", *STATUSES], dtype=object)[best]
