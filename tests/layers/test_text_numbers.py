"""layers/text_numbers.py: Arrow parses text columns exactly as pandas.to_numeric would."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from layers.text_numbers import latest_timestamp, numbers_from_text

ODD_TEXT = ["1", " 3 ", "1e3", "-4", "+5", "7.", ".5", "-0", "inf", "-Infinity", "NaN", "1,5",
            "abc", "", "0x10", "1_000", "１２", "1e400", None]  # fmt: skip
NUMBER_LIKE = st.one_of(
    st.integers(-(10**12), 10**12).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(ODD_TEXT),
    st.text(alphabet="0123456789.,+-eE xnaif", max_size=8),
)


def _same(ours: pd.Series, pandas: pd.Series) -> None:
    np.testing.assert_array_equal(ours.to_numpy("float64"), pandas.to_numpy("float64"))
    assert ours.index.equals(pandas.index)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(NUMBER_LIKE, st.none()), max_size=30))
def test_every_text_parses_as_pandas_to_numeric_would(texts: list[str | None]) -> None:
    for dtype in ("str", object):
        values = pd.Series(texts, dtype=dtype, index=range(10, 10 + len(texts)))
        expected = pd.to_numeric(values, errors="coerce")
        _same(numbers_from_text(values), expected)
        _same(numbers_from_text(values, whole=True), expected)


def test_hexadecimal_is_no_number_as_for_pandas() -> None:
    for whole in (False, True):
        parsed = numbers_from_text(pd.Series(["0x10", "12", "0X1A"], dtype="str"), whole=whole)
        assert parsed.tolist()[1] == 12 and parsed.isna().tolist() == [True, False, True]


def test_whole_ids_stay_exact_beyond_two_to_the_53() -> None:
    ids = numbers_from_text(pd.Series(["12", "9007199254740993"], dtype="str"), whole=True)
    assert ids.dtype == "int64"
    assert ids.tolist() == [12, 2**53 + 1]  # a float64 would round it to 2**53


def test_hand_checked_odd_values() -> None:
    parsed = numbers_from_text(pd.Series(ODD_TEXT, dtype="str"))
    assert parsed.iloc[:8].tolist() == [1.0, 3.0, 1000.0, -4.0, 5.0, 7.0, 0.5, 0.0]
    assert np.isposinf(parsed.iloc[8]) and np.isneginf(parsed.iloc[9])
    assert parsed.iloc[10:16].isna().all() and np.isposinf(parsed.iloc[17])


def test_latest_timestamp_ignores_what_is_not_one() -> None:
    stamps = pd.Series(["01.02.2024 10:11:12.123456", "31.12.2023 23:59:59", "32.01.2024 00:00:00",
                        "i går", None], dtype="str")  # fmt: skip
    latest = latest_timestamp(stamps, "%d.%m.%Y %H:%M:%S", 19)
    assert latest == pd.Timestamp("2024-02-01 10:11:12")
    assert latest_timestamp(stamps.iloc[2:], "%d.%m.%Y %H:%M:%S", 19) is None
