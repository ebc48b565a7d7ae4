"""Kommune boundaries from Kartverket's administrative units.

Reads GeoJSON (WGS84 or projected), Kartverket's Basisdata GeoJSON (``{"Kommune": FC,
"Grense": FC}``, plain or zipped), GML and GeoPackage. The canonical table has one row per
kommune: ``kommunenummer`` (4-char string, "0301"), ``kommunenavn``, ``fylkesnummer`` (first two
digits) and a valid polygonal ``geometry`` in EPSG:25833.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from layers.errors import InputError
from layers.geometry_checks import check_geometries
from layers.kommune_overlaps import refuse_overlaps
from layers.quarantine import LayerResult, first_reason, quarantine_rows
from layers.vector import VectorFile, read_unchecked, with_crs
from layers.vocabulary import CRS_EPSG

LAYER = "kommuner"
CRS_KEY = "[inputs].kommuner_crs"
NUMBER_COLUMNS = ("kommunenummer", "kommunenr", "knr", "id")
NAME_COLUMNS = ("kommunenavn", "navn", "name")
# The 15 fylker of the 2024 reform (Kartverket), used when no fylke layer is given.
FYLKER_2024 = {
    "03": "Oslo",
    "11": "Rogaland",
    "15": "Møre og Romsdal",
    "18": "Nordland",
    "31": "Østfold",
    "32": "Akershus",
    "33": "Buskerud",
    "34": "Innlandet",
    "39": "Vestfold",
    "40": "Telemark",
    "42": "Agder",
    "46": "Vestland",
    "50": "Trøndelag",
    "55": "Troms",
    "56": "Finnmark",
}


def _read_basisdata(document: dict[str, Any], path: Path, key: str) -> VectorFile:
    """Kartverket's Basisdata GeoJSON: an object whose ``key`` ("Kommune", "Fylke") holds the
    FeatureCollection (beside "Grense"), read as a GeoJSON of its own."""
    if key not in document:
        msg = f"{path}: got a Basisdata object with keys {list(document)}, expected {key!r}"
        raise InputError(msg)
    collection = document[key]
    if not collection.get("features"):
        msg = f"{path}: the {key!r} collection has no features"
        raise InputError(msg)
    source = json.dumps(collection).encode("utf-8")
    features = read_unchecked(source, f"{key.lower()} boundaries", path=path)
    if "crs" in collection and not ((collection["crs"] or {}).get("properties") or {}).get("name"):
        # "crs": null names no CRS at all (GDAL would read it as WGS84)
        features = VectorFile(
            features.frame.set_crs(None, allow_override=True), features.geometry_errors
        )
    return features


def _json(raw: bytes, path: Path) -> Any:
    """The JSON document in ``raw`` (UTF-8, a BOM allowed); :class:`InputError` naming the
    file, the line and the column where it is not JSON (an empty or truncated file)."""
    try:
        return json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        msg = f"{path}: byte {exc.start} is not UTF-8; expected a UTF-8 GeoJSON file"
        raise InputError(msg) from exc
    except json.JSONDecodeError as exc:
        what = (
            "empty"
            if not raw.strip()
            else f"not valid JSON at line {exc.lineno}, column {exc.colno} ({exc.msg})"
        )
        msg = f"{path}: {what}; expected a GeoJSON document (is the file complete?)"
        raise InputError(msg) from exc


def _read_any(path: Path, key: str = "Kommune") -> VectorFile:
    """Every feature of a boundary file, in the CRS the file names (None when it names none)."""
    if not path.exists():
        msg = f"{path}: boundary file not found"
        raise InputError(msg)
    if path.suffix.lower() == ".zip":
        with zipfile.ZipFile(path) as archive:
            names = [n for n in archive.namelist() if n.lower().endswith((".geojson", ".json"))]
            if len(names) != 1:
                msg = f"{path}: got {len(names)} GeoJSON files in the zip, expected exactly 1"
                raise InputError(msg)
            return _read_basisdata(_json(archive.read(names[0]), path), path, key)
    if path.suffix.lower() in (".geojson", ".json"):
        document = _json(path.read_bytes(), path)
        if isinstance(document, dict) and document.get("type") != "FeatureCollection":
            return _read_basisdata(document, path, key)
    return read_unchecked(path, f"{key.lower()} boundaries")


def _pick(frame: pd.DataFrame, candidates: tuple[str, ...], what: str, path: Path) -> pd.Series:
    for name in candidates:
        if name in frame.columns:
            return frame[name]
    msg = f"{path}: no {what} column; expected one of {list(candidates)}, got {list(frame.columns)}"
    raise InputError(msg)


def normalise_kommunenummer(values: pd.Series) -> pd.Series:
    """Kommune numbers as 4-char strings: 301, "301", "0301" and 301.0 all give "0301"."""
    text = values.astype("str").str.strip().str.replace(r"\.0$", "", regex=True)
    return text.str.zfill(4)


def read_kommuner(path: Path, crs: str = "", max_overlap_share: float = 0.001) -> LayerResult:
    """Read kommune boundaries into the canonical table (EPSG:25833, repaired polygons).

    Parameters
    ----------
    path
        GeoJSON, Basisdata GeoJSON (plain or zipped), GML or GeoPackage.
    crs
        The CRS the config names for the file (``[inputs].kommuner_crs``); "" = its own.
    max_overlap_share
        Two kommuner may overlap by at most this share of the smaller one
        (:func:`layers.kommune_overlaps.refuse_overlaps`).
    """
    read = _read_any(path)
    raw = with_crs(read.frame, path, crs, CRS_KEY)
    number = normalise_kommunenummer(_pick(raw, NUMBER_COLUMNS, "kommunenummer", path))
    name = _pick(raw, NAME_COLUMNS, "kommunenavn", path).astype("str")
    checked = check_geometries(raw.geometry, "polygon", read.geometry_errors)
    reasons = first_reason(
        [
            (
                ~number.str.fullmatch(r"\d{4}"),
                "kommunenummer: got " + number + ", expected 4 digits",
            ),
            (number.duplicated(keep="first"), "kommunenummer: duplicate of an earlier feature"),
            (checked.reasons.notna(), checked.reasons),
        ],
        raw.index,
    )
    rejected = reasons.notna().to_numpy()
    # row_number for a vector layer is the 1-based feature number
    quarantine = quarantine_rows(
        LAYER, path, np.flatnonzero(rejected) + 1, number[rejected], reasons[rejected]
    )
    accepted = gpd.GeoDataFrame(
        {
            "kommunenummer": number[~rejected].to_numpy(),
            "kommunenavn": name[~rejected].to_numpy(),
            "fylkesnummer": number[~rejected].str[:2].to_numpy(),
        },
        geometry=checked.geometry[~rejected],
        crs=CRS_EPSG,
    )
    refuse_overlaps(accepted, path, max_overlap_share)
    metadata = {"geometries_repaired": checked.repaired} if checked.repaired else {}
    return LayerResult(LAYER, accepted, quarantine, rows_read=len(raw), metadata=metadata)


def read_fylker(path: Path) -> LayerResult:
    """Fylke numbers and names from a fylke boundary file (GeoJSON, Basisdata zip, GPKG, GML).

    Only the names are used: fylke membership comes from the kommunenummer's first two digits.
    """
    raw = _read_any(path, key="Fylke").frame
    number = _pick(raw, ("fylkesnummer", "fylkesnr", "id"), "fylkesnummer", path)
    number = number.astype("str").str.strip().str.replace(r"\.0$", "", regex=True).str.zfill(2)
    name = _pick(raw, ("fylkesnavn", "navn", "name"), "fylkesnavn", path).astype("str")
    reasons = first_reason(
        [
            (
                ~number.str.fullmatch(r"\d{2}"),
                "fylkesnummer: got " + number + ", expected 2 digits",
            ),
            (number.duplicated(keep="first"), "fylkesnummer: duplicate of an earlier feature"),
        ],
        raw.index,
    )
    rejected = reasons.notna().to_numpy()
    quarantine = quarantine_rows(
        "fylker", path, np.flatnonzero(rejected) + 1, number[rejected], reasons[rejected]
    )
    accepted = pd.DataFrame(
        {"fylkesnummer": number[~rejected].to_numpy(), "fylkesnavn": name[~rejected].to_numpy()}
    )
    return LayerResult("fylker", accepted, quarantine, rows_read=len(raw))


def fylke_names(fylker: pd.DataFrame | None, numbers: pd.Series) -> pd.Series:
    """Fylke name per number: from the fylke layer, else the 2024 list, else "Fylke NN"."""
    known = dict(FYLKER_2024)
    if fylker is not None:
        known |= dict(zip(fylker["fylkesnummer"], fylker["fylkesnavn"], strict=True))
    return numbers.map(lambda n: known.get(n, f"Fylke {n}"))
