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
``build_date`` ``build_date`` / ``date`` / ``dato`` / ``utbyggingsdato`` / ``ferdigdato``: the
               date the build is to be done, ISO ``YYYY-MM-DD`` (``NaT`` when absent; a
               planned area's date decides whether the plan counts, :mod:`pipeline.eligibility`)
``operator``   ``operator`` / ``utbygger`` / ``tilbyder`` (``""`` when absent)
``households`` ``households`` / ``husstander`` (nullable Int64)
``down_mbps``  ``down_mbps`` / ``ned_mbps`` / ``nedhastighet``: the speed the build states,
``up_mbps``    whole Mbit/s (nullable Int64; a scenario delivering the plans gives it)
``row_number`` the 1-based feature number in the file, for provenance
``geometry``   valid (Multi)Polygon in EPSG:25833
=============  ==============================================================================

Invalid polygons are repaired with ``make_valid`` when the repair keeps their area (within
1 %); features that are not polygons, empty, with NaN coordinates or invalid beyond repair go
to quarantine (:func:`layers.geometry_checks.check_geometries`).
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from layers.errors import ConfigError
from layers.geometry_checks import check_geometries
from layers.quarantine import LayerResult
from layers.vector import (
    find_column,
    ids_or_feature_numbers,
    quarantine_features,
    read_features,
    to_float,
)
from layers.vocabulary import CRS_EPSG

LAYER_BY_STATUS = {"planned": "planned_areas", "funded": "funded_areas"}
STATUSES = ("planned", "funded")  # in rising precedence: a funded area wins over a planned one
ID_COLUMNS = ("area_id", "id", "prosjektnummer", "prosjektnr")
NAME_COLUMNS = ("name", "navn", "prosjektnavn")
YEAR_COLUMNS = ("year", "aar", "år")
OPERATOR_COLUMNS = ("operator", "utbygger", "tilbyder")
HOUSEHOLD_COLUMNS = ("households", "husstander")
YEAR_RANGE = (1990, 2100)
DATE_COLUMNS = ("build_date", "date", "dato", "utbyggingsdato", "ferdigdato")
# the speed the build states (a scenario that delivers the plans gives it; pipeline/scenarios.py)
DOWN_COLUMNS = ("down_mbps", "ned_mbps", "nedhastighet")
UP_COLUMNS = ("up_mbps", "opp_mbps", "opphastighet")
SPEED_RANGE = (1, 100_000)


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


def _date_column(frame: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """The build date (``datetime64``, NaT where empty) and the rows whose non-empty value is
    not an ISO date from :data:`YEAR_RANGE`'s first to its last year."""
    column = find_column(frame, DATE_COLUMNS)
    if column is None:
        empty = pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns]")
        return empty, pd.Series(pd.NA, index=frame.index, dtype="object")
    text = frame[column].astype("string").str.strip().str.slice(0, 10)
    value = pd.to_datetime(text, format="%Y-%m-%d", errors="coerce")
    given = text.notna() & (text != "")
    bad = given & (value.isna() | ~value.dt.year.between(*YEAR_RANGE))
    reason = pd.Series(pd.NA, index=frame.index, dtype="object").mask(
        bad.to_numpy(),
        f"{column}: got " + text.fillna("") + ", expected a date YYYY-MM-DD",
    )
    return value.where(~bad).astype("datetime64[ns]"), reason


def _text_column(frame: pd.DataFrame, candidates: tuple[str, ...]) -> pd.Series:
    column = find_column(frame, candidates)
    if column is None:
        return pd.Series("", index=frame.index, dtype="object")
    return frame[column].astype("string").str.strip().fillna("").astype("object")


def read_areas(path: Path | str, status: str, crs: str = "") -> LayerResult:
    """Read polygons of planned builds or funded areas into the canonical table.

    Parameters
    ----------
    path
        A vector file with a CRS.
    status
        ``"planned"`` or ``"funded"``: what every area of this file is.
    crs
        The CRS the config names for the file (``[inputs].planned_areas_crs`` or
        ``funded_areas_crs``); "" = the file's own.

    Returns
    -------
    LayerResult
        Layer ``planned_areas`` or ``funded_areas``; features whose geometry fails
        :func:`layers.geometry_checks.check_geometries`, and features with a year,
        households or a speed that is not an integer in range, are quarantined.
    """
    if status not in STATUSES:
        msg = f"status: got {status!r}, expected one of {list(STATUSES)}"
        raise ConfigError(msg)
    path = Path(path)
    layer = LAYER_BY_STATUS[status]
    read = read_features(path, f"{status} area polygons", crs, f"[inputs].{layer}_crs")
    raw = read.frame
    checked = check_geometries(raw.geometry, "polygon", read.geometry_errors)
    year, year_reason = _integer_column(raw, YEAR_COLUMNS, *YEAR_RANGE)
    households, households_reason = _integer_column(raw, HOUSEHOLD_COLUMNS, 0, 10_000_000)
    build_date, date_reason = _date_column(raw)
    down, down_reason = _integer_column(raw, DOWN_COLUMNS, *SPEED_RANGE)
    up, up_reason = _integer_column(raw, UP_COLUMNS, *SPEED_RANGE)
    area_id = ids_or_feature_numbers(raw, ID_COLUMNS)
    reasons = [checked.reasons, year_reason, households_reason, date_reason, down_reason]
    ok, feature_number, quarantine = quarantine_features(
        layer, path, area_id, [*reasons, up_reason]
    )
    accepted = gpd.GeoDataFrame(
        {
            "area_id": area_id[ok].to_numpy(),
            "status": status,
            "name": _text_column(raw, NAME_COLUMNS)[ok].to_numpy(),
            "year": year[ok].array,
            "operator": _text_column(raw, OPERATOR_COLUMNS)[ok].to_numpy(),
            "households": households[ok].array,
            "build_date": build_date[ok].to_numpy(),
            "down_mbps": down[ok].array,
            "up_mbps": up[ok].array,
            "row_number": feature_number[ok],
        },
        geometry=checked.geometry[ok],
        crs=CRS_EPSG,
    )
    metadata = {"geometries_repaired": checked.repaired} if checked.repaired else {}
    return LayerResult(layer, accepted, quarantine, rows_read=len(raw), metadata=metadata)


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
