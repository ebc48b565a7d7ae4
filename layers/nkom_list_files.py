"""The files of Nkom's lists of addresses lacking a speed, read into fields before validation.

A list is a CSV (``;`` or ``,``; UTF-8, or Windows-1252 as one year was first issued) or a KML
(or KMZ), either possibly zipped. :func:`read_list_fields` gives the same :class:`ListFields` for
both: the id, the address text, the coordinates as given and their CRS, before any check.
:mod:`layers.nkom_lists` validates them into the canonical table.
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

from layers.errors import ConfigError, InputError
from layers.source_dates import DATE_COLUMNS
from layers.tables import csv_module_lines, record_lines
from layers.vector import blank, find_column, stripped_text, to_float
from layers.vocabulary import CRS_EPSG

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
GEOGRAPHIC_EPSG = (4258, 4326)
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
class ListFields:
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
    # the row's own date (layers.source_dates.DATE_COLUMNS), NA where none; and its column
    date_text: pd.Series | None = None
    date_name: str = ""


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


def _csv_fields(frame: pd.DataFrame, path: Path, epsg: int | None) -> ListFields:
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
    north_text, east_text, default_epsg, names = missing, missing, epsg or CRS_EPSG, "nord/øst"
    if found:
        north_name, east_name, geographic = found[0]
        north_text = stripped_text(frame, str(find_column(frame, (north_name,)))).str.replace(
            ",", "."
        )
        east_text = stripped_text(frame, str(find_column(frame, (east_name,)))).str.replace(
            ",", "."
        )
        default_epsg, names = (
            epsg or (4258 if geographic else CRS_EPSG),
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
    date_column = find_column(frame, DATE_COLUMNS)
    return ListFields(
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
        date_text=stripped_text(frame, date_column) if date_column else None,
        date_name=date_column or "",
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


def _kml_fields(frame: gpd.GeoDataFrame) -> ListFields:
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
    date_column = find_column(frame, DATE_COLUMNS)
    return ListFields(
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
        date_text=stripped_text(frame, date_column) if date_column else None,
        date_name=date_column or "",
    )


def _read_list_csv(path: Path) -> tuple[pd.DataFrame, str]:
    """The list's rows as strings (indexed by their physical line, header = 1) and the
    encoding its bytes were decoded with."""
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
    lines = record_lines(raw)  # the line breaks and quotes are the same bytes in cp1252
    if len(lines) != len(frame):
        lines = csv_module_lines(text, separator)
    if len(lines) != len(frame):
        lines = np.arange(2, len(frame) + 2, dtype="int64")
    frame.index = pd.Index(lines, name="line")
    return frame, encoding


def _is_kml(path: Path) -> bool:
    """A KML or KMZ file, or a zip whose one list file is one."""
    suffix = path.suffix.lower()
    if suffix == ".zip":
        return _zip_member(path, (".csv", ".kml", ".kmz")).lower().endswith((".kml", ".kmz"))
    return suffix in (".kml", ".kmz")


def read_list_fields(path: Path, epsg: int | None) -> tuple[ListFields, str, np.ndarray]:
    """The fields of a list file, how its text was decoded, and each row's number.

    A KML (KMZ, or a zip holding one) gives its placemarks, decoded by GDAL (``"kml"``, rows
    numbered 1, 2, ...); a CSV (or a zip holding one) its rows, decoded as ``"utf-8"`` or
    ``"cp1252"`` (numbered by their physical line, header = 1, blank lines counted). ``epsg``
    is the CRS of CSV coordinate columns without an EPSG column (KML is always WGS84).
    """
    if _is_kml(path):
        fields = _kml_fields(_read_kml(path))
        refuse_mojibake("\n".join(fields.address_text), path)
        return fields, "kml", np.arange(1, len(fields.id_text) + 1, dtype="int64")
    frame, encoding = _read_list_csv(path)
    return _csv_fields(frame, path, epsg), encoding, frame.index.to_numpy(dtype="int64")


def read_list_table(path: Path, epsg: int | None) -> tuple[ListFields, pd.DataFrame, np.ndarray]:
    """The fields of a list file, its columns as text (for a list with more columns than the
    lacking lists: :mod:`layers.obligation_5g`; empty for KML) and each row's number. Reads
    what :func:`read_list_fields` reads and, with the same columns, Parquet (rows numbered as
    if a header were row 1)."""
    if _is_kml(path):
        fields, _encoding, row_number = read_list_fields(path, epsg)
        return fields, pd.DataFrame(index=fields.id_text.index), row_number
    if path.suffix.lower() == ".parquet":
        frame = pd.read_parquet(path).astype("string")
        frame.columns = [str(c).strip() for c in frame.columns]
        frame.index = pd.RangeIndex(2, len(frame) + 2)
    else:
        frame, _encoding = _read_list_csv(path)
    return _csv_fields(frame, path, epsg), frame, frame.index.to_numpy(dtype="int64")
