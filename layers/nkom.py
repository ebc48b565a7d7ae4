"""Nkom's coverage data: 100 × 100 m squares by speed class, and lists of addresses lacking speed.

Speed squares (``read_speed_squares``)
    Nkom's coverage maps ("dekningskart") as vector files (Shapefile, GeoPackage, GeoJSON): one
    polygon per 100 × 100 m square. Speeds come from ``down_mbps`` (and optional ``up_mbps``)
    columns, or from a speed-class column parsed with :func:`parse_speed_class`. Nkom publishes
    download classes; where a class states no upload speed, ``up_mbps`` is NaN ("not stated").
    Canonical columns: ``square_id``, ``down_mbps``, ``up_mbps``, ``technology`` (nullable: most
    Nkom squares carry none), ``coverage`` (``all`` / ``some`` / ``none``: Nkom colours a square
    black when all households in it have the class, grey when some, red when none; ``all`` when
    the file has no such column), ``row_number`` (feature number) and ``geometry`` (EPSG:25833).

Offers from squares (``offers_from_squares``)
    Every address inside a square gets one offer row per square, in the offers schema of
    :mod:`layers.offers`. Squares are closed: an address on an edge or corner is in every square
    it touches (the best-offer step downstream keeps the fastest).

Lists of addresses lacking a speed (``read_lacking_list``)
    Nkom's per-address lists for each subsidy consultation ("Mangler_30Mbit", "Mangler_100Mbit"):
    CSV (``;`` or ``,``; UTF-8, or Windows-1252 as one year was first issued) or KML. Canonical
    columns: ``address_id`` (nullable Int64), ``address_text``, ``lacking_mbps``, ``x_m``, ``y_m``,
    ``row_number`` and ``geometry`` (EPSG:25833; empty where the list gives only an id).
"""

from __future__ import annotations

import io
import math
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from pyproj import Transformer

from layers.areas import (
    find_column,
    ids_or_feature_numbers,
    read_vector,
    repair_polygons,
    to_float,
)
from layers.quarantine import LayerResult, first_reason, quarantine_rows
from pipeline.config import TECHNOLOGIES
from pipeline.errors import ConfigError, InputError

SQUARES_LAYER = "nkom_squares"
LACKING_LAYER = "nkom_lacking"
TARGET_EPSG = 25833
NAN = math.nan

# Speed classes as Nkom labels them, normalised (lower case, "Mbps" -> "mbit/s"), to lower bounds
# (down_mbps, up_mbps). Nkom's coverage maps are published per download class, so a class that
# names one speed states no upload: NaN. Labels not in the table are parsed by the grammar of
# parse_speed_class ("100/10", ">=100", "100-500", "1000", "1 Gbit/s").
SPEED_CLASSES_MBPS: dict[str, tuple[float, float]] = {
    "10 mbit/s": (10.0, NAN),
    "30 mbit/s": (30.0, NAN),
    "50 mbit/s": (50.0, NAN),
    "100 mbit/s": (100.0, NAN),
    "500 mbit/s": (500.0, NAN),
    "1000 mbit/s": (1000.0, NAN),
    "1 gbit/s": (1000.0, NAN),
    "gigabit": (1000.0, NAN),
    "30/5 mbit/s": (30.0, 5.0),  # the basic floor (DESIGN.md)
    "100/10 mbit/s": (100.0, 10.0),  # the 2025 goal, Meld. St. 28 (2020–21)
}
_NUMBER = r"\d+(?:\.\d+)?"
_CLASS_GRAMMAR = re.compile(
    rf"(?:>=|>|min\.?|minst|over)?\s*(?P<down>{_NUMBER})\s*(?:/\s*(?P<up>{_NUMBER}))?"
    rf"\s*(?:-\s*(?P<upper>{_NUMBER})(?:\s*/\s*{_NUMBER})?)?\s*\+?\s*(?P<unit>[mg]bit/s)?"
)
# Shapefile (DBF) field names are cut at 10 characters: "hastighets", "speed_clas"
CLASS_COLUMNS = ("hastighetsklasse", "hastighets", "speed_class", "speed_clas", "klasse")
SQUARE_ID_COLUMNS = ("square_id", "ruteid", "rute_id", "ssbid", "id")
TECHNOLOGY_COLUMNS = ("technology", "teknologi")
COVERAGE_COLUMNS = ("coverage", "dekning")
COVERAGE_VALUES = {"all": "all", "alle": "all", "full": "all", "some": "some", "noen": "some"}
COVERAGE_VALUES |= {"delvis": "some", "partial": "some", "none": "none", "ingen": "none"}

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


def _normalise_class(label: str) -> str:
    text = label.strip().lower().replace("≥", ">=").replace("–", "-").replace("—", "-")
    text = re.sub(r"\s+", " ", text.replace(",", "."))
    return re.sub(r"([mg])(?:bit/s|bit|bps|b/s)", r"\1bit/s", text)


def parse_speed_class(label: str) -> tuple[float, float]:
    """Lower bounds ``(down_mbps, up_mbps)`` of a speed class label; NaN down when unreadable.

    ``"100/10"`` → (100, 10); ``">=100"``, ``"100-500"``, ``"100+"``, ``"1000"``,
    ``"30 Mbit/s"`` → (down, NaN): the class states no upload. ``"1 Gbit/s"`` → (1000, NaN).
    Known labels come from :data:`SPEED_CLASSES_MBPS`.
    """
    key = _normalise_class(label)
    if key in SPEED_CLASSES_MBPS:
        return SPEED_CLASSES_MBPS[key]
    match = _CLASS_GRAMMAR.fullmatch(key)
    if match is None:
        return NAN, NAN
    scale = 1000.0 if match["unit"] == "gbit/s" else 1.0
    down = float(match["down"]) * scale
    if match["upper"] is not None and float(match["upper"]) * scale < down:
        return NAN, NAN
    up = float(match["up"]) * scale if match["up"] is not None else NAN
    return down, up


def _blank(index: pd.Index) -> pd.Series:
    return pd.Series(pd.NA, index=index, dtype="object")


def _text(frame: pd.DataFrame, column: str) -> pd.Series:
    text = frame[column].astype("string").str.strip()
    return text.mask(text == "")


def _number_reason(text: pd.Series, value: pd.Series, column: str) -> pd.Series:
    """Reason for non-empty values that are not numbers >= 0."""
    bad = text.notna() & (value.isna() | (value < 0))
    got = f"{column}: got " + text.fillna("")
    return _blank(text.index).mask(bad.to_numpy(), got + ", expected a number >= 0")


def _square_speeds(raw: pd.DataFrame, path: Path) -> tuple[pd.Series, pd.Series, pd.Series]:
    """``down_mbps``, ``up_mbps`` (NaN: not stated) and the reason a row's speed is unusable."""
    down_column = find_column(raw, ("down_mbps",))
    class_column = find_column(raw, CLASS_COLUMNS)
    if down_column is not None:
        down_text = _text(raw, down_column).str.replace(",", ".")
        down = to_float(down_text)
        reason = _number_reason(down_text.fillna("<empty>"), down, down_column)
        up_column = find_column(raw, ("up_mbps",))
        if up_column is None:
            return down, pd.Series(NAN, index=raw.index), reason
        up_text = _text(raw, up_column).str.replace(",", ".")
        up = to_float(up_text)
        return down, up, reason.fillna(_number_reason(up_text, up, up_column))
    if class_column is None:
        msg = (
            f"{path}: no speed column; expected 'down_mbps' (and 'up_mbps') or a speed class"
            f" column, one of {list(CLASS_COLUMNS)}; got {list(raw.columns)}"
        )
        raise InputError(msg)
    label = _text(raw, class_column).fillna("<empty>")
    parsed = {value: parse_speed_class(value) for value in label.unique()}  # a few classes
    down = label.map({value: speeds[0] for value, speeds in parsed.items()}).astype("float64")
    up = label.map({value: speeds[1] for value, speeds in parsed.items()}).astype("float64")
    expected = "expected a speed class like '100/10', '>=100', '100-500' or '30 Mbit/s'"
    reason = _blank(raw.index).mask(
        down.isna().to_numpy(), f"{class_column}: got " + label + ", " + expected
    )
    return down, up, reason


def _square_technology(raw: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Technology per square (NA where the file gives none) and the reason where unknown."""
    column = find_column(raw, TECHNOLOGY_COLUMNS)
    if column is None:
        return _blank(raw.index), _blank(raw.index)
    technology = _text(raw, column).str.lower()
    bad = technology.notna() & ~technology.isin(TECHNOLOGIES)
    got = f"{column}: got " + technology.fillna("")
    reason = _blank(raw.index).mask(bad.to_numpy(), got + f", expected one of {list(TECHNOLOGIES)}")
    return technology.astype("object").where(technology.notna(), None), reason


def _square_coverage(raw: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """``all`` / ``some`` / ``none`` per square (text or a share 0–1); the reason if unreadable."""
    column = find_column(raw, COVERAGE_COLUMNS)
    if column is None:
        return pd.Series("all", index=raw.index, dtype="object"), _blank(raw.index)
    text = _text(raw, column).str.lower().fillna("<empty>")
    share = to_float(text.str.replace(",", "."))
    from_share = np.select(
        [share == 1, share == 0, (share > 0) & (share < 1)], ["all", "none", "some"], ""
    )
    coverage = text.map(COVERAGE_VALUES).fillna(pd.Series(from_share, index=raw.index))
    bad = (coverage == "").to_numpy()
    expected = f", expected one of {sorted(COVERAGE_VALUES)} or a share in [0, 1]"
    reason = _blank(raw.index).mask(bad, f"{column}: got " + text + expected)
    return coverage.astype("object"), reason


def read_speed_squares(path: Path | str) -> LayerResult:
    """Read Nkom-style 100 × 100 m speed squares into the canonical square table.

    Parameters
    ----------
    path
        Shapefile, GeoPackage, GeoJSON (any vector file with a CRS).

    Returns
    -------
    LayerResult
        Layer ``nkom_squares``. Features with an unreadable speed, unknown technology or
        coverage value, or a geometry that is not a polygon go to quarantine with their
        feature number.

    Raises
    ------
    InputError
        The file is missing, unreadable, has no CRS or no speed column.
    """
    path = Path(path)
    raw = read_vector(path, "Nkom speed squares")
    down, up, speed_reason = _square_speeds(raw, path)
    technology, technology_reason = _square_technology(raw)
    coverage, coverage_reason = _square_coverage(raw)
    polygons, geometry_reason = repair_polygons(raw.geometry)
    square_id = ids_or_feature_numbers(raw, SQUARE_ID_COLUMNS)
    reasons = first_reason(
        [
            (r.notna(), r)
            for r in (geometry_reason, speed_reason, technology_reason, coverage_reason)
        ],
        raw.index,
    )
    rejected = reasons.notna().to_numpy()
    feature_number = np.arange(1, len(raw) + 1)
    quarantine = quarantine_rows(
        SQUARES_LAYER, path, feature_number[rejected], square_id[rejected], reasons[rejected]
    )
    ok = ~rejected
    accepted = gpd.GeoDataFrame(
        {
            "square_id": square_id[ok].to_numpy(),
            "down_mbps": down[ok].to_numpy(dtype="float64"),
            "up_mbps": up[ok].to_numpy(dtype="float64"),
            "technology": technology[ok].to_numpy(dtype=object),
            "coverage": coverage[ok].to_numpy(dtype=object),
            "row_number": feature_number[ok],
        },
        geometry=polygons[ok],
        crs=TARGET_EPSG,
    )
    return LayerResult(SQUARES_LAYER, accepted, quarantine, rows_read=len(raw))


def _square_technologies(squares: pd.DataFrame, default_technology: str | None) -> np.ndarray:
    """Each square's technology, the caller's default where the square has none."""
    if default_technology is not None and default_technology not in TECHNOLOGIES:
        msg = f"default_technology: got {default_technology!r}, expected one of {TECHNOLOGIES}"
        raise ConfigError(msg)
    given = squares.get("technology", pd.Series(None, index=squares.index, dtype="object"))
    missing = given.isna()
    if missing.any() and default_technology is None:
        msg = (
            f"{int(missing.sum())} squares have no technology; pass default_technology,"
            f" one of {list(TECHNOLOGIES)} (Nkom's squares do not say which network covers them)"
        )
        raise ConfigError(msg)
    return given.where(~missing, default_technology).to_numpy(dtype=object)


def offers_from_squares(
    squares: gpd.GeoDataFrame,
    addresses: pd.DataFrame,
    source: str,
    operator: str = "Nkom-rute",
    *,
    default_technology: str | None = None,
    up_mbps_when_unstated: float | None = None,
    include_partial: bool = False,
) -> pd.DataFrame:
    """One offer per (address, square containing it), in the canonical offers schema.

    Squares are closed: an address on an edge or a corner is in every square it touches.
    One STRtree over the address points, queried with the square polygons (``covers``). Measured
    with 1 M points and 200 k squares on two cores: 1.0 s for the query against 1.65 s for a tree
    over the squares queried with the points; the whole function takes 1.2–1.5 s.

    Parameters
    ----------
    squares
        Canonical squares (:func:`read_speed_squares`), EPSG:25833.
    addresses
        ``address_id``, ``x_m``, ``y_m`` (EPSG:25833); NaN coordinates match nothing.
    source
        Provenance for the ``source`` column (the squares file name).
    operator
        Operator name written on every offer (squares do not name one).
    default_technology
        Technology of squares without one; required when any square lacks it.
    up_mbps_when_unstated
        Upload for squares whose class states none; ``None`` (default) uses the square's download
        speed, so a target is judged on download alone, as Nkom counts its classes.
    include_partial
        Also make offers from squares where only some households are covered (``coverage ==
        "some"``). Squares with ``coverage == "none"`` never make offers.

    Returns
    -------
    pandas.DataFrame
        ``address_id, operator, technology, down_mbps, up_mbps, source, row_number`` (the
        square's feature number), ordered by address then square.
    """
    if squares.crs is not None and squares.crs.to_epsg() != TARGET_EPSG:
        msg = f"squares: got CRS {squares.crs.to_string()}, expected EPSG:{TARGET_EPSG}"
        raise InputError(msg)
    counted = ("all", "some") if include_partial else ("all",)
    coverage = squares.get("coverage", pd.Series("all", index=squares.index))
    in_use = coverage.isin(counted).to_numpy()
    usable = squares.loc[in_use]
    technology = _square_technologies(usable, default_technology)
    feature_number = np.arange(1, len(squares) + 1)
    row_number = squares.get("row_number", pd.Series(feature_number)).to_numpy()[in_use]
    down_mbps = usable["down_mbps"].to_numpy(dtype="float64")
    up_mbps = usable["up_mbps"].to_numpy(dtype="float64")
    fill = (
        down_mbps
        if up_mbps_when_unstated is None
        else np.full_like(down_mbps, up_mbps_when_unstated)
    )
    up_mbps = np.where(np.isnan(up_mbps), fill, up_mbps)
    x_m = addresses["x_m"].to_numpy(dtype="float64")
    y_m = addresses["y_m"].to_numpy(dtype="float64")
    finite = np.flatnonzero(np.isfinite(x_m) & np.isfinite(y_m))
    tree = shapely.STRtree(np.asarray(shapely.points(x_m[finite], y_m[finite])))
    square_idx, point_idx = tree.query(usable.geometry.to_numpy(), predicate="covers")
    order = np.lexsort((square_idx, finite[point_idx]))
    square_idx, address_idx = square_idx[order], finite[point_idx][order]
    return pd.DataFrame(
        {
            "address_id": addresses["address_id"].to_numpy(dtype="int64")[address_idx],
            "operator": operator,
            "technology": technology[square_idx],
            "down_mbps": down_mbps[square_idx],
            "up_mbps": up_mbps[square_idx],
            "source": source,
            "row_number": np.asarray(row_number, dtype="int64")[square_idx],
        }
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
    return _text(frame, column).fillna("")


def _address_text(frame: pd.DataFrame) -> pd.Series:
    """The address text column, or street, number, letter, postcode and place joined."""
    column = find_column(frame, LIST_TEXT_COLUMNS)
    if column is not None:
        return _text(frame, column).fillna("")
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
        north_text = _text(frame, str(find_column(frame, (north_name,)))).str.replace(",", ".")
        east_text = _text(frame, str(find_column(frame, (east_name,)))).str.replace(",", ".")
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
        id_text=_text(frame, id_column) if id_column else missing,
        address_text=_address_text(frame),
        east=to_float(east_text),
        north=to_float(north_text),
        coordinate_text=(north_text.fillna("<empty>") + "/" + east_text.fillna("<empty>")).where(
            given
        ),
        epsg_text=_text(frame, epsg_column) if epsg_column else missing,
        default_epsg=default_epsg,
        geometry_reason=_blank(index),
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
        _text(frame, "Name")
        if "Name" in frame.columns
        else pd.Series(pd.NA, index=index, dtype="string")
    )
    id_column = find_column(frame, LIST_ID_COLUMNS)
    id_text = (
        _text(frame, id_column) if id_column else pd.Series(pd.NA, index=index, dtype="string")
    )
    name_is_id = name.str.fullmatch(r"\d+").fillna(False).astype(bool) & id_text.isna()
    id_text = id_text.fillna(name.where(name_is_id))
    text_column = find_column(frame, LIST_TEXT_COLUMNS)
    address_text = _text(frame, text_column) if text_column else name.where(~name_is_id)
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
        geometry_reason=_blank(index).mask(
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
