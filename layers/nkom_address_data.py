"""Nkom's own address-level survey: the address register, fixed broadband and mobile tables.

Nkom keeps its coverage survey per address in three tables (``adr.parquet``, ``fbb.parquet``,
``mob.parquet``; a public data dictionary of the 2022–2024 files gives the layout below). Each
is read as Parquet (by the file's suffix ``.parquet``/``.parq``/``.pq``) or as a UTF-8 CSV
(``,`` or ``;``) with the same column names:

=========  ================================================================================
table      columns (type in the Parquet files)
=========  ================================================================================
adr        ``adrid`` Int64, ``fylke`` fylke name, ``komnavn`` kommune name, ``ertett`` bool
           (tettsted), ``hus`` households, ``pers`` persons, ``fritid`` holiday homes (Int16)
fbb        ``adrid``, ``tilb`` provider, ``tek`` one of ``fiber ftb kabel radio satellitt
           annet``, ``ned``/``opp`` kbit/s (Int64), ``hc`` bool (True = homes connected,
           False = homes passed), ``egen`` bool (own infrastructure)
mob        ``adrid``, ``tilb``, ``tek`` ``4g``/``5g``, ``ned`` kbit/s (Int32)
=========  ================================================================================

The register names kommune and fylke by name, not number; a ``kommunenummer`` (or ``komnr``)
column is used when present, else the number is left "" for ingest to take from the address
layer (same ``adrid``). Speeds become Mbit/s: :math:`v_{Mbit/s} = v_{kbit/s} / 1000`.

``row_number`` of a Parquet row is its position in the file (first row = 1); of a CSV row its
physical line (header = 1), as for every layer.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Final

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from layers.errors import InputError
from layers.quarantine import (
    NOT_AN_ADDRESS,
    LayerResult,
    first_reason,
    got,
    is_whole_id,
    quarantine_rows,
)
from layers.tables import read_delimited
from layers.text_numbers import numbers_from_text
from layers.vocabulary import MAX_PLAUSIBLE_MBPS, TECHNOLOGIES

LAYER_REGISTER: Final = "nkom_addresses"
LAYER_FIXED: Final = "nkom_fixed"
LAYER_MOBILE: Final = "nkom_mobile"
SOURCE_FIXED: Final = "nkom_fbb"
SOURCE_MOBILE: Final = "nkom_mob"

REGISTER_COLUMNS: Final = ("adrid", "ertett", "hus", "pers", "fritid")  # required
FIXED_COLUMNS: Final = ("adrid", "tilb", "tek", "ned", "opp", "hc", "egen")
MOBILE_COLUMNS: Final = ("adrid", "tilb", "tek", "ned")
KOMMUNENUMMER_COLUMNS: Final = ("kommunenummer", "komnr")  # optional, first found is used

# Nkom's ``tek`` → the project's vocabulary (README "Nkom's address-level data" for sources):
# ftb (fast trådløst bredbånd) and radio are fixed wireless, which Nkom counts as fixed;
# ``annet`` (other) is taken as copper DSL unless [nkom].annet_technology says otherwise.
FIXED_TECHNOLOGY: Final[Mapping[str, str]] = {
    "fiber": "fiber",
    "kabel": "hfc",
    "ftb": "fwa",
    "radio": "fwa",
    "satellitt": "satellite",
    "annet": "xdsl",
}
MOBILE_TECHNOLOGY: Final[Mapping[str, str]] = {"4g": "mobile_4g", "5g": "mobile_5g"}
KBIT_PER_MBIT: Final = 1000.0
MAX_PLAUSIBLE_KBPS: Final = MAX_PLAUSIBLE_MBPS * KBIT_PER_MBIT
# the spellings of a flag in a CSV (a Parquet bool column needs none of them)
FLAG_WORDS: Final[Mapping[str, bool]] = {
    **dict.fromkeys(("true", "t", "1", "1.0", "ja", "j", "yes", "y"), True),
    **dict.fromkeys(("false", "f", "0", "0.0", "nei", "n", "no"), False),
}
PARQUET_SUFFIXES: Final = (".parquet", ".parq", ".pq")
FLAG_EXPECTED: Final = "true or false (also 1/0, ja/nei)"


def read_nkom_table(path: Path, required: tuple[str, ...], what: str) -> pd.DataFrame:
    """Read one Nkom table, Parquet or CSV, indexed by each row's ``row_number``.

    Raises :class:`InputError` naming the file when it is missing, unreadable, or lacks a
    required column.
    """
    if path.suffix.lower() not in PARQUET_SUFFIXES:
        return read_delimited(path, required, what)
    if not path.exists():
        msg = f"{path}: {what} file not found"
        raise InputError(msg)
    try:
        frame: pd.DataFrame = pq.read_table(path).to_pandas()
    except (pa.ArrowException, OSError) as exc:
        msg = f"{path}: cannot be read as a Parquet {what} file: {exc}"
        raise InputError(msg) from exc
    frame.index = pd.Index(np.arange(1, len(frame) + 1, dtype="int64"), name="row")
    missing = [c for c in required if c not in frame.columns]
    if missing:
        msg = (
            f"{path}: missing columns {missing}; expected a {what} table with"
            f" {list(required)} (got {list(frame.columns)})"
        )
        raise InputError(msg)
    return frame


def per_distinct(values: pd.Series, convert: Callable[[pd.Series], pd.Series]) -> pd.Series:
    """``convert`` applied to the distinct values only, then spread back (a national table has
    millions of rows but a handful of distinct ``tek`` or ``tilb``: string work stays small).
    Missing values stay missing (<NA>)."""
    codes, uniques = pd.factorize(values)
    converted = convert(pd.Series(uniques, dtype="object")).astype("object").to_numpy()
    spread = np.append(converted, [pd.NA])[codes]  # code -1 (missing) takes the appended <NA>
    return pd.Series(spread, index=values.index, dtype="object")


def _clean(values: pd.Series) -> pd.Series:
    """Text, stripped and lower-cased, per distinct value (<NA> where missing)."""
    return per_distinct(values, lambda u: u.astype("string").str.strip().str.lower())


def parse_flags(values: pd.Series) -> pd.Series:
    """A nullable boolean per value: a bool column as it is, text by :data:`FLAG_WORDS`
    (case and spaces ignored); anything else, and an empty field, is <NA>."""
    if pd.api.types.is_bool_dtype(values):
        return values.astype("boolean")
    return per_distinct(_clean(values), lambda u: u.map(FLAG_WORDS)).astype("boolean")


def _unparsed_flag(values: pd.Series, flags: pd.Series) -> pd.Series:
    """Rows with a value given that is not a flag (an empty field is not a bad flag)."""
    bad: pd.Series = values.notna() & flags.isna()
    return bad


def _whole_count(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Counts (households, persons) as int64 and the rows that are not whole numbers >= 0."""
    number = pd.to_numeric(values, errors="coerce").astype("float64")
    bad = number.isna() | (number < 0) | (number != number.round())
    return number.fillna(0).astype("int64"), bad


def _rejected(
    layer: str, path: Path, frame: pd.DataFrame, checks: list[tuple[str, pd.Series, str]]
) -> tuple[np.ndarray, pd.DataFrame]:
    """The rows failing any of ``checks`` (column, failed, expected) and their quarantine."""
    reasons = first_reason(
        [(bad, got(frame, column, bad, expected)) for column, bad, expected in checks],
        frame.index,
    )
    rejected = reasons.notna().to_numpy()
    quarantine = quarantine_rows(
        layer,
        path,
        frame.index.to_numpy()[rejected],
        frame.loc[rejected, "adrid"],
        reasons[rejected],
    )
    return rejected, quarantine


def _id_check(address_id: pd.Series) -> tuple[str, pd.Series, str]:
    return ("adrid", ~is_whole_id(address_id), "a whole number from 0 to 2**53")


def _kbps_check(column: str, kbps: pd.Series, allow_zero: bool) -> tuple[str, pd.Series, str]:
    low = (kbps < 0) if allow_zero else ~(kbps > 0)
    lowest = "from 0" if allow_zero else "above 0"
    return (
        column,
        kbps.isna() | low | (kbps > MAX_PLAUSIBLE_KBPS),
        f"a speed in kbit/s {lowest} and at most {MAX_PLAUSIBLE_KBPS:,.0f}",
    )


def _kommunenummer(frame: pd.DataFrame) -> tuple[pd.Series, tuple[str, pd.Series, str] | None]:
    """The 4-char kommunenummer of a number column when the table has one ("" otherwise)."""
    column = next((c for c in KOMMUNENUMMER_COLUMNS if c in frame.columns), None)
    if column is None:
        return pd.Series("", index=frame.index, dtype="object"), None
    text = frame[column].astype("string").str.strip().str.replace(r"\.0$", "", regex=True)
    bad = ~text.str.fullmatch(r"\d{3,4}").fillna(False).astype(bool)
    numbers = text.str.zfill(4).fillna("").astype("object")
    return numbers, (column, bad, "a kommunenummer of 3 or 4 digits")


def _text(frame: pd.DataFrame, column: str) -> np.ndarray:
    """A text column stripped ("" where missing or where the table has no such column)."""
    if column not in frame.columns:
        return np.full(len(frame), "", dtype=object)
    stripped = per_distinct(frame[column], lambda u: u.astype("string").str.strip())
    values: np.ndarray = stripped.fillna("").to_numpy(object)
    return values


def _duplicate_check(address_id: pd.Series) -> tuple[str, pd.Series, str]:
    """Later rows of an ``adrid`` already in the register (the first row is kept)."""
    repeated = address_id.notna() & address_id.duplicated(keep="first")
    return ("adrid", repeated, "one register row per address (this adrid came earlier)")


def read_register(path: Path) -> LayerResult:
    """Read Nkom's address register (``adr``) into the canonical register frame.

    Columns: ``address_id`` (int64), ``kommunenummer`` (4-char or "" when the file names the
    kommune only), ``fylkesnummer`` (2-char or ""), ``kommunenavn``, ``fylkesnavn``,
    ``in_tettsted`` (bool), ``households``, ``persons``, ``holiday_homes`` (int64),
    ``row_number``. Rows with a bad id, flag or count, or a repeated id, go to quarantine.
    """
    frame = read_nkom_table(path, REGISTER_COLUMNS, "Nkom address register (adr)")
    address_id = numbers_from_text(frame["adrid"], whole=True)
    in_tettsted = parse_flags(frame["ertett"])
    counts = {c: _whole_count(frame[c]) for c in ("hus", "pers", "fritid")}
    kommunenummer, kommune_check = _kommunenummer(frame)
    checks = [
        _id_check(address_id),
        _duplicate_check(address_id),
        ("ertett", in_tettsted.isna(), FLAG_EXPECTED),
        *[(c, counts[c][1], "a whole number >= 0") for c in counts],
    ]
    if kommune_check is not None:
        checks.append(kommune_check)
    rejected, quarantine = _rejected(LAYER_REGISTER, path, frame, checks)
    ok = ~rejected
    knr = kommunenummer[ok]
    accepted = pd.DataFrame(
        {
            "address_id": address_id[ok].astype("int64").to_numpy(),
            "kommunenummer": knr.to_numpy(object),
            "fylkesnummer": per_distinct(knr, lambda u: u.str[:2]).to_numpy(object),
            "kommunenavn": _text(frame, "komnavn")[ok],
            "fylkesnavn": _text(frame, "fylke")[ok],
            "in_tettsted": in_tettsted[ok].astype(bool).to_numpy(),
            "households": counts["hus"][0][ok].to_numpy(),
            "persons": counts["pers"][0][ok].to_numpy(),
            "holiday_homes": counts["fritid"][0][ok].to_numpy(),
            "row_number": frame.index.to_numpy()[ok].astype("int64"),
        }
    )
    return LayerResult(LAYER_REGISTER, accepted, quarantine, rows_read=len(frame))


def _offers_frame(
    frame: pd.DataFrame, ok: np.ndarray, columns: dict[str, object], source: str
) -> pd.DataFrame:
    """The canonical offers columns of the accepted rows, then ``extra`` columns."""
    return pd.DataFrame(
        {
            "address_id": pd.to_numeric(frame.loc[ok, "adrid"]).astype("int64").to_numpy(),
            "operator": _text(frame, "tilb")[ok],
            **columns,
            "source": source,
            "row_number": frame.index.to_numpy()[ok].astype("int64"),
        }
    )


def read_fixed(path: Path, annet_technology: str = "xdsl") -> LayerResult:
    """Read Nkom's fixed-broadband table (``fbb``) as offers in the canonical layout.

    ``tek`` maps by :data:`FIXED_TECHNOLOGY` (``annet`` to ``annet_technology``), ``ned``/
    ``opp`` kbit/s to ``down_mbps``/``up_mbps`` (an empty ``opp`` is an unknown upload, NaN);
    ``homes_connected`` from ``hc`` and ``own_infrastructure`` from ``egen`` are nullable
    booleans (empty = unknown); ``source`` is ``"nkom_fbb"``.
    """
    if annet_technology not in TECHNOLOGIES:
        msg = f"annet_technology: got {annet_technology!r}, expected one of {list(TECHNOLOGIES)}"
        raise InputError(msg)
    frame = read_nkom_table(path, FIXED_COLUMNS, "Nkom fixed broadband (fbb)")
    mapping = {**FIXED_TECHNOLOGY, "annet": annet_technology}
    address_id = numbers_from_text(frame["adrid"], whole=True)
    tek = _clean(frame["tek"])
    down_kbps = numbers_from_text(frame["ned"]).astype("float64")
    up_kbps = numbers_from_text(frame["opp"]).astype("float64")
    up_given = up_kbps.notna() | frame["opp"].isna()  # text that is not a number is bad
    up_check = _kbps_check("opp", up_kbps.fillna(0.0), allow_zero=True)
    homes_connected, own = parse_flags(frame["hc"]), parse_flags(frame["egen"])
    checks = [
        _id_check(address_id),
        ("tek", ~tek.isin(list(mapping)).fillna(False).astype(bool), f"one of {list(mapping)}"),
        _kbps_check("ned", down_kbps, allow_zero=False),
        ("opp", ~up_given | up_check[1], up_check[2] + " (or empty: unknown)"),
        ("hc", _unparsed_flag(frame["hc"], homes_connected), FLAG_EXPECTED),
        ("egen", _unparsed_flag(frame["egen"], own), FLAG_EXPECTED),
    ]
    rejected, quarantine = _rejected(LAYER_FIXED, path, frame, checks)
    ok = ~rejected
    columns: dict[str, object] = {
        "technology": per_distinct(tek[ok], lambda u: u.map(mapping)).to_numpy(),
        "down_mbps": (down_kbps[ok] / KBIT_PER_MBIT).to_numpy(),
        "up_mbps": (up_kbps[ok] / KBIT_PER_MBIT).to_numpy(),
    }
    offers = _offers_frame(frame, ok, columns, SOURCE_FIXED)
    offers["homes_connected"] = homes_connected[ok].to_numpy()
    offers["own_infrastructure"] = own[ok].to_numpy()
    return LayerResult(LAYER_FIXED, offers, quarantine, rows_read=len(frame))


def read_mobile(path: Path) -> LayerResult:
    """Read Nkom's mobile table (``mob``) as offers ``mobile_4g``/``mobile_5g``: ``ned`` kbit/s
    to ``down_mbps``, ``up_mbps`` NaN (the table has no upload), ``source`` ``"nkom_mob"``."""
    frame = read_nkom_table(path, MOBILE_COLUMNS, "Nkom mobile coverage (mob)")
    address_id = numbers_from_text(frame["adrid"], whole=True)
    tek = _clean(frame["tek"])
    down_kbps = numbers_from_text(frame["ned"]).astype("float64")
    checks = [
        _id_check(address_id),
        (
            "tek",
            ~tek.isin(list(MOBILE_TECHNOLOGY)).fillna(False).astype(bool),
            f"one of {list(MOBILE_TECHNOLOGY)}",
        ),
        _kbps_check("ned", down_kbps, allow_zero=False),
    ]
    rejected, quarantine = _rejected(LAYER_MOBILE, path, frame, checks)
    ok = ~rejected
    columns: dict[str, object] = {
        "technology": per_distinct(tek[ok], lambda u: u.map(MOBILE_TECHNOLOGY)).to_numpy(),
        "down_mbps": (down_kbps[ok] / KBIT_PER_MBIT).to_numpy(),
        "up_mbps": np.full(int(ok.sum()), np.nan),
    }
    offers = _offers_frame(frame, ok, columns, SOURCE_MOBILE)
    return LayerResult(LAYER_MOBILE, offers, quarantine, rows_read=len(frame))


def quarantine_unknown(result: LayerResult, address_ids: pd.Series, path: Path) -> LayerResult:
    """Move accepted rows whose ``address_id`` the address layer does not hold to quarantine
    (rows read = accepted + quarantined still holds)."""
    unknown = ~result.accepted["address_id"].isin(address_ids).to_numpy()
    if not unknown.any():
        return result
    rows = result.accepted.loc[unknown]
    keys = rows["address_id"].astype("str")
    moved = quarantine_rows(
        result.layer,
        path,
        rows["row_number"].to_numpy(),
        keys,
        "adrid: got " + keys + f", {NOT_AN_ADDRESS}",
    )
    return replace(
        result,
        accepted=result.accepted.loc[~unknown].reset_index(drop=True),
        quarantine=pd.concat([result.quarantine, moved], ignore_index=True),
    )
