"""Wireless sites (operators' site lists).

Input: a UTF-8 CSV with the header ``site_id,operator,technology,east_m,north_m,epsg,
antenna_height_m,frequency_mhz,max_range_m,down_mbps,up_mbps``. The canonical table keeps these
columns with the position as ``x_m``/``y_m`` and a point ``geometry`` in EPSG:25833.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from layers.coordinates import position_checks
from layers.quarantine import LayerResult, first_reason, quarantine_rows
from layers.tables import read_delimited
from layers.text_numbers import numbers_from_text
from layers.vector import to_25833
from layers.vocabulary import (
    CRS_EPSG,
    MAX_PLAUSIBLE_MBPS,
    SUPPORTED_EPSG,
    WIRELESS_TECHNOLOGIES,
)

LAYER = "sites"
NUMERIC = (
    "east_m",
    "north_m",
    "epsg",
    "antenna_height_m",
    "frequency_mhz",
    "max_range_m",
    "down_mbps",
    "up_mbps",
)
COLUMNS = ("site_id", "operator", "technology", *NUMERIC)


def read_sites(path: Path, allow_svalbard_jan_mayen: bool = False) -> LayerResult:
    """Read a wireless site list; rows with bad numbers or technology, or a position outside
    Norway (:func:`layers.coordinates.position_checks`), go to quarantine."""
    frame = read_delimited(path, COLUMNS, "wireless sites")
    numbers = {c: numbers_from_text(frame[c]) for c in NUMERIC}
    technology = frame["technology"].str.strip().str.lower()
    checks: list[tuple[pd.Series, str | pd.Series]] = [
        (frame["site_id"].isna(), "site_id: empty, expected an identifier"),
        (
            ~technology.isin(WIRELESS_TECHNOLOGIES),
            "technology: got "
            + frame["technology"].fillna("<empty>")
            + f", expected one of {list(WIRELESS_TECHNOLOGIES)}",
        ),
    ]
    for column, values in numbers.items():
        bad, expected = _bad_number(column, values)
        checks.append(
            (bad, f"{column}: got " + frame[column].fillna("<empty>") + f", expected {expected}")
        )
    checks += position_checks(
        numbers["east_m"],
        numbers["north_m"],
        numbers["epsg"],
        (frame["north_m"], frame["east_m"]),
        ("north_m", "east_m", "epsg"),
        allow_svalbard_jan_mayen,
    )
    site_id = frame["site_id"].str.strip()
    checks.append((site_id.notna() & site_id.duplicated(), "site_id: duplicate of an earlier row"))
    reasons = first_reason(checks, frame.index)
    rejected = reasons.notna().to_numpy()
    quarantine = quarantine_rows(
        LAYER,
        path,
        frame.index.to_numpy()[rejected],
        frame.loc[rejected, "site_id"],
        reasons[rejected],
    )
    ok = ~rejected
    x_m, y_m = to_25833(
        numbers["east_m"][ok].to_numpy(dtype="float64"),
        numbers["north_m"][ok].to_numpy(dtype="float64"),
        numbers["epsg"][ok].to_numpy(dtype="float64"),
    )
    accepted = gpd.GeoDataFrame(
        {
            "site_id": frame.loc[ok, "site_id"].str.strip().to_numpy(),
            "operator": frame.loc[ok, "operator"].fillna("").to_numpy(),
            "technology": technology[ok].to_numpy(),
            "x_m": x_m,
            "y_m": y_m,
            **{c: numbers[c][ok].astype("float64").to_numpy() for c in NUMERIC[3:]},
        },
        geometry=gpd.points_from_xy(x_m, y_m),
        crs=CRS_EPSG,
    )
    return LayerResult(LAYER, accepted, quarantine, rows_read=len(frame))


def _bad_number(column: str, values: pd.Series) -> tuple[pd.Series, str]:
    """Which values of a numeric column are unusable, and what was expected instead."""
    finite = values.notna() & np.isfinite(values)
    if column in ("east_m", "north_m"):
        # coordinates may be negative (EPSG:25833 eastings west of 12° E, e.g. Bergen)
        return ~finite, "a number"
    if column == "epsg":
        return ~values.isin(SUPPORTED_EPSG), f"one of {list(SUPPORTED_EPSG)}"
    if column == "frequency_mhz":
        return ~finite | (values <= 0), "a number > 0"
    if column in ("down_mbps", "up_mbps"):
        bad = ~finite | (values < 0) | (values > MAX_PLAUSIBLE_MBPS)
        return bad, f"a speed from 0 to {MAX_PLAUSIBLE_MBPS:,.0f} Mbit/s"
    return ~finite | (values < 0), "a number >= 0"
