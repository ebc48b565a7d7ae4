"""Costly pieces of the published pages kept between runs, named by what they are made of.

A kommune's map and brief carry the run's date, its trend and its changes, so every run writes
them anew. Their costly pieces do not depend on the run: the encoded address layer
(:func:`maps.address_data.address_rows`), the cost-curve PNGs and the brief's map thumbnail
are pure functions of the kommune's rows, its labels and the code that draws them.
:class:`PieceCache` keeps each piece as a file named by the SHA-256 of exactly those::

    <folder>/<kind>-<key>.bin      key = SHA-256(kind, code digest, the piece's inputs)

The code digest covers every module of :mod:`maps` and :mod:`layers.numbers_nb` (the number
formats) and the versions of the libraries that write the pieces' bytes, so a change to how
anything is drawn makes every key new; the inputs are hashed value
by value (:func:`frame_digest`: column names, dtypes and every cell, in row order;
:func:`geometry_digest`: the CRS and each shape's WKB). A piece
read back is therefore the bytes a cold run would make, and a page built from it is the same
page. Only a run's own folder is ever read (no piece crosses machines or users); each file
starts with the SHA-256 of its content, and a piece that cannot be read or does not match it
(a damaged disk, a hand edit) is made again and written over.

Workers in other processes share the folder: a piece is written aside and renamed (never half a
file), and reading one touches it, so after a successful run :meth:`PieceCache.prune` removes
every piece no worker of that run used (by modification time) and reports what it reused.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Final

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

import layers.numbers_nb
import maps
from layers.checksums import library_versions

PIECE_SUFFIX = ".bin"
ParT = bytes | str


# the libraries whose output is in the pieces' bytes (numbers, PNGs, CSV, gzip, workbooks)
LIBRARIES = ("numpy", "pandas", "pyarrow", "matplotlib", "pillow", "openpyxl", "shapely")


@cache
def code_digest() -> str:
    """SHA-256 over the source of every module of :mod:`maps` and of
    :mod:`layers.numbers_nb`, and the versions of :data:`LIBRARIES` (an upgrade that changes
    a PNG's bytes makes every piece new)."""
    package = Path(maps.__file__).parent
    files = [*sorted(package.glob("*.py")), Path(layers.numbers_nb.__file__)]
    digest = hashlib.sha256()
    digest.update(library_versions(LIBRARIES) + b"\0")
    for path in files:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _column_bytes(values: pd.Series) -> bytes:
    """A column's cells as bytes that give them back: a numpy column of numbers, booleans or
    times as its memory (exact, NaN bits included); any other (text, nullable, objects) as the
    pickle of its Python values (a cell that cannot be pickled as its ``repr``)."""
    dtype = values.dtype
    if isinstance(dtype, np.dtype) and dtype.kind in "biufcmM":
        return np.ascontiguousarray(values.to_numpy()).tobytes()
    cells = values.tolist()
    try:
        return pickle.dumps(cells, protocol=5)
    except (pickle.PicklingError, TypeError, AttributeError):
        return pickle.dumps([repr(cell) for cell in cells], protocol=5)


def frame_digest(frame: pd.DataFrame | pd.Series | None) -> str:
    """SHA-256 of a table's column names, dtypes and cells in row order (not its index):
    each column's cells as :func:`_column_bytes`, so two tables with the same digest hold the
    same values. None and an empty table have digests of their own."""
    digest = hashlib.sha256()
    if frame is None:
        digest.update(b"None")
        return digest.hexdigest()
    table = frame.to_frame() if isinstance(frame, pd.Series) else frame
    digest.update(f"{len(table)}\0".encode())
    for name, values in table.items():
        data = _column_bytes(values) if len(table) else b""
        digest.update(f"{name}\0{values.dtype}\0{len(data)}\0".encode() + data)
    return digest.hexdigest()


def geometry_digest(geometry: gpd.GeoSeries) -> str:
    """SHA-256 of a geometry column's CRS and each geometry's WKB in row order (a missing one
    apart from any shape)."""
    digest = hashlib.sha256()
    crs = geometry.crs.to_wkt() if geometry.crs is not None else "None"
    digest.update(f"{crs}\0{len(geometry)}\0".encode())
    for wkb in shapely.to_wkb(np.asarray(geometry.values)):
        digest.update(b"-\0" if wkb is None else f"{len(wkb)}\0".encode() + wkb)
    return digest.hexdigest()


def piece_key(kind: str, parts: Iterable[ParT]) -> str:
    """The key of a piece: SHA-256 of its kind, :func:`code_digest` and its parts."""
    digest = hashlib.sha256()
    for part in (kind, code_digest(), *parts):
        data = part.encode() if isinstance(part, str) else part
        digest.update(f"{len(data)}\0".encode() + data)
    return digest.hexdigest()


@dataclass(frozen=True)
class PieceCache:
    """Pieces in ``folder`` (module docstring); ``folder`` None keeps nothing: every piece is
    made. Picklable, so each worker process gets a copy."""

    folder: Path | None = None

    def piece(self, kind: str, parts: Iterable[ParT], make: Callable[[], bytes]) -> bytes:
        """The bytes ``make()`` returns for these inputs: read back when kept, else made and
        kept."""
        if self.folder is None:
            return make()
        path = self.folder / f"{kind}-{piece_key(kind, parts)}{PIECE_SUFFIX}"
        kept = _read_checked(path)
        if kept is not None:
            return kept
        data = make()
        self._write(path, data)
        return data

    def _write(self, path: Path, data: bytes) -> None:
        """Write aside and rename; a piece that cannot be kept (disk full) is only not kept."""
        partial = path.with_name(f".{path.name}.{uuid.uuid4().hex}.part")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            partial.write_bytes(hashlib.sha256(data).digest() + data)
            os.replace(partial, path)
        except OSError:
            with contextlib.suppress(OSError):
                partial.unlink(missing_ok=True)

    def start(self) -> PieceRun:
        """What is kept before a run, to tell reused pieces from new ones afterwards."""
        return PieceRun(self, time.time(), frozenset(_pieces(self.folder)))


@dataclass(frozen=True)
class PieceRun:
    """The pieces kept when a run started (:meth:`PieceCache.start`)."""

    cache: PieceCache
    started_s: float
    before: frozenset[str]

    def prune(self, remove: bool = True) -> tuple[int, int]:
        """Remove every piece (and leftover partial file) not used since the run started;
        (pieces reused, pieces in the folder now). With ``remove`` false (a shared cache,
        ``[run] cache_dir``) nothing is removed: (pieces reused, pieces this run used)."""
        folder = self.cache.folder
        reused = kept = 0
        for name in _pieces(folder) | _partials(folder):
            path = Path(str(folder)) / name
            try:
                used = name.endswith(PIECE_SUFFIX) and path.stat().st_mtime >= self.started_s - 1
            except OSError:
                continue
            if not used:
                if remove:
                    path.unlink(missing_ok=True)
                continue
            kept += 1
            reused += name in self.before
        return reused, kept


NO_PIECES: Final = PieceCache()  # keeps nothing
_CHECK_BYTES = 32  # a piece file starts with the SHA-256 of its content


def _read_checked(path: Path) -> bytes | None:
    """The piece in ``path`` when it is there and whole (its content matches the SHA-256 it
    starts with), touched as used by this run; None otherwise (then it is made again)."""
    try:
        stored = path.read_bytes()
    except OSError:
        return None
    check, data = stored[:_CHECK_BYTES], stored[_CHECK_BYTES:]
    if len(check) < _CHECK_BYTES or hashlib.sha256(data).digest() != check:
        return None  # damaged: made again and written over
    with contextlib.suppress(OSError):
        os.utime(path)  # used by this run: kept by prune
    return data


def _pieces(folder: Path | None) -> set[str]:
    if folder is None or not folder.is_dir():
        return set()
    return {p.name for p in folder.iterdir() if p.name.endswith(PIECE_SUFFIX) and p.name[0] != "."}


def _partials(folder: Path | None) -> set[str]:
    if folder is None or not folder.is_dir():
        return set()
    return {p.name for p in folder.iterdir() if p.name.endswith(".part")}
