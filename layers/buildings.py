"""Building points from Kartverket's "Matrikkelen - Bygningspunkt" (open data, CC BY 4.0).

The real product (Geonorge, per kommune, fylke or nation; GML, SOSI, FGDB, PostGIS; the same
layout on the WFS ``wfs.matrikkelen-bygningspunkt``) has one feature per existing building
(statuses BR, BA, BF, BU are left out by Kartverket) with these attributes::

    bygningsnummer      the building's number, unique across kommuner
    bygningstype        SSB's "Standard for bygningstype" code (KLASS 31), 3 digits
    bygningsstatus      TB, FA, MB, MF, IG, RA, ... (BygningsstatusKode)
    kommunenummer       4 digits
    representasjonspunkt  the point (EPSG:25832/25833/25835)
    bruksenhet/Bruksenhet/{bruksenhetId, matrikkelenhetId, adresseId}   per unit, nested

The nested units carry the building's links to addresses (``adresseId``) and to cadastral
units (``matrikkelenhetId``, an internal id: *not* gnr/bnr). A flattened export (GeoPackage,
GeoJSON, FGDB ``bygning`` layer) keeps the scalar attributes; this reader takes any vector file
pyogrio reads with those names (case-insensitive), plus the optional columns it finds:

==================  =========================================================================
``building_id``     bygningsnummer (int64, unique)
``kommunenummer``   4-char string with leading zero
``gnr``, ``bnr``    gardsnummer / gnr, bruksnummer / bnr (nullable Int64)
``fnr``, ``snr``    festenummer / fnr, seksjonsnummer / snr (nullable Int64; empty = 0)
``address_id``      adresseId / adresseid when the export carries one per building (Int64)
``building_type``   bygningstype as a 3-digit code string ("111")
``status``          bygningsstatus ("" when absent)
``dwellings``       bruksenheter / boenheter / antall_boenheter (nullable Int64; NA = not given)
``row_number``      1-based feature number, for provenance
``geometry``        Point in EPSG:25833
==================  =========================================================================

Rows in = accepted + quarantined: a feature with an unusable bygningsnummer (or a repeated
one), kommunenummer, bygningstype, cadastral number, dwelling count or point goes to quarantine
with its feature number and "got X, expected Y".
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from layers.errors import InputError
from layers.quarantine import LayerResult, is_whole_id
from layers.vector import blank, find_column, quarantine_features, read_features, to_float
from layers.vocabulary import CRS_EPSG

LAYER = "buildings"
ID_COLUMNS = ("bygningsnummer", "bygningsnr", "building_id")
TYPE_COLUMNS = ("bygningstype", "building_type")
KOMMUNE_COLUMNS = ("kommunenummer", "kommunenr")
STATUS_COLUMNS = ("bygningsstatus", "status")
# canonical name → the file's names for it, in preference order
CADASTRE_COLUMNS: dict[str, tuple[str, ...]] = {
    "gnr": ("gardsnummer", "gnr"),
    "bnr": ("bruksnummer", "bnr"),
    "fnr": ("festenummer", "fnr"),
    "snr": ("seksjonsnummer", "snr"),
}
ADDRESS_ID_COLUMNS = ("adresseId", "adresseid", "address_id")
DWELLING_COLUMNS = ("bruksenheter", "antallBoenheter", "boenheter", "antall_boenheter", "dwellings")
MAX_CADASTRE = 99_999  # gnr, bnr, fnr and snr are at most 5 digits in the matrikkel


def _whole_column(
    frame: pd.DataFrame, candidates: tuple[str, ...], high: float, empty_is: int | None
) -> tuple[pd.Series, pd.Series]:
    """A nullable Int64 column (NA, or ``empty_is``, where empty or absent) and the reason of
    each row whose non-empty value is not a whole number from 0 to ``high``."""
    column = find_column(frame, candidates)
    if column is None:
        fill = pd.NA if empty_is is None else empty_is
        return pd.Series(fill, index=frame.index, dtype="Int64"), blank(frame.index)
    text = frame[column].astype("string").str.strip()
    value = to_float(text)
    given = text.notna() & (text != "")
    bad = given & ~(is_whole_id(value) & (value <= high))
    reason = blank(frame.index).mask(
        bad.to_numpy(),
        f"{column}: got " + text.fillna("") + f", expected a whole number from 0 to {high:,.0f}",
    )
    parsed = value.where(given & ~bad).round().astype("Int64")
    return (parsed if empty_is is None else parsed.fillna(empty_is)), reason


def _required(frame: pd.DataFrame, candidates: tuple[str, ...], path: Path) -> str:
    column = find_column(frame, candidates)
    if column is None:
        msg = (
            f"{path}: no {candidates[0]} column (got {[str(c) for c in frame.columns][:8]});"
            " expected Matrikkelen Bygningspunkt attributes bygningsnummer, bygningstype,"
            " kommunenummer"
        )
        raise InputError(msg)
    return column


def _id_reasons(frame: pd.DataFrame, column: str) -> tuple[pd.Series, pd.Series]:
    """bygningsnummer as float (NaN where unusable) and why, a repeat being a duplicate."""
    text = frame[column].astype("string").str.strip()
    value = to_float(text)
    ok = is_whole_id(value)
    duplicate = ok & value.duplicated(keep="first")
    reason = blank(frame.index).mask(
        (~ok).to_numpy(), f"{column}: got " + text.fillna("<empty>") + ", expected an integer"
    )
    reason = reason.mask(duplicate.to_numpy(), f"{column}: duplicate of an earlier feature")
    return value, reason


def code_text(frame: pd.DataFrame, column: str) -> pd.Series:
    """A code column as stripped text; whole floats (111.0 from a GeoJSON number) as "111"."""
    values = frame[column]
    if pd.api.types.is_float_dtype(values) and (values.dropna() % 1 == 0).all():
        values = values.astype("Int64")
    return values.astype("string").str.strip()


def _code_reasons(frame: pd.DataFrame, column: str, digits: str, expected: str) -> pd.Series:
    text = code_text(frame, column)
    ok = text.str.fullmatch(digits).fillna(False).astype(bool)
    message = f"{column}: got " + text.fillna("<empty>") + f", expected {expected}"
    return blank(frame.index).mask((~ok).to_numpy(), message)


def _point_reasons(geometry: gpd.GeoSeries, build_errors: pd.Series) -> pd.Series:
    """Why a feature's geometry is not a usable point (NA where it is)."""
    values = np.asarray(geometry.to_numpy(), dtype=object)
    missing = shapely.is_missing(values) | shapely.is_empty(values)
    not_point = ~missing & (shapely.get_type_id(values) != shapely.GeometryType.POINT)
    finite = np.ones(len(values), dtype=bool)
    usable = np.flatnonzero(~(missing | not_point))
    if len(usable):
        finite[usable] = np.isfinite(shapely.get_coordinates(values[usable])).all(axis=1)
    kind = geometry.geom_type.fillna("<none>").astype("object")
    reason = blank(geometry.index)
    reason = reason.mask(~finite, "geometry: got a point with NaN or infinite coordinates")
    reason = reason.mask(not_point, "geometry: got " + kind + ", expected a Point")
    reason = reason.mask(missing, "geometry: got none or an empty one, expected a Point")
    return build_errors.fillna(reason) if build_errors.notna().any() else reason


def read_buildings(path: Path | str, crs: str = "") -> LayerResult:
    """Read a Matrikkelen Bygningspunkt file (any vector format pyogrio reads) into the
    canonical table of the module docstring; rejected features go to quarantine.

    Parameters
    ----------
    path
        GeoPackage, GeoJSON, FGDB, GML… of building points with a CRS.
    crs
        ``[inputs].buildings_crs``-style override ("" = the file's own CRS).
    """
    path = Path(path)
    read = read_features(path, "Matrikkelen Bygningspunkt points", crs, "[inputs].buildings")
    raw = read.frame
    id_column = _required(raw, ID_COLUMNS, path)
    type_column = _required(raw, TYPE_COLUMNS, path)
    knr_column = _required(raw, KOMMUNE_COLUMNS, path)
    building_id, id_reason = _id_reasons(raw, id_column)
    type_reason = _code_reasons(raw, type_column, r"\d{3}", "a 3-digit SSB bygningstype code")
    knr_reason = _code_reasons(raw, knr_column, r"\d{1,4}", "1-4 digits")
    cadastre = {
        name: _whole_column(raw, names, MAX_CADASTRE, 0 if name in ("fnr", "snr") else None)
        for name, names in CADASTRE_COLUMNS.items()
    }
    address_id, address_reason = _whole_column(raw, ADDRESS_ID_COLUMNS, 2.0**53, None)
    dwellings, dwelling_reason = _whole_column(raw, DWELLING_COLUMNS, 100_000, None)
    point_reason = _point_reasons(raw.geometry, read.geometry_errors)
    keys = raw[id_column].astype("string").fillna("")
    reasons = [id_reason, knr_reason, type_reason, point_reason]
    reasons += [r for _, r in cadastre.values()] + [address_reason, dwelling_reason]
    ok, feature_number, quarantine = quarantine_features(LAYER, path, keys, reasons)
    points = gpd.GeoSeries(raw.geometry[ok].to_numpy(), crs=raw.crs).to_crs(CRS_EPSG)
    status_column = find_column(raw, STATUS_COLUMNS)
    status = raw[status_column] if status_column else pd.Series("", index=raw.index)
    accepted = gpd.GeoDataFrame(
        {
            "building_id": building_id[ok].astype("int64").to_numpy(),
            "kommunenummer": code_text(raw, knr_column)[ok].str.zfill(4).to_numpy(),
            **{name: column[ok].array for name, (column, _) in cadastre.items()},
            "address_id": address_id[ok].array,
            "building_type": code_text(raw, type_column)[ok].to_numpy(),
            "status": status[ok].astype("string").fillna("").str.strip().to_numpy(),
            "dwellings": dwellings[ok].array,
            "row_number": feature_number[ok],
        },
        geometry=points.to_numpy(),
        crs=CRS_EPSG,
    ).reset_index(drop=True)
    metadata = {
        "files": [str(path)],
        "cadastre_columns": [n for n, names in CADASTRE_COLUMNS.items() if find_column(raw, names)],
        "has_address_id": find_column(raw, ADDRESS_ID_COLUMNS) is not None,
        "has_dwellings": find_column(raw, DWELLING_COLUMNS) is not None,
    }
    return LayerResult(LAYER, accepted, quarantine, rows_read=len(raw), metadata=metadata)
