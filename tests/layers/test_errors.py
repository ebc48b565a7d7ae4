"""layers/errors.py: a user's errors, the machine's faults and their exit codes, in words."""

from __future__ import annotations

import errno
import sqlite3
from pathlib import Path

import pytest

from layers.errors import (
    ConfigError,
    FaultError,
    InputError,
    InternalError,
    OutputFolderError,
    StoreBusyError,
    StoreUnreadableError,
    WriteError,
    fault_of,
    os_reason,
)


def test_each_fault_has_its_sysexits_code() -> None:
    codes = {
        StoreUnreadableError: 65,
        InternalError: 70,
        OutputFolderError: 73,
        WriteError: 74,
        StoreBusyError: 75,
    }
    assert {cls: cls.exit_code for cls in codes} == codes
    assert all(issubclass(cls, FaultError) and not issubclass(cls, ValueError) for cls in codes)


@pytest.mark.parametrize(
    ("code", "words"),
    [
        (errno.ENOSPC, "the disk is full"),
        (errno.EROFS, "the file system is read-only"),
        (errno.EACCES, "permission denied"),
        (errno.ENOTDIR, "a file stands where a folder should be"),
    ],
)
def test_an_os_error_in_words_after_its_file(code: int, words: str) -> None:
    exc = OSError(code, "strerror", "/srv/out/tables/gap_table.csv")
    assert os_reason(exc) == f"/srv/out/tables/gap_table.csv: {words}"
    assert os_reason(exc, name_file=False) == words


def test_an_unknown_os_error_keeps_its_own_words() -> None:
    assert os_reason(OSError(errno.EIO, "Input/output error")) == "Input/output error"


def test_a_users_error_and_a_fault_are_reported_as_they_are() -> None:
    config = ConfigError("[cost]: unknown key 'x'")
    busy = StoreBusyError("out/gapmap.duckdb: in use")
    assert fault_of(config, "run r1") is config
    assert fault_of(busy, "run r1") is busy


def test_an_os_error_is_a_write_error_and_anything_else_a_bug() -> None:
    full = fault_of(OSError(errno.ENOSPC, "No space", "out/x.html"), "run r1 after store")
    assert isinstance(full, WriteError)
    assert str(full) == "run r1 after store: cannot write: out/x.html: the disk is full"
    bug = fault_of(KeyError("class_no2025"), "run r1 after classify")
    assert isinstance(bug, InternalError)
    assert str(bug).startswith("run r1 after classify: internal error KeyError: 'class_no2025'")
    assert "--debug" in str(bug)


def test_an_os_error_on_an_input_is_the_users_and_on_a_folder_exit_73(tmp_path: Path) -> None:
    offers = tmp_path / "dekning.csv"
    folder = IsADirectoryError(errno.EISDIR, "Is a directory", str(offers))
    read = fault_of(folder, "run r1", [offers])
    assert isinstance(read, InputError)
    expected = f"{offers}: cannot read: a folder stands where a file should be; expected a file"
    assert str(read) == expected
    denied = fault_of(PermissionError(errno.EACCES, "Permission denied", "out/runs/r1"), "run r1")
    assert isinstance(denied, OutputFolderError) and denied.exit_code == 73
    assert str(denied) == "run r1: cannot write: out/runs/r1: permission denied"


def test_a_librarys_full_disk_is_a_write_error() -> None:
    duckdb_full = RuntimeError('Failed to commit: Could not write "s.wal": No space left on device')
    full = fault_of(duckdb_full, "run r1 after cost")
    assert isinstance(full, WriteError) and "the disk is full" in str(full)
    sqlite_full = sqlite3.OperationalError("database or disk is full")  # a GeoPackage's
    full = fault_of(sqlite_full, "run r1 after changes")
    assert isinstance(full, WriteError) and full.exit_code == 74
    assert str(full) == (
        "run r1 after changes: cannot write: the disk is full (database or disk is full)"
    )


def test_a_librarys_io_error_without_errno_says_what_it_is() -> None:
    fault = fault_of(OSError("Read failed at row 12"), "run r1 after locate")
    assert isinstance(fault, WriteError)
    assert str(fault) == "run r1 after locate: input/output error OSError: Read failed at row 12"
