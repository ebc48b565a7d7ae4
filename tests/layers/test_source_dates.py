"""layers/source_dates.py: a row's own date, else the file's date from the config, else one in
the file's name, else none."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from layers.errors import ConfigError
from layers.source_dates import config_date, date_in_file_name, parse_dates, row_dates


def test_config_dates_are_iso_or_empty() -> None:
    assert config_date("[inputs].offers_date", "2025-06-30") == date(2025, 6, 30)
    assert config_date("[inputs].offers_date", "") is None
    with pytest.raises(ConfigError, match=r"\[inputs\]\.lacking_30_date: got '30\.06\.2025'"):
        config_date("[inputs].lacking_30_date", "30.06.2025")


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Mangler_100Mbit_2025-06-30.csv", date(2025, 6, 30)),
        ("dekning_20241231_nasjonal.csv", date(2024, 12, 31)),
        ("Mangler_30Mbit_csv.zip", None),  # Nkom's own names carry no date
        ("liste_20251340.csv", None),  # no 13th month
        ("adresser_120250630.csv", None),  # digits run on: not a date
    ],
)
def test_a_date_in_the_file_name(name: str, expected: date | None) -> None:
    assert date_in_file_name(Path(name)) == expected


def test_row_dates_take_the_row_then_the_file_then_the_name() -> None:
    parsed, bad = parse_dates(pd.Series(["2025-06-30", "1.9.2025", "", None, "i fjor"]))
    assert parsed.astype("string").fillna("").tolist() == ["2025-06-30", "2025-09-01", "", "", ""]
    assert bad.tolist() == [False, False, False, False, True]
    frame = pd.DataFrame({"Dato": ["2025-06-30", ""], "x": ["1", "2"]})
    dates, bad, column = row_dates(frame, date(2025, 1, 1), Path("a.csv"))
    assert column == "Dato" and not bad.any()
    assert dates.astype("string").tolist() == ["2025-06-30", "2025-01-01"]
    no_column = frame.drop(columns="Dato")
    dates, _, column = row_dates(no_column, None, Path("offers_2024-12-31.csv"))
    assert column == "" and dates.astype("string").tolist() == ["2024-12-31"] * 2
    assert row_dates(no_column, None, Path("offers.csv"))[0].isna().all()
