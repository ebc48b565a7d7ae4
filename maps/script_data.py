"""Tables as the compact JSON rows a map page's own scripts read.

The kommune map's layers (addresses, proposed masts) travel as arrays of rows inside a
``<script>`` element: numbers rounded and None where missing, texts as indices into escaped
label lists, and JSON that cannot end the script.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from maps import style

COORD_DECIMALS = 5


def dumps_for_script(value: Any) -> str:
    """JSON that is safe inside a ``<script>`` element (no ``<``, ``>``, U+2028/9 raw).

    ``&`` is left alone (it has no meaning in script text), so HTML-escaped strings stay
    readable in the page source.
    """
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return (
        text.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def nullable_floats(values: pd.Series, decimals: int | None = None) -> list[Any]:
    """A numeric column as floats rounded to ``decimals``, None where missing."""
    array = pd.to_numeric(values, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    if decimals is not None:
        array = np.round(array, decimals)
    out = array.astype(object)
    out[np.isnan(array)] = None
    return list(out)


def escaped_codes(
    values: pd.Series, labels: Mapping[str, str] | None
) -> tuple[list[Any], list[str]]:
    """Factorize a text column into indices (None for missing) and escaped labels."""
    codes, uniques = pd.factorize(values.astype("object"), use_na_sentinel=True)
    names = [style.escape(labels.get(str(u), str(u)) if labels else u) for u in uniques]
    out = codes.astype(object)
    out[codes < 0] = None
    return list(out), names
