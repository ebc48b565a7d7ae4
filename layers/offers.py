"""Operator coverage offers per address (Nkom survey style).

Input: a UTF-8 CSV with the header ``address_id,operator,technology,down_mbps,up_mbps`` (``,``
or ``;``), one row per address × operator × technology. The canonical table keeps those columns
plus ``source`` (the file name) and ``row_number`` (the line in that file, header = 1).
Technology must be one of :data:`layers.vocabulary.TECHNOLOGIES` (docs/design.md).

``source_date`` (``datetime64``; NaT where unknown) is the date of the row's source: the file's
own date column where it has one (``source_date`` or ``dato``, ``YYYY-MM-DD`` or
``DD.MM.YYYY``), else the date the config gives the file (``[inputs].offers_date``), else a
date in the file's name (:mod:`layers.source_dates`). A date that is not a date goes to
quarantine.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd

from layers.quarantine import LayerResult, first_reason, got, is_whole_id, quarantine_rows
from layers.source_dates import row_dates
from layers.tables import read_delimited
from layers.text_numbers import numbers_from_text
from layers.vocabulary import MAX_PLAUSIBLE_MBPS, TECHNOLOGIES

LAYER = "offers"
COLUMNS = ("address_id", "operator", "technology", "down_mbps", "up_mbps")


def read_offers(path: Path, source_date: date | None = None) -> LayerResult:
    """Read a per-address offers CSV; bad rows go to quarantine with their reason.
    ``source_date`` is the file's date where its rows give none (module docstring)."""
    frame = read_delimited(path, COLUMNS, "coverage offers")
    dates, bad_date, date_column = row_dates(frame, source_date, path)
    address_id = numbers_from_text(frame["address_id"], whole=True)
    down_mbps = numbers_from_text(frame["down_mbps"])
    up_mbps = numbers_from_text(frame["up_mbps"])
    technology = frame["technology"].str.strip().str.lower()
    checks = [
        ("address_id", ~is_whole_id(address_id), "a whole number from 0 to 2**53"),
        ("technology", ~technology.isin(TECHNOLOGIES), f"one of {list(TECHNOLOGIES)}"),
        (
            "down_mbps",
            down_mbps.isna() | ~(down_mbps > 0) | (down_mbps > MAX_PLAUSIBLE_MBPS),
            f"a speed above 0 and at most {MAX_PLAUSIBLE_MBPS:,.0f} Mbit/s",
        ),
        (
            "up_mbps",
            up_mbps.isna() | (up_mbps < 0) | (up_mbps > MAX_PLAUSIBLE_MBPS),
            f"a speed from 0 to {MAX_PLAUSIBLE_MBPS:,.0f} Mbit/s",
        ),
    ]
    if date_column:
        bad = pd.Series(bad_date, index=frame.index)
        checks.append((date_column, bad, "a date as YYYY-MM-DD or DD.MM.YYYY"))
    reasons = first_reason(
        [(bad, got(frame, column, bad, expected)) for column, bad, expected in checks],
        frame.index,
    )
    rejected = reasons.notna().to_numpy()
    quarantine = quarantine_rows(
        LAYER,
        path,
        frame.index.to_numpy()[rejected],
        frame.loc[rejected, "address_id"],
        reasons[rejected],
    )
    ok = ~rejected
    accepted = pd.DataFrame(
        {
            "address_id": address_id[ok].astype("int64").to_numpy(),
            "operator": frame.loc[ok, "operator"].fillna("").str.strip().reset_index(drop=True),
            "technology": technology[ok].reset_index(drop=True),
            "down_mbps": down_mbps[ok].astype("float64").to_numpy(),
            "up_mbps": up_mbps[ok].astype("float64").to_numpy(),
            "source": path.name,
            "source_date": dates[ok].to_numpy(dtype="datetime64[ns]"),
            "row_number": frame.index.to_numpy()[ok].astype("int64"),
        }
    )
    return LayerResult(LAYER, accepted, quarantine, rows_read=len(frame))
