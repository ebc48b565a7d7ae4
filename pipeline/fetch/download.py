"""Download one file over HTTP(S), safely: resumable, retried, verified, cached.

Downloads are safe to interrupt and to repeat:

- a file is written to ``<name>.part`` and renamed atomically when complete and verified, so
  ``dest`` is either absent, the previous good file, or the new good file;
- an interrupted download resumes with an HTTP ``Range`` request (with ``If-Range``, so a file
  that changed on the server meanwhile is downloaded again from zero, never spliced);
- connection errors, timeouts, truncated bodies, HTTP 5xx, 408 and 429 are retried with
  exponential back-off and jitter; any other HTTP error (404) fails at once;
- a body shorter than its ``Content-Length`` is never accepted; a zip must pass
  :meth:`zipfile.ZipFile.testzip` (a corrupt one is deleted and downloaded once more);
- ``<name>.fetch.json`` records the URL, size and SHA-256 of each file: a later fetch whose
  file still matches its record makes no request at all (:mod:`pipeline.fetch.cache` keeps
  these records and the partial download's).

:mod:`pipeline.fetch.geonorge` uses this for Geonorge's files; nothing here knows about Geonorge.
"""

from __future__ import annotations

import http.client
import random
import re
import time
import urllib.error
import urllib.parse
import urllib.request
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any, Literal

from layers.errors import ConfigError, InputError
from pipeline.fetch.cache import (
    FetchRecord,
    cached_record,
    file_name_of,
    finish_download,
    remove_files,
    resume_point,
    sidecar,
    write_json,
)

RETRY_STATUS = frozenset({408, 429})
Stage = Literal["cached", "start", "data"]


@dataclass(frozen=True, kw_only=True)
class DownloadSettings:
    """How to download a file: timeouts, retries, back-off, chunk size and cache expiry.

    Attributes
    ----------
    timeout_s : float
        Seconds to wait for the connection and for each read of the body.
    retries : int
        Further attempts after the first on connection errors, timeouts, truncated bodies and
        HTTP 5xx / 408 / 429 (so at most ``retries + 1`` requests per file).
    backoff_s : float
        Wait before the first retry; it doubles with each retry up to ``backoff_max_s`` and is
        multiplied by a random jitter in [0.5, 1]. A ``Retry-After`` header can lengthen it.
    backoff_max_s : float
        Cap on a single wait between attempts.
    chunk_bytes : int
        Bytes read and written at a time (also how often progress is reported).
    max_age_days : float or None
        A file fetched longer ago than this is downloaded again; ``None``: a file that still
        matches its recorded checksum is never downloaded again.
    """

    timeout_s: float = 60.0
    retries: int = 4
    backoff_s: float = 1.0
    backoff_max_s: float = 30.0
    chunk_bytes: int = 1 << 20
    max_age_days: float | None = None

    def __post_init__(self) -> None:
        kind = type(self).__name__  # messages name the class the caller made
        for name, minimum in (("timeout_s", 0.0), ("chunk_bytes", 0)):
            if not getattr(self, name) > minimum:
                msg = f"{kind}.{name}: got {getattr(self, name)!r}; expected > {minimum}"
                raise ConfigError(msg)
        for name in ("retries", "backoff_s", "backoff_max_s", "max_age_days"):
            value = getattr(self, name)
            if value is not None and not value >= 0:
                msg = f"{kind}.{name}: got {value!r}; expected >= 0"
                raise ConfigError(msg)


@dataclass(frozen=True)
class FetchProgress:
    """A progress report: ``stage`` is ``"cached"``, ``"start"`` (of an attempt) or ``"data"``.

    ``resumed_from_bytes`` is what was already on disk when the attempt started;
    ``retry_reason`` why the previous attempt failed (on the ``"start"`` of a retry).
    """

    url: str
    path: Path
    stage: Stage
    done_bytes: int
    total_bytes: int | None
    attempt: int
    resumed_from_bytes: int = 0
    retry_reason: str | None = None


ProgressCallback = Callable[[FetchProgress], None]


class FetchError(InputError):
    """A download failed for good; ``status`` is the HTTP status when the server answered."""

    def __init__(self, message: str, url: str, status: int | None = None) -> None:
        super().__init__(message)
        self.url = url
        self.status = status


class _RetryableError(Exception):
    """An attempt failed in a way another attempt may fix."""

    def __init__(self, reason: str, retry_after_s: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after_s = retry_after_s


class _CorruptZipError(Exception):
    """The complete download is not a readable zip."""


@dataclass(frozen=True)
class _Attempt:
    """What one successful attempt left in the ``.part`` file."""

    resumed_from_bytes: int
    etag: str | None
    last_modified: str | None


@dataclass
class _Reporter:
    """Sends :class:`FetchProgress` events of one file's download to the callback, if any."""

    url: str
    dest: Path
    chunk_bytes: int
    callback: ProgressCallback | None
    attempt: int = 0
    reason: str | None = None

    def __call__(self, stage: Stage, done: int, total: int | None, resumed_from: int) -> None:
        if self.callback is not None:
            self.callback(
                FetchProgress(
                    self.url, self.dest, stage, done, total, self.attempt, resumed_from, self.reason
                )
            )


def _user_agent() -> str:
    try:
        return f"gapmap/{metadata.version('gapmap')} (gapmap fetch)"
    except metadata.PackageNotFoundError:
        return "gapmap (gapmap fetch)"


def _request(url: str, offset: int, meta: dict[str, Any]) -> urllib.request.Request:
    headers = {"User-Agent": _user_agent(), "Accept-Encoding": "identity"}
    if offset > 0:
        headers["Range"] = f"bytes={offset}-"
        etag = meta.get("etag")
        # If-Range: the server sends the rest only if the file is unchanged, else all of it
        validator = etag if etag and not etag.startswith("W/") else meta.get("last_modified")
        if validator:
            headers["If-Range"] = validator
    return urllib.request.Request(url, headers=headers)


def _retry_after_s(headers: Any) -> float | None:
    value = headers.get("Retry-After") if headers is not None else None
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def _http_error(url: str, error: urllib.error.HTTPError, part: Path, offset: int) -> _Attempt:
    """Turn an HTTP error status into a retry, a finished ``.part``, or a final error."""
    code, reason, headers = error.code, error.reason, error.headers
    error.close()
    if code == 416:
        # the range starts at or past the end: complete already, or a stale .part
        content_range = headers.get("Content-Range", "") if headers is not None else ""
        match = re.fullmatch(r"bytes \*/(\d+)", content_range)
        if match and int(match.group(1)) == offset:
            return _Attempt(offset, None, None)
        remove_files(part, sidecar(part, ".json"))
        msg = f"HTTP 416: the partial download ({offset:,} bytes) does not fit; restarting"
        raise _RetryableError(msg)
    if code >= 500 or code in RETRY_STATUS:
        raise _RetryableError(f"HTTP {code} {reason}", _retry_after_s(headers))
    missing = " (no file at this address)" if code in (404, 410) else ""
    msg = f"{url}: HTTP {code} {reason}{missing}; expected 200 OK"
    raise FetchError(msg, url, code)


def _body_range(url: str, response: Any, offset: int, part: Path) -> tuple[int, int | None]:
    """Where this response's body starts in the file, and the file's total size if known."""
    length = response.headers.get("Content-Length")
    if response.status == 200:  # a full body: also when the server ignored Range or If-Range
        return 0, int(length) if length is not None else None
    if response.status != 206:
        msg = f"{url}: HTTP {response.status}; expected 200 OK or 206 Partial Content"
        raise FetchError(msg, url, response.status)
    content_range = response.headers.get("Content-Range", "")
    match = re.fullmatch(r"bytes (\d+)-(\d+)/(\d+|\*)", content_range)
    if match is None or int(match.group(1)) != offset:
        remove_files(part, sidecar(part, ".json"))
        msg = f"206 with Content-Range {content_range!r}, expected bytes {offset}-; restarting"
        raise _RetryableError(msg)
    return offset, None if match.group(3) == "*" else int(match.group(3))


def _read_block(response: Any, size: int, done: int) -> bytes:
    """Up to ``size`` bytes as they arrive (``read1``: a stall loses nothing already received)."""
    try:
        return bytes(response.read1(size))
    except (OSError, http.client.HTTPException) as exc:
        msg = f"connection lost after {done:,} bytes ({type(exc).__name__}: {exc})"
        raise _RetryableError(msg) from exc


def _stream_body(
    response: Any, part: Path, start: int, total: int | None, report: _Reporter
) -> int:
    """Append (``start`` > 0) or write the body to ``part``; the bytes now in ``part``."""
    done = start
    try:
        with part.open("ab" if start > 0 else "wb") as handle:
            while block := _read_block(response, report.chunk_bytes, done):
                handle.write(block)
                done += len(block)
                report("data", done, total, start)
    except OSError as exc:  # network errors became _RetryableError in _read_block: this is the disk
        msg = f"{part}: cannot write the download ({exc}); expected a writable folder with space"
        raise InputError(msg) from exc
    if total is not None and done < total:
        raise _RetryableError(f"truncated body: got {done:,} of {total:,} bytes")
    return done


def _attempt(url: str, part: Path, settings: DownloadSettings, report: _Reporter) -> _Attempt:
    """One request: resume or start ``part``, stream the body, check its length."""
    offset, meta = resume_point(url, part)
    opener = urllib.request.build_opener()
    try:
        response = opener.open(_request(url, offset, meta), timeout=settings.timeout_s)
    except urllib.error.HTTPError as exc:
        return _http_error(url, exc, part, offset)
    except (OSError, http.client.HTTPException) as exc:  # URLError, timeouts, refused, reset
        reason = getattr(exc, "reason", exc)
        raise _RetryableError(f"no response ({type(reason).__name__}: {reason})") from exc
    with response:
        start, total = _body_range(url, response, offset, part)
        etag, last_modified = response.headers.get("ETag"), response.headers.get("Last-Modified")
        if start == 0:
            validators = {"url": url, "etag": etag, "last_modified": last_modified}
            write_json(sidecar(part, ".json"), validators)
        report("start", start, total, start)
        _stream_body(response, part, start, total, report)
    return _Attempt(start, etag or meta.get("etag"), last_modified or meta.get("last_modified"))


def _check_zip(part: Path) -> None:
    """Raise :class:`_CorruptZipError` unless ``part`` is a zip whose members pass their CRC."""
    try:
        with zipfile.ZipFile(part) as archive:
            bad_member = archive.testzip()
    except NotImplementedError:  # a compression method Python cannot read: cannot check
        return
    except (zipfile.BadZipFile, zlib.error, EOFError, ValueError) as exc:
        with part.open("rb") as handle:
            head = handle.read(32)
        msg = f"not a readable zip ({exc}; the file starts with {head!r})"
        raise _CorruptZipError(msg) from exc
    if bad_member is not None:
        raise _CorruptZipError(f"member {bad_member!r} fails its CRC check")


def _backoff_s(settings: DownloadSettings, attempt: int, retry_after_s: float | None) -> float:
    """Exponential back-off with jitter: backoff_s · 2^(attempt-1) · U(0.5, 1), capped."""
    delay: float = min(settings.backoff_max_s, settings.backoff_s * 2 ** (attempt - 1))
    delay *= random.uniform(0.5, 1.0)
    if retry_after_s is not None:
        delay = max(delay, min(retry_after_s, settings.backoff_max_s))
    return delay


def _download(
    url: str, dest: Path, settings: DownloadSettings, on_progress: ProgressCallback | None
) -> tuple[_Attempt, int]:
    """Attempt until ``dest.part`` holds the verified file; the last attempt and the count."""
    part = sidecar(dest, ".part")
    is_zip = file_name_of(url).lower().endswith(".zip")
    report = _Reporter(url, dest, settings.chunk_bytes, on_progress)
    zip_retried = False
    for attempt in range(1, settings.retries + 2):
        report.attempt = attempt
        try:
            result = _attempt(url, part, settings, report)
            if is_zip:
                _check_zip(part)
            return result, attempt
        except _RetryableError as exc:
            report.reason = exc.reason
            if attempt <= settings.retries:
                time.sleep(_backoff_s(settings, attempt, exc.retry_after_s))
        except _CorruptZipError as exc:
            remove_files(part, sidecar(part, ".json"))
            report.reason = f"corrupt zip: {exc}"
            if zip_retried:
                msg = (
                    f"{url}: the downloaded file is a corrupt zip twice in a row ({exc}); deleted"
                    " it. Expected a valid zip archive: the server may be sending a broken file"
                    " or an error page"
                )
                raise FetchError(msg, url) from exc
            zip_retried = True
    kept = f"; {part.stat().st_size:,} bytes kept in {part} to resume" if part.exists() else ""
    msg = f"{url}: gave up after {settings.retries + 1} attempts; last error: {report.reason}{kept}"
    raise FetchError(msg, url)


def fetch_file(
    url: str,
    dest: Path,
    settings: DownloadSettings | None = None,
    on_progress: ProgressCallback | None = None,
) -> FetchRecord:
    """Download ``url`` to ``dest`` unless a verified copy is there already.

    Parameters
    ----------
    url : str
        The file's address.
    dest : Path
        Where the file goes; ``dest.part`` (and ``dest.part.json``) hold an unfinished
        download, ``dest.fetch.json`` the record that makes the next call a cache hit.
    settings : DownloadSettings, optional
        Timeouts, retries, back-off, chunk size, cache expiry.
    on_progress : callable, optional
        Called with a :class:`FetchProgress` when an attempt starts and after every chunk.

    Returns
    -------
    FetchRecord
        The file's size, SHA-256, when it was fetched, whether from the cache or resumed,
        and how many requests this call made.

    Raises
    ------
    FetchError
        An :class:`~layers.errors.InputError` naming the URL: an HTTP error other than
        5xx / 408 / 429 (at once), retries exhausted, or a zip corrupt twice.
    """
    settings = settings or DownloadSettings()
    cached = cached_record(url, dest, settings.max_age_days)
    if cached is not None:
        if on_progress is not None:
            on_progress(FetchProgress(url, dest, "cached", cached.bytes, cached.bytes, 0))
        return cached
    dest.parent.mkdir(parents=True, exist_ok=True)
    result, attempts = _download(url, dest, settings, on_progress)
    return finish_download(
        url, dest, attempts, result.resumed_from_bytes > 0, result.etag, result.last_modified
    )
