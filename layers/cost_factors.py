"""Per-kommune cost factors: a multiplier on the trench price of each kommune.

Input: a UTF-8 CSV with the header ``kommunenummer,cost_factor`` (``;`` also accepted), for
instance from a kommune's own tender prices or a regional index. Kommuner not listed keep 1.0.
Rows with a kommunenummer that is not four digits, a factor that is not a number in (0, 10], or a
kommune listed twice go to quarantine.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from layers.quarantine import LayerResult, first_reason, quarantine_rows
from layers.tables import read_delimited

LAYER = "kommune_cost_factors"
COLUMNS = ("kommunenummer", "cost_factor")
# a trench price ten times the national one is a typo (a price, a percentage), not a kommune
MAX_COST_FACTOR = 10.0


def read_cost_factors(path: Path) -> LayerResult:
    """Read the factors; the accepted table has ``kommunenummer`` (str) and ``cost_factor``."""
    frame = read_delimited(path, COLUMNS, "kommune cost factor")
    number = frame["kommunenummer"].fillna("").str.strip()
    number = number.where(~number.str.fullmatch(r"\d{3}"), "0" + number)  # lost leading zero
    factor = pd.to_numeric(frame["cost_factor"], errors="coerce")
    raw_factor = frame["cost_factor"].fillna("<empty>")
    checks: list[tuple[pd.Series, str | pd.Series]] = [
        (
            ~number.str.fullmatch(r"\d{4}"),
            "kommunenummer: got "
            + frame["kommunenummer"].fillna("<empty>")
            + ", expected four digits",
        ),
        (
            factor.isna() | ~np.isfinite(factor) | (factor <= 0) | (factor > MAX_COST_FACTOR),
            "cost_factor: got "
            + raw_factor
            + f", expected a number > 0 and at most {MAX_COST_FACTOR:g}",
        ),
        (number.duplicated(keep="first"), "kommunenummer: listed twice, expected once"),
    ]
    reasons = first_reason(checks, frame.index)
    rejected = reasons.notna().to_numpy()
    quarantine = quarantine_rows(
        LAYER, path, frame.index.to_numpy()[rejected], number[rejected], reasons[rejected]
    )
    accepted = pd.DataFrame(
        {
            "kommunenummer": number[~rejected].astype("str").to_numpy(),
            "cost_factor": factor[~rejected].to_numpy(dtype="float64"),
        }
    )
    return LayerResult(LAYER, accepted, quarantine, rows_read=len(frame))


def factor_per_address(factors: pd.DataFrame | None, kommunenummer: pd.Series) -> np.ndarray:
    """The cost factor of each address's kommune (1.0 where none is given)."""
    if factors is None:
        return np.ones(len(kommunenummer))
    lookup = factors.set_index("kommunenummer")["cost_factor"]
    return kommunenummer.map(lookup).fillna(1.0).to_numpy(dtype="float64")
