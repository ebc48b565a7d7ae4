"""Kroner summed the same in any order (:mod:`pipeline.exact`)."""

from __future__ import annotations

import math
import random

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.exact import exact_sum


def test_a_sum_a_float_loop_gets_wrong() -> None:
    values = pd.Series([1e16, 1.0, -1e16, 1.0])
    assert sum(values) == 1.0  # the naive sum loses the first 1.0
    assert exact_sum(values) == 2.0


def test_missing_counts_as_zero() -> None:
    assert exact_sum(pd.Series([1.5, np.nan, 2.5])) == 4.0
    assert exact_sum(pd.Series([], dtype="float64")) == 0.0


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(0, 1e9, allow_nan=False), min_size=1, max_size=60), st.integers(0, 9))
def test_any_order_gives_the_same_sum(values: list[float], seed: int) -> None:
    shuffled = list(values)
    random.Random(seed).shuffle(shuffled)
    assert exact_sum(pd.Series(values)) == exact_sum(pd.Series(shuffled)) == math.fsum(values)
