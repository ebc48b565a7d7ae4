"""Fresh inputs: a run refuses to publish last month's data again, or data too old.

The inputs named in ``[freshness].monthly_inputs`` are expected to change every month. Before
the run begins its heavy work (the checksums are computed already, by
:func:`layers.checksums.input_checksums`), each of them is judged:

- **identical**: its files' SHA-256 are the same (as a multiset; file names may change) as in
  the ``runs.input_checksums`` of the latest succeeded run in the store;
- **too old**: a file's data date is more than ``[freshness].max_age_days`` before now
  (``age_days = (now − data_date) / 86 400 s``). The data date is what the file carries: the
  newest member time of a zip (Geonorge packs its files when it extracts the data; the time is
  the zip's local time, read as UTC, so it may be off by a few hours), else the file's
  modification time.

Either refuses the run with :class:`layers.errors.StaleInputError` (exit 79), unless
``allow_stale`` (``gapmap run --allow-stale`` or ``[freshness] allow_stale = true``): then the
run goes on and the reasons are returned, for the run to report and record.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from layers.errors import StaleInputError
from pipeline.config import Config

SECONDS_PER_DAY = 86_400.0


def data_date(path: Path) -> datetime:
    """The date of a file's data (UTC): the newest member time of a zip, else the file's
    modification time (also for a zip that cannot be read; ingest will say why)."""
    if path.suffix.lower() == ".zip":
        try:
            with zipfile.ZipFile(path) as archive:
                times = [datetime(*info.date_time, tzinfo=UTC) for info in archive.infolist()]
        except (zipfile.BadZipFile, OSError, ValueError):
            times = []
        if times:
            return max(times)
    return datetime.fromtimestamp(path.stat().st_mtime, UTC)


def previous_checksums(
    connection: duckdb.DuckDBPyConnection,
) -> tuple[str, dict[str, dict[str, Any]]] | None:
    """The latest succeeded run's id and its ``input_checksums``, or ``None`` before the first."""
    row = connection.execute(
        "SELECT run_id, input_checksums FROM runs WHERE status = 'succeeded'"
        " ORDER BY started_at DESC LIMIT 1"
    ).fetchone()
    return None if row is None else (str(row[0]), json.loads(row[1]))


def _of_input(checksums: Mapping[str, dict[str, Any]], name: str) -> dict[str, dict[str, Any]]:
    """The checksum entries of input ``name``: its file, or ``name/<file>`` for each file of a
    folder or a list."""
    return {k: v for k, v in checksums.items() if k == name or k.startswith(f"{name}/")}


def identical_reason(
    name: str, files: Mapping[str, dict[str, Any]], previous: tuple[str, Mapping[str, Any]] | None
) -> str | None:
    """Why input ``name`` (its checksum entries ``files``) is last run's again, or ``None``."""
    if previous is None or not files:
        return None
    run_id, checksums = previous
    before = _of_input(checksums, name)
    if sorted(e["sha256"] for e in files.values()) != sorted(e["sha256"] for e in before.values()):
        return None
    paths = ", ".join(str(e["path"]) for e in files.values())
    sha = next(iter(files.values()))["sha256"][:12]
    return (
        f"[inputs].{name} ({paths}) is identical to the last succeeded run {run_id}'s"
        f" (sha256 {sha}…)"
    )


def age_reasons(
    name: str, files: Mapping[str, dict[str, Any]], max_age_days: float, now: datetime
) -> list[str]:
    """Why files of input ``name`` are too old: one reason per file older than
    ``max_age_days`` (none when it is 0)."""
    if max_age_days <= 0:
        return []
    reasons = []
    for entry in files.values():
        dated = data_date(Path(entry["path"]))
        age_days = (now - dated).total_seconds() / SECONDS_PER_DAY
        if age_days > max_age_days:
            reasons.append(
                f"[inputs].{name} ({entry['path']}) holds data of {dated:%Y-%m-%d}, {age_days:.0f}"
                f" days old; expected at most {max_age_days:g} days ([freshness].max_age_days)"
            )
    return reasons


def stale_reasons(
    config: Config,
    checksums: Mapping[str, dict[str, Any]],
    previous: tuple[str, Mapping[str, Any]] | None,
    now: datetime,
) -> list[str]:
    """Every reason a monthly input of ``config`` is stale: identical to ``previous`` (the
    latest succeeded run's id and checksums) or older than the configured age."""
    settings = config.freshness
    reasons: list[str] = []
    for name in settings.monthly_inputs:
        files = _of_input(checksums, name)
        same = identical_reason(name, files, previous)
        reasons += [same] if same else []
        reasons += age_reasons(name, files, settings.max_age_days, now)
    return reasons


def check_freshness(
    connection: duckdb.DuckDBPyConnection,
    config: Config,
    checksums: Mapping[str, dict[str, Any]],
    run_id: str,
    allow_stale: bool = False,
) -> list[str]:
    """Refuse run ``run_id`` with :class:`StaleInputError` when a monthly input is stale,
    unless ``allow_stale`` or ``[freshness].allow_stale``; return the reasons (empty when
    every monthly input is fresh), which an allowed run reports."""
    if not config.freshness.monthly_inputs:
        return []
    reasons = stale_reasons(config, checksums, previous_checksums(connection), datetime.now(UTC))
    if reasons and not (allow_stale or config.freshness.allow_stale):
        msg = (
            f"run {run_id}: refused to publish: {'; '.join(reasons)}; these inputs are expected"
            " to change monthly ([freshness].monthly_inputs): fetch new ones, or go on with"
            " `gapmap run --allow-stale` (or [freshness] allow_stale = true)"
        )
        raise StaleInputError(msg)
    return reasons
