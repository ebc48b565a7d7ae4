"""Address points from Kartverket's "Matrikkelen - Adresse" CSV.

The real format (Geonorge, per kommune or national, plain or zipped): 46 columns separated by
``;``, no quoting, UTF-8 with or without BOM, LF or CRLF, ``Nord`` before ``Øst`` in the CRS of
the row's ``EPSG-kode``. The canonical table has one row per address:

==================  ==========================================================
``address_id``      adresseId (int64, unique)
``kommunenummer``   as the file says it, 4-char string with leading zero
``kommunenavn``     as the file says it
``address_text``    adresseTekst
``households``      dwelling units; 1 per address unless a ``households`` column is given
``gnr``, ``bnr``    gardsnummer, bruksnummer: the cadastral unit (nullable Int64)
``fnr``             festenummer (nullable Int64; empty = 0)
``undernummer``     the matrikkeladresse's sub-number (nullable Int64; not a seksjonsnummer)
``x_m``, ``y_m``    easting / northing in EPSG:25833
``row_number``      line in the source file (header = 1), for provenance
``geometry``        the point in EPSG:25833
==================  ==========================================================
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from layers.coordinates import position_checks
from layers.errors import InputError
from layers.quarantine import LayerResult, first_reason, got, is_whole_id, quarantine_rows
from layers.tables import record_lines
from layers.text_numbers import latest_timestamp, numbers_from_text
from layers.vector import to_25833
from layers.vocabulary import CRS_EPSG, SUPPORTED_EPSG

LAYER = "addresses"
REQUIRED_COLUMNS = ("adresseId", "kommunenummer", "adresseTekst", "EPSG-kode", "Nord", "Øst")
OPTIONAL_COLUMNS = (
    "kommunenavn",
    "oppdateringsdato",
    "datauttaksdato",
    "households",
    "bruksenhetsnummer",
    *("gardsnummer", "bruksnummer", "festenummer", "undernummer"),  # the cadastral unit
)
# canonical name → the Matrikkelen Adresse column of the cadastral unit (layers/buildings.py)
CADASTRE_COLUMNS = {"gnr": "gardsnummer", "bnr": "bruksnummer", "fnr": "festenummer"}
CADASTRE_COLUMNS_ALL = {**CADASTRE_COLUMNS, "undernummer": "undernummer"}
# The 46-column header of Kartverket's Matrikkelen Adresse CSV, in order.
KARTVERKET_HEADER_LINE = (
    "lokalid;kommunenummer;kommunenavn;adressetype;adressetilleggsnavn;adressetilleggsnavnKilde;"
    "adressekode;adressenavn;nummer;bokstav;gardsnummer;bruksnummer;festenummer;undernummer;"
    "adresseTekst;adresseTekstUtenAdressetilleggsnavn;EPSG-kode;Nord;Øst;postnummer;poststed;"
    "grunnkretsnummer;grunnkretsnavn;soknenummer;soknenavn;organisasjonsnummer;tettstednummer;"
    "tettstednavn;valgkretsnummer;valgkretsnavn;oppdateringsdato;datauttaksdato;adresseId;"
    "uuidAdresse;atkomstId;uuidAtkomst;atkomstNord;atkomstØst;sommeratkomstId;uuidSommeratkomst;"
    "sommeratkomstNord;sommeratkomstØst;vinteratkomstId;uuidVinteratkomst;vinteratkomstNord;"
    "vinteratkomstØst"
)
KARTVERKET_COLUMNS = tuple(KARTVERKET_HEADER_LINE.split(";"))
KARTVERKET_COLUMN_COUNT = len(KARTVERKET_COLUMNS)


@dataclass(frozen=True)
class AddressSource:
    """One CSV to read: its label for messages (``file`` or ``file!member``) and its bytes."""

    label: str
    data: bytes


def address_sources(path: Path) -> list[AddressSource]:
    """The CSVs behind ``path``: a CSV, a Geonorge zip (every CSV inside), or a folder of both.

    A folder is what ``gapmap fetch`` writes: one zip per kommune.
    """
    if not path.exists():
        msg = f"{path}: address file or folder not found"
        raise InputError(msg)
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix.lower() in (".csv", ".zip"))
        if not files:
            msg = f"{path}: no .csv or .zip files in the folder, expected Matrikkelen Adresse files"
            raise InputError(msg)
        return [source for file in files for source in address_sources(file)]
    if path.suffix.lower() != ".zip":
        return [AddressSource(str(path), path.read_bytes())]
    try:
        with zipfile.ZipFile(path) as archive:
            members = sorted(n for n in archive.namelist() if n.lower().endswith(".csv"))
            if not members:
                msg = f"{path}: no CSV file in the zip, expected a Matrikkelen Adresse CSV"
                raise InputError(msg)
            return [AddressSource(f"{path}!{name}", archive.read(name)) for name in members]
    except zipfile.BadZipFile as exc:
        msg = f"{path}: not a valid zip file ({exc}); download it again"
        raise InputError(msg) from exc


def _not_utf8(source: AddressSource) -> InputError:
    msg = (
        f"{source.label}: not valid UTF-8 (a Latin-1 or Windows-1252 file?); expected UTF-8 as"
        " Kartverket publishes it. Re-encode it: iconv -f latin1 -t utf-8"
    )
    return InputError(msg)


def _header(source: AddressSource) -> list[str]:
    first_line = source.data[:8192].split(b"\n", 1)[0].rstrip(b"\r")
    try:
        return first_line.decode("utf-8-sig").split(";")
    except UnicodeDecodeError as exc:
        raise _not_utf8(source) from exc


def _read_source(source: AddressSource) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Read the needed columns of one CSV as strings, with each row's line number.

    Lines with the wrong number of fields are returned as quarantine rows.
    """
    header = _header(source)
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        msg = (
            f"{source.label}: missing columns {missing}; expected the {KARTVERKET_COLUMN_COUNT}-"
            f"column Matrikkelen Adresse header separated by ';' (got {header[:5]}...)"
        )
        raise InputError(msg)
    wanted = [c for c in (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS) if c in header]
    ragged: list[tuple[int, str]] = []

    def skip_ragged(row: pacsv.InvalidRow) -> str:
        ragged.append(
            (
                row.number or 0,
                f"expected {row.expected_columns} fields separated by"
                f" ';', got {row.actual_columns}",
            )
        )
        return "skip"

    convert = pacsv.ConvertOptions(
        include_columns=wanted,
        column_types=dict.fromkeys(wanted, pa.string()),
        strings_can_be_null=True,
        null_values=[""],  # only an empty field is missing: "nan" or "NA" is text
    )
    try:
        try:  # every core, while no line is ragged (pyarrow numbers ragged lines on one thread)
            table = pacsv.read_csv(
                io.BytesIO(source.data),
                parse_options=pacsv.ParseOptions(delimiter=";", quote_char=False),
                convert_options=convert,
            )
        except pa.ArrowInvalid as exc:
            if "UTF8" in str(exc):
                raise
            table = pacsv.read_csv(
                io.BytesIO(source.data),
                read_options=pacsv.ReadOptions(use_threads=False, block_size=1 << 24),
                parse_options=pacsv.ParseOptions(
                    delimiter=";", quote_char=False, invalid_row_handler=skip_ragged
                ),
                convert_options=convert,
            )
    except pa.ArrowInvalid as exc:
        if "UTF8" in str(exc):
            raise _not_utf8(source) from exc
        msg = f"{source.label}: cannot be read as a ';'-separated CSV: {exc}"
        raise InputError(msg) from exc
    frame = table.to_pandas()
    return frame, _number_rows(source, frame, ragged)


def _number_rows(
    source: AddressSource, frame: pd.DataFrame, ragged: list[tuple[int, str]]
) -> pd.DataFrame:
    """Give ``frame`` each row's physical line and file; return the ragged lines' quarantine.

    pyarrow numbers a ragged row among the non-empty records (header = 1); blank lines are
    counted by :func:`layers.tables.record_lines`.
    """
    lines = record_lines(source.data, quoted=False)
    if len(lines) != len(frame) + len(ragged):  # cannot happen unquoted; never guess a line
        lines = np.arange(2, len(frame) + len(ragged) + 2, dtype="int64")
    skipped = np.array([n - 2 for n, _ in ragged], dtype="int64")
    frame["row_number"] = np.delete(lines, skipped)
    frame["file"] = source.label
    return pd.DataFrame(
        {
            "layer": LAYER,
            "file": source.label,
            "row_number": lines[skipped],
            "key": "",
            "reason": [r for _, r in ragged],
        }
    )


def _read_frames(path: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    parts = [_read_source(source) for source in address_sources(path)]
    frame = pd.concat([p[0] for p in parts], ignore_index=True)
    ragged = pd.concat([p[1] for p in parts], ignore_index=True)
    return frame, ragged


def _validate(
    frame: pd.DataFrame, dwelling_level: bool, allow_svalbard_jan_mayen: bool
) -> tuple[pd.Series, dict[str, pd.Series]]:
    """Parse the key columns; return the reason per rejected row and the parsed columns.

    A repeated adresseId is a duplicate, except in a dwelling-level file, where only a repeated
    (adresseId, bruksenhetsnummer) pair is. Positions are checked by
    :func:`layers.coordinates.position_checks`.
    """
    address_id = numbers_from_text(frame["adresseId"], whole=True)
    epsg = numbers_from_text(frame["EPSG-kode"], whole=True)
    north = numbers_from_text(frame["Nord"])
    east = numbers_from_text(frame["Øst"])
    knr = frame["kommunenummer"].str.strip()
    knr_ok = knr.str.fullmatch(r"\d{1,4}").fillna(False).astype(bool)
    id_ok = is_whole_id(address_id)
    keys = [address_id, frame["bruksenhetsnummer"]] if dwelling_level else [address_id]
    duplicate = id_ok & pd.concat(keys, axis=1).duplicated(keep="first")
    not_finite = ~(np.isfinite(north) & np.isfinite(east))
    bad_epsg = ~epsg.isin(SUPPORTED_EPSG)
    reasons = first_reason(
        [
            (~id_ok, got(frame, "adresseId", ~id_ok, "an integer")),
            (duplicate, "adresseId: duplicate of an earlier row"),
            (
                ~knr_ok,
                "kommunenummer: got " + knr[~knr_ok].fillna("<empty>") + ", expected 1-4 digits",
            ),
            (not_finite, _position_text(frame, not_finite) + ", expected two finite numbers"),
            (bad_epsg, got(frame, "EPSG-kode", bad_epsg, f"one of {list(SUPPORTED_EPSG)}")),
            *position_checks(
                east,
                north,
                epsg,
                (frame["Nord"], frame["Øst"]),
                ("Nord", "Øst", "EPSG-kode"),
                allow_svalbard_jan_mayen,
            ),
        ],
        frame.index,
    )
    parsed = {"address_id": address_id, "epsg": epsg, "north": north, "east": east, "knr": knr}
    return reasons, parsed


def _position_text(frame: pd.DataFrame, rows: pd.Series) -> pd.Series:
    """ "Nord/Øst: got N/E" for ``rows`` only (built for the failing rows, not 2.6 M)."""
    north, east = (frame.loc[rows.to_numpy(), c].fillna("<empty>") for c in ("Nord", "Øst"))
    text: pd.Series = "Nord/Øst: got " + north + "/" + east
    return text


def _households(frame: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Households per row (1 unless a ``households`` column says otherwise) and the reason
    for rows whose ``households`` value is unusable."""
    if "households" not in frame.columns:
        return pd.Series(1, index=frame.index, dtype="int64"), pd.Series(False, index=frame.index)
    households = numbers_from_text(frame["households"])
    bad = households.isna() | (households < 0) | (households != households.round())
    return households.fillna(0).astype("int64"), bad


def _vintage(frame: pd.DataFrame, column: str) -> str | None:
    """The latest date in a Kartverket timestamp column ("dd.mm.yyyy HH:MM:SS[.ffffff]").

    The fractional seconds (0-6 digits, mixed in one file) are dropped before parsing.
    """
    if column not in frame.columns:
        return None
    latest = latest_timestamp(frame[column], "%d.%m.%Y %H:%M:%S", 19)
    return None if latest is None else latest.isoformat()


def _fold_dwellings(accepted: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """Dwelling-level files (one row per bruksenhet): one address with a household per row."""
    households = accepted.groupby("address_id", sort=False)["households"].transform("size")
    first = ~accepted["address_id"].duplicated(keep="first")
    folded = accepted.loc[first].assign(households=households[first].astype("int64"))
    return folded, int((~first).sum())


def _households_reason(frame: pd.DataFrame, bad: pd.Series) -> pd.Series:
    """The message for the ``bad`` rows, whose ``households`` value is unusable."""
    if "households" not in frame.columns:
        return pd.Series(pd.NA, index=frame.index, dtype="object")
    return got(frame, "households", bad, "a whole number >= 0")


def _quarantined_rows(frame: pd.DataFrame, reasons: pd.Series, path: Path) -> pd.DataFrame:
    """One quarantine row per rejected row (``reasons`` not NA), naming the file it came from."""
    rejected = reasons.notna()
    return quarantine_rows(
        LAYER,
        path,
        frame.loc[rejected, "row_number"].to_numpy(),
        frame.loc[rejected, "adresseId"],
        reasons[rejected],
    ).assign(file=frame.loc[rejected, "file"].to_numpy())


def _accepted_addresses(
    frame: pd.DataFrame, parsed: dict[str, pd.Series], households: pd.Series, ok: pd.Series
) -> pd.DataFrame:
    """The accepted rows (``ok``) in the canonical columns, reprojected to EPSG:25833 (text
    columns stay Arrow strings: no Python object per address)."""
    x_m, y_m = to_25833(
        parsed["east"][ok].to_numpy(),
        parsed["north"][ok].to_numpy(),
        parsed["epsg"][ok].to_numpy().astype("int64"),
    )
    kommunenavn = frame.get("kommunenavn", pd.Series("", index=frame.index))
    return pd.DataFrame(
        {
            "address_id": parsed["address_id"][ok].astype("int64").to_numpy(),
            "kommunenummer": parsed["knr"][ok].str.zfill(4).reset_index(drop=True),
            "kommunenavn": kommunenavn[ok].fillna("").reset_index(drop=True),
            "address_text": frame.loc[ok, "adresseTekst"].fillna("").reset_index(drop=True),
            "households": households[ok].to_numpy(),
            "x_m": x_m,
            "y_m": y_m,
            "row_number": frame.loc[ok, "row_number"].to_numpy(),
            **_cadastre(frame, ok),
        }
    )


def _cadastre(frame: pd.DataFrame, ok: pd.Series) -> dict[str, pd.Series]:
    """gnr, bnr, fnr, undernummer of the accepted rows as nullable ints (NA where absent or not
    a whole number; an empty festenummer is 0, as Kartverket leaves it empty for no feste)."""
    columns = {}
    for name, source in CADASTRE_COLUMNS_ALL.items():
        text = frame.get(source, pd.Series(pd.NA, index=frame.index, dtype="string"))[ok]
        value = numbers_from_text(text)
        value = value.where(value.notna() & (value == value.round()) & (value >= 0))
        parsed = value.round().astype("Int64")
        columns[name] = (parsed.fillna(0) if name == "fnr" else parsed).reset_index(drop=True)
    return columns


def _metadata(frame: pd.DataFrame, dwelling_level: bool) -> dict[str, object]:
    """What the manifest records of the files read: their vintages, names and level."""
    return {
        "latest_oppdateringsdato": _vintage(frame, "oppdateringsdato"),
        "datauttaksdato": _vintage(frame, "datauttaksdato"),
        "files": sorted(frame["file"].unique().tolist()),
        "dwelling_level": dwelling_level,
    }


def read_addresses(path: Path, allow_svalbard_jan_mayen: bool = False) -> LayerResult:
    """Read Matrikkelen Adresse CSVs (a file, a Geonorge zip, or a folder of them).

    Rows with an unusable id, kommunenummer, coordinate, EPSG code or households value, a
    position outside Norway (Svalbard and Jan Mayen count as inside only with
    ``allow_svalbard_jan_mayen``), and lines with the wrong number of fields, go to quarantine
    with their file and line number.
    In a dwelling-level file (a ``bruksenhetsnummer`` column) the rows of one adresseId are
    folded into one address whose households are its dwelling count (``rows_merged``).
    """
    frame, ragged = _read_frames(path)
    dwelling_level = "bruksenhetsnummer" in frame.columns
    reasons, parsed = _validate(frame, dwelling_level, allow_svalbard_jan_mayen)
    households, bad_households = _households(frame)
    bad_households &= reasons.isna()
    reasons = reasons.mask(bad_households, _households_reason(frame, bad_households))
    quarantine = pd.concat([ragged, _quarantined_rows(frame, reasons, path)], ignore_index=True)
    accepted = _accepted_addresses(frame, parsed, households, reasons.isna())
    merged = 0
    if dwelling_level:
        accepted, merged = _fold_dwellings(accepted)
    geometry = gpd.points_from_xy(accepted["x_m"], accepted["y_m"])
    return LayerResult(
        LAYER,
        gpd.GeoDataFrame(accepted.reset_index(drop=True), geometry=geometry, crs=CRS_EPSG),
        quarantine,
        rows_read=len(frame) + len(ragged),
        rows_merged=merged,
        metadata=_metadata(frame, dwelling_level),
    )
