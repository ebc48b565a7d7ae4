"""Sums of kroner that do not depend on the order of the rows.

A float sum depends on the order it adds in, so the same kommune summed from the national
run's rows and from a kommune preview's (other rows between, others first) could differ in the
last digit. :func:`exact_sum` is :func:`math.fsum`: the correctly rounded sum of the values,
the same in any order.
"""

from __future__ import annotations

import math

import pandas as pd


def exact_sum(values: pd.Series) -> float:
    """The correctly rounded sum of ``values`` (NaN counts as 0)."""
    return math.fsum(values.fillna(0.0).to_numpy(dtype="float64"))
