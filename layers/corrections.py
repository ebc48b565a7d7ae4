"""A kommune's corrections of the data: the CSV it submits (``gapmap corrections add``).

One row per correction: what is wrong at one address, who says so, when, and on what evidence.
The header may be Norwegian or English (case and spaces do not matter); ``,`` or ``;``, UTF-8
with or without BOM, as Excel saves it:

============================  =================  ==============================================
Norwegian header              English header     value
============================  =================  ==============================================
``adresseId``                 ``address_id``     Kartverket's adresseId (or give the position)
``nord``, ``øst``, ``epsg``   ``north`` …        the position, in the EPSG code given
``korreksjon``                ``claim``          what is wrong: :data:`CLAIMS` (code or words)
``tilbyder``                  ``operator``       the operator concerned
``teknologi``                 ``technology``     of the offer (``tilbud_mangler``; may narrow
                                                 ``tilbud_finnes_ikke``)
``ned_mbps``, ``opp_mbps``    ``down_mbps`` …    the missing offer's speeds
``husstander``                ``households``     a missing address's households (default 1)
``adressetekst``              ``address_text``   a missing address's text
``innsender``                 ``submitter``      who submits it (name, office)
``dato``                      ``date``           ``YYYY-MM-DD`` or ``DD.MM.YYYY``, not later
                                                 than today
``begrunnelse``               ``evidence``       the evidence, in words
============================  =================  ==============================================

A row is accepted or quarantined with its reason ("korreksjon: got 'x', expected one of …");
rows read = accepted + quarantined. Which address a row means is settled when a run applies it
(:mod:`pipeline.corrections`): the adresseId, else the nearest address to the position.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Final

import numpy as np
import pandas as pd

from layers.coordinates import position_checks
from layers.errors import InputError
from layers.quarantine import LayerResult, first_reason, got, is_whole_id, quarantine_rows
from layers.source_dates import parse_dates
from layers.tables import read_delimited
from layers.text_numbers import numbers_from_text
from layers.vector import to_25833
from layers.vocabulary import MAX_PLAUSIBLE_MBPS, SUPPORTED_EPSG, TECHNOLOGIES

LAYER: Final = "corrections"
# claim code → what it says, in bokmål (the tables and the challenge export show these)
CLAIMS: Final[dict[str, str]] = {
    "no_service": "ingen dekning i virkeligheten",
    "offer_not_available": "tilbudet finnes ikke",
    "cabin": "fritidsbolig, ikke husstand",
    "address_missing": "adressen mangler",
    "offer_missing": "tilbud mangler",
}
# what a kommune may write for each claim (compared in lower case, "-" and " " as "_")
CLAIM_WORDS: Final[dict[str, str]] = {
    **{code: code for code in CLAIMS},
    **{text.replace(" ", "_"): code for code, text in CLAIMS.items()},
    "ingen_dekning": "no_service",
    "tilbud_finnes_ikke": "offer_not_available",
    "fritidsbolig": "cabin",
    "hytte": "cabin",
    "adresse_mangler": "address_missing",
    "tilbud_mangler": "offer_missing",
}
# claims against an operator's data (the challenge export), and those that need the operator
OPERATOR_CLAIMS: Final = ("no_service", "offer_not_available", "offer_missing")
NEEDS_OPERATOR: Final = ("offer_not_available", "offer_missing")
# canonical column → the headers it may have (lower case)
HEADERS: Final[dict[str, tuple[str, ...]]] = {
    "address_id": ("adresseid", "address_id"),
    "north": ("nord", "north"),
    "east": ("øst", "ost", "east"),
    "epsg": ("epsg", "epsg-kode", "epsg_code"),
    "claim": ("korreksjon", "claim"),
    "operator": ("tilbyder", "operator"),
    "technology": ("teknologi", "technology"),
    "down_mbps": ("ned_mbps", "down_mbps"),
    "up_mbps": ("opp_mbps", "up_mbps"),
    "households": ("husstander", "households"),
    "address_text": ("adressetekst", "address_text"),
    "kommunenummer": ("kommunenummer",),
    "submitter": ("innsender", "submitter"),
    "date": ("dato", "date"),
    "evidence": ("begrunnelse", "evidence"),
}
CLAIMS_EXPECTED: Final = "one of " + ", ".join(
    f"{code} ({words})" for code, words in CLAIMS.items()
)
REQUIRED: Final = ("claim", "submitter", "date", "evidence")
MAX_TEXT_CHARACTERS: Final = 2000
MAX_HOUSEHOLDS: Final = 1000
COLUMNS: Final = (
    "row_number",
    "address_id",
    "x_m",
    "y_m",
    "claim",
    "operator",
    "technology",
    "down_mbps",
    "up_mbps",
    "households",
    "address_text",
    "kommunenummer",
    "submitter",
    "submitted_on",
    "evidence",
)


def _canonical(frame: pd.DataFrame, path: Path) -> pd.DataFrame:
    """The frame with canonical column names (every column of :data:`HEADERS`, empty where
    the file has none); :class:`InputError` when a required one, or both ways of naming the
    address, are missing."""
    by_header = {h: name for name, headers in HEADERS.items() for h in headers}
    renamed = {
        c: by_header[str(c).strip().lower()]
        for c in frame.columns
        if str(c).strip().lower() in by_header
    }
    frame = frame.rename(columns=renamed)
    missing = [c for c in REQUIRED if c not in frame.columns]
    has_position = all(c in frame.columns for c in ("north", "east", "epsg"))
    if missing or ("address_id" not in frame.columns and not has_position):
        wanted = [HEADERS[c][0] for c in missing] or ["adresseId (or nord, øst, epsg)"]
        msg = (
            f"{path}: missing columns {wanted}; expected a corrections header such as"
            " adresseId;korreksjon;tilbyder;innsender;dato;begrunnelse"
            f" (got {[str(c) for c in frame.columns]})"
        )
        raise InputError(msg)
    for name in HEADERS:
        if name not in frame.columns:
            frame[name] = pd.Series(pd.NA, index=frame.index, dtype="string")
    # the file's own header of each column, for the reasons
    frame.attrs["headers"] = {name: str(c).strip() for c, name in renamed.items()}
    return frame


def _header(frame: pd.DataFrame, column: str) -> str:
    """The file's header of a canonical column (its Norwegian name when the file lacks it)."""
    headers: dict[str, str] = frame.attrs.get("headers", {})
    return headers.get(column, HEADERS[column][0])


def _got(frame: pd.DataFrame, column: str, bad: pd.Series, expected: str) -> pd.Series:
    """ "<header>: got X, expected Y" for the failing rows, under the file's own header."""
    return got(
        frame.rename(columns={column: _header(frame, column)}),
        _header(frame, column),
        bad,
        expected,
    )


def _text(frame: pd.DataFrame, column: str) -> pd.Series:
    """The column's text, stripped; NA where empty."""
    text = frame[column].astype("string").str.strip()
    return text.mask(text == "")


def _claims(frame: pd.DataFrame) -> pd.Series:
    """Each row's claim code (NA where the text names none)."""
    words = _text(frame, "claim").str.lower().str.replace(r"[\s\-]+", "_", regex=True)
    return words.map(CLAIM_WORDS).astype("string")


def _too_long(text: pd.Series) -> pd.Series:
    return text.str.len().fillna(0) > MAX_TEXT_CHARACTERS


def _bad_numbers(parsed: dict[str, pd.Series], claim: pd.Series) -> dict[str, pd.Series]:
    """Masks of the rows whose speeds or households are given but not plausible."""
    down, up, households = parsed["down_mbps"], parsed["up_mbps"], parsed["households"]
    missing_offer = (claim == "offer_missing").fillna(False)
    added = (claim == "address_missing").fillna(False)
    whole = (households >= 1) & (households <= MAX_HOUSEHOLDS) & (households == households.round())
    return {
        "down_mbps": missing_offer & ~((down > 0) & (down <= MAX_PLAUSIBLE_MBPS)).fillna(False),
        "up_mbps": up.notna() & ~((up >= 0) & (up <= MAX_PLAUSIBLE_MBPS)).fillna(False),
        "households": added & households.notna() & ~whole.fillna(False),
    }


def _position_checks(
    frame: pd.DataFrame, parsed: dict[str, pd.Series], given: pd.Series
) -> list[tuple[pd.Series, str | pd.Series]]:
    """A given position: numbers, a known EPSG code, inside Norway."""
    north, east, epsg = parsed["north"], parsed["east"], parsed["epsg"]
    usable = np.isfinite(north) & np.isfinite(east) & epsg.isin(SUPPORTED_EPSG)
    bad = given & ~usable
    expected = f"nord, øst as numbers and epsg one of {list(SUPPORTED_EPSG)}"
    checks: list[tuple[pd.Series, str | pd.Series]] = [(bad, _got(frame, "north", bad, expected))]
    if given.any():
        checks += position_checks(
            east.where(given),
            north.where(given),
            epsg.where(given),
            (frame["north"].astype("string").fillna(""), frame["east"].astype("string").fillna("")),
            ("nord", "øst", "epsg"),
            allow_svalbard_jan_mayen=True,
        )
    return checks


def _length_checks(frame: pd.DataFrame) -> list[tuple[pd.Series, str | pd.Series]]:
    """A text longer than :data:`MAX_TEXT_CHARACTERS` (evidence, submitter, text, operator)."""
    return [
        (
            _too_long(_text(frame, column)),
            f"{_header(frame, column)}: over {MAX_TEXT_CHARACTERS:,} characters",
        )
        for column in ("evidence", "submitter", "address_text", "operator")
    ]


def _checks(
    frame: pd.DataFrame, parsed: dict[str, pd.Series], today: date
) -> list[tuple[pd.Series, str | pd.Series]]:
    """The ``(failed, reason)`` checks of every row, in the order they are reported."""
    claim = parsed["claim"]
    has_id = _text(frame, "address_id").notna()
    bad_id = has_id & ~is_whole_id(parsed["address_id"])
    position_given = _text(frame, "north").notna() | _text(frame, "east").notna()
    technology = _text(frame, "technology").str.lower()
    known_technology = technology.isin(TECHNOLOGIES).fillna(False)
    missing_offer = (claim == "offer_missing").fillna(False)
    added = (claim == "address_missing").fillna(False)
    bad_technology = (missing_offer | technology.notna()) & ~known_technology
    no_operator = claim.isin(NEEDS_OPERATOR).fillna(False) & _text(frame, "operator").isna()
    submitted, unreadable = parse_dates(frame["date"])
    bad_date = pd.Series(unreadable, index=frame.index) | _text(frame, "date").isna()
    later = submitted.notna() & (submitted > pd.Timestamp(today))
    numbers = _bad_numbers(parsed, claim)
    mbps = f"{MAX_PLAUSIBLE_MBPS:,.0f} Mbit/s"
    checks: list[tuple[pd.Series, str | pd.Series]] = [
        (claim.isna(), _got(frame, "claim", claim.isna(), CLAIMS_EXPECTED)),
        (bad_id, _got(frame, "address_id", bad_id, "Kartverket's adresseId, a whole number")),
        *_position_checks(frame, parsed, position_given),
        (added & ~position_given, "address_missing: no position; expected nord, øst and epsg"),
        (~added & ~has_id & ~position_given, "no address; expected adresseId, or nord, øst, epsg"),
        (no_operator, f"{_header(frame, 'operator')}: empty; expected the operator concerned"),
        (
            bad_technology,
            _got(frame, "technology", bad_technology, f"one of {list(TECHNOLOGIES)}"),
        ),
        (
            numbers["down_mbps"],
            _got(frame, "down_mbps", numbers["down_mbps"], f"a speed above 0 and at most {mbps}"),
        ),
        (
            numbers["up_mbps"],
            _got(frame, "up_mbps", numbers["up_mbps"], f"empty or a speed from 0 to {mbps}"),
        ),
        (
            numbers["households"],
            _got(frame, "households", numbers["households"], f"1 to {MAX_HOUSEHOLDS:,}"),
        ),
        (
            _text(frame, "submitter").isna(),
            f"{_header(frame, 'submitter')}: empty; expected who submits it",
        ),
        (bad_date, _got(frame, "date", bad_date, "a date as YYYY-MM-DD or DD.MM.YYYY")),
        (later, _got(frame, "date", later, f"a date not later than today ({today})")),
        (
            _text(frame, "evidence").isna(),
            f"{_header(frame, 'evidence')}: empty; expected the evidence",
        ),
    ]
    return [*checks, *_length_checks(frame)]


def _parsed(frame: pd.DataFrame) -> dict[str, pd.Series]:
    return {
        "claim": _claims(frame),
        "address_id": numbers_from_text(frame["address_id"], whole=True),
        "north": numbers_from_text(frame["north"]),
        "east": numbers_from_text(frame["east"]),
        "epsg": numbers_from_text(frame["epsg"], whole=True),
        "down_mbps": numbers_from_text(frame["down_mbps"]),
        "up_mbps": numbers_from_text(frame["up_mbps"]),
        "households": numbers_from_text(frame["households"]),
    }


TEXT_COLUMNS: Final = (
    "claim",
    "operator",
    "technology",
    "address_text",
    "kommunenummer",
    "submitter",
    "submitted_on",
    "evidence",
)


def _accepted(frame: pd.DataFrame, parsed: dict[str, pd.Series], ok: pd.Series) -> pd.DataFrame:
    """The accepted rows in :data:`COLUMNS` (positions in EPSG:25833; a missing address's
    households 1 where not given, NA for the other claims)."""
    rows = frame.loc[ok]
    east = parsed["east"][ok].to_numpy(dtype="float64")
    north = parsed["north"][ok].to_numpy(dtype="float64")
    epsg = parsed["epsg"][ok].to_numpy(dtype="float64")
    x_m, y_m = to_25833(east, north, np.where(np.isfinite(east + north), epsg, np.nan))
    claim = parsed["claim"][ok]
    households = parsed["households"][ok].fillna(1).where(claim == "address_missing")
    submitted, _ = parse_dates(rows["date"])
    accepted = pd.DataFrame(
        {
            "row_number": rows.index.to_numpy(dtype="int64"),
            "address_id": parsed["address_id"][ok].astype("Int64").array,
            "x_m": x_m,
            "y_m": y_m,
            "claim": claim.to_numpy(),
            "operator": _text(rows, "operator").to_numpy(),
            "technology": _text(rows, "technology").str.lower().to_numpy(),
            "down_mbps": parsed["down_mbps"][ok].to_numpy(dtype="float64"),
            "up_mbps": parsed["up_mbps"][ok].to_numpy(dtype="float64"),
            "households": households.astype("Int64").array,
            "address_text": _text(rows, "address_text").to_numpy(),
            "kommunenummer": _text(rows, "kommunenummer").str.zfill(4).to_numpy(),
            "submitter": _text(rows, "submitter").to_numpy(),
            "submitted_on": submitted.dt.strftime("%Y-%m-%d").to_numpy(),
            "evidence": _text(rows, "evidence").to_numpy(),
        }
    )
    return accepted.astype(dict.fromkeys(TEXT_COLUMNS, "string"))


DUPLICATE_KEY: Final = ("address_id", "x_m", "y_m", "claim", "operator", "technology")


def _repeats(accepted: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Rows that repeat an earlier accepted row's :data:`DUPLICATE_KEY`, and for each row the
    row number of the first with its key."""
    keys = accepted[list(DUPLICATE_KEY)].astype("string").fillna("")
    first = accepted.groupby([keys[c] for c in DUPLICATE_KEY])["row_number"].transform("min")
    return keys.duplicated(keep="first"), first


def read_corrections(path: Path, today: date | None = None) -> LayerResult:
    """Read a kommune's corrections CSV (module docstring); each bad row goes to quarantine
    with its reason, and a row that repeats an earlier one (same address, claim, operator and
    technology) is quarantined as its duplicate."""
    frame = _canonical(read_delimited(path, (), "corrections"), path)
    parsed = _parsed(frame)
    reasons = first_reason(_checks(frame, parsed, today or date.today()), frame.index)
    ok = reasons.isna()
    accepted = _accepted(frame, parsed, ok)
    bad = ~ok.to_numpy()
    keys = _text(frame, "address_id")[bad]
    quarantined = quarantine_rows(LAYER, path, frame.index[bad].to_numpy(), keys, reasons[bad])
    repeated, first = _repeats(accepted)
    if repeated.any():
        reason = (
            "duplicate of row " + first[repeated].astype("string") + " (same address and claim)"
        )
        twice = quarantine_rows(
            LAYER,
            path,
            accepted.loc[repeated, "row_number"].to_numpy(),
            accepted.loc[repeated, "address_id"].astype("string"),
            reason,
        )
        quarantined = pd.concat([quarantined, twice], ignore_index=True)
        quarantined = quarantined.sort_values("row_number", kind="stable", ignore_index=True)
        accepted = accepted.loc[~repeated.to_numpy()].reset_index(drop=True)
    return LayerResult(LAYER, accepted, quarantined, rows_read=len(frame))
