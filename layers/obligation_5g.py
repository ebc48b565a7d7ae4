"""Nkom's list of buildings under the 5G coverage obligation ("utbyggingsoversikten").

After the 2021 auction of the 2.6 and 3.6 GHz bands the winners took on a voluntary obligation
to offer at least 100/10 Mbit/s to the households and business buildings on a list Nkom
publishes and updates every December (about 41,300 buildings in the version of 21.12.2023:
nkom.no, "Oversikt over bygg som inngår i utbyggingsforpliktelsen for 2,6 GHz- og
3,6 GHz-båndene"). Nkom ships it as an address list ("Oversikt over bygg fordelt på adresser",
with the building's support class 1–3) and as map files (KML) — the same layout as its lists of
addresses lacking 30 / 100 Mbit/s, so this reader takes the same files
(:func:`layers.nkom_list_files.read_list_table`: CSV ``;``/``,`` in UTF-8 or Windows-1252, KML,
KMZ or either zipped) and, for lists saved by a kommune, Parquet with the same columns.

Canonical table, one row per listed building:

=================  =========================================================================
``address_id``     the address the row names (``adresseid``), or the nearest address within
                   ``link_m`` of its point when it gives only coordinates (Int64)
``building_number`` ``bygningsnummer`` where given (nullable Int64, provenance only)
``support_class``  ``klasse`` / ``støtteklasse`` 1–3 where given (nullable Int64)
``x_m``, ``y_m``   the row's point in EPSG:25833 (NaN where it gives only an id)
``row_number``     the row in the file (header = 1; KML placemarks 1, 2, …)
=================  =========================================================================

Quarantine (rows read = accepted + quarantined): a row with neither an id nor coordinates,
unreadable values, a point outside Norway, a repeated id, a support class outside 1–3, an id
that is not in the address layer, or a point with no address within ``link_m``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from layers.errors import InputError
from layers.nkom_list_files import read_list_table
from layers.nkom_lists import list_row_reasons
from layers.quarantine import (
    NO_ADDRESS_NEAR,
    NOT_IN_ADDRESS_LAYER,
    LayerResult,
    first_reason,
    quarantine_rows,
)
from layers.vector import find_column, to_float

LAYER = "obligation_5g"
BUILDING_COLUMNS = ("bygningsnummer", "bygningsnr", "building_number", "bygg_id")
CLASS_COLUMNS = ("klasse", "støtteklasse", "stotteklasse", "support_class")
SUPPORT_CLASSES = (1, 2, 3)


def _optional_integer(
    frame: pd.DataFrame, candidates: tuple[str, ...], allowed: tuple[int, ...] | None
) -> tuple[pd.Series, pd.Series]:
    """A nullable Int64 column and, per row, why its non-empty value is not a whole number (in
    ``allowed`` when given); NA where it is fine."""
    column = find_column(frame, candidates)
    if column is None:
        return (
            pd.Series(pd.NA, index=frame.index, dtype="Int64"),
            pd.Series(pd.NA, index=frame.index, dtype="object"),
        )
    text = frame[column].astype("string").str.strip()
    value = to_float(text)
    given = text.notna() & (text != "")
    bad = given & (value.isna() | (value != value.round()) | (value < 0))
    expected = "a whole number"
    if allowed is not None:
        bad |= given & ~value.isin(allowed)
        expected = f"one of {list(allowed)}"
    reason = pd.Series(pd.NA, index=frame.index, dtype="object").mask(
        bad.to_numpy(), f"{column}: got " + text.fillna("") + f", expected {expected}"
    )
    return value.where(~bad).round().astype("Int64"), reason


def _nearest_address(
    x_m: np.ndarray, y_m: np.ndarray, addresses: pd.DataFrame, link_m: float
) -> np.ndarray:
    """Per point the ``address_id`` of the nearest address within ``link_m`` (-1: none); a
    k-d tree over the address coordinates (no point geometries for 2.6 M addresses)."""
    linked = np.full(len(x_m), -1, dtype="int64")
    points_at = np.flatnonzero(np.isfinite(x_m) & np.isfinite(y_m))
    xy_m = addresses[["x_m", "y_m"]].to_numpy(dtype="float64")
    usable = np.flatnonzero(np.isfinite(xy_m).all(axis=1))
    if not len(points_at) or not len(usable):
        return linked
    tree = cKDTree(xy_m[usable])
    distance_m, nearest = tree.query(
        np.column_stack([x_m[points_at], y_m[points_at]]), distance_upper_bound=link_m
    )
    found = np.isfinite(distance_m)
    ids = addresses["address_id"].to_numpy("int64")[usable]
    linked[points_at[found]] = ids[nearest[found]]
    return linked


def _link_reasons(
    by_id: np.ndarray, known: pd.Series, nearest: np.ndarray, link_m: float
) -> pd.Series:
    """Why a row names no address: an id not in the address layer, or a point with no address
    within ``link_m`` (NA where it is linked)."""
    reasons = pd.Series(pd.NA, index=known.index, dtype="object")
    reasons = reasons.mask(by_id & ~known.to_numpy(), f"adresseid: {NOT_IN_ADDRESS_LAYER}")
    return reasons.mask(
        ~by_id & (nearest < 0),
        f"{NO_ADDRESS_NEAR} {link_m:g} m of the point; expected a listed building beside an"
        " address of the address layer",
    )


def read_obligation_list(
    path: Path | str, addresses: pd.DataFrame, link_m: float = 50.0, epsg: int | None = None
) -> LayerResult:
    """Read Nkom's 5G obligation list and link every row to an address.

    A row with an ``adresseid`` names that address; a row with only coordinates names the
    nearest address (``addresses``: ``address_id``, ``x_m``, ``y_m`` in EPSG:25833) within
    ``link_m`` metres. The module docstring lists what goes to quarantine.

    Returns
    -------
    LayerResult
        Layer ``obligation_5g``; its accepted table has the columns of the module docstring.
    """
    path = Path(path)
    if not path.exists():
        msg = f"{path}: the 5G obligation list ([inputs].obligation_5g) not found"
        raise InputError(msg)
    fields, raw, row_number = read_list_table(path, epsg)
    reasons, address_id, x_m, y_m = list_row_reasons(fields)
    building, bad_building = _optional_integer(raw, BUILDING_COLUMNS, None)
    support_class, bad_class = _optional_integer(raw, CLASS_COLUMNS, SUPPORT_CLASSES)
    by_id = address_id.notna().to_numpy()
    nearest = _nearest_address(np.where(by_id, np.nan, x_m), y_m, addresses, link_m)
    linked = np.where(by_id, address_id.fillna(-1).to_numpy("float64"), nearest).astype("int64")
    link_reasons = _link_reasons(by_id, address_id.isin(addresses["address_id"]), nearest, link_m)
    reasons = first_reason(
        [(r.notna(), r) for r in (reasons, bad_building, bad_class, link_reasons)], reasons.index
    )
    rejected = reasons.notna().to_numpy()
    key = fields.id_text.fillna(fields.coordinate_text)
    quarantine = quarantine_rows(
        LAYER, path, row_number[rejected], key[rejected], reasons[rejected]
    )
    ok = ~rejected
    accepted = pd.DataFrame(
        {
            "address_id": pd.array(linked[ok], dtype="Int64"),
            "building_number": building[ok].array,
            "support_class": support_class[ok].array,
            "x_m": x_m[ok],
            "y_m": y_m[ok],
            "row_number": row_number[ok],
        }
    )
    return LayerResult(LAYER, accepted, quarantine, rows_read=len(reasons))
