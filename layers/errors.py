"""The small error hierarchy of gapmap.

Every error names the file, row or key at fault and says what was got and what was expected.
The CLI turns these into one clear line and a non-zero exit code.
"""

from __future__ import annotations

import errno
from collections.abc import Collection
from pathlib import Path


class GapmapError(ValueError):
    """Base class for errors a user can fix by changing inputs or configuration."""


class InputError(GapmapError):
    """An input file is missing, unreadable or not in the expected format."""


class ConfigError(GapmapError):
    """A configuration key is unknown or has a value out of range."""


class RunError(GapmapError):
    """A pipeline run could not complete (the last published output is left untouched)."""


class FaultError(Exception):
    """The machine, not the input: the store is busy or unreadable, a folder cannot be written,
    the disk is full, or gapmap itself has a bug. Each kind has its own exit code
    (``sysexits.h``), documented in the README, so a scheduler can tell them apart."""

    exit_code = 74  # EX_IOERR


class StoreBusyError(FaultError):
    """Another gapmap process holds the store; trying again later will do."""

    exit_code = 75  # EX_TEMPFAIL


class StoreUnreadableError(FaultError):
    """The store file exists but is not a DuckDB database gapmap can open."""

    exit_code = 65  # EX_DATAERR


class OutputFolderError(FaultError):
    """The output folder cannot be created or written (a file in its place, no permission)."""

    exit_code = 73  # EX_CANTCREAT


class WriteError(FaultError):
    """Writing failed during the run (a full disk, an I/O error)."""

    exit_code = 74  # EX_IOERR


class StaleInputError(FaultError):
    """A run refused to publish: an input expected to change monthly is identical to the last
    succeeded run's or older than the configured age (``[freshness]``). Not a fault of the
    machine, but its own exit code, so the monthly refresh can tell "last month's data again"
    from a broken input; ``gapmap run --allow-stale`` goes on."""

    exit_code = 79  # not in sysexits.h (64-78): gapmap's own


class InternalError(FaultError):
    """An unexpected exception inside gapmap: a bug to report, not something the user did."""

    exit_code = 70  # EX_SOFTWARE


_OS_REASONS = {
    errno.ENOSPC: "the disk is full",
    errno.EDQUOT: "the disk quota is used up",
    errno.EROFS: "the file system is read-only",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.ENOTDIR: "a file stands where a folder should be",
    errno.EISDIR: "a folder stands where a file should be",
    errno.EEXIST: "something is already there",
}


def os_reason(exc: OSError, name_file: bool = True) -> str:
    """What an :class:`OSError` means in words (``the disk is full``), after the file it names
    unless ``name_file`` is false."""
    reason = _OS_REASONS.get(exc.errno or 0, exc.strerror or type(exc).__name__)
    return f"{exc.filename}: {reason}" if exc.filename and name_file else reason


# an OSError with these means the folder cannot take the file (exit 73), not a failed write
_FOLDER_ERRNOS = {errno.EACCES, errno.EPERM, errno.EROFS, errno.ENOTDIR, errno.EISDIR, errno.EEXIST}
DISK_FULL_TEXT = "No space left on device"  # what a library (DuckDB) says of ENOSPC
SQLITE_FULL_TEXT = "database or disk is full"  # SQLITE_FULL: a GeoPackage on a full disk


def fault_of(
    exc: BaseException, where: str, inputs: Collection[Path] = ()
) -> GapmapError | FaultError:
    """The one-line error to report for ``exc`` raised ``where`` (e.g. ``run 2026… after
    stage cost``): a gapmap error or fault as it is; an :class:`OSError` on one of ``inputs``
    as an :class:`InputError` (a folder or an unreadable file where an input should be), on a
    folder it cannot write as an :class:`OutputFolderError`, else as a :class:`WriteError`; a
    library's "No space left on device" (or SQLite's "database or disk is full") as a
    :class:`WriteError`; anything else as an
    :class:`InternalError` that points to ``--debug``."""
    if isinstance(exc, GapmapError | FaultError):
        return exc
    if isinstance(exc, OSError):
        named = Path(str(exc.filename)).resolve() if exc.filename else None
        if named is not None and named in {Path(p).resolve() for p in inputs}:
            msg = f"{named}: cannot read: {os_reason(exc, name_file=False)}; expected a file"
            return InputError(msg)
        if exc.errno in _FOLDER_ERRNOS:
            return OutputFolderError(f"{where}: cannot write: {os_reason(exc)}")
        if exc.errno is None:  # a library's I/O error (rasterio, GDAL): no errno, no file
            return WriteError(f"{where}: input/output error {type(exc).__name__}: {exc}")
        return WriteError(f"{where}: cannot write: {os_reason(exc)}")
    if DISK_FULL_TEXT in str(exc) or SQLITE_FULL_TEXT in str(exc):
        detail = str(exc).splitlines()[0]
        return WriteError(f"{where}: cannot write: the disk is full ({detail})")
    msg = (
        f"{where}: internal error {type(exc).__name__}: {exc} (a bug in gapmap; run again with"
        " --debug for the traceback and report it)"
    )
    return InternalError(msg)
