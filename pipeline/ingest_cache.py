"""Parsed input layers kept between runs, keyed by the file, its reader and the reader's settings.

Parsing the national address zip and the offers CSV is most of the ingest stage, and the result
(a :class:`layers.quarantine.LayerResult`) is a pure function of

- the file's bytes (its SHA-256, which the run computes anyway for its record:
  :func:`layers.checksums.input_checksums`) and its path (quarantine rows and offers name it);
- the reader and the code it runs: the source of the reader's module and of every ``layers``
  module it imports, directly or not (plus this module's, which decides how a result is kept);
- the reader's settings from the config (``allow_svalbard_jan_mayen``, ``offers_date``, …).

:class:`IngestCache` names each result by the SHA-256 of exactly those parts::

    <folder>/<key>.parquet              the accepted rows (GeoParquet when they carry geometry;
                                        2-D points as their x and y, made points again on read)
    <folder>/<key>.quarantine.parquet   the quarantine rows
    <folder>/<key>.json                 layer, rows read and merged, metadata; written last

so a monthly refresh parses only the files that changed and reads the others back; the result
read back is equal to the parsed one (dtypes, index, None in text columns, geometry and CRS:
``tests/pipeline/test_ingest_cache.py``). After a successful run, :meth:`IngestCache.prune`
removes the entries no read of that run used, so the folder holds one run's worth.
"""

from __future__ import annotations

import ast
import contextlib
import functools
import hashlib
import importlib
import importlib.util
import json
import os
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeAlias

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pyproj
import shapely

from layers.checksums import library_versions
from layers.quarantine import LayerResult

# which accepted rows to keep: an Arrow expression over the table's columns (a kommune
# preview, pipeline/preview_scope.py), pushed into the Parquet read of a cached table
Keep: TypeAlias = pc.Expression
INGEST_CACHE = Path("ingest")  # in [run] cache_dir (output_dir/cache), kept between runs


def module_files(module_name: str) -> list[Path]:
    """The source of ``module_name`` and of every ``layers`` module it imports, directly or
    through another, sorted by module name."""
    found: dict[str, Path] = {}
    pending = [module_name]
    while pending:
        name = pending.pop()
        if name in found:
            continue
        source = importlib.import_module(name).__file__
        if source is None:
            msg = f"{name}: has no source file; expected a module of layers/ or pipeline/"
            raise ValueError(msg)
        found[name] = Path(source)
        pending += _layers_imports(found[name])
    return [found[name] for name in sorted(found)]


def _layers_imports(path: Path) -> list[str]:
    """The ``layers`` modules a source file imports (``from layers import x`` names
    ``layers.x``)."""
    return list(_imports_of_source(path.read_bytes()))


@functools.cache
def _imports_of_source(source: bytes) -> tuple[str, ...]:
    """:func:`_layers_imports` of one source text, parsed once per process."""
    names: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names if a.name.split(".")[0] == "layers"]
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "layers":
            module = node.module or ""
            names.append(module)
            if module == "layers":
                names += [f"layers.{a.name}" for a in node.names]
    return tuple(n for n in names if importlib.util.find_spec(n) is not None)


# the libraries that parse and type the inputs: an upgrade may read the same file differently
PARSING_LIBRARIES = ("pandas", "pyarrow", "numpy", "geopandas", "pyogrio", "shapely", "pyproj")


def code_digest(reader: Callable[..., LayerResult]) -> str:
    """SHA-256 over the reader's name, the versions of :data:`PARSING_LIBRARIES` and the
    source of its module, the ``layers`` modules under it (:func:`module_files`) and this
    module."""
    digest = hashlib.sha256(f"{reader.__module__}.{reader.__qualname__}".encode() + b"\0")
    digest.update(library_versions(PARSING_LIBRARIES) + b"\0")
    for path in [*module_files(reader.__module__), Path(__file__)]:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


@dataclass
class IngestCache:
    """Parsed layers in ``folder`` (module docstring), for the input files whose SHA-256
    ``checksums`` gives (``{input key: {"sha256": …}}``, as the run records them); counts its
    hits and misses, and remembers the keys a run used."""

    folder: Path
    checksums: Mapping[str, Mapping[str, Any]]
    used: set[str] = field(default_factory=set)
    hits: int = 0
    misses: int = 0
    _code: dict[str, str] = field(default_factory=dict)

    def key(
        self,
        reader: Callable[..., LayerResult],
        checksum: str,
        path: Path,
        settings: tuple[Any, ...],
    ) -> str:
        """The key of one parsed file: its checksum and path, the reader's code, its settings."""
        name = f"{reader.__module__}.{reader.__qualname__}"
        if name not in self._code:
            self._code[name] = code_digest(reader)
        digest = hashlib.sha256()
        for part in (self._code[name], checksum, str(path), repr(settings)):
            digest.update(part.encode() + b"\0")
        return digest.hexdigest()

    def read(
        self,
        input_key: str,
        reader: Callable[..., LayerResult],
        path: Path,
        *settings: Any,
        keep: Keep | None = None,
    ) -> LayerResult:
        """``reader(path, *settings)``, read back when this file was parsed the same way before;
        a file the checksums do not name (its key absent) is parsed and not kept. With ``keep``
        only the accepted rows it marks are returned (the whole file is kept in the cache)."""
        checksum = self.checksums.get(input_key, {}).get("sha256")
        if checksum is None:
            return kept_rows(reader(path, *settings), keep)
        key = self.key(reader, str(checksum), path, settings)
        self.used.add(key)
        cached = self.load(key, keep)
        if cached is not None:
            self.hits += 1
            return cached
        self.misses += 1
        result = reader(path, *settings)
        self.save(key, result)
        return kept_rows(result, keep)

    def load(self, key: str, keep: Keep | None = None) -> LayerResult | None:
        """The result stored under ``key`` (its rows ``keep`` marks, before any point is made),
        or None when it is not (completely) there."""
        described = self.folder / f"{key}.json"
        if not described.is_file():
            return None
        about = json.loads(described.read_text(encoding="utf-8"))
        rows = self.folder / f"{key}.parquet"
        shapes = about["geometry"] and not about["points"]  # points are kept as x and y
        read = pq.ParquetFile(rows).metadata.num_rows
        if shapes:
            accepted = gpd.read_parquet(rows)
            accepted = accepted.loc[rows_kept(accepted, keep)].reset_index(drop=True)
        else:  # only the rows kept become pandas rows (and points): a preview keeps ~1 %
            accepted = pd.read_parquet(rows, filters=keep)
        if about["points"]:
            accepted = _points_back(accepted, about["points"])
        quarantine = pd.read_parquet(self.folder / f"{key}.quarantine.parquet")
        return LayerResult(
            about["layer"],
            _as_written(accepted, about["accepted_objects"]),
            _as_written(quarantine, about["quarantine_objects"]),
            rows_read=about["rows_read"],
            rows_merged=about["rows_merged"],
            metadata=about["metadata"],
            rows_outside=read - len(accepted),
        )

    def save(self, key: str, result: LayerResult) -> bool:
        """Store ``result`` under ``key``, each file written aside then renamed, the JSON last
        (never half an entry); False, and nothing kept, when its metadata is not plain JSON."""
        points = _points_about(result.accepted)
        about = {
            "layer": result.layer,
            "rows_read": result.rows_read,
            "rows_merged": result.rows_merged,
            "metadata": result.metadata,
            "geometry": isinstance(result.accepted, gpd.GeoDataFrame),
            "points": points,
            "accepted_objects": _object_columns(result.accepted),
            "quarantine_objects": _object_columns(result.quarantine),
        }
        try:
            text = json.dumps(about, ensure_ascii=False)
        except (TypeError, ValueError):
            return False
        if json.loads(text)["metadata"] != result.metadata:  # a tuple or a date would not
            return False
        self.folder.mkdir(parents=True, exist_ok=True)
        rows = result.accepted if points is None else _points_as_xy(result.accepted, points)
        self._write(f"{key}.parquet", rows.to_parquet)
        self._write(f"{key}.quarantine.parquet", result.quarantine.to_parquet)
        self._write(f"{key}.json", lambda path: Path(path).write_text(text, encoding="utf-8"))
        return True

    def _write(self, name: str, write: Callable[[Path], object]) -> None:
        partial = self.folder / f".{name}.{uuid.uuid4().hex}.part"
        write(partial)
        os.replace(partial, self.folder / name)

    def take_counts(self) -> tuple[int, int]:
        """(hits, misses) since the last call, and start counting again."""
        counts = (self.hits, self.misses)
        self.hits = self.misses = 0
        return counts

    def prune(self) -> int:
        """Remove every file (and leftover partial file) of an entry this run did not use; how
        many."""
        removed = 0
        for path in self.folder.iterdir() if self.folder.is_dir() else []:
            if not path.name.startswith(".") and path.name.split(".")[0] in self.used:
                continue
            path.unlink(missing_ok=True)
            removed += 1
        return removed


def rows_kept(frame: pd.DataFrame, keep: Keep | None) -> np.ndarray:
    """Where ``keep`` holds for the rows of ``frame`` (a null counts as false, as in a
    filtered Parquet read); all True without ``keep``."""
    if keep is None:
        return np.ones(len(frame), dtype=bool)
    columns = {"_row": pa.array(np.arange(len(frame), dtype=np.int64))}
    for name, values in frame.items():  # those Arrow can hold (not the shapes)
        with contextlib.suppress(pa.ArrowException, TypeError, ValueError):
            columns[str(name)] = pa.Array.from_pandas(values)
    kept = pa.table(columns).filter(keep)["_row"].to_numpy()
    mask = np.zeros(len(frame), dtype=bool)
    mask[kept] = True
    return mask


def kept_rows(result: LayerResult, keep: Keep | None) -> LayerResult:
    """``result`` with only the accepted rows ``keep`` marks (None: all)."""
    return result if keep is None else result.keeping(rows_kept(result.accepted, keep))


def read_layer(
    cache: IngestCache | None,
    input_key: str,
    reader: Callable[..., LayerResult],
    path: Path,
    *settings: Any,
    keep: Keep | None = None,
) -> LayerResult:
    """``reader(path, *settings)`` through ``cache`` (None: parsed every time), with only
    the accepted rows ``keep`` marks (a kommune preview; None: all)."""
    if cache is None:
        return kept_rows(reader(path, *settings), keep)
    return cache.read(input_key, reader, path, *settings, keep=keep)


def _points_about(table: pd.DataFrame) -> dict[str, Any] | None:
    """Where a table's active geometry is 2-D points only (none missing or empty): its column,
    position and CRS, to keep them as x and y (making 1.8 M points from x and y is 20× faster
    than from WKB); else None."""
    if not isinstance(table, gpd.GeoDataFrame) or not len(table):
        return None
    shapes = table.geometry.to_numpy()
    if not (shapely.get_type_id(shapes) == 0).all() or shapely.has_z(shapes).any():
        return None
    if shapely.is_empty(shapes).any():
        return None
    name = str(table.geometry.name)
    crs = table.crs.to_json() if table.crs is not None else None
    return {"column": name, "position": int(table.columns.get_loc(name)), "crs": crs}


def _points_as_xy(table: pd.DataFrame, points: dict[str, Any]) -> pd.DataFrame:
    name = points["column"]
    shapes = table[name].to_numpy()
    return pd.DataFrame(table.drop(columns=name)).assign(
        **{f"{name}.x": shapely.get_x(shapes), f"{name}.y": shapely.get_y(shapes)}
    )


def _points_back(table: pd.DataFrame, points: dict[str, Any]) -> gpd.GeoDataFrame:
    """The table :func:`_points_as_xy` kept, with its points made again where they were."""
    name = points["column"]
    x, y = table.pop(f"{name}.x").to_numpy(), table.pop(f"{name}.y").to_numpy()
    crs = pyproj.CRS.from_json(points["crs"]) if points["crs"] is not None else None
    table.insert(points["position"], name, gpd.points_from_xy(x, y, crs=crs))
    return gpd.GeoDataFrame(table, geometry=name, crs=crs)


def _object_columns(table: pd.DataFrame) -> list[str]:
    """The object columns of ``table`` but its active geometry (Parquet turns text in them into
    pandas' string dtype)."""
    geometry = table.geometry.name if isinstance(table, gpd.GeoDataFrame) else None
    return [
        str(c) for c, t in table.dtypes.items() if pd.api.types.is_object_dtype(t) and c != geometry
    ]


def _as_written(table: pd.DataFrame, objects: list[str]) -> pd.DataFrame:
    """The ``objects`` columns back as object columns with None where a value is missing, as
    they were written (Parquet gives pandas' string dtype with NaN)."""
    for column in objects:
        values = table[column].astype(object)
        table[column] = values.where(values.notna(), None)
    return table
