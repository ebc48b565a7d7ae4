"""What a download leaves on disk, and the cache built on it.

Beside a file ``dest`` downloaded by :func:`pipeline.fetch.download.fetch_file`:

- ``dest.fetch.json`` records the URL, size, SHA-256, time and the server's validators of the
  finished file: a later fetch whose file still matches its record (and is not older than
  ``max_age_days``) is a cache hit and makes no request;
- ``dest.part`` holds an unfinished download, ``dest.part.json`` the URL and validators it was
  started with, so that it is resumed only for the same URL.

Sidecars are written atomically (a temporary file renamed over them); one that cannot be read
counts as absent.
"""

from __future__ import annotations

import json
import os
import urllib.parse
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from layers.checksums import sha256_of
from layers.errors import ConfigError


@dataclass(frozen=True)
class FetchRecord:
    """One downloaded (or cached) file and where it came from.

    ``attempts`` counts the requests this call made (0 for a cache hit); ``resumed`` says the
    file was completed from bytes of an earlier, interrupted attempt. ``etag`` and
    ``last_modified`` are the server's validators (the file's vintage) when it sent them.
    """

    url: str
    path: Path
    bytes: int
    sha256: str
    fetched_at: str
    from_cache: bool
    attempts: int
    resumed: bool = False
    etag: str | None = None
    last_modified: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The record as JSON-ready values (``path`` as a string)."""
        return {**vars(self), "path": str(self.path)}


def file_name_of(url: str) -> str:
    """The last path segment of a URL, unquoted: the file's name on disk."""
    name = urllib.parse.unquote(urllib.parse.urlsplit(url).path.rsplit("/", 1)[-1])
    if name in ("", ".", ".."):
        msg = f"{url}: got no file name in the URL; expected a path ending in a file name"
        raise ConfigError(msg)
    return name


def sidecar(dest: Path, suffix: str) -> Path:
    """``dest`` with ``suffix`` added to its name: ``x.zip`` → ``x.zip.part``."""
    return dest.with_name(dest.name + suffix)


def now_iso() -> str:
    """The current UTC time to the second, ISO 8601 (``2025-03-01T03:00:00+00:00``)."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def read_json(path: Path) -> dict[str, Any] | None:
    """A JSON object from ``path``; ``None`` when absent or unreadable (a stale sidecar)."""
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def write_json(path: Path, value: dict[str, Any]) -> None:
    """Write JSON atomically (a temporary file renamed over ``path``)."""
    temporary = sidecar(path, ".tmp")
    temporary.write_text(json.dumps(value, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(temporary, path)


def remove_files(*paths: Path) -> None:
    """Delete the files that exist among ``paths``."""
    for path in paths:
        path.unlink(missing_ok=True)


def _is_expired(fetched_at: Any, max_age_days: float | None) -> bool:
    if max_age_days is None:
        return False
    try:
        fetched = datetime.fromisoformat(str(fetched_at))
    except ValueError:
        return True
    return (datetime.now(UTC) - fetched).total_seconds() > max_age_days * 86_400


def cached_record(url: str, dest: Path, max_age_days: float | None) -> FetchRecord | None:
    """The record of ``dest`` when it is a complete, unchanged download of ``url``, fetched at
    most ``max_age_days`` ago (``None``: whenever)."""
    recorded = read_json(sidecar(dest, ".fetch.json"))
    if recorded is None or recorded.get("url") != url or not dest.is_file():
        return None
    if recorded.get("bytes") != dest.stat().st_size:
        return None
    if _is_expired(recorded.get("fetched_at"), max_age_days):
        return None
    if sha256_of(dest) != recorded.get("sha256"):
        return None
    return FetchRecord(
        url=url,
        path=dest,
        bytes=int(recorded["bytes"]),
        sha256=str(recorded["sha256"]),
        fetched_at=str(recorded.get("fetched_at")),
        from_cache=True,
        attempts=0,
        etag=recorded.get("etag"),
        last_modified=recorded.get("last_modified"),
    )


def resume_point(url: str, part: Path) -> tuple[int, dict[str, Any]]:
    """Bytes already downloaded into ``part`` for ``url``, and the validators recorded then
    (a ``part`` of another URL is deleted)."""
    meta_path = sidecar(part, ".json")
    meta = read_json(meta_path) or {}
    if not part.exists() or meta.get("url", url) != url:
        remove_files(part, meta_path)
        return 0, {}
    return part.stat().st_size, meta


def finish_download(
    url: str,
    dest: Path,
    attempts: int,
    resumed: bool,
    etag: str | None,
    last_modified: str | None,
) -> FetchRecord:
    """Move the verified ``dest.part`` to ``dest`` (atomically), drop its validators, and
    record the file in ``dest.fetch.json``; return the record."""
    part = sidecar(dest, ".part")
    os.replace(part, dest)
    remove_files(sidecar(part, ".json"))
    record = FetchRecord(
        url=url,
        path=dest,
        bytes=dest.stat().st_size,
        sha256=sha256_of(dest),
        fetched_at=now_iso(),
        from_cache=False,
        attempts=attempts,
        resumed=resumed,
        etag=etag,
        last_modified=last_modified,
    )
    write_json(sidecar(dest, ".fetch.json"), record.to_json())
    return record
