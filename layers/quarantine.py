"""The contract every layer reader keeps: rows read = rows accepted + rows quarantined.

A reader returns a :class:`LayerResult`: the canonical table of accepted rows and a quarantine
table with one row per rejected input row, naming the file, the row number in that file (the
header is row 1, so the first data row is row 2) and the reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

QUARANTINE_COLUMNS = ["layer", "file", "row_number", "key", "reason"]
# a row that names an address the address layer does not hold (or holds in quarantine)
NOT_IN_ADDRESS_LAYER = "not in the address layer (or quarantined there)"
NOT_AN_ADDRESS = "expected an address of the address layer (or quarantined there)"
NO_ADDRESS_NEAR = "no address within"  # a point linked by distance (layers/obligation_5g.py)
UNLINKED_REASONS = (NOT_IN_ADDRESS_LAYER, NOT_AN_ADDRESS, NO_ADDRESS_NEAR)


@dataclass(frozen=True)
class LayerResult:
    """Accepted rows in canonical form, rejected rows with reasons, and the count read.

    ``rows_merged`` counts input rows folded into an accepted row (a dwelling-level address
    file has one row per dwelling); ``metadata`` carries what the manifest should record
    (vintages, files read).
    """

    layer: str
    accepted: pd.DataFrame
    quarantine: pd.DataFrame
    rows_read: int
    rows_merged: int = 0
    metadata: dict[str, Any] = field(default_factory=dict)
    # accepted rows left out because they lie outside a kommune preview (pipeline/preview.py)
    rows_outside: int = 0

    def __post_init__(self) -> None:
        counted = len(self.accepted) + self.rows_merged + len(self.quarantine) + self.rows_outside
        if counted != self.rows_read:
            msg = (
                f"{self.layer}: rows read {self.rows_read} != accepted {len(self.accepted)}"
                f" + merged {self.rows_merged} + quarantined {len(self.quarantine)}"
                f" + outside {self.rows_outside} (a reader bug)"
            )
            raise AssertionError(msg)

    def outside_when_unlinked(self) -> LayerResult:
        """The quarantined rows that name no address the run read (:data:`UNLINKED_REASONS`)
        counted as ``rows_outside`` instead: in a kommune preview they name an address of
        another kommune."""
        reasons = self.quarantine["reason"].astype(str)
        unlinked = np.zeros(len(reasons), dtype=bool)
        for mark in UNLINKED_REASONS:
            unlinked |= reasons.str.contains(mark, regex=False).to_numpy()
        if not unlinked.any():
            return self
        kept = self.quarantine.loc[~unlinked].reset_index(drop=True)
        outside = self.rows_outside + int(unlinked.sum())
        return replace(self, quarantine=kept, rows_outside=outside)

    def keeping(self, keep: np.ndarray) -> LayerResult:
        """Only the accepted rows where ``keep`` is True (a kommune preview); the others are
        counted as ``rows_outside``."""
        kept = self.accepted.loc[keep].reset_index(drop=True)
        left_out = self.rows_outside + len(self.accepted) - len(kept)
        return replace(self, accepted=kept, rows_outside=left_out)


def empty_quarantine() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "layer": pd.Series(dtype="str"),
            "file": pd.Series(dtype="str"),
            "row_number": pd.Series(dtype="int64"),
            "key": pd.Series(dtype="str"),
            "reason": pd.Series(dtype="str"),
        }
    )


def quarantine_rows(
    layer: str, path: Path | str, row_numbers: np.ndarray, keys: pd.Series, reasons: pd.Series
) -> pd.DataFrame:
    """Build quarantine rows for the rejected rows of one file."""
    return pd.DataFrame(
        {
            "layer": layer,
            "file": str(path),
            "row_number": np.asarray(row_numbers, dtype="int64"),
            "key": keys.fillna("").astype("str").to_numpy(),
            "reason": reasons.astype("str").to_numpy(),
        }
    )


def first_reason(checks: list[tuple[pd.Series, str | pd.Series]], index: pd.Index) -> pd.Series:
    """For each row, the reason of the first failing check (NA where every check passes).

    ``checks`` is a list of ``(failed_mask, reason)``; earlier checks win.
    """
    reasons = pd.Series(pd.NA, index=index, dtype="object")
    for failed, reason in reversed(checks):
        reasons = reasons.mask(failed.to_numpy(), reason)
    return reasons


def got(frame: pd.DataFrame, column: str, bad: pd.Series, expected: str) -> pd.Series:
    """The message "column: got X, expected Y", built only for the rows that fail.

    (Building it for every row of a 5 M-row file costs seconds and gigabytes; the reasons
    Series aligns it by index.)
    """
    values = frame.loc[bad.to_numpy(), column].fillna("<empty>").astype("str")
    message: pd.Series = f"{column}: got " + values + f", expected {expected}"
    return message


# ids are read as float64 (one parse for "42", "42.0" and "4.2e1"): above 2**53 they lose digits
MAX_ID = 2**53


def is_whole_id(values: pd.Series) -> pd.Series:
    """Whether each parsed id is a whole number from 0 to 2**53 ("inf", "nan", "-1", "1e300"
    and "4.5" are not: converted to int64 they would crash the reader or wrap around)."""
    finite = values.notna() & np.isfinite(values.astype("float64"))
    ok: pd.Series = finite & (values == values.round()) & (values >= 0) & (values <= MAX_ID)
    return ok
