"""Download the open Kartverket inputs of a list of kommuner from Geonorge.

For each kommune, ``gapmap fetch`` downloads two zips from Geonorge's download folders:

- the Matrikkelen Adresse CSV (``MatrikkelenAdresse/CSV/Basisdata_<knr>_<Navn>_25833_...``),
  the address layer's real input;
- the kommune boundary (Kartverket Basisdata GeoJSON, ``{"Kommune": ..., "Grense": ...}``), the
  kommuner layer's input.

Each file is downloaded by :func:`pipeline.fetch.download.fetch_file`: resumable, retried,
verified and cached (see :mod:`pipeline.fetch.download`). This module knows Geonorge: where
its files are, how it spells kommune names, the fetch manifest, and the progress shown while
fetching.

The Geonorge file names embed the kommune's name as Geonorge spells it; see
:func:`geonorge_name` for the rule (an assumption, checked against a few real file names
only) and give ``KNR=Name`` explicitly where it is wrong.
"""

from __future__ import annotations

import json
import re
import unicodedata
import urllib.parse
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

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

from layers.errors import ConfigError, InputError
from layers.kommuner import read_kommuner
from pipeline.fetch.cache import FetchRecord, file_name_of, now_iso, write_json
from pipeline.fetch.download import (
    DownloadSettings,
    FetchError,
    FetchProgress,
    ProgressCallback,
    fetch_file,
)

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


@dataclass(frozen=True, kw_only=True)
class FetchSettings(DownloadSettings):
    """Where the Geonorge files are, and how to download them (:class:`DownloadSettings`).

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
    timeout_s, retries, backoff_s, backoff_max_s, chunk_bytes, max_age_days
        As in :class:`pipeline.fetch.download.DownloadSettings`.
    """

    base_url: str = DEFAULT_BASE_URL
    address_template: str = (
        "MatrikkelenAdresse/CSV/Basisdata_{knr}_{navn}_25833_MatrikkelenAdresse_CSV.zip"
    )
    kommuner_template: str = "Kommuner/GeoJSON/Basisdata_{knr}_{navn}_25833_Kommuner_GeoJSON.zip"
    cache_dir: Path | None = None

    def __post_init__(self) -> None:
        if not re.match(r"https?://[^/]", self.base_url):
            msg = f"FetchSettings.base_url: got {self.base_url!r}; expected an http(s):// URL"
            raise ConfigError(msg)
        for name in ("address_template", "kommuner_template"):
            _check_template(name, getattr(self, name))
        super().__post_init__()


def settings_with(**overrides: Any) -> FetchSettings:
    """Default :class:`FetchSettings` with the fields given (and not ``None``) replaced."""
    return replace(FetchSettings(), **{k: v for k, v in overrides.items() if v is not None})


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
        document = {"format": MANIFEST_FORMAT, "updated_at": now_iso(), "records": entries}
        write_json(manifest_path, document)
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
