"""File checksums, shared by the run record (input checksums) and the downloader's cache."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from layers.errors import RunError


def library_versions(names: Iterable[str]) -> bytes:
    """The installed versions of ``names`` (``absent`` for one not installed), as bytes for a
    cache key: a cache of what a library computed must not outlive an upgrade of it."""
    parts = []
    for name in names:
        try:
            parts.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            parts.append(f"{name} absent")
    return "\0".join(parts).encode()


def sha256_of(path: Path) -> str:
    """SHA-256 of a file, read in 1 MiB blocks (a 1 GB national file never sits in memory)."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _input_files(inputs: Mapping[str, object]) -> list[tuple[str, Path]]:
    """(key, file) for every configured input; a folder or a list gives ``layer/name`` keys."""
    files = []
    for layer, value in inputs.items():
        values = list(value) if isinstance(value, tuple) else [value]
        paths = [v for v in values if isinstance(v, Path)]  # not options such as roads_layer
        for path in paths:
            if not path.exists():
                msg = f"[inputs].{layer}: {path} does not exist"
                raise RunError(msg)
        if len(paths) == 1 and paths[0].is_file():
            files.append((layer, paths[0]))
            continue
        for path in paths:
            inside = sorted(p for p in path.iterdir() if p.is_file()) if path.is_dir() else [path]
            files += [(f"{layer}/{p.name}", p) for p in inside]
    return files


def input_checksums(inputs: Mapping[str, object]) -> dict[str, dict[str, Any]]:
    """Path, size, modification time and SHA-256 of every configured input file."""
    result = {}
    for key, path in _input_files(inputs):
        stat = path.stat()
        result[key] = {
            "path": str(path),
            "bytes": stat.st_size,
            "sha256": sha256_of(path),
            "modified": datetime.fromtimestamp(stat.st_mtime, UTC).isoformat(),
        }
    return result
