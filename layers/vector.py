"""Helpers shared by the readers of vector layers: the one way a vector file is read (every
feature kept, a geometry GEOS cannot build given a reason instead of an exception, the CRS
checked against the coordinates), columns found by name, numbers read from text, polygons
repaired, ids or feature numbers, and the reason series a reader fills per feature.

Used by every vector reader: :mod:`layers.kommuner`, :mod:`layers.network`,
:mod:`layers.roads`, :mod:`layers.areas`, :mod:`layers.nkom_squares` (Nkom's speed squares) and
:mod:`layers.nkom_lists` (Nkom's lists of addresses lacking a speed).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from pyproj import Transformer

from layers.crs_fit import refuse_coordinates_that_misfit_the_crs
from layers.errors import InputError
from layers.geometry_checks import check_geometries
from layers.quarantine import first_reason, quarantine_rows
from layers.text_numbers import numbers_from_text
from layers.vocabulary import CRS_EPSG


def find_column(frame: pd.DataFrame, candidates: tuple[str, ...]) -> str | None:
    """The first column whose name matches a candidate, ignoring case and surrounding blanks."""
    by_name = {str(c).strip().lower(): c for c in frame.columns}
    for name in candidates:
        if name.lower() in by_name:
            return str(by_name[name.lower()])
    return None


def to_float(text: pd.Series) -> pd.Series:
    """Numbers parsed from text as float64: NaN where empty or not a number."""
    values = numbers_from_text(text)
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


@dataclass(frozen=True)
class VectorFile:
    """The features of a vector file: their attributes and geometries (None where the file holds
    none, or one that cannot be built), and why a geometry could not be built."""

    frame: gpd.GeoDataFrame
    geometry_errors: pd.Series  # NA, or the quarantine reason of a geometry not built


def read_vector(
    path: Path, what: str, crs: str = "", crs_key: str = "[inputs].<layer>_crs"
) -> gpd.GeoDataFrame:
    """Every feature of a vector file (:func:`read_features`), without the build errors: a
    geometry that cannot be built is None (quarantined as empty by the geometry checks)."""
    return read_features(path, what, crs, crs_key).frame


def read_features(
    source: Path | bytes,
    what: str,
    crs: str = "",
    crs_key: str = "[inputs].<layer>_crs",
    layer: str | None = None,
    path: Path | None = None,
) -> VectorFile:
    """Read every feature of a vector file (:func:`read_unchecked`), then name or check its CRS
    (:func:`with_crs`); raise :class:`InputError` naming the file.

    Parameters
    ----------
    source
        Any file pyogrio reads, or the bytes of one (a collection taken out of a document).
    what
        What the file should hold, for the messages ("Nkom speed squares").
    crs, crs_key
        The CRS the config names for the file ("" = the file's own) and the config key that
        names it, for the messages.
    layer
        The layer of a file holding several (None: the first).
    path
        The file's name in messages when ``source`` is bytes.
    """
    features = read_unchecked(source, what, layer, path)
    name = path if path is not None else Path(str(source))
    return VectorFile(with_crs(features.frame, name, crs, crs_key), features.geometry_errors)


def read_unchecked(
    source: Path | bytes, what: str, layer: str | None = None, path: Path | None = None
) -> VectorFile:
    """Every feature of a vector file in the CRS it names (None when it names none), its CRS
    not checked yet.

    A feature whose geometry GEOS cannot build (a LineString of one point, a ring of two)
    stays, with geometry None and a reason in ``geometry_errors``: one bad feature goes to
    quarantine instead of stopping the run. Unclosed rings are closed (``on_invalid="fix"``).
    """
    name = path if path is not None else Path(str(source))
    if isinstance(source, Path) and not source.exists():
        msg = f"{name}: {what} file not found"
        raise InputError(msg)
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", "Non closed ring detected", RuntimeWarning)
            read = pyogrio.read_dataframe(source, layer=layer, on_invalid="fix")
            if not isinstance(read, gpd.GeoDataFrame):  # a table without geometries
                msg = f"{name}: got a table without geometries, expected {what}"
                raise InputError(msg)
            errors = _geometry_errors(source, layer, read)
    except InputError:
        raise
    except Exception as exc:  # pyogrio raises its own DataSourceError / DataLayerError
        detail = " ".join(str(exc).split())
        msg = f"{name}: could not be read as a vector file ({detail}); expected {what}"
        raise InputError(msg) from exc
    return VectorFile(read, errors)


def _geometry_errors(source: Path | bytes, layer: str | None, frame: gpd.GeoDataFrame) -> pd.Series:
    """Per feature, NA or why the file's geometry could not be built. The file's raw WKB is
    read again only when some geometry came back None (a null geometry, or one GEOS refused),
    and GEOS is asked again, for its message, only for the few refused."""
    errors = blank(frame.index)
    missing = np.flatnonzero(frame.geometry.isna().to_numpy())
    if len(missing) == 0:
        return errors
    wkb = pyogrio.raw.read(source, layer=layer, columns=[], read_geometry=True)[2]
    for i in missing[[wkb[i] is not None for i in missing]]:
        try:
            shapely.from_wkb(wkb[i])
            continue  # built after all: left to the geometry checks
        except shapely.errors.GEOSException as exc:
            detail = " ".join(str(exc).split(": ", 1)[-1].split())
        errors.iloc[i] = (
            f"geometry: cannot be built ({detail}); expected at least 2 points per line and 4"
            " per ring"
        )
    return errors


def with_crs(frame: gpd.GeoDataFrame, path: Path, crs: str, crs_key: str) -> gpd.GeoDataFrame:
    """The layer in the CRS the config names for it (``crs``, overriding the file's own), else
    in the file's own; :class:`InputError` when neither names one, or when the coordinates do
    not fit the CRS (:func:`refuse_coordinates_that_misfit_the_crs`).

    A shapefile without ``.prj``, a GeoPackage or GML without SRS, a GeoJSON with
    ``"crs": null``: the message names the file and how to name its CRS in the config.
    """
    if crs:
        frame = frame.set_crs(crs, allow_override=True)
    if frame.crs is None:
        msg = (
            f"{path}: no CRS in the file; expected a file that names its CRS (.prj beside a"
            ' shapefile, a GeoPackage SRS, a GeoJSON "crs" member or none for WGS84), or name it'
            f' in the config: {crs_key} = "EPSG:25833"'
        )
        raise InputError(msg)
    declared_by = f"the config ({crs_key})" if crs else "the file"
    refuse_coordinates_that_misfit_the_crs(frame, path, crs_key, declared_by)
    return frame


def repair_polygons(geometry: gpd.GeoSeries) -> tuple[np.ndarray, pd.Series]:
    """Valid polygonal geometries in EPSG:25833, and why a feature cannot be one.

    Returns
    -------
    polygons
        Object array aligned to ``geometry``: checked, projected and repaired by
        :func:`layers.geometry_checks.check_geometries` (an empty polygon where rejected).
    reasons
        Per feature: NA when usable, else the reason (empty, NaN coordinates, not a polygon,
        invalid beyond repair).
    """
    checked = check_geometries(geometry, "polygon")
    polygons = checked.geometry.copy()
    polygons[checked.reasons.notna().to_numpy()] = shapely.Polygon()
    return polygons, checked.reasons


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
