"""Tables for people: XLSX sheets and CSVs for Norwegian Excel, from a frame and its
Norwegian columns (:mod:`pipeline.products.columns_nb`).

An XLSX sheet gets bold wrapped headers, a frozen header row, an autofilter, column widths, a
number format per column kind (``#,##0`` for kroner and households: thousands separated by the
reader's locale, a space in Norwegian Excel; per cent with one decimal; never E-notation) and a
landscape print set-up fitted to the page width. Every text is written as a text cell, so
``=HYPERLINK(…)`` or ``@foo`` from a name in the data is shown, never run. openpyxl's
write-only mode streams the rows (about 10 µs a cell).

The Norwegian CSV: ``;`` between fields, UTF-8 with BOM (Excel then reads æøå), decimal comma,
Norwegian headers, shares in per cent; texts that a spreadsheet would run are quoted with ``'``
(as :func:`pipeline.products.tables.spreadsheet_safe` does, here over string arrays).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from pipeline.products.columns_nb import ColumnNb, Kind
from pipeline.products.tables import FORMULA_START

NUMBER_FORMATS: Final[dict[Kind, str]] = {
    "text": "@",
    "code": "@",
    "id": "0",
    "count": "#,##0",
    "households": "#,##0",
    "nok": "#,##0",
    "share": "0.0%",
    "mbps": "#,##0.##",
}
# decimals in the Norwegian CSV (shares are written in per cent)
CSV_DECIMALS: Final[dict[Kind, int]] = {
    "id": 0,
    "count": 0,
    "households": 2,
    "nok": 2,
    "share": 4,
    "mbps": 3,
}
WIDTHS: Final[dict[Kind, float]] = {
    "text": 10.0,
    "code": 11.0,
    "id": 11.0,
    "count": 12.5,
    "households": 12.5,
    "nok": 13.0,
    "share": 12.0,
    "mbps": 10.0,
}
MAX_TEXT_WIDTH: Final = 40.0
LINE_HEIGHT_PT: Final = 13.0  # a line of 10-11 pt text


def row_height_pt(texts: Sequence[str], widths: Sequence[float]) -> float:
    """Height of a row whose texts wrap in columns of ``widths`` (characters): the lines of
    its tallest cell (LibreOffice does not grow a row of wrapped text by itself)."""
    lines = [
        max(1, -(-len(text) // max(1, int(width * 0.95))))
        for text, width in zip(texts, widths, strict=True)
    ]
    return LINE_HEIGHT_PT * max(lines, default=1) + 4.0


@dataclass(frozen=True)
class Sheet:
    """One sheet: its name, rows (machine column names) and the columns shown, in order.
    ``values`` maps a column to the Norwegian words for its codes (``"kommune"`` → "Kommune");
    ``note`` is a line written above the table (none: the header is row 1)."""

    name: str
    frame: pd.DataFrame
    columns: Sequence[ColumnNb]
    values: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    note: str = ""
    wrap: bool = False  # texts wrap in their cells (the about sheets)
    widths: Mapping[str, float] = field(default_factory=dict)  # column name → width
    title: str = ""  # printed on top of each page
    # a column of numbers and texts mixed, with one number format per row (a summary)
    mixed: str = ""
    row_formats: Sequence[str] = ()


def readable(frame: pd.DataFrame, values: Mapping[str, Mapping[str, str]]) -> pd.DataFrame:
    """``frame`` with each coded column of ``values`` in words (codes not listed unchanged)."""
    out = frame.copy()
    for column, words in values.items():
        if column in out.columns:
            out[column] = out[column].replace(dict(words))
    return out


def _text_column(values: pd.Series) -> list[Any]:
    """Texts for a text cell: missing → None, control characters XLSX cannot hold removed."""
    texts = values.astype("string").str.replace(ILLEGAL_CHARACTERS_RE, "", regex=True)
    cleaned: list[Any] = texts.astype(object).where(texts.notna(), None).tolist()
    return cleaned


def _number_column(values: pd.Series) -> list[Any]:
    numbers = pd.to_numeric(values, errors="coerce").astype("float64").to_numpy()
    whole = np.isfinite(numbers) & (numbers == np.round(numbers)) & (np.abs(numbers) < 2**53)
    cells: list[Any] = numbers.tolist()
    return [
        (int(v) if w else v) if v == v and v not in (np.inf, -np.inf) else None
        for v, w in zip(cells, whole.tolist(), strict=True)
    ]


def mixed_column(values: pd.Series) -> list[Any]:
    """Cells of a column of numbers and texts mixed (a summary's values): each text as
    :func:`_text_column`, each other value as :func:`_number_column` makes it; the texts
    converted together and the numbers together (one pair of conversions, not one per row:
    a kommune summary has some 150 rows)."""
    items = values.tolist()
    is_text = [isinstance(v, str) for v in items]
    texts = _text_column(
        pd.Series([v for v, t in zip(items, is_text, strict=True) if t], dtype=object)
    )
    others = [v for v, t in zip(items, is_text, strict=True) if not t]
    numbers = _number_column(pd.Series(others, dtype=object))
    text_cells, number_cells = iter(texts), iter(numbers)
    return [next(text_cells) if t else next(number_cells) for t in is_text]


def _column(values: pd.Series, column: ColumnNb, mixed: str) -> list[Any]:
    if column.name == mixed:  # numbers as numbers, texts as texts
        return mixed_column(values)
    if column.kind in ("text", "code"):
        return _text_column(values)
    return _number_column(values)


def _cells(sheet: WriteOnlyWorksheet, frame: pd.DataFrame, spec: Sheet) -> Any:
    """The rows of cells, column by column prepared, row by row yielded."""
    columns = spec.columns
    wrap = Alignment(wrap_text=True, vertical="top") if spec.wrap else None
    prepared = [_column(frame[c.name], c, spec.mixed) for c in columns]
    formats = [NUMBER_FORMATS[c.kind] for c in columns]
    mixed = [c.name for c in columns].index(spec.mixed) if spec.mixed else -1
    for index, row in enumerate(zip(*prepared, strict=True)):
        cells = []
        if mixed >= 0:
            formats[mixed] = spec.row_formats[index]
        for value, number_format in zip(row, formats, strict=True):
            cell = WriteOnlyCell(sheet, value)
            if wrap is not None:
                cell.alignment = wrap
            if isinstance(value, str):
                cell.data_type = "s"  # "=…" stays a text: never a formula
            cell.number_format = number_format
            cells.append(cell)
        yield cells


def _widths(spec: Sheet) -> list[float]:
    """Column widths (characters): by kind, a text column as wide as its longest text (at most
    :data:`MAX_TEXT_WIDTH`), and never so narrow that a word of the bold header breaks."""
    widths = []
    for column in spec.columns:
        width = WIDTHS[column.kind]
        if column.name in spec.widths:
            widths.append(spec.widths[column.name])
            continue
        if column.kind == "text" and len(spec.frame):
            lengths = spec.frame[column.name].astype("string").str.len()
            longest = float(lengths.max()) if lengths.notna().any() else 0.0  # all missing: 0
            width = min(MAX_TEXT_WIDTH, max(width, longest + 2))
        word = max((len(w) for w in column.header.split()), default=0)
        widths.append(max(width, round(word * 1.15 + 1.5, 1)))
    return widths


def _set_up(sheet: WriteOnlyWorksheet, spec: Sheet, header_row: int) -> list[float]:
    """Widths, header height, frozen header, autofilter and print set-up (before any row is
    written); returns the widths."""
    widths = _widths(spec)
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    header_height = row_height_pt([c.header for c in spec.columns], widths)
    sheet.row_dimensions[header_row].height = header_height
    last = get_column_letter(max(1, len(spec.columns)))
    sheet.freeze_panes = f"A{header_row + 1}"
    sheet.auto_filter.ref = f"A{header_row}:{last}{header_row + len(spec.frame)}"
    sheet.print_title_rows = f"{header_row}:{header_row}"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = "9"  # A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_options.gridLines = True
    return widths


def _header(sheet: WriteOnlyWorksheet, text: str, bold: bool = True) -> WriteOnlyCell:
    """A header cell (bold, wrapped) or, not bold, the note above a table (one line that runs
    on over the empty cells beside it)."""
    cell = WriteOnlyCell(sheet, ILLEGAL_CHARACTERS_RE.sub("", text))
    cell.data_type = "s"
    cell.font = Font(name="Calibri", size=11, bold=bold)
    cell.alignment = Alignment(wrap_text=bold, vertical="top")
    return cell


def _page_texts(sheet: WriteOnlyWorksheet, title: str) -> None:
    """Printed pages say what they are: the title and sheet name on top, "Side n av m" below."""
    sheet.oddHeader.left.text = title.replace("&", "&&")
    sheet.oddHeader.right.text = "&A"  # the sheet's name
    sheet.oddFooter.right.text = "Side &P av &N"


def add_sheet(book: Workbook, spec: Sheet) -> None:
    """Write ``spec`` as a new sheet of a write-only ``book``."""
    sheet = book.create_sheet(spec.name)
    header_row = 2 if spec.note else 1
    widths = _set_up(sheet, spec, header_row)
    _page_texts(sheet, spec.title)
    if spec.wrap:  # the rows of a small sheet of texts: each as high as its text
        for row, texts in enumerate(spec.frame.astype("string").fillna("").values.tolist()):
            sheet.row_dimensions[header_row + 1 + row].height = row_height_pt(texts, widths)
    if spec.note:
        sheet.append([_header(sheet, spec.note, bold=False)])
    sheet.append([_header(sheet, c.header) for c in spec.columns])
    for cells in _cells(sheet, readable(spec.frame, spec.values), spec):
        sheet.append(cells)


def write_workbook(path: Path, sheets: Sequence[Sheet]) -> Path:
    """The sheets, in order, as one XLSX file."""
    book = Workbook(write_only=True)
    for spec in sheets:
        add_sheet(book, spec)
    book.save(path)
    return path


def _csv_column(values: pd.Series, kind: Kind) -> pd.Series:
    """One column as the Norwegian CSV writes it: numbers with a decimal comma (shares in per
    cent), whole kinds without decimals, missing as an empty field; a text a spreadsheet
    would run quoted by a leading ' (numbers never: "-2" is minus two)."""
    if kind in ("text", "code"):  # quoted by a leading ' when a spreadsheet would run it
        strings = values.astype("string")
        risky = strings.str.contains(FORMULA_START, regex=True, na=False)
        return strings.mask(risky, "'" + strings)
    numbers = pd.to_numeric(values, errors="coerce").astype("float64")
    if kind == "share":
        numbers = numbers * 100.0
    return decimal_comma_texts(numbers, CSV_DECIMALS[kind])


def _printf_texts(numbers: pd.Series, decimals: int) -> pd.Series:
    """:func:`decimal_comma_texts` by ``printf`` (``%.{decimals}f``) per cell: the reference,
    used for the cells beyond 2^53 units of the last decimal."""
    with np.errstate(over="ignore", invalid="ignore"):
        rounded = numbers.round(decimals).to_numpy() + 0.0  # -0.0 → 0.0
    texts = np.char.mod(f"%.{decimals}f", np.nan_to_num(rounded))
    if decimals:
        texts = np.char.rstrip(np.char.rstrip(texts, "0"), ".")
    out = pd.Series(np.char.replace(texts, ".", ","), index=numbers.index, dtype="string")
    return out.mask(~np.isfinite(rounded))


def decimal_comma_texts(numbers: pd.Series, decimals: int) -> pd.Series:
    """Numbers as text with a decimal comma, rounded half to even to ``decimals`` and without
    trailing zeros (``1234.50`` → ``"1234,5"``; ``-0.004`` at 2 → ``"0"``); NaN and the
    infinities → missing (a spreadsheet has no infinity; printf's ``%f`` of ``nan_to_num``
    wrote ±inf as a 309-digit number before).

    With :math:`k = \\operatorname{rint}(x \\cdot 10^{d})` the text is the digits of
    :math:`|k|` with a comma :math:`d` places from the right, ``-`` where :math:`k < 0`: what
    ``printf("%.df")`` writes of ``round(x, d)`` while :math:`|k| < 2^{53}` (the rounded
    double is then the decimal nearest to :math:`k / 10^d`). Made in Arrow's string kernels
    instead of ``printf`` per cell (20-40× faster on a million cells); cells beyond
    :math:`2^{53}` take :func:`_printf_texts`.
    """
    values = numbers.to_numpy(dtype="float64")
    scale = 10**decimals
    with np.errstate(over="ignore", invalid="ignore"):  # beyond 1e308: inf, taken below
        scaled = np.rint(values * float(scale))
    exact = np.abs(scaled) < 2.0**53  # False for NaN, the infinities and beyond 2^53
    units = np.abs(np.where(exact, scaled, 0.0).astype(np.int64))
    text = pc.cast(pa.array(units // scale), pa.string())
    if decimals:
        padded = pc.cast(pa.array(units % scale + scale), pa.string())  # "1" + d digits
        fraction = pc.utf8_rtrim(pc.utf8_slice_codeunits(padded, 1), characters="0")
        joined = pc.binary_join_element_wise(text, fraction, ",")
        text = pc.if_else(pc.greater(pc.utf8_length(fraction), 0), joined, text)
    text = pc.if_else(pa.array(scaled < 0), pc.binary_join_element_wise("-", text, ""), text)
    out = pd.Series(text.to_numpy(zero_copy_only=False), index=numbers.index, dtype="string")
    beyond = ~exact & np.isfinite(values)
    if beyond.any():
        out[beyond] = _printf_texts(numbers[beyond], decimals)
    return out.mask(~np.isfinite(values))


def write_csv_nb(
    path: Path,
    frame: pd.DataFrame,
    columns: Sequence[ColumnNb],
    values: Mapping[str, Mapping[str, str]] | None = None,
) -> Path:
    """``frame`` as a CSV for Norwegian Excel (see the module's docstring)."""
    words = readable(frame, values or {})
    table = pd.DataFrame({c.header: _csv_column(words[c.name], c.kind) for c in columns})
    table.to_csv(path, sep=";", index=False, encoding="utf-8-sig")
    return path
