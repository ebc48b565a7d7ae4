"""layers/numbers_nb.py: Norwegian number formats, checked by hand.

Space as thousands separator, comma as decimal mark, whole numbers rounded half away from zero,
a dash (U+2013) for a missing value.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from layers import numbers_nb
from layers.numbers_nb import (
    format_int_nb,
    format_mnok,
    format_nok,
    format_number_nb,
    format_percent_nb,
    format_timestamp_nb,
)

MISSING = [np.nan, None, pd.NA, pd.NaT, float("nan")]


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


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0.5, "1"),
        (1.5, "2"),
        (-0.5, "-1"),
        (-2.5, "-3"),
        (-0.4, "0"),  # no "-0"
        (1_234_567.49, "1 234 567"),
        (-1_234_567.5, "-1 234 568"),
        (12_000_000.5, "12 000 001"),
    ],
)
def test_whole_numbers_round_half_away_from_zero(value: float, expected: str) -> None:
    assert format_int_nb(value) == expected


@pytest.mark.parametrize(
    "format_nb", [format_int_nb, format_nok, format_percent_nb, format_number_nb, format_mnok]
)
@pytest.mark.parametrize("missing", MISSING, ids=["nan", "None", "NA", "NaT", "float-nan"])
def test_a_missing_value_is_a_dash(format_nb, missing: object) -> None:
    assert format_nb(missing) == "–"


def test_kroner_are_whole_with_their_sign() -> None:
    assert format_nok(148_000) == "148 000 kr"
    assert format_nok(0.5) == "1 kr"
    assert format_nok(-148_000.5) == "-148 001 kr"


def test_percentages_of_a_share() -> None:
    assert format_percent_nb(0.372) == "37,2 %"
    assert format_percent_nb(0.0) == "0,0 %"
    assert format_percent_nb(-0.1234) == "-12,3 %"
    assert format_percent_nb(0.125, 2) == "12,50 %"
    assert format_percent_nb(12.5) == "1 250,0 %"  # a share above one is not capped


def test_numbers_drop_needless_decimals() -> None:
    assert format_number_nb(100.0) == "100"
    assert format_number_nb(12.5) == "12,5"
    assert format_number_nb(0.25, max_decimals=2) == "0,25"
    assert format_number_nb(1234.04) == "1 234"  # 1 234,0: the zero and the comma go
    assert format_number_nb(-1234.5) == "-1 234,5"
    assert format_number_nb(-0.0) == "0"


def test_numbers_without_decimals_keep_their_whole_part() -> None:
    assert format_number_nb(10.5, max_decimals=0) == format_int_nb(10.5) == "11"
    assert format_number_nb(1000.5, max_decimals=0) == "1 001"


def test_millions_of_kroner_with_one_decimal() -> None:
    assert format_mnok(249_700_000) == "249,7"
    assert format_mnok(60_600_000) == "60,6"
    assert format_mnok(1_234_560_000) == "1 234,6"
    assert format_mnok(-1_240_000) == "-1,2"
    assert format_mnok(0) == "0,0"


@pytest.mark.parametrize(
    ("iso", "expected"),
    [
        ("2026-12-06T21:03:12.817342+00:00", "6. desember 2026 kl. 22.03"),  # winter: UTC+1
        ("2026-07-01T09:30:00+00:00", "1. juli 2026 kl. 11.30"),  # summer: UTC+2
        ("2026-03-29T00:59:00", "29. mars 2026 kl. 01.59"),  # no offset: UTC, before the shift
        ("2026-03-29T01:00:00Z", "29. mars 2026 kl. 03.00"),  # after it
        ("2026-11", "2026-11"),  # not a full time: as it is
        ("kjøring 7", "kjøring 7"),
    ],
)
def test_timestamps_read_as_norwegians_write_them_in_norwegian_time(
    iso: str, expected: str
) -> None:
    assert format_timestamp_nb(iso) == expected
