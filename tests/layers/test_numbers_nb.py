"""layers/numbers_nb.py: Norwegian number formats, checked by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from layers import numbers_nb


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1234567, "1 234 567"),
        (0, "0"),
        (999, "999"),
        (1000, "1 000"),
        (2.5, "3"),
        (np.int64(12345), "12 345"),
        (np.nan, "–"),
        (None, "–"),
        (pd.NA, "–"),
    ],
)
def test_format_int_uses_space_thousands_separator(value: object, expected: str) -> None:
    assert numbers_nb.format_int_nb(value) == expected  # type: ignore[arg-type]


def test_other_number_formats_are_norwegian() -> None:
    assert numbers_nb.format_nok(1234567.4) == "1 234 567 kr"
    assert numbers_nb.format_percent_nb(0.1234) == "12,3 %"
    assert numbers_nb.format_percent_nb(1.0) == "100,0 %"
    assert numbers_nb.format_decimal_nb(1234.56, 2) == "1 234,56"
    assert numbers_nb.format_mbps(100.0) == "100"
    assert numbers_nb.format_mbps(12.5) == "12,5"
