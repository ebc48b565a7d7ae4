"""pipeline/products/sheets_nb.py: XLSX sheets with formats, frozen header, filter and print
set-up where no text becomes a formula; the CSV for Norwegian Excel."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.products.columns_nb import ColumnNb
from pipeline.products.sheets_nb import (
    CSV_DECIMALS,
    Sheet,
    _number_column,
    _text_column,
    decimal_comma_texts,
    mixed_column,
    row_height_pt,
    write_csv_nb,
    write_workbook,
)
from tests.pipeline.products.conftest import EVIL_NAME, RISKY_TEXTS

COLUMNS = [
    ColumnNb("name", "Navn", "text", ""),
    ColumnNb("knr", "Kommunenr.", "code", ""),
    ColumnNb("households", "Husstander (antall)", "count", ""),
    ColumnNb("last", "Husstander, dyreste 1 % (antall)", "households", ""),
    ColumnNb("cost_nok", "Kostnad (kr)", "nok", ""),
    ColumnNb("share", "Andel under mål (%)", "share", ""),
    ColumnNb("down", "Ned (Mbit/s)", "mbps", ""),
]


def _frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "name": [EVIL_NAME, *RISKY_TEXTS, "\tfane", "Ås\x07"],
            "knr": ["0301", "0301", "9902", "9902", "9902", None],
            "households": [1200, 3, 0, -2, 1, 5],
            "last": [3.04, 1.0, 0.5, np.nan, 2.0, 1.0],
            "cost_nok": [250_000_000.1, 148_000.0, np.nan, 0.4, 1e12, -1.5],
            "share": [0.25, 0.0001, 1.0, np.nan, 0.5, 0.125],
            "down": [12.5, 100.0, 1000.0, np.nan, 0.5, 30.0],
        }
    )


def test_no_text_becomes_a_formula_in_any_sheet(tmp_path: Path) -> None:
    frame = _frame()
    about = pd.DataFrame({"Felt": ["Kilde"], "Verdi": ["=1+1"]})
    path = write_workbook(
        tmp_path / "t.xlsx",
        [
            Sheet("Tabell", frame, COLUMNS, note="@merknad"),
            Sheet(
                "Om",
                about,
                [ColumnNb("Felt", "Felt", "text", ""), ColumnNb("Verdi", "-", "text", "")],
            ),
        ],
    )
    book = openpyxl.load_workbook(path)
    cells = [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
    texts = {cell.value for cell in cells if cell.data_type == "s"}
    assert {EVIL_NAME, *RISKY_TEXTS, "\tfane", "=1+1", "@merknad", "-"} <= texts
    assert "Ås" in texts  # a control character XLSX cannot hold is dropped, the name kept
    table = book["Tabell"]
    assert table["A2"].value == "Navn" and table["B3"].value == "0301"  # header under the note


def test_numbers_carry_formats_and_the_sheet_a_frozen_filtered_landscape_header(
    tmp_path: Path,
) -> None:
    path = write_workbook(tmp_path / "t.xlsx", [Sheet("Tabell", _frame(), COLUMNS)])
    sheet = openpyxl.load_workbook(path)["Tabell"]
    first = {c.value: c for c in sheet[1]}
    assert all(cell.font.b for cell in first.values())
    row = {header: cell for header, cell in zip(first, sheet[2], strict=True)}
    assert row["Kostnad (kr)"].value == 250_000_000.1
    assert row["Kostnad (kr)"].number_format == "#,##0"
    assert row["Husstander (antall)"].value == 1200
    assert row["Husstander (antall)"].number_format == "#,##0"
    assert row["Husstander, dyreste 1 % (antall)"].number_format == "#,##0"
    assert row["Andel under mål (%)"].value == 0.25
    assert row["Andel under mål (%)"].number_format == "0.0%"
    assert row["Kommunenr."].number_format == "@"
    assert sheet["E6"].value == 1e12 and sheet["E6"].number_format == "#,##0"  # no 1E+12
    assert sheet["D5"].value is None and sheet["E4"].value is None  # missing: empty cells
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:G7"
    assert sheet.page_setup.orientation == "landscape"
    assert sheet.page_setup.fitToWidth == 1 and sheet.page_setup.fitToHeight == 0
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert sheet.print_title_rows == "$1:$1"
    assert sheet.column_dimensions["E"].width == 13.0
    assert sheet.row_dimensions[1].height >= 3 * 13  # "Husstander, dyreste 1 % (antall)"


def test_the_norwegian_csv_has_a_bom_semicolons_and_decimal_commas(tmp_path: Path) -> None:
    path = write_csv_nb(tmp_path / "t.csv", _frame(), COLUMNS)
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM: Excel reads æøå
    lines = raw.decode("utf-8-sig").splitlines()
    assert lines[0] == (
        "Navn;Kommunenr.;Husstander (antall);Husstander, dyreste 1 % (antall);Kostnad (kr);"
        "Andel under mål (%);Ned (Mbit/s)"
    )
    # hand-checked: kroner to øre, shares in per cent, needless zeros dropped, quotes for ;
    assert lines[1] == '"\'=HYPERLINK(""http://x"",""y"")";0301;1200;3,04;250000000,1;25;12,5'
    assert lines[2] == "'@Storgata 1;0301;3;1;148000;0,01;100"
    assert lines[4] == "'+Plussveien 3;9902;-2;;0,4;;"
    assert lines[5] == "'\tfane;9902;1;2;1000000000000;50;0,5"  # 1e12 kr: no E-notation
    assert lines[6].startswith("Ås\x07;;5;1;-1,5;12,5;30")


def test_the_csv_puts_codes_into_words(tmp_path: Path) -> None:
    frame = pd.DataFrame({"level": ["kommune", "total", "other"]})
    column = [ColumnNb("level", "Nivå", "text", "")]
    words = {"level": {"kommune": "Kommune", "total": "Nasjonalt"}}
    lines = write_csv_nb(tmp_path / "t.csv", frame, column, words).read_text("utf-8-sig")
    assert lines.splitlines() == ["Nivå", "Kommune", "Nasjonalt", "other"]


def test_a_row_is_as_high_as_its_tallest_wrapped_text() -> None:
    assert row_height_pt(["kort"], [10.0]) == 17.0
    assert row_height_pt(["x" * 20, "kort"], [10.0, 10.0]) == 3 * 13.0 + 4.0


def test_a_text_column_with_no_text_at_all_is_written(tmp_path: Path) -> None:
    """An operator column empty in every row of a kommune (no offers there) broke the width."""
    frame = pd.DataFrame({"name": pd.Series([None, None], dtype="string"), "knr": ["1", "2"]})
    path = write_workbook(tmp_path / "t.xlsx", [Sheet("Tabell", frame, COLUMNS[:2])])
    sheet = openpyxl.load_workbook(path)["Tabell"]
    assert [cell.value for cell in sheet["A"]] == ["Navn", None, None]
    assert sheet.column_dimensions["A"].width == 10.0


MIXED_VALUES = st.one_of(
    st.text(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.none(),
    st.just(pd.NA),
    st.integers(-(2**62), 2**62).map(np.int64),
    st.floats(width=32).map(np.float32),
)


def _mixed_one_by_one(values: pd.Series) -> list[object]:
    """The slow reference: each value converted alone, as a one-row column."""
    one = [pd.Series([v]) for v in values.tolist()]
    return [_text_column(v)[0] if isinstance(v.iloc[0], str) else _number_column(v)[0] for v in one]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(MIXED_VALUES, max_size=8))
def test_mixed_column_converts_each_value_as_it_would_alone(values: list[object]) -> None:
    """Texts and numbers converted in two batches give the cells of one conversion per value
    (same type, same value; missing stays None)."""
    column = pd.Series(values, dtype=object)
    for got, expected in zip(mixed_column(column), _mixed_one_by_one(column), strict=True):
        assert type(got) is type(expected)
        assert got == expected or (got != got and expected != expected)


@given(
    values=st.lists(
        st.one_of(
            st.floats(allow_nan=True, allow_infinity=True),
            st.floats(-1e7, 1e7),
            st.integers(-(10**6), 10**6).map(lambda i: i / 8),  # halves, quarters, eighths: ties
            st.sampled_from([0.005, 1.005, 2.675, -0.004, -0.006, -0.0, 0.125, 1e20, 2.0**60]),
        ),
        max_size=40,
    ),
    decimals=st.sampled_from(sorted(set(CSV_DECIMALS.values()))),
)
@settings(max_examples=300, deadline=None)
def test_decimal_comma_texts_are_what_printf_writes(values: list[float], decimals: int) -> None:
    numbers = pd.Series(values, dtype="float64")
    made = decimal_comma_texts(numbers, decimals)
    with np.errstate(over="ignore", invalid="ignore"):
        rounded = numbers.round(decimals) + 0.0
    expected = [_printf_nb(x, decimals) if np.isfinite(x) else None for x in rounded]
    assert [None if pd.isna(t) else t for t in made] == expected


def _printf_nb(rounded: float, decimals: int) -> str:
    """One cell as printf writes it, zeros and point dropped, the point a comma."""
    text = f"{rounded:.{decimals}f}"
    if decimals:
        text = text.rstrip("0").rstrip(".")
    return text.replace(".", ",")


def test_decimal_comma_texts_by_hand() -> None:
    numbers = pd.Series([1234.5, -0.004, -0.006, 2.5, 3.5, 0.125, np.nan, 1e6, -np.inf])
    assert list(decimal_comma_texts(numbers, 2).fillna("NA")) == [
        "1234,5", "0", "-0,01", "2,5", "3,5", "0,12", "NA", "1000000", "NA",
    ]  # fmt: skip
    assert list(decimal_comma_texts(numbers, 0).fillna("NA")) == [
        "1234", "0", "0", "2", "4", "0", "NA", "1000000", "NA",
    ]  # fmt: skip
