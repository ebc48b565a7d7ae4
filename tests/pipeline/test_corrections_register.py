"""The corrections register (:mod:`pipeline.corrections_register`): batches, withdrawals, and
which corrections were in force at any moment."""

from __future__ import annotations

import hashlib
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest

from layers.errors import InputError
from pipeline.corrections_register import (
    add_corrections,
    corrections_in_force,
    empty_corrections,
    listing,
    withdraw_corrections,
)
from pipeline.store import now_utc

TODAY = date(2026, 12, 8)
HEADER = "adresseId;korreksjon;tilbyder;innsender;dato;begrunnelse"
LINES = [
    "101;ingen dekning;Fjordnett;Ola;2026-11-01;Befaring",
    "102;hytte;;Kari;2026-11-02;Matrikkelen",
    "103;tull;;Kari;2026-11-02;x",
]


def _csv(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")
    return path


def test_a_batch_records_its_rows_file_and_quarantine(tmp_path: Path) -> None:
    register, csv = tmp_path / "corrections.duckdb", _csv(tmp_path / "k.csv", LINES)
    batch = add_corrections(register, csv, by="planlegger", today=TODAY)
    assert (batch.batch_id, batch.correction_ids) == (1, [1, 2])
    with duckdb.connect(str(register), read_only=True) as connection:
        row = connection.execute(
            "SELECT file, sha256, rows_read, rows_accepted, rows_quarantined, recorded_by"
            " FROM correction_batches"
        ).fetchone()
        refused = connection.execute(
            "SELECT batch_id, row_number, reason FROM correction_quarantine"
        ).fetchall()
    sha256 = hashlib.sha256(csv.read_bytes()).hexdigest()
    assert row == (str(csv), sha256, 3, 2, 1, "planlegger")
    assert [(b, n) for b, n, _ in refused] == [(1, 4)] and "tull" in refused[0][2]
    listed = listing(register)
    assert listed["submitter"].tolist() == ["Ola", "Kari"]
    assert listed["address_id"].tolist() == [101, 102]


def test_a_file_added_again_repeats_nothing(tmp_path: Path) -> None:
    register, csv = tmp_path / "corrections.duckdb", _csv(tmp_path / "k.csv", LINES)
    add_corrections(register, csv, today=TODAY)
    with pytest.raises(InputError, match="already in force as correction 1"):
        add_corrections(register, csv, today=TODAY)
    grown = _csv(tmp_path / "k2.csv", [*LINES[:2], "104;hytte;;Kari;2026-11-03;Ny"])
    batch = add_corrections(register, grown, today=TODAY)
    assert batch.correction_ids == [3]  # only the new row; the two in force are quarantined
    assert batch.read.quarantine["reason"].str.startswith("already in force").sum() == 2


def test_a_withdrawal_counts_from_its_moment_on(tmp_path: Path) -> None:
    register = tmp_path / "corrections.duckdb"
    add_corrections(register, _csv(tmp_path / "k.csv", LINES), today=TODAY)
    before = now_utc()
    assert withdraw_corrections(register, [1], "Feil adresse", by="Kari") == [1]
    after = now_utc() + timedelta(seconds=1)
    assert corrections_in_force(register, before)["correction_id"].tolist() == [1, 2]
    assert corrections_in_force(register, after)["correction_id"].tolist() == [2]
    earlier = before - timedelta(days=1)  # before anything was recorded
    assert corrections_in_force(register, earlier).empty
    listed = listing(register).set_index("correction_id")
    assert listed.loc[1, "withdrawn_by"] == "Kari"
    assert listed.loc[1, "withdrawn_reason"] == "Feil adresse"
    assert listed["withdrawn_at"].isna().tolist() == [False, True]


@pytest.mark.parametrize(
    ("ids", "reason", "message"),
    [
        ([9], "x", r"no correction \[9\]"),
        ([2, 1], "x", r"corrections \[1\] were withdrawn before"),
        ([2], "  ", "--reason: empty"),
    ],
)
def test_a_bad_withdrawal_withdraws_nothing(
    tmp_path: Path, ids: list[int], reason: str, message: str
) -> None:
    register = tmp_path / "corrections.duckdb"
    add_corrections(register, _csv(tmp_path / "k.csv", LINES), today=TODAY)
    withdraw_corrections(register, [1], "first")
    with pytest.raises(InputError, match=message):
        withdraw_corrections(register, ids, reason)
    assert listing(register)["withdrawn_at"].notna().tolist() == [True, False]


def test_no_register_means_no_corrections(tmp_path: Path) -> None:
    in_force = corrections_in_force(tmp_path / "none.duckdb", now_utc())
    assert in_force.empty
    assert list(in_force.columns) == list(empty_corrections().columns)
    assert "source_file" in in_force.columns
    with pytest.raises(InputError, match="no corrections register yet"):
        withdraw_corrections(tmp_path / "none.duckdb", [1], "x")


def test_a_file_of_only_bad_rows_records_nothing(tmp_path: Path) -> None:
    register = tmp_path / "corrections.duckdb"
    with pytest.raises(InputError, match=r"no correction to record of 1 rows \(row 2: korreksjon"):
        add_corrections(register, _csv(tmp_path / "k.csv", [LINES[2]]), today=TODAY)
    assert listing(register).empty
