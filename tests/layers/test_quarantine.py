"""layers/quarantine.py: the readers' contract, rows read = accepted + merged + quarantined, and
the quarantine rows that name the file, the row and the reason."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from layers.quarantine import (
    NOT_IN_ADDRESS_LAYER,
    QUARANTINE_COLUMNS,
    LayerResult,
    empty_quarantine,
    first_reason,
    got,
    quarantine_rows,
)


def test_a_result_whose_rows_do_not_reconcile_is_a_reader_bug() -> None:
    accepted = pd.DataFrame({"address_id": [1, 2, 3]})
    rejected = quarantine_rows(
        "offers", "dekning.csv", np.array([5]), pd.Series(["9"]), pd.Series(["bad"])
    )
    LayerResult("offers", accepted, rejected, rows_read=6, rows_merged=2)  # 3 + 2 + 1
    with pytest.raises(AssertionError, match=r"offers: rows read 7 != accepted 3 \+ merged 2"):
        LayerResult("offers", accepted, rejected, rows_read=7, rows_merged=2)


def test_quarantine_rows_name_the_layer_file_row_key_and_reason() -> None:
    rows = quarantine_rows(
        "sites",
        "master.csv",
        np.array([2, 4]),
        pd.Series(["M1", None]),
        pd.Series(["frequency_mhz: got 0", "site_id: empty"]),
    )
    assert list(rows.columns) == QUARANTINE_COLUMNS
    assert rows.to_dict("records") == [
        {
            "layer": "sites",
            "file": "master.csv",
            "row_number": 2,
            "key": "M1",
            "reason": "frequency_mhz: got 0",
        },
        {
            "layer": "sites",
            "file": "master.csv",
            "row_number": 4,
            "key": "",
            "reason": "site_id: empty",
        },
    ]
    assert rows["row_number"].dtype == "int64"


def test_the_empty_quarantine_has_the_columns_and_types() -> None:
    empty = empty_quarantine()
    assert list(empty.columns) == QUARANTINE_COLUMNS and len(empty) == 0
    assert empty["row_number"].dtype == "int64"


def test_the_first_failing_check_gives_the_reason() -> None:
    index = pd.Index([10, 11, 12, 13])
    checks = [
        (pd.Series([True, False, False, False], index=index), "id: empty"),
        (pd.Series([True, True, False, False], index=index), "speed: got -1"),
        (
            pd.Series([False, False, False, True], index=index),
            pd.Series(["x", "y", "z", "w"], index=index),
        ),
    ]
    reasons = first_reason(checks, index)
    assert reasons.index.tolist() == [10, 11, 12, 13]
    assert reasons.tolist()[:2] == ["id: empty", "speed: got -1"]
    assert pd.isna(reasons.loc[12]) and reasons.loc[13] == "w"


def test_got_says_what_was_got_and_expected_for_the_failing_rows_only() -> None:
    frame = pd.DataFrame({"down_mbps": ["100", "-5", None, "fast"]}, index=[4, 5, 6, 7])
    bad = pd.Series([False, True, True, False], index=frame.index)
    message = got(frame, "down_mbps", bad, "a number >= 0")
    assert message.to_dict() == {
        5: "down_mbps: got -5, expected a number >= 0",
        6: "down_mbps: got <empty>, expected a number >= 0",
    }


def _result() -> LayerResult:
    accepted = pd.DataFrame({"address_id": [1, 2, 3, 4]})
    moved = quarantine_rows(
        "lacking",
        Path("l.csv"),
        np.array([6, 7]),
        pd.Series(["8", "x"]),
        pd.Series([f"address_id: {NOT_IN_ADDRESS_LAYER}", "adresseid: empty"]),
    )
    return LayerResult("lacking", accepted, moved, rows_read=6)


def test_rows_left_out_are_counted_outside() -> None:
    kept = _result().keeping(np.array([True, False, True, False]))
    assert kept.accepted["address_id"].tolist() == [1, 3] and kept.rows_outside == 2
    unlinked = kept.outside_when_unlinked()
    assert unlinked.quarantine["reason"].tolist() == ["adresseid: empty"]
    assert unlinked.rows_outside == 3 and unlinked.rows_read == 6


def test_a_count_that_does_not_reconcile_is_refused() -> None:
    with pytest.raises(AssertionError, match=r"outside 1 \(a reader bug\)"):
        dataclasses.replace(_result(), rows_outside=1)
