"""Reading delimited tables (offers, sites, cost factors) with a clear error for a wrong header,
and the physical line number of every record (:func:`record_lines`)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from layers.errors import InputError


def _not_utf8(path: Path, what: str, byte: int | None) -> InputError:
    where = f"byte {byte} is" if byte is not None else "the file is"
    return InputError(f"{path}: {where} not valid UTF-8; expected a UTF-8 {what} file")


LF, CR, QUOTE = 10, 13, 34


def record_lines(raw: bytes, quoted: bool = True) -> np.ndarray:
    """The physical line number (header = line 1) of every non-empty data record of a CSV.

    Blank lines (empty or a lone ``\\r``) are skipped as the CSV readers skip them, but counted;
    with ``quoted``, a newline inside ``"..."`` belongs to its record (an odd number of quotes
    before it), so a record spanning lines is numbered by its first line. Vectorised over the
    bytes: a 200 MB file takes a fraction of a second.
    """
    data = np.frombuffer(raw, dtype=np.uint8)
    newlines = np.flatnonzero(data == LF)
    breaks = newlines
    if quoted:
        quotes = np.flatnonzero(data == QUOTE)
        if len(quotes):
            breaks = newlines[np.searchsorted(quotes, newlines) % 2 == 0]
    starts = np.concatenate(([0], breaks + 1))
    ends = np.concatenate((breaks, [len(data)]))
    length = ends - starts
    first_byte = np.zeros(len(starts), dtype=np.uint8)
    inside = starts < len(data)
    first_byte[inside] = data[starts[inside]]
    lone_cr = (length == 1) & (first_byte == CR)
    non_empty = (length > 0) & ~lone_cr
    lines: np.ndarray = np.searchsorted(newlines, starts).astype("int64") + 1
    numbered: np.ndarray = lines[non_empty][1:]  # the first non-empty record is the header
    return numbered


def csv_module_lines(text: str, separator: str) -> np.ndarray:
    """:func:`record_lines` by Python's csv module, one record at a time: the fallback when a
    stray quote inside a field makes the vectorised count disagree with the reader."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator)
    lines: list[int] = []
    previous = 0
    for record in reader:
        if record:
            lines.append(previous + 1)
        previous = reader.line_num
    return np.array(lines[1:], dtype="int64")


def _line_index(raw: bytes, rows: int, separator: str) -> pd.Index:
    lines = record_lines(raw)
    if len(lines) != rows:
        lines = csv_module_lines(raw.decode("utf-8-sig"), separator)
    if len(lines) != rows:  # the readers disagree: number the records, never guess a line
        lines = np.arange(2, rows + 2, dtype="int64")
    index: pd.Index = pd.Index(lines, name="line")
    return index


def read_delimited(path: Path, required: tuple[str, ...], what: str) -> pd.DataFrame:
    """Read a UTF-8 CSV (``,`` or ``;``, BOM and CRLF allowed) as strings, with pyarrow
    straight from the bytes (the national offers file is 5 M rows: no decoded copy of it).

    The frame's index is each row's physical line in the file (header = 1, blank lines and
    lines inside quoted fields counted), for the quarantine's ``row_number``.

    Raises :class:`InputError` naming the file when it is missing, not UTF-8, or lacks a
    required column.
    """
    if not path.exists():
        msg = f"{path}: {what} file not found"
        raise InputError(msg)
    raw = path.read_bytes()
    first_line = raw[:65536].split(b"\n", 1)[0]
    try:
        header = first_line.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _not_utf8(path, what, exc.start) from exc
    separator = ";" if header.count(";") > header.count(",") else ","
    names = [c.strip() for c in header.rstrip("\r").split(separator)]
    try:
        table = pacsv.read_csv(
            io.BytesIO(raw),
            parse_options=pacsv.ParseOptions(delimiter=separator),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(
                    header.lstrip("\ufeff").rstrip("\r").split(separator), pa.string()
                ),
                strings_can_be_null=True,
                null_values=[""],  # only an empty field is missing: "nan" or "NA" is text
            ),
        )
    except pa.ArrowInvalid as exc:
        if "UTF8" in str(exc):
            raise _not_utf8(path, what, None) from exc
        msg = f"{path}: cannot be read as a {separator!r}-separated {what} CSV: {exc}"
        raise InputError(msg) from exc
    frame: pd.DataFrame = table.to_pandas()
    frame.columns = names
    frame.index = _line_index(raw, len(frame), separator)
    missing = [c for c in required if c not in frame.columns]
    if missing:
        msg = f"{path}: missing columns {missing}; expected a {what} header {list(required)}"
        raise InputError(msg)
    return frame


def require_columns(frame: pd.DataFrame, required: Sequence[str], table: str) -> None:
    """Raise :class:`InputError` naming the columns of ``required`` that ``frame`` lacks."""
    missing = [c for c in required if c not in frame.columns]
    if missing:
        msg = (
            f"{table}: missing columns {missing}; expected at least {list(required)} "
            f"(got {list(frame.columns)})"
        )
        raise InputError(msg)
