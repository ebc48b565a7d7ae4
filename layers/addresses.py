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
``x_m``, ``y_m``    easting / northing in EPSG:25833
``row_number``      line in the source file (header = 1), for provenance
``geometry``        the point in EPSG:25833
==================  ==========================================================
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import Transformer

from layers.quarantine import LayerResult, first_reason, quarantine_rows
from pipeline.errors import InputError

LAYER = "addresses"
TARGET_EPSG = 25833
SUPPORTED_EPSG = (25832, 25833, 25835, 4258, 4326)
REQUIRED_COLUMNS = ("adresseId", "kommunenummer", "adresseTekst", "EPSG-kode", "Nord", "Øst")
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


def _read_text(path: Path) -> str:
    """The file's text: a plain CSV, or the single CSV inside a Geonorge zip."""
    if not path.exists():
        msg = f"{path}: address file not found"
        raise InputError(msg)
    if path.suffix.lower() == ".zip":
        with zipfile.ZipFile(path) as archive:
            members = [n for n in archive.namelist() if n.lower().endswith(".csv")]
            if len(members) != 1:
                msg = f"{path}: got {len(members)} CSV files in the zip, expected exactly 1"
                raise InputError(msg)
            raw = archive.read(members[0])
    else:
        raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        msg = (
            f"{path}: byte {exc.start} is not valid UTF-8 (Latin-1 or Windows-1252 file?);"
            " expected UTF-8 as Kartverket publishes it. Re-encode the file with"
            " `iconv -f latin1 -t utf-8`."
        )
        raise InputError(msg) from exc


def _read_frame(path: Path) -> pd.DataFrame:
    text = _read_text(path)
    frame = pd.read_csv(
        io.StringIO(text), sep=";", dtype="str", keep_default_na=False, na_values=[""]
    )
    missing = [c for c in REQUIRED_COLUMNS if c not in frame.columns]
    if missing:
        msg = (
            f"{path}: missing columns {missing}; expected the {KARTVERKET_COLUMN_COUNT}-column"
            f" Matrikkelen Adresse header separated by ';' (got {list(frame.columns)[:5]}...)"
        )
        raise InputError(msg)
    return frame


def _validate(frame: pd.DataFrame) -> tuple[pd.Series, dict[str, pd.Series]]:
    """Parse the key columns; return the reason per rejected row and the parsed columns."""
    address_id = pd.to_numeric(frame["adresseId"], errors="coerce")
    epsg = pd.to_numeric(frame["EPSG-kode"], errors="coerce")
    north = pd.to_numeric(frame["Nord"], errors="coerce")
    east = pd.to_numeric(frame["Øst"], errors="coerce")
    knr = frame["kommunenummer"].str.strip()
    knr_ok = knr.str.fullmatch(r"\d{1,4}").fillna(False).astype(bool)
    id_ok = address_id.notna() & (address_id == address_id.round())
    duplicate = id_ok & address_id.duplicated(keep="first")
    reasons = first_reason(
        [
            (
                ~id_ok,
                "adresseId: got " + frame["adresseId"].fillna("<empty>") + ", expected an integer",
            ),
            (duplicate, "adresseId: duplicate of an earlier row"),
            (~knr_ok, "kommunenummer: got " + knr.fillna("<empty>") + ", expected 1-4 digits"),
            (north.isna() | east.isna(), "Nord/Øst: expected two numbers, got empty or text"),
            (
                ~epsg.isin(SUPPORTED_EPSG),
                "EPSG-kode: got "
                + frame["EPSG-kode"].fillna("<empty>")
                + f", expected one of {list(SUPPORTED_EPSG)}",
            ),
        ],
        frame.index,
    )
    parsed = {"address_id": address_id, "epsg": epsg, "north": north, "east": east, "knr": knr}
    return reasons, parsed


def _to_25833(
    east: np.ndarray, north: np.ndarray, epsg: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Reproject each row from its own EPSG code to EPSG:25833 (one transform per code)."""
    x_m = east.astype("float64").copy()
    y_m = north.astype("float64").copy()
    for code in np.unique(epsg):
        if code == TARGET_EPSG:
            continue
        rows = epsg == code
        # always_xy: (Øst, Nord) = (easting, northing), or (longitude, latitude) for 4258/4326
        transformer = Transformer.from_crs(int(code), TARGET_EPSG, always_xy=True)
        x_m[rows], y_m[rows] = transformer.transform(east[rows], north[rows])
    return x_m, y_m


def _households(frame: pd.DataFrame, path: Path) -> pd.Series:
    if "households" not in frame.columns:
        return pd.Series(1, index=frame.index, dtype="int64")
    households = pd.to_numeric(frame["households"], errors="coerce")
    bad = households.isna() | (households < 0)
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0]) + 2
        msg = f"{path}:{row}: households got {frame['households'].iloc[row - 2]!r}, expected >= 0"
        raise InputError(msg)
    return households.astype("int64")


def read_addresses(path: Path) -> LayerResult:
    """Read a Matrikkelen Adresse CSV (or its zip) into the canonical address table.

    Rows with an unusable id, kommunenummer, coordinate or EPSG code go to quarantine.
    """
    frame = _read_frame(path)
    reasons, parsed = _validate(frame)
    rejected = reasons.notna()
    row_numbers = np.arange(len(frame)) + 2
    quarantine = quarantine_rows(
        LAYER,
        path,
        row_numbers[rejected.to_numpy()],
        frame.loc[rejected, "adresseId"],
        reasons[rejected],
    )
    ok = ~rejected
    x_m, y_m = _to_25833(
        parsed["east"][ok].to_numpy(),
        parsed["north"][ok].to_numpy(),
        parsed["epsg"][ok].to_numpy().astype("int64"),
    )
    kommunenavn = frame.get("kommunenavn", pd.Series("", index=frame.index))
    accepted = gpd.GeoDataFrame(
        {
            "address_id": parsed["address_id"][ok].astype("int64").to_numpy(),
            "kommunenummer": parsed["knr"][ok].str.zfill(4).to_numpy(),
            "kommunenavn": kommunenavn[ok].fillna("").to_numpy(),
            "address_text": frame.loc[ok, "adresseTekst"].fillna("").to_numpy(),
            "households": _households(frame, path)[ok].to_numpy(),
            "x_m": x_m,
            "y_m": y_m,
            "row_number": row_numbers[ok.to_numpy()],
        },
        geometry=gpd.points_from_xy(x_m, y_m),
        crs=TARGET_EPSG,
    )
    return LayerResult(LAYER, accepted, quarantine, rows_read=len(frame))
