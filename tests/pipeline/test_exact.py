"""Kroner summed the same in any order (:mod:`pipeline.exact`)."""

from __future__ import annotations

import math
import random

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.exact import exact_sum, level_sums


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


def test_level_sums_by_hand() -> None:
    frame = pd.DataFrame(
        {
            "kommunenummer": ["0301", "0301", "3401"],
            "fylkesnummer": ["03", "03", "34"],
            "x": [1.5, 2.0, 4.0],
        }
    )
    levels = pd.DataFrame(
        {
            "level": ["kommune", "kommune", "kommune", "fylke", "fylke", "total"],
            "kommunenummer": ["0301", "3401", "3403", None, None, None],
            "fylkesnummer": ["03", "34", "34", "03", "34", None],
        }
    )
    assert level_sums(frame, ["x"], levels)["x"].tolist() == [3.5, 4.0, 0.0, 3.5, 4.0, 7.5]
