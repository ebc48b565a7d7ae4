"""The kommune briefs of a publication: ``briefs/<knr>.html`` and ``briefs/<knr>.pdf``.

Made from the published folder alone (so ``gapmap brief`` needs nothing but a publication):
``tables/gap_table.csv``, ``tables/cost_curve.csv``, ``tables/project_areas.csv``,
``manifest.json``, the GeoPackage's ``kommuner``, ``adresser_under_mal`` and
``prosjektomrader`` layers for the map thumbnail, and when present ``tables/gap_reasons.csv``,
``tables/changes_summary.csv`` and ``tables/trend.csv``. The page is
:func:`maps.brief.render_brief_html`; the PDFs are printed by one headless Chromium
(:mod:`pipeline.products.brief_pdf`). Without Chromium the HTML is written and the PDFs are
recorded as skipped, with the reason.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from layers.errors import InputError
from layers.numbers_nb import format_int_nb, format_nok, format_timestamp_nb
from maps import brief_figures as figures
from maps.brief import BriefContent, render_brief_html
from maps.brief_images import ThumbnailImage, cost_curve_png, data_uri_png, thumbnail_png
from maps.cost_curve_png import CostCurveImage
from maps.piece_cache import NO_PIECES, PieceCache, frame_digest, geometry_digest
from maps.style import TargetSpec
from maps.worker_pool import Pool, WorkerPool
from pipeline.products.brief_pdf import (
    ChromiumMissingError,
    ChromiumPrinter,
    PdfPrintError,
    require_chromium,
)
from pipeline.products.brief_sources import KommuneShares, Publication
from pipeline.products.brief_sources import read_publication as read_publication  # re-exported
from pipeline.progress import NO_PROGRESS, Advance, Progress

BRIEFS_DIR = "briefs"
PREVIEW_LABEL = "Forhåndsvisning av én kommune, uten fylke og landet · "
FORMULA_QUOTE_START = ("'=", "'+", "'-", "'@", "'\t", "'\r")


def unquote_spreadsheet_safe(text: object) -> str:
    """A name as it came, from a published CSV that quoted it against formulas (``'=x`` →
    ``=x``; :func:`pipeline.products.tables.spreadsheet_safe`)."""
    value = str(text)
    return value[1:] if value.startswith(FORMULA_QUOTE_START) else value


def _gap_rows(publication: Publication, kommunenummer: str) -> list[Mapping[str, Any] | None]:
    """The kommune's gap-table row, its fylke's and the total (None where missing): the first
    row of each."""
    table = publication.gap_table
    level = table["level"].to_numpy()
    kommune = np.flatnonzero(
        (level == "kommune") & (table["kommunenummer"].to_numpy() == kommunenummer)
    )
    if not len(kommune):
        known = publication.kommunenummer()
        shown = ", ".join(known[:8]) + (", …" if len(known) > 8 else "")
        msg = (
            f"kommune {kommunenummer!r} is not in {publication.folder / 'tables/gap_table.csv'};"
            f" expected one of its {len(known)} kommunenummer ({shown}: the kommunenummer column"
            " of that file, or the index page)"
        )
        raise InputError(msg)
    fylkesnummer = table["fylkesnummer"].iloc[kommune[0]]
    fylke = np.flatnonzero((level == "fylke") & (table["fylkesnummer"].to_numpy() == fylkesnummer))
    total = np.flatnonzero(level == "total")
    return [_record(table, kommune), _record(table, fylke), _record(table, total)]


def _record(table: pd.DataFrame, rows: np.ndarray) -> dict[str, Any] | None:
    """The first of ``rows`` (positions in ``table``) as a dict (None for no row)."""
    return None if not len(rows) else {str(k): v for k, v in table.iloc[rows[0]].items()}


@dataclass(frozen=True)
class BriefPictures:
    """The figures a worker reuses for all its briefs' pictures (one of each), and the
    pictures kept between runs (:mod:`maps.piece_cache`; default: none kept)."""

    curve: CostCurveImage = field(default_factory=CostCurveImage)
    thumbnail: ThumbnailImage = field(default_factory=ThumbnailImage)
    pieces: PieceCache = NO_PIECES


THUMBNAIL_COLUMNS = ("x_m", "y_m", "households")  # what the thumbnail draws, with the class


def _thumbnail(
    publication: Publication, kommunenummer: str, pictures: BriefPictures | None = None
) -> str | None:
    """The kommune's map thumbnail as a PNG data URI (None without outlines). Its piece key is
    the outline's and the areas' shapes (WKB and CRS) and only the address columns it draws,
    which are all the drawing is given."""
    outlines, below = publication.layers["outlines"], publication.layers["below"]
    if outlines is None:
        return None
    outline = outlines[outlines["kommunenummer"] == kommunenummer]
    if outline.empty:
        return None
    column = f"class_{publication.map_target.name}"
    drawn = [*THUMBNAIL_COLUMNS, column]
    addresses = (
        pd.DataFrame({name: [] for name in drawn})
        if below is None
        else below.loc[below["kommunenummer"] == kommunenummer, drawn]
    )
    shapes = publication.layers["shapes"]
    area_shapes = (
        None if shapes is None else shapes.geometry[shapes["kommunenummer"] == kommunenummer]
    )
    pictures = pictures or BriefPictures()
    areas_digest = "None" if area_shapes is None else geometry_digest(area_shapes)
    parts = [geometry_digest(outline.geometry), frame_digest(addresses), column, areas_digest]
    png = pictures.pieces.piece(
        "thumbnail",
        parts,
        lambda: thumbnail_png(outline.geometry, addresses, column, area_shapes, pictures.thumbnail),
    )
    return data_uri_png(png)


def _subsidy_note(publication: Publication) -> str:
    viable = publication.manifest.get("config", {}).get("cost", {})
    viable_nok = viable.get("commercially_viable_nok_per_household")
    return (
        "Hvem som er støtteberettiget, er ikke vurdert i denne kjøringen. Tallene er"
        " prosjektområdenes beregnede støttebehov: kostnad minus husstander ×"
        f" {format_nok(viable_nok)} (det en utbygger antas å kunne dekke per husstand),"
        f" for {publication.cost_target.label_nb}."
    )


def _stamp(manifest: Mapping[str, Any]) -> list[tuple[str, str]]:
    return [
        ("Kjøring", str(manifest.get("run_id", ""))),
        ("Startet", format_timestamp_nb(str(manifest.get("started_at", "")))),
        ("Programversjon", str(manifest.get("code_version", ""))),
    ]


def brief_content(
    publication: Publication,
    kommunenummer: str,
    pictures: BriefPictures | None = None,
) -> BriefContent:
    """Everything the brief of ``kommunenummer`` shows, from the publication, its pictures
    drawn on ``pictures``' figures (or read back from its pieces); an unknown kommune is an
    :class:`InputError` that says where the valid numbers are."""
    rows = _gap_rows(publication, kommunenummer)
    kommune, fylke = rows[0] or {}, rows[1]
    preview = publication.manifest.get("scope") is not None  # pipeline/preview.py
    compared = ["Fylket" if fylke is not None else "Fylket (mangler)"]
    compared.append(f"Alle {format_int_nb(len(publication.kommunenummer()))} kommuner")
    name = unquote_spreadsheet_safe(kommune.get("kommunenavn"))
    headline = list(dict.fromkeys([publication.map_target, publication.cost_target]))
    curve = publication.cost_curve
    if not curve.empty:
        curve = curve[curve["kommunenummer"] == kommunenummer]
    changes, previous = figures.change_rows(
        publication.optional["changes_summary"], kommunenummer, headline
    )
    fylkesnavn, fylkesnummer = kommune.get("fylkesnavn"), kommune.get("fylkesnummer")
    fylke_text = f"{unquote_spreadsheet_safe(fylkesnavn)} ({fylkesnummer})"
    started = format_timestamp_nb(str(publication.manifest.get("started_at", "")))
    return BriefContent(
        kommunenummer=kommunenummer,
        kommunenavn=name,
        fylke=fylke_text if isinstance(fylkesnavn, str) else f"Fylke {fylkesnummer}",
        run_label=f"{PREVIEW_LABEL if preview else ''}Tall fra kjøringen {started}",
        map_target_label=publication.map_target.label_nb,
        # a preview has no fylke or nation to compare with (pipeline/preview.py)
        figure_columns=["Kommunen", *([] if preview else compared)],
        figures=figures.key_figure_rows(
            rows[:1] if preview else rows, publication.targets, headline
        ),
        thumbnail_uri=_thumbnail(publication, kommunenummer, pictures),
        cost_curve_uri=_curve_uri(curve, publication.cost_target, pictures),
        changes=changes,
        previous_run=previous,
        reasons=figures.top_reason_rows(
            publication.optional["gap_reasons"], kommunenummer, publication.map_target.name
        ),
        trend_columns=[t.label_nb for t in headline],
        trend=figures.trend_rows(publication.optional["trend"], kommunenummer, headline),
        subsidy=figures.subsidy_figures(publication.areas, kommunenummer),
        subsidy_note=_subsidy_note(publication),
        sources=figures.source_rows(publication.manifest),
        stamp=_stamp(publication.manifest),
        scenarios=figures.scenario_rows(
            publication.optional["scenarios"], kommunenummer, publication.map_target.name
        ),
    )


def _curve_uri(
    curve: pd.DataFrame, target: TargetSpec, pictures: BriefPictures | None
) -> str | None:
    if curve.empty:
        return None
    title = f"Kostnad for å nå {target.label_nb}"
    pictures = pictures or BriefPictures()
    png = pictures.pieces.piece(
        "brief-curve",
        [frame_digest(curve), title],
        lambda: cost_curve_png(curve, title, pictures.curve) or b"",
    )
    return data_uri_png(png)


def write_brief_html(
    publication: Publication,
    kommunenummer: str,
    out: Path,
    pictures: BriefPictures | None = None,
) -> Path:
    """``out/<knr>.html``: the kommune's brief, one self-contained file."""
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{kommunenummer}.html"
    content = brief_content(publication, kommunenummer, pictures)
    path.write_text(render_brief_html(content), encoding="utf-8")
    return path


BriefState = tuple[KommuneShares, BriefPictures]


def _read_brief_state(folder: Path, pieces: PieceCache) -> BriefState:
    """What every brief of a worker shares: the publication cut by kommune and one figure of
    each picture."""
    return KommuneShares(read_publication(folder)), BriefPictures(pieces=pieces)


def _given(state: BriefState) -> BriefState:
    return state


def _write_brief_job(state: BriefState, job: tuple[str, Path]) -> Path:
    shares, pictures = state
    kommunenummer, out = job
    publication = shares.of(kommunenummer)
    return write_brief_html(publication, kommunenummer, out, pictures)


def write_brief_pages(
    publication: Publication,
    chosen: list[str],
    out: Path,
    work: tuple[Pool, Advance],
    pieces: PieceCache = NO_PIECES,
) -> dict[str, Path]:
    """The HTML briefs of ``chosen``, by ``work``'s pool of processes (each reads the
    publication from its folder once; with one, this process uses ``publication``), ``done(1)``
    per page, the pictures kept in ``pieces``; the same bytes for any count."""
    pool, done = work
    parallel = pool.workers > 1
    state: tuple[Any, ...] = (
        (publication.folder, pieces)
        if parallel
        else ((KommuneShares(publication), BriefPictures(pieces=pieces)),)
    )
    pages = pool.map_ordered(
        _write_brief_job,
        [(knr, out) for knr in chosen],
        make_state=_read_brief_state if parallel else _given,
        state_args=state,
        done=done,
    )
    return dict(zip(chosen, pages, strict=True))


def _print_share(pages: list[tuple[Path, Path]], chromium: Path, done: Advance) -> list[Path]:
    """Print ``pages`` with one Chromium, ``done(1)`` per page."""
    printed = []
    with ChromiumPrinter(chromium) as printer:
        for html_path, pdf_path in pages:
            printed.append(printer.print_pdf(html_path, pdf_path))
            done(1)
    return printed


def print_brief_pdfs(
    pages: list[tuple[Path, Path]], chromium: Path, workers: int, done: Advance
) -> list[Path]:
    """Print (HTML, PDF) pairs with ``workers`` Chromiums at once (threads: the work is the
    browsers'), page ``i`` by browser ``i mod workers``; the PDFs in the pages' order."""
    count = max(min(workers, len(pages)), 1)
    shares = [pages[i::count] for i in range(count)]
    with ThreadPoolExecutor(max_workers=count) as pool:
        printed = list(pool.map(lambda share: _print_share(share, chromium, done), shares))
    ordered: list[Path] = [Path()] * len(pages)
    for i, share in enumerate(printed):
        ordered[i::count] = share
    return ordered


def write_briefs(
    folder: Path,
    kommuner: Iterable[str] | None = None,
    out: Path | None = None,
    *,
    pool: Pool | None = None,
    progress: Progress = NO_PROGRESS,
    pieces: PieceCache = NO_PIECES,
) -> dict[str, Any]:
    """Write the briefs of ``kommuner`` (default: every kommune of the publication in
    ``folder``) as HTML and PDF into ``out`` (default ``folder/briefs``), by ``pool``'s
    processes (default: this one) and as many browsers, reporting to ``progress``, their
    pictures kept in ``pieces`` (:mod:`maps.piece_cache`; default: none kept). Returns
    what the manifest records: the HTML and PDF paths (relative to ``folder`` when inside it)
    and, when the PDFs were not printed (no Chromium, or it failed), ``pdf_skipped`` with the
    reason."""
    publication = read_publication(folder)
    target = out or folder / BRIEFS_DIR
    chosen = list(kommuner) if kommuner is not None else publication.kommunenummer()
    pool = pool or WorkerPool(1)
    with progress.track("briefs", len(chosen)) as done:
        pages = write_brief_pages(publication, chosen, target, (pool, done), pieces)
    record: dict[str, Any] = {"html": _paths(pages, folder)}
    try:
        chromium = require_chromium()
        pairs = [(html, html.with_suffix(".pdf")) for html in pages.values()]
        with progress.track("brief PDFs", len(pairs)) as done:
            pdfs = print_brief_pdfs(pairs, chromium, pool.workers, done)
    except (ChromiumMissingError, PdfPrintError) as exc:  # the run goes on without PDFs
        record["pdf_skipped"] = str(exc)
        return record
    record["pdf"] = _paths(dict(zip(pages, pdfs, strict=True)), folder)
    return record


def _paths(paths: Mapping[str, Path], folder: Path) -> dict[str, str]:
    return {
        knr: str(path.relative_to(folder)) if path.is_relative_to(folder) else str(path)
        for knr, path in paths.items()
    }
