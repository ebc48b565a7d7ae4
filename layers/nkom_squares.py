"""Nkom's coverage maps: 100 × 100 m squares by speed class, and the offers they make.

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
    :mod:`layers.offers`; a class that states no upload gives an unknown upload (NaN), never
    upload = download. Squares are closed: an address on an edge or corner is in every square
    it touches (the best-offer step downstream keeps the fastest).

Nkom's lists of addresses lacking a speed are read by :mod:`layers.nkom_lists`.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from layers.errors import ConfigError, InputError
from layers.quarantine import LayerResult
from layers.vector import (
    blank,
    find_column,
    ids_or_feature_numbers,
    quarantine_features,
    read_vector,
    repair_polygons,
    stripped_text,
    to_float,
)
from layers.vocabulary import CRS_EPSG, TECHNOLOGIES

SQUARES_LAYER = "nkom_squares"
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
    "30/5 mbit/s": (30.0, 5.0),  # the basic floor (docs/design.md)
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


def _number_reason(text: pd.Series, value: pd.Series, column: str) -> pd.Series:
    """Reason for non-empty values that are not numbers >= 0."""
    bad = text.notna() & (value.isna() | (value < 0))
    got = f"{column}: got " + text.fillna("")
    return blank(text.index).mask(bad.to_numpy(), got + ", expected a number >= 0")


def _square_speeds(raw: pd.DataFrame, path: Path) -> tuple[pd.Series, pd.Series, pd.Series]:
    """``down_mbps``, ``up_mbps`` (NaN: not stated) and the reason a row's speed is unusable."""
    down_column = find_column(raw, ("down_mbps",))
    class_column = find_column(raw, CLASS_COLUMNS)
    if down_column is not None:
        down_text = stripped_text(raw, down_column).str.replace(",", ".")
        down = to_float(down_text)
        reason = _number_reason(down_text.fillna("<empty>"), down, down_column)
        up_column = find_column(raw, ("up_mbps",))
        if up_column is None:
            return down, pd.Series(NAN, index=raw.index), reason
        up_text = stripped_text(raw, up_column).str.replace(",", ".")
        up = to_float(up_text)
        return down, up, reason.fillna(_number_reason(up_text, up, up_column))
    if class_column is None:
        msg = (
            f"{path}: no speed column; expected 'down_mbps' (and 'up_mbps') or a speed class"
            f" column, one of {list(CLASS_COLUMNS)}; got {list(raw.columns)}"
        )
        raise InputError(msg)
    label = stripped_text(raw, class_column).fillna("<empty>")
    parsed = {value: parse_speed_class(value) for value in label.unique()}  # a few classes
    down = label.map({value: speeds[0] for value, speeds in parsed.items()}).astype("float64")
    up = label.map({value: speeds[1] for value, speeds in parsed.items()}).astype("float64")
    expected = "expected a speed class like '100/10', '>=100', '100-500' or '30 Mbit/s'"
    reason = blank(raw.index).mask(
        down.isna().to_numpy(), f"{class_column}: got " + label + ", " + expected
    )
    return down, up, reason


def _square_technology(raw: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Technology per square (NA where the file gives none) and the reason where unknown."""
    column = find_column(raw, TECHNOLOGY_COLUMNS)
    if column is None:
        return blank(raw.index), blank(raw.index)
    technology = stripped_text(raw, column).str.lower()
    bad = technology.notna() & ~technology.isin(TECHNOLOGIES)
    got = f"{column}: got " + technology.fillna("")
    reason = blank(raw.index).mask(bad.to_numpy(), got + f", expected one of {list(TECHNOLOGIES)}")
    return technology.astype("object").where(technology.notna(), None), reason


def _square_coverage(raw: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """``all`` / ``some`` / ``none`` per square (text or a share 0–1); the reason if unreadable."""
    column = find_column(raw, COVERAGE_COLUMNS)
    if column is None:
        return pd.Series("all", index=raw.index, dtype="object"), blank(raw.index)
    text = stripped_text(raw, column).str.lower().fillna("<empty>")
    share = to_float(text.str.replace(",", "."))
    from_share = np.select(
        [share == 1, share == 0, (share > 0) & (share < 1)], ["all", "none", "some"], ""
    )
    coverage = text.map(COVERAGE_VALUES).fillna(pd.Series(from_share, index=raw.index))
    bad = (coverage == "").to_numpy()
    expected = f", expected one of {sorted(COVERAGE_VALUES)} or a share in [0, 1]"
    reason = blank(raw.index).mask(bad, f"{column}: got " + text + expected)
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
    ok, feature_number, quarantine = quarantine_features(
        SQUARES_LAYER,
        path,
        square_id,
        [geometry_reason, speed_reason, technology_reason, coverage_reason],
    )
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
        crs=CRS_EPSG,
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


def _squares_in_use(
    squares: gpd.GeoDataFrame, include_partial: bool
) -> tuple[gpd.GeoDataFrame, np.ndarray]:
    """The squares that make offers (coverage ``all``, or also ``some``) and their feature numbers.

    Squares with ``coverage == "none"`` never make offers; squares without a coverage column
    are taken as ``all``.
    """
    if squares.crs is not None and squares.crs.to_epsg() != CRS_EPSG:
        msg = f"squares: got CRS {squares.crs.to_string()}, expected EPSG:{CRS_EPSG}"
        raise InputError(msg)
    counted = ("all", "some") if include_partial else ("all",)
    coverage = squares.get("coverage", pd.Series("all", index=squares.index))
    in_use = coverage.isin(counted).to_numpy()
    feature_number = np.arange(1, len(squares) + 1)
    row_number = squares.get("row_number", pd.Series(feature_number)).to_numpy()[in_use]
    return squares.loc[in_use], np.asarray(row_number, dtype="int64")


def _offered_speeds_mbps(
    squares: pd.DataFrame, up_mbps_when_unstated: float | None
) -> tuple[np.ndarray, np.ndarray]:
    """``down_mbps`` and ``up_mbps`` of each square's offers: where the class states no upload,
    ``up_mbps_when_unstated``, or NaN (unknown) when that is None."""
    down_mbps = squares["down_mbps"].to_numpy(dtype="float64")
    up_mbps = squares["up_mbps"].to_numpy(dtype="float64")
    fill = np.nan if up_mbps_when_unstated is None else up_mbps_when_unstated
    return down_mbps, np.where(np.isnan(up_mbps), fill, up_mbps)


def _addresses_in_squares(
    squares: gpd.GeoDataFrame, addresses: pd.DataFrame
) -> tuple[np.ndarray, np.ndarray]:
    """Positions ``(square, address)`` of every address a square covers, by address then square.

    Squares are closed (``covers``): an address on an edge or a corner is in every square it
    touches; NaN coordinates match nothing. One STRtree over the address points, queried with
    the square polygons. Measured with 1 M points and 200 k squares on two cores: 1.0 s for the
    query against 1.65 s for a tree over the squares queried with the points; the whole of
    :func:`offers_from_squares` takes 1.2–1.5 s.
    """
    x_m = addresses["x_m"].to_numpy(dtype="float64")
    y_m = addresses["y_m"].to_numpy(dtype="float64")
    finite = np.flatnonzero(np.isfinite(x_m) & np.isfinite(y_m))
    tree = shapely.STRtree(np.asarray(shapely.points(x_m[finite], y_m[finite])))
    square_idx, point_idx = tree.query(squares.geometry.to_numpy(), predicate="covers")
    order = np.lexsort((square_idx, finite[point_idx]))
    return square_idx[order], finite[point_idx][order]


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

    Squares are closed: an address on an edge or a corner is in every square it touches
    (:func:`_addresses_in_squares`, one STRtree query).

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
        Upload for squares whose class states none; ``None`` (default) leaves it unknown (NaN),
        and ``[classify].unknown_upload`` says how classify judges it against an upload
        requirement (the same rule for every source: no square passes an upload test on its
        download speed).
    include_partial
        Also make offers from squares where only some households are covered (``coverage ==
        "some"``). Squares with ``coverage == "none"`` never make offers.

    Returns
    -------
    pandas.DataFrame
        ``address_id, operator, technology, down_mbps, up_mbps, source, source_date`` (NaT:
        a square carries no date of its own), ``row_number`` (the square's feature number),
        ordered by address then square.
    """
    usable, row_number = _squares_in_use(squares, include_partial)
    technology = _square_technologies(usable, default_technology)
    down_mbps, up_mbps = _offered_speeds_mbps(usable, up_mbps_when_unstated)
    square_idx, address_idx = _addresses_in_squares(usable, addresses)
    return pd.DataFrame(
        {
            "address_id": addresses["address_id"].to_numpy(dtype="int64")[address_idx],
            "operator": operator,
            "technology": technology[square_idx],
            "down_mbps": down_mbps[square_idx],
            "up_mbps": up_mbps[square_idx],
            "source": source,
            "source_date": np.full(len(square_idx), np.datetime64("NaT"), "datetime64[ns]"),
            "row_number": row_number[square_idx],
        }
    )
