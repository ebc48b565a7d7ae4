"""Nkom's lists of addresses lacking a speed, one list per subsidy consultation.

Lists of addresses lacking a speed (``read_lacking_list``)
    Nkom's per-address lists for each subsidy consultation ("Mangler_30Mbit", "Mangler_100Mbit"):
    CSV (``;`` or ``,``; UTF-8, or Windows-1252 as one year was first issued) or KML. Canonical
    columns: ``address_id`` (nullable Int64), ``address_text``, ``lacking_mbps``, ``x_m``, ``y_m``,
    ``row_number`` and ``geometry`` (EPSG:25833; empty where the list gives only an id).

Nkom's 100 × 100 m speed squares are read by :mod:`layers.nkom_squares`.
"""

from __future__ import annotations

import io
import math
import zipfile
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from pyproj import Transformer

from layers.errors import ConfigError, InputError
from layers.quarantine import LayerResult, first_reason, quarantine_rows
from layers.vector import blank, find_column, stripped_text, to_float

LACKING_LAYER = "nkom_lacking"
TARGET_EPSG = 25833
NAN = math.nan

LIST_ID_COLUMNS = ("adresseid", "address_id", "adresse_id")
LIST_TEXT_COLUMNS = ("adressetekst", "adresse", "address_text", "address")
STREET_COLUMNS = ("adressenavn", "veinavn", "vegnavn", "gatenavn")
NUMBER_COLUMNS = ("nummer", "husnummer", "husnr", "nr")
POSTAL_COLUMNS = (("postnummer", "postnr"), ("poststed", "sted"))
# (north, east) column pairs; the geographic ones hold latitude / longitude
PROJECTED_PAIRS = (("nord", "øst"), ("nord", "ost"), ("north", "east"))
GEOGRAPHIC_PAIRS = (("lat", "lon"), ("latitude", "longitude"), ("breddegrad", "lengdegrad"))
EPSG_COLUMNS = ("epsg", "epsg-kode", "epsg_kode", "epsg_code")
SUPPORTED_EPSG = (25832, 25833, 25835, 4258, 4326)
GEOGRAPHIC_EPSG = (4258, 4326)
# Generous bounds of mainland Norway in EPSG:25833 (x_min, y_min, x_max, y_max): a point outside
# is a swapped lat/lon or a wrong EPSG code.
NORWAY_EXTENT_M = (-150_000.0, 6_300_000.0, 1_250_000.0, 8_000_000.0)
# UTF-8 Norwegian letters read as Windows-1252 or Latin-1 ("ø" -> "Ã¸"): text already garbled.
MOJIBAKE = tuple(
    sorted(
        {
            c.encode("utf-8").decode(codec)
            for c in "æøåÆØÅéÉüÜöÖäÄ"
            for codec in ("cp1252", "latin-1")
        }
    )
)


@dataclass(frozen=True)
class LackingListResult(LayerResult):
    """A :class:`LayerResult` that also records how the list's text was decoded."""

    encoding: str = "utf-8"  # "utf-8", "cp1252", or "kml" (decoded by GDAL)


def refuse_mojibake(text: str, path: Path) -> None:
    """Raise :class:`InputError` when ``text`` holds UTF-8 letters garbled as Windows-1252."""
    found = [(text.find(marker), marker) for marker in MOJIBAKE if marker in text]
    if found:
        position, marker = min(found)
        line = text.count("\n", 0, position) + 1
        msg = (
            f"{path}:{line}: got {marker!r}, UTF-8 letters read as Windows-1252 before the file"
            " was saved ('Ã¸' for 'ø'); expected correctly encoded text (fetch the re-issued list)"
        )
        raise InputError(msg)


def decode_list_text(raw: bytes, path: Path) -> tuple[str, str]:
    """The text of a list file and its encoding: UTF-8 (BOM allowed), else Windows-1252.

    A Windows-1252 file is never valid UTF-8 once it holds a Norwegian letter, so trying UTF-8
    first is safe. Text that decodes as UTF-8 but holds mojibake ("Ã¸") is refused.
    """
    try:
        text, encoding = raw.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        try:
            text, encoding = raw.decode("cp1252"), "cp1252"
        except UnicodeDecodeError as exc:
            msg = (
                f"{path}: byte {exc.start} is neither UTF-8 nor Windows-1252; expected a text list"
            )
            raise InputError(msg) from exc
    refuse_mojibake(text, path)
    return text, encoding


@dataclass(frozen=True)
class _ListFields:
    """The fields of a lacking list, as read from a CSV or a KML file, before validation."""

    id_text: pd.Series  # string, NA where empty
    address_text: pd.Series
    east: pd.Series  # float, NaN where empty or not a number
    north: pd.Series
    coordinate_text: pd.Series  # "north/east" as given, for messages; NA where both empty
    epsg_text: pd.Series  # string, NA where the row gives none
    default_epsg: int
    geometry_reason: pd.Series
    id_name: str
    coordinate_names: str


def _zip_member(path: Path, suffixes: tuple[str, ...]) -> str:
    with zipfile.ZipFile(path) as archive:
        members = [n for n in archive.namelist() if n.lower().endswith(suffixes)]
    if len(members) != 1:
        msg = f"{path}: got {len(members)} files {list(suffixes)} in the zip, expected exactly 1"
        raise InputError(msg)
    return members[0]


def _optional_text(frame: pd.DataFrame, candidates: tuple[str, ...]) -> pd.Series:
    column = find_column(frame, candidates)
    if column is None:
        return pd.Series("", index=frame.index, dtype="string")
    return stripped_text(frame, column).fillna("")


def _address_text(frame: pd.DataFrame) -> pd.Series:
    """The address text column, or street, number, letter, postcode and place joined."""
    column = find_column(frame, LIST_TEXT_COLUMNS)
    if column is not None:
        return stripped_text(frame, column).fillna("")
    street = _optional_text(frame, STREET_COLUMNS) + " " + _optional_text(frame, NUMBER_COLUMNS)
    street = (street + _optional_text(frame, ("bokstav",))).str.strip()
    postal = (
        _optional_text(frame, POSTAL_COLUMNS[0]) + " " + _optional_text(frame, POSTAL_COLUMNS[1])
    )
    return (street + ", " + postal.str.strip()).str.strip(", ")


def _csv_fields(frame: pd.DataFrame, path: Path, epsg: int | None) -> _ListFields:
    id_column = find_column(frame, LIST_ID_COLUMNS)
    pairs = [(*p, False) for p in PROJECTED_PAIRS] + [(*p, True) for p in GEOGRAPHIC_PAIRS]
    found = [
        (n, e, g) for n, e, g in pairs if find_column(frame, (n,)) and find_column(frame, (e,))
    ]
    if id_column is None and not found:
        msg = (
            f"{path}: no address id column {list(LIST_ID_COLUMNS)} and no coordinate columns"
            f" {[p[:2] for p in pairs]}; got {list(frame.columns)}"
        )
        raise InputError(msg)
    index = frame.index
    missing = pd.Series(pd.NA, index=index, dtype="string")
    north_text, east_text, default_epsg, names = missing, missing, epsg or TARGET_EPSG, "nord/øst"
    if found:
        north_name, east_name, geographic = found[0]
        north_text = stripped_text(frame, str(find_column(frame, (north_name,)))).str.replace(
            ",", "."
        )
        east_text = stripped_text(frame, str(find_column(frame, (east_name,)))).str.replace(
            ",", "."
        )
        default_epsg, names = (
            epsg or (4258 if geographic else TARGET_EPSG),
            f"{north_name}/{east_name}",
        )
        if geographic and default_epsg not in GEOGRAPHIC_EPSG:
            msg = (
                f"{path}: columns {names} hold latitude/longitude but epsg={epsg};"
                f" expected one of {list(GEOGRAPHIC_EPSG)}"
            )
            raise ConfigError(msg)
    epsg_column = find_column(frame, EPSG_COLUMNS)
    given = north_text.notna() | east_text.notna()
    return _ListFields(
        id_text=stripped_text(frame, id_column) if id_column else missing,
        address_text=_address_text(frame),
        east=to_float(east_text),
        north=to_float(north_text),
        coordinate_text=(north_text.fillna("<empty>") + "/" + east_text.fillna("<empty>")).where(
            given
        ),
        epsg_text=stripped_text(frame, epsg_column) if epsg_column else missing,
        default_epsg=default_epsg,
        geometry_reason=blank(index),
        id_name=id_column or "address id",
        coordinate_names=names,
    )


def _read_kml(path: Path) -> gpd.GeoDataFrame:
    """Every placemark of every layer (KML folder) of a KML, KMZ or zipped KML file."""
    drivers = pyogrio.list_drivers()
    if "LIBKML" not in drivers and "KML" not in drivers:
        msg = (
            f"{path}: this GDAL has no KML driver (pyogrio.list_drivers()); expected LIBKML or KML"
        )
        raise InputError(msg)
    source = str(path)
    if path.suffix.lower() == ".zip":
        source = f"/vsizip/{path.resolve()}/{_zip_member(path, ('.kml', '.kmz'))}"
    try:
        frames = [gpd.read_file(source, layer=name) for name in pyogrio.list_layers(source)[:, 0]]
    except Exception as exc:  # pyogrio's DataSourceError and friends
        msg = f"{path}: could not be read as KML ({exc})"
        raise InputError(msg) from exc
    frames = [f for f in frames if len(f)]
    if not frames:
        return gpd.GeoDataFrame({"Name": pd.Series(dtype="string")}, geometry=[], crs=4326)
    return gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs=frames[0].crs)


def _kml_fields(frame: gpd.GeoDataFrame) -> _ListFields:
    """Fields of placemarks: the id from ExtendedData, or the name when it is a number."""
    index = frame.index
    name = (
        stripped_text(frame, "Name")
        if "Name" in frame.columns
        else pd.Series(pd.NA, index=index, dtype="string")
    )
    id_column = find_column(frame, LIST_ID_COLUMNS)
    id_text = (
        stripped_text(frame, id_column)
        if id_column
        else pd.Series(pd.NA, index=index, dtype="string")
    )
    name_is_id = name.str.fullmatch(r"\d+").fillna(False).astype(bool) & id_text.isna()
    id_text = id_text.fillna(name.where(name_is_id))
    text_column = find_column(frame, LIST_TEXT_COLUMNS)
    address_text = stripped_text(frame, text_column) if text_column else name.where(~name_is_id)
    geometry = shapely.force_2d(frame.geometry.to_numpy())
    type_name = frame.geometry.geom_type
    is_point = (type_name == "Point").to_numpy()
    bad = type_name.notna() & ~pd.Series(is_point, index=index)
    east = pd.Series(np.where(is_point, shapely.get_x(geometry), NAN), index=index)
    north = pd.Series(np.where(is_point, shapely.get_y(geometry), NAN), index=index)
    text = north.astype("string") + "/" + east.astype("string")
    return _ListFields(
        id_text=id_text,
        address_text=address_text.fillna(""),
        east=east,
        north=north,
        coordinate_text=text,
        epsg_text=pd.Series(pd.NA, index=index, dtype="string"),
        default_epsg=4326,  # KML is always WGS84 longitude/latitude
        geometry_reason=blank(index).mask(
            bad.to_numpy(), "geometry: got " + type_name.fillna("") + ", expected a Point"
        ),
        id_name=id_column or "Name",
        coordinate_names="placemark point",
    )


def _to_25833(
    east: np.ndarray, north: np.ndarray, epsg: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Reproject each row from its EPSG code to EPSG:25833 (one transform per code; NaN stays)."""
    x_m, y_m = east.astype("float64").copy(), north.astype("float64").copy()
    for code in np.unique(epsg[np.isfinite(epsg)]):
        rows = epsg == code
        if int(code) != TARGET_EPSG:
            transformer = Transformer.from_crs(int(code), TARGET_EPSG, always_xy=True)
            x_m[rows], y_m[rows] = transformer.transform(east[rows], north[rows])
    x_m[~np.isfinite(epsg)], y_m[~np.isfinite(epsg)] = NAN, NAN
    return x_m, y_m


def _lacking_reasons(fields: _ListFields) -> tuple[pd.Series, pd.Series, np.ndarray, np.ndarray]:
    """Reason per rejected row; parsed ids and coordinates (EPSG:25833) for every row."""
    address_id = to_float(fields.id_text)
    id_given = fields.id_text.notna()
    id_ok = id_given & address_id.notna() & (address_id == address_id.round())
    coordinates_given = fields.coordinate_text.notna()
    coordinates_ok = fields.east.notna() & fields.north.notna()
    epsg = to_float(fields.epsg_text).where(fields.epsg_text.notna(), fields.default_epsg)
    bad_epsg = coordinates_ok & ~epsg.isin(SUPPORTED_EPSG)
    usable = (coordinates_ok & ~bad_epsg).to_numpy()
    x_m, y_m = _to_25833(
        fields.east.to_numpy(), fields.north.to_numpy(), np.where(usable, epsg, NAN)
    )
    x_min, y_min, x_max, y_max = NORWAY_EXTENT_M
    outside = usable & ~((x_m >= x_min) & (x_m <= x_max) & (y_m >= y_min) & (y_m <= y_max))
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
            (
                id_ok & address_id.where(id_ok).duplicated(keep="first"),
                f"{id_name}: duplicate of an earlier row",
            ),
        ],
        epsg.index,
    )
    return reasons, address_id, np.where(usable, x_m, NAN), np.where(usable, y_m, NAN)


def read_lacking_list(
    path: Path | str, lacking_mbps: float, epsg: int | None = None
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
    kml = path.suffix.lower() in (".kml", ".kmz") or (
        path.suffix.lower() == ".zip"
        and _zip_member(path, (".csv", ".kml", ".kmz")).lower().endswith((".kml", ".kmz"))
    )
    if kml:
        placemarks = _read_kml(path)
        fields, encoding, first_row = _kml_fields(placemarks), "kml", 1
        refuse_mojibake("\n".join(fields.address_text), path)
    else:
        frame, encoding = _read_list_csv(path)
        fields, first_row = _csv_fields(frame, path, epsg), 2
    reasons, address_id, x_m, y_m = _lacking_reasons(fields)
    rejected = reasons.notna().to_numpy()
    row_number = np.arange(len(reasons)) + first_row
    key = fields.id_text.fillna(fields.coordinate_text)
    quarantine = quarantine_rows(
        LACKING_LAYER, path, row_number[rejected], key[rejected], reasons[rejected]
    )
    ok = ~rejected
    points = np.asarray(shapely.points(x_m[ok], y_m[ok]))
    points[~np.isfinite(x_m[ok])] = None
    accepted = gpd.GeoDataFrame(
        {
            "address_id": address_id[ok].round().astype("Int64").array,
            "address_text": fields.address_text[ok].astype("object").to_numpy(),
            "lacking_mbps": float(lacking_mbps),
            "x_m": x_m[ok],
            "y_m": y_m[ok],
            "row_number": row_number[ok],
        },
        geometry=points,
        crs=TARGET_EPSG,
    )
    return LackingListResult(LACKING_LAYER, accepted, quarantine, len(reasons), encoding=encoding)


def _read_list_csv(path: Path) -> tuple[pd.DataFrame, str]:
    """The list's rows as strings and the encoding its bytes were decoded with."""
    if path.suffix.lower() == ".zip":
        with zipfile.ZipFile(path) as archive:
            raw = archive.read(_zip_member(path, (".csv",)))
    else:
        raw = path.read_bytes()
    text, encoding = decode_list_text(raw, path)
    first_line = text.split("\n", 1)[0]
    separator = ";" if first_line.count(";") > first_line.count(",") else ","
    try:
        frame = pd.read_csv(
            io.StringIO(text), sep=separator, dtype="str", keep_default_na=False, na_values=[""]
        )
    except pd.errors.ParserError as exc:
        msg = f"{path}: not a '{separator}'-separated table ({exc})"
        raise InputError(msg) from exc
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame, encoding
