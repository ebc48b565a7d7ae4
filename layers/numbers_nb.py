"""Norwegian number formats, the one home of every number a person reads.

Space as thousands separator, comma as decimal mark, whole numbers rounded half away from
zero, a dash for a missing value. The maps, the index page, the spreadsheets, the plots' ticks
and the console all format through these.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any, Final, cast
from zoneinfo import ZoneInfo

import pandas as pd

TEXT_MISSING: Final = "–"


def is_missing(value: object) -> bool:
    """True for None, NaN, pd.NA and NaT (the missing values a table can hand us)."""
    return value is None or bool(pd.isna(cast(Any, value)))


def _round_half_up(value: float | int) -> int:
    return int(math.copysign(math.floor(abs(float(value)) + 0.5), float(value)))


def format_int_nb(value: float | int | None) -> str:
    """Whole number with space as thousands separator: ``1234567`` → ``"1 234 567"``.

    Rounds half away from zero (as the popups' JavaScript does for positive numbers).
    """
    if is_missing(value):
        return TEXT_MISSING
    assert value is not None
    return f"{_round_half_up(value):,}".replace(",", " ")


def format_decimal_nb(value: float | int | None, decimals: int = 1) -> str:
    """Decimal number with comma as decimal mark: ``1234.5`` → ``"1 234,5"``."""
    if is_missing(value):
        return TEXT_MISSING
    assert value is not None
    text = f"{value:,.{decimals}f}"
    return text.replace(",", " ").replace(".", ",")


def format_percent_nb(share: float | None, decimals: int = 1) -> str:
    """Share 0–1 as a Norwegian percentage: ``0.1234`` → ``"12,3 %"``."""
    if is_missing(share):
        return TEXT_MISSING
    assert share is not None
    return f"{format_decimal_nb(share * 100.0, decimals)} %"


def format_nok(value: float | int | None) -> str:
    """Amount in NOK, whole kroner: ``148000`` → ``"148 000 kr"``."""
    if is_missing(value):
        return TEXT_MISSING
    return f"{format_int_nb(value)} kr"


def format_number_nb(value: float | int | None, max_decimals: int = 1) -> str:
    """A number without needless decimals: ``100.0`` → ``"100"``, ``12.5`` → ``"12,5"``,
    ``0.25`` with ``max_decimals=2`` → ``"0,25"``."""
    if is_missing(value):
        return TEXT_MISSING
    assert value is not None
    if float(value).is_integer() or max_decimals == 0:
        return format_int_nb(value)
    text = format_decimal_nb(value, max_decimals)
    return text.rstrip("0").rstrip(",") if "," in text else text


def format_mbps(value: float | int | None) -> str:
    """Speed without a needless decimal: ``100.0`` → ``"100"``, ``12.5`` → ``"12,5"``."""
    return format_number_nb(value)


def format_mnok(value_nok: float | int | None) -> str:
    """An amount in millions of kroner with one decimal: ``249_700_000`` → ``"249,7"``."""
    if is_missing(value_nok):
        return TEXT_MISSING
    assert value_nok is not None
    return format_decimal_nb(float(value_nok) / 1e6, 1)


MONTHS_NB: Final[tuple[str, ...]] = (
    "januar",
    "februar",
    "mars",
    "april",
    "mai",
    "juni",
    "juli",
    "august",
    "september",
    "oktober",
    "november",
    "desember",
)
OSLO: Final = ZoneInfo("Europe/Oslo")


def format_timestamp_nb(value: str) -> str:
    """An ISO 8601 time as a Norwegian reader writes it, in Norwegian time:
    ``"2026-12-06T21:03:12.8+00:00"`` → ``"6. desember 2026 kl. 22.03"``. A time without an
    offset is taken as UTC; a text that is not an ISO time is returned unchanged."""
    try:
        moment = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return value
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    local = moment.astimezone(OSLO)
    return f"{local.day}. {MONTHS_NB[local.month - 1]} {local.year} kl. {local:%H.%M}"
