"""Sums of kroner that do not depend on the order of the rows.

A float sum depends on the order it adds in, so the same kommune summed from the national
run's rows and from a kommune preview's (other rows between, others first) could differ in the
last digit. :func:`exact_sum` is :func:`math.fsum`: the correctly rounded sum of the values,
the same in any order; :func:`level_sums` sums columns so per kommune, fylke and in total.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd


def exact_sum(values: pd.Series) -> float:
    """The correctly rounded sum of ``values`` (NaN counts as 0)."""
    return math.fsum(values.fillna(0.0).to_numpy(dtype="float64"))


def level_sums(
    frame: pd.DataFrame, columns: Sequence[str], levels: pd.DataFrame
) -> dict[str, np.ndarray]:
    """Each of ``columns`` of ``frame`` (per address, with ``kommunenummer`` and
    ``fylkesnummer``) summed exactly per kommune, per fylke and in total, one value per row of
    ``levels`` (``level``, ``kommunenummer``, ``fylkesnummer``: the gap table's rows); 0 where
    a kommune or fylke has no row in ``frame``."""
    names = list(columns)
    by_kommune = frame.groupby("kommunenummer")[names].agg(exact_sum)
    by_fylke = frame.groupby("fylkesnummer")[names].agg(exact_sum)
    total = frame[names].agg(exact_sum)
    level = levels["level"].to_numpy()
    return {
        column: np.select(
            [level == "kommune", level == "fylke"],
            [
                levels["kommunenummer"].map(by_kommune[column]).fillna(0.0).to_numpy(float),
                levels["fylkesnummer"].map(by_fylke[column]).fillna(0.0).to_numpy(float),
            ],
            default=float(total[column]),
        )
        for column in names
    }
