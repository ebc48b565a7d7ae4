"""Nkom's lists of addresses lacking a speed, one list per subsidy consultation.

Lists of addresses lacking a speed (``read_lacking_list``)
    Nkom's per-address lists for each subsidy consultation ("Mangler_30Mbit", "Mangler_100Mbit"):
    CSV (``;`` or ``,``; UTF-8, or Windows-1252 as one year was first issued) or KML. Canonical
    columns: ``address_id`` (nullable Int64), ``address_text``, ``lacking_mbps``, ``x_m``, ``y_m``,
    ``row_number``, ``source_date`` and ``geometry`` (EPSG:25833; empty where the list gives only
    an id). ``source_date`` (``datetime64``, NaT where unknown) is the row's own date column
    (``dato``, ``source_date``), else the list's date in the config (``[inputs]``
    ``lacking_30_date``/``lacking_100_date``), else a date in the file name
    (:mod:`layers.source_dates`): a list older than an offer for the same address does not
    override it (:func:`pipeline.coverage.stale_lacking_rows`).

The list files (CSV or KML, their encoding and column names) are read into fields by
:mod:`layers.nkom_list_files`; this module validates them. Nkom's 100 × 100 m speed squares are
read by :mod:`layers.nkom_squares`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from layers.coordinates import in_norway
from layers.errors import ConfigError, InputError
from layers.nkom_list_files import ListFields, read_list_fields
from layers.quarantine import LayerResult, first_reason, is_whole_id, quarantine_rows
from layers.source_dates import date_in_file_name, parse_dates
from layers.vector import blank, to_25833, to_float
from layers.vocabulary import CRS_EPSG, SUPPORTED_EPSG

LACKING_LAYER = "nkom_lacking"
NAN = math.nan


@dataclass(frozen=True)
class LackingListResult(LayerResult):
    """A :class:`LayerResult` that also records how the list's text was decoded."""

    encoding: str = "utf-8"  # "utf-8", "cp1252", or "kml" (decoded by GDAL)


def _lacking_reasons(fields: ListFields) -> tuple[pd.Series, pd.Series, np.ndarray, np.ndarray]:
    """Reason per rejected row; parsed ids and coordinates (EPSG:25833) for every row."""
    address_id = to_float(fields.id_text)
    id_given = fields.id_text.notna()
    id_ok = id_given & is_whole_id(address_id)
    coordinates_given = fields.coordinate_text.notna()
    coordinates_ok = fields.east.notna() & fields.north.notna()
    epsg = to_float(fields.epsg_text).where(fields.epsg_text.notna(), fields.default_epsg)
    bad_epsg = coordinates_ok & ~epsg.isin(SUPPORTED_EPSG)
    usable = (coordinates_ok & ~bad_epsg).to_numpy()
    x_m, y_m = to_25833(
        fields.east.to_numpy(), fields.north.to_numpy(), np.where(usable, epsg, NAN)
    )
    # Norway as the address and site readers know it (layers.coordinates): a point outside is a
    # swapped lat/lon or a wrong EPSG code
    outside = usable & ~in_norway(x_m, y_m, np.full(len(x_m), float(CRS_EPSG)), False)
    position = pd.Series(
        np.where(np.isfinite(x_m), x_m, NAN).round(), index=epsg.index, dtype="Float64"
    ).astype("string")
    position += ", " + pd.Series(
        np.where(np.isfinite(y_m), y_m, NAN).round(), index=epsg.index, dtype="Float64"
    ).astype("string")
    id_name, names = fields.id_name, fields.coordinate_names
    reasons = first_reason(
        [
            (fields.geometry_reason.notna(), fields.geometry_reason),
            (
                id_given & ~id_ok,
                f"{id_name}: got " + fields.id_text.fillna("") + ", expected an integer",
            ),
            (
                coordinates_given & ~coordinates_ok,
                f"{names}: got " + fields.coordinate_text.fillna("") + ", expected two numbers",
            ),
            (
                ~id_given & ~coordinates_given,
                f"{id_name} and {names}: both empty, expected an address id or coordinates",
            ),
            (
                bad_epsg,
                "epsg: got "
                + fields.epsg_text.fillna("")
                + f", expected one of {list(SUPPORTED_EPSG)}",
            ),
            (
                pd.Series(outside, index=epsg.index),
                f"{names}: ("
                + position
                + ") in EPSG:25833 is outside Norway; swapped latitude/longitude or a wrong EPSG?",
            ),
            _date_reason(fields, epsg.index),
            (
                id_ok & address_id.where(id_ok).duplicated(keep="first"),
                f"{id_name}: duplicate of an earlier row",
            ),
        ],
        epsg.index,
    )
    return reasons, address_id, np.where(usable, x_m, NAN), np.where(usable, y_m, NAN)


def _date_reason(fields: ListFields, index: pd.Index) -> tuple[pd.Series, pd.Series]:
    """Rows whose own date column holds something that is not a date, and their reason."""
    if fields.date_text is None:
        return pd.Series(False, index=index), blank(index)
    bad = pd.Series(parse_dates(fields.date_text)[1], index=index)
    given = fields.date_text.fillna("").astype("string")
    return (
        bad,
        f"{fields.date_name}: got " + given + ", expected a date as YYYY-MM-DD or DD.MM.YYYY",
    )


def _row_dates(fields: ListFields, source_date: date | None, path: Path) -> pd.Series:
    """Each row's date: its own, else the list's (``source_date``), else the file name's."""
    fallback = source_date or date_in_file_name(path)
    dates = pd.Series(pd.NaT, index=fields.id_text.index, dtype="datetime64[ns]")
    if fields.date_text is not None:
        dates = parse_dates(fields.date_text)[0].astype("datetime64[ns]")
    if fallback is not None:
        dates = dates.fillna(pd.Timestamp(fallback))
    return dates


def list_row_reasons(fields: ListFields) -> tuple[pd.Series, pd.Series, np.ndarray, np.ndarray]:
    """The checks of a lacking list's rows, for other lists of Nkom's layout
    (:mod:`layers.obligation_5g`): reason per rejected row; ids and EPSG:25833 coordinates."""
    return _lacking_reasons(fields)


def _existing_list(path: Path | str, lacking_mbps: float, epsg: int | None) -> Path:
    """The list's path, once ``lacking_mbps`` and ``epsg`` are valid and the file exists."""
    if not lacking_mbps > 0:
        msg = f"lacking_mbps: got {lacking_mbps}, expected a speed > 0 (30 or 100)"
        raise ConfigError(msg)
    if epsg is not None and epsg not in SUPPORTED_EPSG:
        msg = f"epsg: got {epsg}, expected one of {list(SUPPORTED_EPSG)}"
        raise ConfigError(msg)
    path = Path(path)
    if not path.exists():
        msg = f"{path}: list of addresses lacking {lacking_mbps:g} Mbit/s not found"
        raise InputError(msg)
    return path


def _lacking_table(
    address_id: pd.Series,
    address_text: pd.Series,
    x_m: np.ndarray,
    y_m: np.ndarray,
    row_number: np.ndarray,
    lacking_mbps: float,
    source_date: pd.Series,
) -> gpd.GeoDataFrame:
    """The accepted rows as the canonical table; no point where a row gives only an id."""
    points = np.asarray(shapely.points(x_m, y_m))
    points[~np.isfinite(x_m)] = None
    return gpd.GeoDataFrame(
        {
            "address_id": address_id.round().astype("Int64").array,
            "address_text": address_text.astype("object").to_numpy(),
            "lacking_mbps": float(lacking_mbps),
            "x_m": x_m,
            "y_m": y_m,
            "row_number": row_number,
            "source_date": source_date.to_numpy(dtype="datetime64[ns]"),
        },
        geometry=points,
        crs=CRS_EPSG,
    )


def read_lacking_list(
    path: Path | str,
    lacking_mbps: float,
    epsg: int | None = None,
    source_date: date | None = None,
) -> LackingListResult:
    """Read an Nkom list of addresses lacking ``lacking_mbps`` (CSV, KML, or either zipped).

    Parameters
    ----------
    path
        The list file.
    lacking_mbps
        The speed the listed addresses lack (30 or 100 in Nkom's consultations).
    epsg
        CRS of coordinate columns without an EPSG column; default 25833 for ``nord``/``øst``
        (``north``/``east``) and 4258 for ``lat``/``lon``.
    source_date
        The list's date where its rows give none (``[inputs].lacking_30_date`` …); without
        it, a date in the file name, else none.

    Returns
    -------
    LackingListResult
        Layer ``nkom_lacking``; ``encoding`` records how the CSV was decoded. A row is kept when
        it has an integer id or usable coordinates (or both); rows with neither, unreadable
        values, coordinates outside Norway, or a repeated id go to quarantine.

    Raises
    ------
    InputError
        The file is missing, unreadable, garbled (mojibake) or has no id and no coordinates.
    """
    path = _existing_list(path, lacking_mbps, epsg)
    fields, encoding, row_number = read_list_fields(path, epsg)
    reasons, address_id, x_m, y_m = _lacking_reasons(fields)
    rejected = reasons.notna().to_numpy()
    key = fields.id_text.fillna(fields.coordinate_text)
    quarantine = quarantine_rows(
        LACKING_LAYER, path, row_number[rejected], key[rejected], reasons[rejected]
    )
    ok = ~rejected
    dates = _row_dates(fields, source_date, path)[ok]
    accepted = _lacking_table(
        address_id[ok],
        fields.address_text[ok],
        x_m[ok],
        y_m[ok],
        row_number[ok],
        lacking_mbps,
        dates,
    )
    return LackingListResult(LACKING_LAYER, accepted, quarantine, len(reasons), encoding=encoding)
