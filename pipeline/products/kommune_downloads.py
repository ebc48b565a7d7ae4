"""Per-kommune downloads: ``tables/kommuner/<kommunenummer>.csv`` and ``.xlsx``.

The maps link to exactly these paths. The CSV (for Norwegian Excel, as
:func:`pipeline.products.sheets_nb.write_csv_nb`) holds every address of the kommune; the
XLSX holds the kommune's row of the gap table on "Oppsummering" (one line per column: header,
value, definition) and, on "Adresser under mål", the addresses below the map target, because
a national run's 2.6 M addresses take openpyxl minutes to write as cells (about 10 µs a cell)
while those below the target are a few per cent of them; the sheet says where the rest are.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import openpyxl
import pandas as pd
from openpyxl import Workbook

from layers.numbers_nb import format_int_nb
from maps.piece_cache import NO_PIECES, PieceCache, frame_digest
from maps.style import CLASS_STYLES, TECHNOLOGY_LABELS_NB
from maps.worker_pool import Pool, WorkerPool
from pipeline.config import Config, Target
from pipeline.products.about_nb import column_rows
from pipeline.products.columns_nb import ColumnNb, describe_all, target_label
from pipeline.products.gap_table_nb import VALUES_NB as GAP_VALUES_NB
from pipeline.products.gap_table_nb import text_sheet
from pipeline.products.sheets_nb import NUMBER_FORMATS, Sheet, add_sheet, write_csv_nb
from pipeline.products.xlsx_clock import restamped_xlsx
from pipeline.progress import Advance

FOLDER: Final = "tables/kommuner"
ADDRESS_COLUMNS: Final = ("address_id", "address_text", "households")
OFFER_COLUMNS: Final = (
    "best_technology",
    "best_operator",
    "best_down_mbps",
    "best_up_mbps",
    "cost_option",
    "cost_nok",
)
CLASSES_NB: Final = {c.code: c.label_nb for c in CLASS_STYLES}


def address_columns(targets: Sequence[Target]) -> list[str]:
    """The columns of a kommune's address download, in order."""
    return [*ADDRESS_COLUMNS, *(f"class_{t.name}" for t in targets), *OFFER_COLUMNS]


def address_values(targets: Sequence[Target]) -> dict[str, dict[str, str]]:
    """The Norwegian words for the coded columns of an address download."""
    values = {f"class_{t.name}": CLASSES_NB for t in targets}
    values["best_technology"] = TECHNOLOGY_LABELS_NB
    values["cost_option"] = TECHNOLOGY_LABELS_NB
    return values


def _summary_sheet(book: Workbook, row: pd.Series, columns: Sequence[ColumnNb], title: str) -> None:
    """ "Oppsummering": the kommune's gap-table row, one line per column (header, value with
    its column's number format, definition)."""
    frame = pd.DataFrame(
        {
            "header": [c.header for c in columns],
            "value": [row[c.name] for c in columns],
            "definition": [c.definition for c in columns],
        }
    )
    words = GAP_VALUES_NB["level"]
    frame["value"] = [words.get(v, v) if isinstance(v, str) else v for v in frame["value"]]
    spec = Sheet(
        "Oppsummering",
        frame,
        [
            ColumnNb("header", "Kolonne", "text", ""),
            ColumnNb("value", "Verdi", "text", ""),  # kind per row, below
            ColumnNb("definition", "Definisjon", "text", ""),
        ],
        wrap=True,
        widths={"header": 45.0, "value": 16.0, "definition": 90.0},
        mixed="value",
        row_formats=[NUMBER_FORMATS[c.kind] for c in columns],
        title=title,
    )
    add_sheet(book, spec)


@dataclass(frozen=True)
class DownloadSpec:
    """What every kommune's files share: the run's targets, map target and gap-table columns
    (hashable: a worker builds its :class:`_DownloadState` once from it)."""

    targets: tuple[Target, ...]
    map_target: str
    gap_columns: tuple[str, ...]
    pieces: PieceCache = NO_PIECES  # the files kept between runs (:mod:`maps.piece_cache`)


@dataclass(frozen=True)
class _DownloadState:
    names: list[str]
    columns: list[ColumnNb]
    gap_columns: list[ColumnNb]
    values: dict[str, dict[str, str]]
    below: str
    label: str
    pieces: PieceCache
    key: str  # what every kommune's files are made with besides its rows


@dataclass(frozen=True)
class KommuneDownload:
    """One kommune's files to write: its gap-table row, its addresses and where."""

    number: str
    row: pd.Series
    addresses: pd.DataFrame
    out: Path


def _download_state(spec: DownloadSpec) -> _DownloadState:
    targets = list(spec.targets)
    names = address_columns(targets)
    label = target_label(next(t for t in targets if t.name == spec.map_target))
    return _DownloadState(
        names,
        describe_all(names, targets, "address"),
        describe_all(list(spec.gap_columns), targets),
        address_values(targets),
        f"class_{spec.map_target}",
        label,
        spec.pieces,
        _spec_key(spec),
    )


def _spec_key(spec: DownloadSpec) -> str:
    """SHA-256 of the targets, the map target, the gap-table columns and the source of the
    modules that write the files (:mod:`pipeline.products`) and of openpyxl's version."""
    digest = hashlib.sha256(repr((spec.targets, spec.map_target, spec.gap_columns)).encode())
    digest.update(openpyxl.__version__.encode())
    for path in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _write_kommune(state: _DownloadState, item: KommuneDownload) -> tuple[Path, Path]:
    """The CSV of every address and the XLSX (summary, addresses below the map target); both
    read back from ``state.pieces`` when the kommune's rows are those of an earlier run (the
    workbook then stamped with this run's time, :mod:`pipeline.products.xlsx_clock`)."""
    number, addresses = item.number, item.addresses
    csv, xlsx = item.out / f"{number}.csv", item.out / f"{number}.xlsx"
    rows = frame_digest(addresses)
    data = state.pieces.piece("download-csv", [state.key, rows], lambda: _csv_bytes(state, item))
    csv.write_bytes(data)
    parts = [state.key, rows, frame_digest(item.row.astype(str)), number]
    data = state.pieces.piece("download-xlsx", parts, lambda: _xlsx_bytes(state, item))
    xlsx.write_bytes(data if state.pieces.folder is None else restamped_xlsx(data))
    return csv, xlsx


def _csv_bytes(state: _DownloadState, item: KommuneDownload) -> bytes:
    """The kommune's CSV (:func:`pipeline.products.sheets_nb.write_csv_nb`) as bytes."""
    path = item.out / f".{item.number}.csv.part"
    write_csv_nb(path, item.addresses, state.columns, state.values)
    data = path.read_bytes()
    path.unlink()
    return data


def _xlsx_bytes(state: _DownloadState, item: KommuneDownload) -> bytes:
    """The kommune's workbook as bytes."""
    number, row, addresses = item.number, item.row, item.addresses
    book = Workbook(write_only=True)
    title = f"{row['kommunenavn']} ({number}): bredbånd per adresse (gapmap)"
    _summary_sheet(book, row, state.gap_columns, title)
    shown = addresses.loc[addresses[state.below] != "served"]
    note = (
        f"{format_int_nb(len(shown))} adresser under målet {state.label} av"
        f" {format_int_nb(len(addresses))} i kommunen; alle adressene står i {number}.csv"
    )
    add_sheet(
        book, Sheet("Adresser under mål", shown, state.columns, state.values, note, title=title)
    )
    add_sheet(book, text_sheet("Kolonnenavn", column_rows(state.columns), title))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def write_kommune_downloads(
    folder: Path,
    results: pd.DataFrame,
    gap_table: pd.DataFrame,
    config: Config,
    pool: Pool | None = None,
    done: Advance | None = None,
    pieces: PieceCache = NO_PIECES,
) -> dict[str, dict[str, str]]:
    """Both files for every kommune of the gap table (a kommune without addresses gets files
    with no address rows), written on ``pool`` (default: this process), ``done(1)`` per
    kommune, kept in ``pieces`` between runs; returns ``{kommunenummer: {"csv": path,
    "xlsx": path}}``."""
    out = folder / FOLDER
    out.mkdir(parents=True, exist_ok=True)
    map_target, gap_columns = config.classify.map_target, tuple(gap_table.columns)
    spec = DownloadSpec(tuple(config.targets), map_target, gap_columns, pieces)
    names = address_columns(config.targets)
    ordered = results.sort_values(["kommunenummer", "address_text", "address_id"], kind="stable")
    groups = dict(tuple(ordered.groupby("kommunenummer", sort=False)[names]))
    kommuner = gap_table.loc[gap_table["level"] == "kommune"]
    none = ordered.iloc[:0][names]
    items = (
        KommuneDownload(
            str(row["kommunenummer"]), row, groups.get(str(row["kommunenummer"]), none), out
        )
        for _, row in kommuner.iterrows()  # one per kommune (357)
    )
    files = (pool or WorkerPool(1)).map_ordered(
        _write_kommune, items, make_state=_download_state, state_args=(spec,), done=done
    )
    return {
        csv.stem: {"csv": str(csv.relative_to(folder)), "xlsx": str(xlsx.relative_to(folder))}
        for csv, xlsx in files
    }
