"""Best-site tables of kommuner kept between runs, keyed by everything they are made of.

The line of sight of one kommune (:func:`pipeline.radio.kommune_reach.reach_of_kommune`) is
the run's most expensive per-kommune work, and a pure function of

- the kommune's points (``x_m``, ``y_m``, in order),
- the sites that can reach any of them: a site whose range circle meets the bounding box of
  the points (a site farther away forms no pair, so it cannot change the table), their rows
  in table order,
- the DTM (its digest), the clutter inputs (the digest of the DOM tiles and of the forest
  layer, :func:`pipeline.radio.clutter.clutter_digest`), the LOS settings and the code that
  judges them (the source of :mod:`pipeline.radio`, :mod:`layers.dtm` and
  :mod:`layers.forest`).

:class:`ReachCache` names each table by the SHA-256 of exactly those parts::

    <folder>/<key>.parquet      one kommune's best-site table, indexed 0..n-1

so a monthly refresh where one kommune's addresses changed (or the sites near it) computes
that kommune again and reads the others back, and the result is the same table as a cold run
by construction: anything that could change a table changes its key. After a successful run,
:meth:`ReachCache.prune` removes the tables no call of that run used, so the folder holds one
run's worth.
"""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import layers.dtm
import layers.forest
import pipeline.radio
from layers.checksums import library_versions
from pipeline.radio.clutter import Clutter, clutter_digest

REACH_CACHE = Path("reach")  # in [run] cache_dir (output_dir/cache), kept between runs


def code_digest() -> str:
    """SHA-256 over the source of :mod:`pipeline.radio`, :mod:`layers.dtm` and
    :mod:`layers.forest`, and the versions of numpy, rasterio and pyproj: a change to how
    reach is judged makes every key new."""
    package = Path(pipeline.radio.__file__).parent
    files = [*sorted(package.glob("*.py")), Path(layers.dtm.__file__)]
    files.append(Path(layers.forest.__file__))
    digest = hashlib.sha256(library_versions(("numpy", "rasterio", "pyproj")) + b"\0")
    for path in files:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def sites_near(sites: pd.DataFrame, bounds: tuple[float, float, float, float]) -> np.ndarray:
    """Positions of the sites whose range circle meets ``bounds`` (left, bottom, right, top,
    metres): the distance from the site to the box is at most its ``max_range_m``.

    .. math:: d = \\sqrt{\\max(l - x, 0, x - r)^2 + \\max(b - y, 0, y - t)^2} \\le R
    """
    left, bottom, right, top = bounds
    x, y = sites["x_m"].to_numpy("float64"), sites["y_m"].to_numpy("float64")
    range_m = sites["max_range_m"].to_numpy("float64")
    dx = np.maximum.reduce([left - x, np.zeros_like(x), x - right])
    dy = np.maximum.reduce([bottom - y, np.zeros_like(y), y - top])
    with np.errstate(invalid="ignore"):
        near = np.hypot(dx, dy) <= range_m
    return np.flatnonzero(near)


@dataclass
class ReachCache:
    """Kommune best-site tables in ``folder`` for one DTM (module docstring); counts its hits
    and misses, and remembers the keys a run used. ``checksums`` (the run's input checksums)
    spare reading the clutter files again for their digest."""

    folder: Path
    dtm: Path
    dtm_digest: str
    code: str = field(default_factory=code_digest)
    used: set[str] = field(default_factory=set)
    hits: int = 0
    misses: int = 0
    checksums: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    _clutter_digests: dict[Clutter, str] = field(default_factory=dict, repr=False)

    def clutter_digest(self, settings: object) -> str:
        """The digest of the clutter inputs ``settings`` name (its ``clutter``), once each."""
        clutter = getattr(settings, "clutter", None)
        if not isinstance(clutter, Clutter):
            return ""
        if clutter not in self._clutter_digests:
            self._clutter_digests[clutter] = clutter_digest(clutter, self.checksums)
        return self._clutter_digests[clutter]

    def key(
        self,
        x_m: np.ndarray,
        y_m: np.ndarray,
        sites: pd.DataFrame,
        site_rows: np.ndarray,
        settings: object,
    ) -> str:
        """The key of one kommune's table: points, the sites near them (``site_rows``: one
        hash per row of ``sites``, :func:`site_row_hashes`), settings, DTM, clutter and code."""
        digest = hashlib.sha256()
        clutter = self.clutter_digest(settings)
        for part in (self.code, self.dtm_digest, clutter, repr(settings), str(len(x_m))):
            digest.update(part.encode() + b"\0")
        digest.update(np.ascontiguousarray(x_m, "float64").tobytes())
        digest.update(np.ascontiguousarray(y_m, "float64").tobytes())
        if len(x_m):
            finite = np.isfinite(x_m) & np.isfinite(y_m)
            bounds = (
                (x_m[finite].min(), y_m[finite].min(), x_m[finite].max(), y_m[finite].max())
                if finite.any()
                else (np.inf, np.inf, -np.inf, -np.inf)
            )
            digest.update(site_rows[sites_near(sites, bounds)].tobytes())
        return digest.hexdigest()

    def load(self, key: str) -> pd.DataFrame | None:
        """The table stored under ``key``, or None (counted as a hit or a miss)."""
        path = self.folder / f"{key}.parquet"
        self.used.add(key)
        if not path.is_file():
            self.misses += 1
            return None
        self.hits += 1
        return _objects_as_written(pd.read_parquet(path))

    def save(self, key: str, table: pd.DataFrame) -> None:
        """Store ``table`` under ``key`` (written aside, then renamed: never half a file)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        partial = self.folder / f".{key}.{uuid.uuid4().hex}.part"
        table.to_parquet(partial)
        os.replace(partial, self.folder / f"{key}.parquet")
        self.used.add(key)

    def take_counts(self) -> tuple[int, int]:
        """(hits, misses) since the last call, and start counting again."""
        counts = (self.hits, self.misses)
        self.hits = self.misses = 0
        return counts

    def prune(self) -> int:
        """Remove every table (and leftover partial file) this run did not use; how many."""
        removed = 0
        for path in self.folder.iterdir() if self.folder.is_dir() else []:
            if path.suffix == ".parquet" and path.stem in self.used:
                continue
            path.unlink(missing_ok=True)
            removed += 1
        return removed


def _objects_as_written(table: pd.DataFrame) -> pd.DataFrame:
    """Text columns back as the object columns with None that were written (Parquet gives
    pandas' string dtype with NaN), so a table read back equals the table computed."""
    for column in table.columns[[isinstance(t, pd.StringDtype) for t in table.dtypes]]:
        values = table[column].astype(object)
        table[column] = values.where(values.notna(), None)
    return table


def site_row_hashes(sites: pd.DataFrame) -> np.ndarray:
    """One 64-bit hash per site row (its values, not its position)."""
    return pd.util.hash_pandas_object(sites, index=False).to_numpy()
