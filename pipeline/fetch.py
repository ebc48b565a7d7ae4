"""Download the open Kartverket inputs of a list of kommuner from Geonorge.

For each kommune, ``gapmap fetch`` downloads two zips from Geonorge's download folders:

- the Matrikkelen Adresse CSV (``MatrikkelenAdresse/CSV/Basisdata_<knr>_<Navn>_25833_...``),
  the address layer's real input;
- the kommune boundary (Kartverket Basisdata GeoJSON, ``{"Kommune": ..., "Grense": ...}``), the
  kommuner layer's input.

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
  file still matches its record makes no request at all.

The Geonorge file names embed the kommune's name as Geonorge spells it; see
:func:`geonorge_name` for the rule (an assumption, checked against a few real file names
only) and give ``KNR=Name`` explicitly where it is wrong.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import random
import re
import time
import unicodedata
import urllib.error
import urllib.parse
import urllib.request
import zipfile
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any, Literal

from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TaskID,
    TextColumn,
    TransferSpeedColumn,
)
from rich.table import Column, Table

from layers.kommuner import read_kommuner
from pipeline.errors import ConfigError, InputError

DEFAULT_BASE_URL = "https://nedlasting.geonorge.no/geonorge/Basisdata"
MANIFEST_NAME = "fetch_manifest.json"
MANIFEST_FORMAT = 1
# Sami and Kven parts of the official kommune names of 2024 as Kartverket joins them with
# " - " ("Kárášjohka - Karasjok"); the official order puts the Sami name first in some
# kommuner, so the Norwegian part is the first part *not* in this set.
SAMI_KVEN_NAMES = frozenset(
    {
        "Aarborte", "Deatnu", "Dielddanuorri", "Evenášši", "Fuossko", "Gáivuotna",
        "Guovdageaidnu", "Hábmer", "Hámmerfeasta", "Hárstták", "Kaivuono", "Kárášjohka",
        "Loabák", "Nåavmesjenjaelmie", "Omasvuono", "Omasvuotna", "Porsanki", "Porsáŋgu",
        "Raarvihke", "Raisi", "Ráisa", "Rosse", "Snåase", "Suortá", "Tråante", "Unjárga",
    }
)  # fmt: skip
# Geonorge file names spell Norwegian letters in ASCII: Ålesund → Alesund, Bodø → Bodo,
# Trøndelag → Trondelag; Bærum → Berum is seen once (æ → e is the least certain part).
ASCII_LETTERS = str.maketrans({"Æ": "E", "æ": "e", "Ø": "O", "ø": "o", "Å": "A", "å": "a"})
RETRY_STATUS = frozenset({408, 429})
Stage = Literal["cached", "start", "data"]


@dataclass(frozen=True)
class FetchSettings:
    """Where the Geonorge files are and how to download them.

    Attributes
    ----------
    base_url : str
        Root of Geonorge's download folders (``http://`` or ``https://``).
    address_template : str
        Path of a kommune's Matrikkelen Adresse CSV zip below ``base_url``: ``{knr}`` is the
        4-digit kommunenummer, ``{navn}`` the name as Geonorge spells it
        (:func:`geonorge_name`). The folder and pattern are Geonorge's published ones.
    kommuner_template : str
        Path of a kommune's boundary zip (Kartverket Basisdata GeoJSON) below ``base_url``.
        **An assumption to check against** https://nedlasting.geonorge.no/geonorge/Basisdata/Kommuner/GeoJSON/:
        the national file ``Basisdata_0000_Norge_25833_Kommuner_GeoJSON.zip`` is widely used,
        per-kommune files are assumed to follow the address files' naming. It could not be
        verified offline, which is why it is configurable.
    cache_dir : Path or None
        Folder the files are downloaded into; ``None`` means the ``out_dir`` given to
        :func:`fetch_kommuner`. Point several data folders at one cache to download once.
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

    base_url: str = DEFAULT_BASE_URL
    address_template: str = (
        "MatrikkelenAdresse/CSV/Basisdata_{knr}_{navn}_25833_MatrikkelenAdresse_CSV.zip"
    )
    kommuner_template: str = "Kommuner/GeoJSON/Basisdata_{knr}_{navn}_25833_Kommuner_GeoJSON.zip"
    cache_dir: Path | None = None
    timeout_s: float = 60.0
    retries: int = 4
    backoff_s: float = 1.0
    backoff_max_s: float = 30.0
    chunk_bytes: int = 1 << 20
    max_age_days: float | None = None

    def __post_init__(self) -> None:
        if not re.match(r"https?://[^/]", self.base_url):
            msg = f"FetchSettings.base_url: got {self.base_url!r}; expected an http(s):// URL"
            raise ConfigError(msg)
        for name in ("address_template", "kommuner_template"):
            _check_template(name, getattr(self, name))
        for name, minimum in (("timeout_s", 0.0), ("chunk_bytes", 0)):
            if not getattr(self, name) > minimum:
                msg = f"FetchSettings.{name}: got {getattr(self, name)!r}; expected > {minimum}"
                raise ConfigError(msg)
        for name in ("retries", "backoff_s", "backoff_max_s", "max_age_days"):
            value = getattr(self, name)
            if value is not None and not value >= 0:
                msg = f"FetchSettings.{name}: got {value!r}; expected >= 0"
                raise ConfigError(msg)


def settings_with(**overrides: Any) -> FetchSettings:
    """Default :class:`FetchSettings` with the fields given (and not ``None``) replaced."""
    return replace(FetchSettings(), **{k: v for k, v in overrides.items() if v is not None})


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


def _check_template(name: str, template: str) -> None:
    try:
        template.format(knr="0301", navn="Oslo")
    except (KeyError, IndexError, ValueError) as exc:
        msg = (
            f"FetchSettings.{name}: got {template!r} ({exc!r}); expected a path whose only"
            f" placeholders are {{knr}} and {{navn}}"
        )
        raise ConfigError(msg) from exc


def geonorge_name(kommunenavn: str) -> str:
    """The kommune's name as Geonorge spells it in file names.

    The rule (an assumption, from real file names such as ``Basisdata_5001_Trondheim_...``,
    ``_1508_Alesund_``, ``_5610_Karasjok_``, ``_3207_Nordre_Follo_``, ``_1804_Bodo_``):

    1. of the official name's parts joined by ``" - "``, keep the Norwegian one (the first
       part not in :data:`SAMI_KVEN_NAMES`): "Trondheim - Tråante" → "Trondheim",
       "Kárášjohka - Karasjok" → "Karasjok";
    2. Æ/Ø/Å → E/O/A (æ/ø/å → e/o/a), other accents dropped (á → a);
    3. runs of spaces → ``_``; hyphens and case are kept.

    The rule is idempotent, so a name already in Geonorge's spelling passes unchanged.
    """
    parts = [part.strip() for part in kommunenavn.split(" - ") if part.strip()]
    if not parts:
        msg = f"kommune name: got {kommunenavn!r}; expected a name such as 'Oslo'"
        raise ConfigError(msg)
    norwegian = next((part for part in parts if part not in SAMI_KVEN_NAMES), parts[0])
    decomposed = unicodedata.normalize("NFKD", norwegian.translate(ASCII_LETTERS))
    plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    return re.sub(r"\s+", "_", plain)


def parse_kommune_spec(spec: str) -> tuple[str, str | None]:
    """``"0301"`` → ``("0301", None)``; ``"4204=Kristiansand"`` → ``("4204", "Kristiansand")``.

    Three-digit numbers get their leading zero (``"301"`` → ``"0301"``).
    """
    number, equals, name = (part.strip() for part in spec.partition("="))
    if not re.fullmatch(r"\d{3,4}", number) or (equals and not name):
        msg = (
            f"--kommune {spec!r}: expected a 4-digit kommunenummer, optionally with the name"
            " Geonorge uses: 0301 or 4204=Kristiansand"
        )
        raise ConfigError(msg)
    return number.zfill(4), name or None


def _names_from_file(path: Path, numbers: Sequence[str]) -> dict[str, str]:
    """kommunenummer → kommunenavn of ``numbers`` from a kommune boundary file."""
    table = read_kommuner(path).accepted
    names = dict(zip(table["kommunenummer"], table["kommunenavn"], strict=True))
    absent = [number for number in numbers if number not in names]
    if absent:
        msg = (
            f"{path}: got {len(names)} kommuner but not {absent}; expected current (2024)"
            f" kommunenummer, or give the name: --kommune {absent[0]}=Name"
        )
        raise InputError(msg)
    return names


def resolve_kommuner(specs: Sequence[str], names_from: Path | None = None) -> list[tuple[str, str]]:
    """``(kommunenummer, Geonorge name)`` for each ``--kommune`` spec, in order, once each.

    A spec without a name is looked up in the kommune boundary file ``names_from`` (any format
    :func:`layers.kommuner.read_kommuner` reads); without that file it is an error.
    """
    parsed = [parse_kommune_spec(spec) for spec in specs]
    if not parsed:
        msg = "--kommune: got none; expected at least one, e.g. --kommune 0301=Oslo"
        raise ConfigError(msg)
    unnamed = [number for number, name in parsed if name is None]
    if unnamed and names_from is None:
        msg = (
            f"--kommune {unnamed[0]}: no name given and no --names-from file; expected"
            f" {unnamed[0]}=Name (as in the Geonorge file name) or --names-from kommuner.geojson"
        )
        raise ConfigError(msg)
    looked_up = _names_from_file(names_from, unnamed) if unnamed and names_from else {}
    resolved: dict[str, str] = {}
    for number, name in parsed:
        navn = geonorge_name(name if name is not None else looked_up[number])
        if resolved.setdefault(number, navn) != navn:
            msg = f"--kommune {number}: got two names, {resolved[number]!r} and {navn!r}"
            raise ConfigError(msg)
    return list(resolved.items())


def kommune_urls(knr: str, navn: str, settings: FetchSettings) -> dict[str, str]:
    """The download URL per layer (``addresses``, ``kommuner``) of one kommune."""
    base = settings.base_url.rstrip("/")
    fields = {"knr": knr, "navn": urllib.parse.quote(geonorge_name(navn))}
    return {
        "addresses": f"{base}/{settings.address_template.format(**fields)}",
        "kommuner": f"{base}/{settings.kommuner_template.format(**fields)}",
    }


def file_name_of(url: str) -> str:
    """The last path segment of a URL, unquoted: the file's name on disk."""
    name = urllib.parse.unquote(urllib.parse.urlsplit(url).path.rsplit("/", 1)[-1])
    if name in ("", ".", ".."):
        msg = f"{url}: got no file name in the URL; expected a path ending in a file name"
        raise ConfigError(msg)
    return name


def _sidecar(dest: Path, suffix: str) -> Path:
    return dest.with_name(dest.name + suffix)


def _now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _read_json(path: Path) -> dict[str, Any] | None:
    """A JSON object from ``path``; ``None`` when absent or unreadable (a stale sidecar)."""
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def _write_json(path: Path, value: dict[str, Any]) -> None:
    """Write JSON atomically (a temporary file renamed over ``path``)."""
    temporary = _sidecar(path, ".tmp")
    temporary.write_text(json.dumps(value, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(temporary, path)


def _remove(*paths: Path) -> None:
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


def cached_record(url: str, dest: Path, settings: FetchSettings) -> FetchRecord | None:
    """The record of ``dest`` when it is a complete, unchanged, fresh download of ``url``."""
    recorded = _read_json(_sidecar(dest, ".fetch.json"))
    if recorded is None or recorded.get("url") != url or not dest.is_file():
        return None
    if recorded.get("bytes") != dest.stat().st_size:
        return None
    if _is_expired(recorded.get("fetched_at"), settings.max_age_days):
        return None
    if _sha256_of(dest) != recorded.get("sha256"):
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


def _user_agent() -> str:
    try:
        return f"gapmap/{metadata.version('gapmap')} (gapmap fetch)"
    except metadata.PackageNotFoundError:
        return "gapmap (gapmap fetch)"


def _resume_point(url: str, part: Path) -> tuple[int, dict[str, Any]]:
    """Bytes already downloaded into ``part`` for ``url``, and the validators recorded then."""
    meta_path = _sidecar(part, ".json")
    meta = _read_json(meta_path) or {}
    if not part.exists() or meta.get("url", url) != url:
        _remove(part, meta_path)
        return 0, {}
    return part.stat().st_size, meta


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
        _remove(part, _sidecar(part, ".json"))
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
        _remove(part, _sidecar(part, ".json"))
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


def _attempt(url: str, part: Path, settings: FetchSettings, report: _Reporter) -> _Attempt:
    """One request: resume or start ``part``, stream the body, check its length."""
    offset, meta = _resume_point(url, part)
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
            _write_json(_sidecar(part, ".json"), validators)
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


def _backoff_s(settings: FetchSettings, attempt: int, retry_after_s: float | None) -> float:
    """Exponential back-off with jitter: backoff_s · 2^(attempt-1) · U(0.5, 1), capped."""
    delay = min(settings.backoff_max_s, settings.backoff_s * 2 ** (attempt - 1))
    delay *= random.uniform(0.5, 1.0)
    if retry_after_s is not None:
        delay = max(delay, min(retry_after_s, settings.backoff_max_s))
    return delay


def _download(
    url: str, dest: Path, settings: FetchSettings, on_progress: ProgressCallback | None
) -> tuple[_Attempt, int]:
    """Attempt until ``dest.part`` holds the verified file; the last attempt and the count."""
    part = _sidecar(dest, ".part")
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
            _remove(part, _sidecar(part, ".json"))
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
    settings: FetchSettings | None = None,
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
    settings : FetchSettings, optional
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
        An :class:`~pipeline.errors.InputError` naming the URL: an HTTP error other than
        5xx / 408 / 429 (at once), retries exhausted, or a zip corrupt twice.
    """
    settings = settings or FetchSettings()
    cached = cached_record(url, dest, settings)
    if cached is not None:
        if on_progress is not None:
            on_progress(FetchProgress(url, dest, "cached", cached.bytes, cached.bytes, 0))
        return cached
    dest.parent.mkdir(parents=True, exist_ok=True)
    result, attempts = _download(url, dest, settings, on_progress)
    part = _sidecar(dest, ".part")
    os.replace(part, dest)
    _remove(_sidecar(part, ".json"))
    record = FetchRecord(
        url=url,
        path=dest,
        bytes=dest.stat().st_size,
        sha256=_sha256_of(dest),
        fetched_at=_now_iso(),
        from_cache=False,
        attempts=attempts,
        resumed=result.resumed_from_bytes > 0,
        etag=result.etag,
        last_modified=result.last_modified,
    )
    _write_json(_sidecar(dest, ".fetch.json"), record.to_json())
    return record


def read_manifest(path: Path) -> dict[str, dict[str, Any]]:
    """The records of a fetch manifest, keyed by URL (empty when there is none yet)."""
    if not path.exists():
        return {}
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        records = document["records"]
        if not isinstance(records, dict):
            raise TypeError(type(records).__name__)
    except (ValueError, KeyError, TypeError) as exc:
        msg = (
            f"{path}: not a fetch manifest ({type(exc).__name__}: {exc}); expected the JSON"
            " object `gapmap fetch` writes, with a 'records' object. Move it away to start anew"
        )
        raise InputError(msg) from exc
    return records


def _manifest_entry(record: FetchRecord, layer: str, knr: str, out_dir: Path) -> dict[str, Any]:
    entry = record.to_json()
    if record.path.resolve().is_relative_to(out_dir.resolve()):
        entry["path"] = str(record.path.resolve().relative_to(out_dir.resolve()))
    return {**entry, "layer": layer, "kommunenummer": knr}


def _with_name_hint(error: FetchError, knr: str, navn: str) -> str:
    if error.status != 404:
        return str(error)
    return (
        f"{error} (the file name spells kommune {knr} {navn!r}; if Geonorge spells it"
        f" otherwise, give the name: --kommune {knr}=Name)"
    )


def fetch_kommuner(
    kommuner: Sequence[tuple[str, str]],
    out_dir: Path,
    settings: FetchSettings | None = None,
    on_progress: ProgressCallback | None = None,
) -> list[FetchRecord]:
    """Download the address zip and the boundary zip of each kommune; update the manifest.

    Parameters
    ----------
    kommuner : sequence of (kommunenummer, name)
        The name as in the register or as Geonorge spells it (:func:`geonorge_name` is
        applied; it leaves Geonorge's spelling unchanged).
    out_dir : Path
        Holds ``fetch_manifest.json`` (records keyed by URL, merged with earlier calls; paths
        relative to ``out_dir`` when inside it) and, unless ``settings.cache_dir`` is set, the
        files.
    settings : FetchSettings, optional
        Where and how to download.
    on_progress : callable, optional
        Passed on to :func:`fetch_file`.

    Returns
    -------
    list of FetchRecord
        One per file, in order: addresses then boundary for each kommune.

    Raises
    ------
    InputError
        After trying every file, when any failed: one message naming each failed URL (the
        manifest still records the files that succeeded).
    """
    settings = settings or FetchSettings()
    manifest_path = out_dir / MANIFEST_NAME
    entries = read_manifest(manifest_path)
    folder = settings.cache_dir or out_dir
    folder.mkdir(parents=True, exist_ok=True)
    out_dir.mkdir(parents=True, exist_ok=True)
    records: list[FetchRecord] = []
    failures: list[str] = []
    try:
        for knr, name in kommuner:
            navn = geonorge_name(name)
            for layer, url in kommune_urls(knr, navn, settings).items():
                try:
                    record = fetch_file(url, folder / file_name_of(url), settings, on_progress)
                except FetchError as exc:
                    failures.append(_with_name_hint(exc, knr, navn))
                    continue
                records.append(record)
                entries[url] = _manifest_entry(record, layer, knr, out_dir)
    finally:
        document = {"format": MANIFEST_FORMAT, "updated_at": _now_iso(), "records": entries}
        _write_json(manifest_path, document)
    if failures:
        msg = f"{len(failures)} download(s) failed: " + "; ".join(failures)
        raise InputError(msg)
    return records


def format_bytes(size: float) -> str:
    """``1234567`` → ``"1.2 MB"`` (decimal units, as download tools show them)."""
    for unit in ("B", "kB", "MB"):
        if size < 1000:
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    return f"{size:,.1f} GB"


def short_name(file_name: str) -> str:
    """A Geonorge file name without its constant parts: ``0301_Oslo_MatrikkelenAdresse_CSV.zip``."""
    return re.sub(r"^Basisdata_|_258\d\d(?=_)", "", file_name)


def fetch_progress(console: Console) -> Progress:
    """A rich progress display for :func:`progress_reporter`: one line per file."""
    return Progress(
        TextColumn(
            "{task.description}", table_column=Column(ratio=1, no_wrap=True, overflow="ellipsis")
        ),
        BarColumn(bar_width=10),
        DownloadColumn(),
        TransferSpeedColumn(),
        TextColumn(
            "{task.fields[note]}",
            table_column=Column(no_wrap=True, overflow="ellipsis", max_width=30),
        ),
        console=console,
        expand=True,
    )


def progress_reporter(progress: Progress) -> ProgressCallback:
    """A progress callback showing one line per file: bytes, speed, cached / resumed / retry."""
    tasks: dict[str, TaskID] = {}

    def show(event: FetchProgress) -> None:
        if event.url not in tasks:
            label = escape(short_name(event.path.name))
            tasks[event.url] = progress.add_task(label, total=None, note="")
        task = tasks[event.url]
        if event.stage == "data":
            progress.update(task, completed=event.done_bytes)
            return
        notes = ["cached"] if event.stage == "cached" else []
        if event.resumed_from_bytes:
            notes.append(f"resumed at {format_bytes(event.resumed_from_bytes)}")
        if event.retry_reason:
            notes.append(f"attempt {event.attempt} after: {escape(event.retry_reason)}")
        note = ", ".join(notes)
        # reset, so that bytes already on disk do not count as transfer speed
        progress.reset(task, completed=event.done_bytes, total=event.total_bytes, note=note)

    return show


def records_table(records: Sequence[FetchRecord], title: str) -> Table:
    """Summary of a fetch: file, size, SHA-256 prefix, downloaded / resumed / cached, requests."""
    table = Table(title=title)
    for column in ("file", "size", "sha256", "status", "requests"):
        table.add_column(column, justify="right" if column in ("size", "requests") else "left")
    for record in records:
        status = "[green]resumed[/]" if record.resumed else "[green]downloaded[/]"
        table.add_row(
            escape(short_name(record.path.name)),
            format_bytes(record.bytes),
            record.sha256[:12],
            "cached" if record.from_cache else status,
            str(record.attempts),
        )
    return table
