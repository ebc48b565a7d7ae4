"""Reading small delimited tables (offers, sites) with a clear error for a wrong header."""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from layers.errors import InputError


def _not_utf8(path: Path, what: str, byte: int | None) -> InputError:
    where = f"byte {byte} is" if byte is not None else "the file is"
    return InputError(f"{path}: {where} not valid UTF-8; expected a UTF-8 {what} file")


def read_delimited(path: Path, required: tuple[str, ...], what: str) -> pd.DataFrame:
    """Read a UTF-8 CSV (``,`` or ``;``, BOM and CRLF allowed) as strings, with pyarrow
    straight from the bytes (the national offers file is 5 M rows: no decoded copy of it).

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
            ),
        )
    except pa.ArrowInvalid as exc:
        if "UTF8" in str(exc):
            raise _not_utf8(path, what, None) from exc
        msg = f"{path}: cannot be read as a {separator!r}-separated {what} CSV: {exc}"
        raise InputError(msg) from exc
    frame: pd.DataFrame = table.to_pandas()
    frame.columns = names
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
