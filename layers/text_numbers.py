"""Numbers and timestamps parsed from text columns in C (Arrow), not one Python call per row.

:func:`numbers_from_text` is ``pandas.to_numeric(values, errors="coerce")`` for a column read as
text: the same values (NaN where the text is not a number), without pandas' per-value
Python parsing (55 s of a 63 s national ingest, 1.8 M addresses and 5.4 M offers). Arrow's
cast parses the trimmed text; where a column holds something that is not a number, the rows
that look like numbers are cast and the rest are NaN; a column Arrow still cannot cast falls
back to pandas, so the answer never depends on which path ran.

:func:`latest_timestamp` is the latest of a text column of timestamps in one ``strptime``
format (not a date: ignored).
"""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

# A decimal number as pandas.to_numeric reads one: sign, digits with an optional point (or a
# leading point), an optional exponent; or inf / nan in any case.
NUMBER_PATTERN = r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$|^[-+]?(inf|infinity|nan)$"


def _as_text(values: pd.Series) -> pa.Array:
    return pc.utf8_trim_whitespace(pa.array(values, type=pa.string(), from_pandas=True))


def _cast_numbers(text: pa.Array, whole: bool) -> pa.Array | None:
    """``text`` cast to int64 (``whole``, exact beyond 2**53) or float64; None if Arrow cannot.
    Arrow reads ``0x10`` as sixteen where pandas sees no number: a column with an ``x`` in it
    goes the way of texts that are not all numbers."""
    kinds = (pa.int64(), pa.float64()) if whole else (pa.float64(),)
    if not pc.any(pc.match_substring(text, "x", ignore_case=True)).as_py():
        for kind in kinds:
            try:
                return pc.cast(text, kind)
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                continue
    looks_numeric = pc.match_substring_regex(text, NUMBER_PATTERN, ignore_case=True)
    try:
        return pc.cast(pc.if_else(looks_numeric, text, pa.scalar(None, pa.string())), pa.float64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None


def numbers_from_text(values: pd.Series, whole: bool = False) -> pd.Series:
    """``pandas.to_numeric(values, errors="coerce")`` of a text column (module docstring),
    aligned to its index: int64 when ``whole`` and every value is an integer, else float64
    with NaN where the text is missing or not a number."""
    if len(values) == 0 or not (
        pd.api.types.is_string_dtype(values.dtype) or values.dtype == object
    ):
        return pd.to_numeric(values, errors="coerce")
    try:
        text = _as_text(values)
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # not all text: pandas decides
        return pd.to_numeric(values, errors="coerce")
    parsed = _cast_numbers(text, whole)
    if parsed is None:
        return pd.to_numeric(values, errors="coerce")
    if pa.types.is_integer(parsed.type) and parsed.null_count == 0:
        return pd.Series(parsed.to_numpy(), index=values.index, dtype="int64")
    floats = pc.cast(parsed, pa.float64()).to_numpy(zero_copy_only=False)
    return pd.Series(floats, index=values.index, dtype="float64")


def latest_timestamp(values: pd.Series, format: str, width: int) -> pd.Timestamp | None:
    """The latest of the first ``width`` characters of each value parsed with ``format``
    (``strptime`` codes); None when no value parses."""
    text = pc.utf8_slice_codeunits(_as_text(values), 0, width)
    stamps = pc.strptime(text, format=format, unit="us", error_is_null=True)
    latest = pc.max(stamps).as_py()
    return None if latest is None else pd.Timestamp(latest)
