"""The corrections register: every correction a kommune submitted, who withdrew it, and when.

A DuckDB file of its own (``[run] corrections_path``, default
``<output_dir>/corrections.duckdb``), beside the run store, so that a kommune's corrections can
be recorded while a long national run holds the store, and a kommune preview reads the same
register as the national run. Nothing in it is ever changed or deleted:

- ``correction_batches``: one row per ``gapmap corrections add`` (file, SHA-256, rows read,
  accepted and quarantined, when and by whom);
- ``corrections``: one row per accepted correction, numbered 1, 2, 3 … across batches;
- ``correction_withdrawals``: one row per withdrawn correction (when, by whom, why);
- ``correction_quarantine``: the rejected rows of each batch with their reason.

A correction is *in force* at time *t* when it was recorded at or before *t* and not withdrawn
at or before *t*. A run applies the corrections in force when it starts
(:mod:`pipeline.corrections`) and records in the run store which it used
(``correction_uses``), so every published figure can be traced to the corrections behind it.
"""

from __future__ import annotations

import getpass
import hashlib
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Final

import duckdb
import pandas as pd

from layers.corrections import DUPLICATE_KEY, LAYER, read_corrections
from layers.errors import InputError, StoreBusyError
from layers.quarantine import LayerResult, quarantine_rows
from pipeline.store import connect, now_utc

SCHEMA: Final = """
CREATE TABLE IF NOT EXISTS correction_batches (
    batch_id BIGINT PRIMARY KEY, file VARCHAR, sha256 VARCHAR, rows_read BIGINT,
    rows_accepted BIGINT, rows_quarantined BIGINT, recorded_at TIMESTAMP, recorded_by VARCHAR
);
CREATE TABLE IF NOT EXISTS corrections (
    correction_id BIGINT PRIMARY KEY, batch_id BIGINT, row_number BIGINT, address_id BIGINT,
    x_m DOUBLE, y_m DOUBLE, claim VARCHAR, operator VARCHAR, technology VARCHAR,
    down_mbps DOUBLE, up_mbps DOUBLE, households BIGINT, address_text VARCHAR,
    kommunenummer VARCHAR, submitter VARCHAR, submitted_on DATE, evidence VARCHAR,
    recorded_at TIMESTAMP
);
CREATE TABLE IF NOT EXISTS correction_withdrawals (
    correction_id BIGINT, withdrawn_at TIMESTAMP, withdrawn_by VARCHAR, reason VARCHAR
);
CREATE TABLE IF NOT EXISTS correction_quarantine (
    batch_id BIGINT, file VARCHAR, row_number BIGINT, key VARCHAR, reason VARCHAR
);
"""
IN_FORCE_SQL: Final = """
SELECT c.*, b.file AS source_file
FROM corrections c JOIN correction_batches b USING (batch_id)
WHERE c.recorded_at <= $at
  AND NOT EXISTS (SELECT 1 FROM correction_withdrawals w
                  WHERE w.correction_id = c.correction_id AND w.withdrawn_at <= $at)
ORDER BY c.correction_id
"""
LISTING_SQL: Final = """
SELECT c.correction_id, c.claim, c.address_id, c.x_m, c.y_m, c.operator, c.technology,
       c.kommunenummer, c.submitter, c.submitted_on, c.evidence, c.recorded_at, b.file,
       b.recorded_by, w.withdrawn_at, w.withdrawn_by, w.reason AS withdrawn_reason
FROM corrections c JOIN correction_batches b USING (batch_id)
LEFT JOIN correction_withdrawals w USING (correction_id)
ORDER BY c.correction_id
"""
BUSY_RETRY_S: Final = 10.0  # a register held by a `corrections add` is free within a second


@dataclass(frozen=True)
class Batch:
    """What one ``gapmap corrections add`` recorded."""

    batch_id: int
    correction_ids: list[int]
    read: LayerResult  # accepted rows, quarantined rows (with their reasons), rows read


def recorded_by() -> str:
    """The user running gapmap (recorded with each batch and withdrawal)."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


@contextmanager
def open_register(path: Path, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    """The register at ``path`` (created when written to); a register held by another gapmap
    process is waited for up to :data:`BUSY_RETRY_S` seconds before the busy error."""
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + BUSY_RETRY_S
    while True:
        try:
            connection = connect(path, read_only=read_only)
            break
        except StoreBusyError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
    try:
        if not read_only:
            connection.execute(SCHEMA)
        yield connection
    finally:
        connection.close()


def _next_id(connection: duckdb.DuckDBPyConnection, table: str, column: str) -> int:
    row = connection.execute(f"SELECT coalesce(max({column}), 0) + 1 FROM {table}").fetchone()
    return int(row[0]) if row else 1


def _already_in_force(
    connection: duckdb.DuckDBPyConnection, read: LayerResult, path: Path, at: datetime
) -> LayerResult:
    """``read`` with the rows that repeat a correction in force (same address, claim, operator
    and technology: a file submitted again) moved to quarantine, naming that correction."""
    in_force = connection.execute(IN_FORCE_SQL, {"at": at}).df()
    if in_force.empty or read.accepted.empty:
        return read
    key = list(DUPLICATE_KEY)
    keys = in_force[[*key, "correction_id"]].astype({c: "string" for c in key}).fillna("")
    rows = read.accepted[key].astype("string").fillna("")
    matched = rows.merge(keys.drop_duplicates(key), on=key, how="left")["correction_id"]
    repeated = matched.notna().to_numpy()
    if not repeated.any():
        return read
    accepted = read.accepted.loc[repeated]
    reasons = "already in force as correction " + matched[repeated].astype("int64").astype(str)
    moved = quarantine_rows(
        LAYER,
        path,
        accepted["row_number"].to_numpy(),
        accepted["address_id"].astype("string"),
        pd.Series(reasons.to_numpy()),
    )
    quarantine = pd.concat([read.quarantine, moved], ignore_index=True)
    quarantine = quarantine.sort_values("row_number", kind="stable", ignore_index=True)
    kept = read.accepted.loc[~repeated].reset_index(drop=True)
    return LayerResult(LAYER, kept, quarantine, rows_read=read.rows_read)


def add_corrections(
    register: Path, csv: Path, by: str | None = None, today: date | None = None
) -> Batch:
    """Read ``csv`` (:func:`layers.corrections.read_corrections`) and record its accepted rows
    as new corrections, in force from now; its bad rows, and rows that repeat a correction in
    force, are recorded in ``correction_quarantine``. A file without one good row records
    nothing and raises :class:`InputError` with the first reasons."""
    read = read_corrections(csv, today)
    with open_register(register) as connection:
        at = now_utc()
        read = _already_in_force(connection, read, csv, at)
        if read.accepted.empty:
            first = "; ".join(
                f"row {r.row_number}: {r.reason}" for r in read.quarantine.head(3).itertuples()
            )
            msg = f"{csv}: no correction to record of {read.rows_read} rows ({first})"
            raise InputError(msg)
        batch_id = _next_id(connection, "correction_batches", "batch_id")
        first_id = _next_id(connection, "corrections", "correction_id")
        ids = list(range(first_id, first_id + len(read.accepted)))
        sha256 = hashlib.sha256(csv.read_bytes()).hexdigest()
        connection.execute("BEGIN TRANSACTION")
        connection.execute(
            "INSERT INTO correction_batches VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                batch_id,
                str(csv),
                sha256,
                read.rows_read,
                len(read.accepted),
                len(read.quarantine),
                at,
                by or recorded_by(),
            ],
        )
        rows = read.accepted.assign(correction_id=ids, batch_id=batch_id, recorded_at=at)
        rows["submitted_on"] = pd.to_datetime(rows["submitted_on"]).dt.date
        connection.register("_rows", rows)
        connection.execute("INSERT INTO corrections BY NAME SELECT * FROM _rows")
        quarantine = read.quarantine.assign(batch_id=batch_id).drop(columns="layer")
        connection.register("_quarantine", quarantine)
        connection.execute("INSERT INTO correction_quarantine BY NAME SELECT * FROM _quarantine")
        connection.execute("COMMIT")
    return Batch(batch_id, ids, read)


def withdraw_corrections(
    register: Path, ids: Sequence[int], reason: str, by: str | None = None
) -> list[int]:
    """Withdraw the corrections ``ids`` from now on (the runs that used them keep their
    record); :class:`InputError` for an id the register lacks or one already withdrawn, and
    then none is withdrawn."""
    if not register.exists():
        msg = f"{register}: no corrections register yet; expected one made by `corrections add`"
        raise InputError(msg)
    if not reason.strip():
        msg = "--reason: empty; expected why the corrections are withdrawn"
        raise InputError(msg)
    with open_register(register) as connection:
        listing = connection.execute(LISTING_SQL).df().set_index("correction_id")
        unknown = [i for i in ids if i not in listing.index]
        if unknown:
            msg = f"{register}: no correction {unknown}; expected ids of `gapmap corrections list`"
            raise InputError(msg)
        withdrawn = listing["withdrawn_at"].notna()
        done = [i for i in ids if bool(withdrawn.loc[i])]
        if done:
            msg = f"{register}: corrections {done} were withdrawn before; expected ones in force"
            raise InputError(msg)
        at = now_utc()
        rows = [(int(i), at, by or recorded_by(), reason.strip()) for i in ids]
        connection.executemany("INSERT INTO correction_withdrawals VALUES (?, ?, ?, ?)", rows)
    return [int(i) for i in ids]


def corrections_in_force(register: Path, at: datetime) -> pd.DataFrame:
    """The corrections in force at ``at`` (UTC, naive), with ``source_file``; none when there
    is no register."""
    if not register.exists():
        return empty_corrections()
    with open_register(register, read_only=True) as connection:
        return connection.execute(IN_FORCE_SQL, {"at": at}).df()


def listing(register: Path) -> pd.DataFrame:
    """Every correction, in force or withdrawn (``withdrawn_at`` set), oldest first."""
    if not register.exists():
        return pd.DataFrame()
    with open_register(register, read_only=True) as connection:
        return connection.execute(LISTING_SQL).df()


def empty_corrections() -> pd.DataFrame:
    """No correction, in the columns of :data:`IN_FORCE_SQL`."""
    with duckdb.connect(":memory:") as connection:
        connection.execute(SCHEMA)
        return connection.execute(
            "SELECT c.*, b.file AS source_file FROM corrections c"
            " JOIN correction_batches b USING (batch_id)"
        ).df()
