"""The date of a coverage source: per row where the file has one, else per file.

Offers and Nkom's lacking lists are dated so that an older list does not override a newer
offer (:func:`pipeline.coverage.stale_lacking_rows`). A row's ``source_date`` comes from, in
order:

1. its own date column (:data:`DATE_COLUMNS`: ``source_date``, ``dato``, ``date``,
   ``kartlagt_dato``), as ``YYYY-MM-DD`` or Norwegian ``DD.MM.YYYY``;
2. the file's date in the config (``[inputs]`` ``offers_date``, ``lacking_30_date``,
   ``lacking_100_date``);
3. a date in the file's name (``mangler_100_2025-06-30.csv``, ``..._20250630...``);
4. none (``NaT``): an undated row is never judged stale, and never makes another row stale.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from layers.errors import ConfigError

DATE_COLUMNS = ("source_date", "dato", "date", "kartlagt_dato")
_ISO = r"(?P<y>(?:19|20)\d\d)-?(?P<m>0[1-9]|1[0-2])-?(?P<d>0[1-9]|[12]\d|3[01])"
_NAME_DATE = re.compile(r"(?<!\d)" + _ISO + r"(?!\d)")
_NB_DATE = re.compile(r"^\s*(?P<d>\d{1,2})\.(?P<m>\d{1,2})\.(?P<y>\d{4})\s*$")


def config_date(key: str, value: str) -> date | None:
    """The date a config key gives (``"2025-06-30"``; ``""`` = none).

    Raises :class:`ConfigError` naming the key when the value is not a date.
    """
    if not value:
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError as exc:
        msg = f'{key}: got {value!r}, expected a date as YYYY-MM-DD (or "" for none)'
        raise ConfigError(msg) from exc


def date_in_file_name(path: Path) -> date | None:
    """The first ``YYYY-MM-DD`` or ``YYYYMMDD`` in the file's name that is a real date."""
    for found in _NAME_DATE.finditer(path.name):
        try:
            return date(int(found["y"]), int(found["m"]), int(found["d"]))
        except ValueError:
            continue
    return None


def parse_dates(text: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """``YYYY-MM-DD`` or ``DD.MM.YYYY`` per row as ``datetime64[ns]`` (NaT where empty), and
    a mask of the rows whose text is not a date (to quarantine)."""
    text = text.astype("string").str.strip()
    given = text.notna() & (text != "")
    norwegian = text.str.extract(_NB_DATE)
    as_iso = (
        norwegian["y"] + "-" + norwegian["m"].str.zfill(2) + "-" + norwegian["d"].str.zfill(2)
    ).fillna(text)
    parsed = pd.to_datetime(as_iso.where(given), format="%Y-%m-%d", errors="coerce")
    bad = (given & parsed.isna()).to_numpy(dtype=bool)
    return parsed, bad


def row_dates(
    frame: pd.DataFrame, file_date: date | None, path: Path
) -> tuple[pd.Series, np.ndarray, str]:
    """Each row's ``source_date`` (module docstring's order), the mask of rows with a date
    column value that is not a date, and the name of the date column used ("" when none)."""
    column = next((c for c in frame.columns if str(c).strip().lower() in DATE_COLUMNS), "")
    fallback = file_date or date_in_file_name(path)
    default = pd.Timestamp(fallback) if fallback is not None else pd.NaT
    if not column:
        dates = pd.Series(default, index=frame.index, dtype="datetime64[ns]")
        return dates, np.zeros(len(frame), dtype=bool), ""
    parsed, bad = parse_dates(frame[column])
    if fallback is not None:
        parsed = parsed.fillna(pd.Timestamp(fallback))
    return parsed.astype("datetime64[ns]"), bad, str(column)
