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
from pyproj import Transformer

from layers.quarantine import LayerResult, first_reason, quarantine_rows
from layers.tables import read_delimited
from layers.vocabulary import CRS_EPSG, MOBILE_TECHNOLOGIES

LAYER = "sites"
WIRELESS_TECHNOLOGIES = ("fwa", *MOBILE_TECHNOLOGIES)
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


def read_sites(path: Path) -> LayerResult:
    """Read a wireless site list; rows with bad numbers or technology go to quarantine."""
    frame = read_delimited(path, COLUMNS, "wireless sites")
    numbers = {c: pd.to_numeric(frame[c], errors="coerce") for c in NUMERIC}
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
        # coordinates may be negative (EPSG:25833 eastings west of 12° E, e.g. Bergen)
        if column in ("east_m", "north_m"):
            bad, expected = values.isna() | ~np.isfinite(values), "a number"
        elif column == "frequency_mhz":
            bad, expected = values.isna() | (values <= 0), "a number > 0"
        else:
            bad, expected = values.isna() | (values < 0), "a number >= 0"
        checks.append(
            (bad, f"{column}: got " + frame[column].fillna("<empty>") + f", expected {expected}")
        )
    reasons = first_reason(checks, frame.index)
    rejected = reasons.notna().to_numpy()
    quarantine = quarantine_rows(
        LAYER, path, np.flatnonzero(rejected) + 2, frame.loc[rejected, "site_id"], reasons[rejected]
    )
    ok = ~rejected
    x_m = numbers["east_m"][ok].to_numpy(dtype="float64")
    y_m = numbers["north_m"][ok].to_numpy(dtype="float64")
    epsg = numbers["epsg"][ok].to_numpy().astype("int64")
    for code in np.unique(epsg[epsg != CRS_EPSG]):
        rows = epsg == code
        transformer = Transformer.from_crs(int(code), CRS_EPSG, always_xy=True)
        x_m[rows], y_m[rows] = transformer.transform(x_m[rows], y_m[rows])
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
