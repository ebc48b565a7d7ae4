"""Reading small delimited tables (offers, sites) with a clear error for a wrong header."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd

from pipeline.errors import InputError


def read_delimited(path: Path, required: tuple[str, ...], what: str) -> pd.DataFrame:
    """Read a UTF-8 CSV (``,`` or ``;``, BOM and CRLF allowed) as strings.

    Raises :class:`InputError` naming the file when it is missing, not UTF-8, or lacks a
    required column.
    """
    if not path.exists():
        msg = f"{path}: {what} file not found"
        raise InputError(msg)
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        msg = f"{path}: byte {exc.start} is not valid UTF-8; expected a UTF-8 {what} file"
        raise InputError(msg) from exc
    first_line = text.split("\n", 1)[0]
    separator = ";" if first_line.count(";") > first_line.count(",") else ","
    frame = pd.read_csv(
        io.StringIO(text), sep=separator, dtype="str", keep_default_na=False, na_values=[""]
    )
    frame.columns = [c.strip() for c in frame.columns]
    missing = [c for c in required if c not in frame.columns]
    if missing:
        msg = f"{path}: missing columns {missing}; expected a {what} header {list(required)}"
        raise InputError(msg)
    return frame
