"""The download links of the map pages: a kommune's rows, the whole gap table and the GeoPackage.

The files are written by the table products (``pipeline/products/``) at fixed paths below the run
folder (:data:`KOMMUNE_TABLE_PATHS`, :data:`RUN_DOWNLOAD_PATHS`); the pages link them relative to
their own folder (``root``: ``""`` for ``index.html``, ``"../../"`` for a kommune map), so the
links work in a copied run folder and are harmless when a file is missing.
"""

from __future__ import annotations

import html
from typing import Final

# (label, path with {knr}) of one kommune's rows.
KOMMUNE_TABLE_PATHS: Final[tuple[tuple[str, str], ...]] = (
    ("CSV", "tables/kommuner/{knr}.csv"),
    ("Excel", "tables/kommuner/{knr}.xlsx"),
)
# (label, path) of the run's whole products.
RUN_DOWNLOAD_PATHS: Final[tuple[tuple[str, str], ...]] = (
    ("Hele tabellen (Excel)", "tables/gap_table.xlsx"),
    ("Hele tabellen (CSV)", "tables/gap_table_nb.csv"),
    ("Kartdata (GeoPackage)", "gapmap.gpkg"),
)

# (label, path with {knr}) of the kommune's one-page brief (pipeline/products/briefs.py); opened,
# not downloaded (the PDF is missing when the run found no Chromium to print it).
KOMMUNE_BRIEF_PATHS: Final[tuple[tuple[str, str], ...]] = (
    ("Kommunebrief", "briefs/{knr}.html"),
    ("PDF", "briefs/{knr}.pdf"),
)


def kommune_table_hrefs(kommunenummer: str, root: str) -> list[tuple[str, str]]:
    """(label, relative href) of the kommune's rows as CSV and Excel."""
    return [(label, root + path.format(knr=kommunenummer)) for label, path in KOMMUNE_TABLE_PATHS]


def run_download_hrefs(root: str) -> list[tuple[str, str]]:
    """(label, relative href) of the whole table (Excel, CSV) and the GeoPackage."""
    return [(label, root + path) for label, path in RUN_DOWNLOAD_PATHS]


def kommune_brief_html(kommunenummer: str, root: str) -> str:
    """Links to the kommune's one-page brief: ``Kommunebrief (PDF)``, HTML and PDF."""
    (label, page), (pdf_label, pdf) = (
        (text, html.escape(root + path.format(knr=kommunenummer), quote=True))
        for text, path in KOMMUNE_BRIEF_PATHS
    )
    return f'<a href="{page}">{label}</a> (<a href="{pdf}">{pdf_label}</a>)'


def _links(pairs: list[tuple[str, str]]) -> str:
    return " · ".join(
        f'<a href="{html.escape(href, quote=True)}" download>{html.escape(label)}</a>'
        for label, href in pairs
    )


def kommune_downloads_html(kommunenummer: str, kommunenavn: str, root: str) -> str:
    """The download line of a kommune map: its rows, the whole table, the GeoPackage."""
    name = html.escape(kommunenavn)
    return (
        f'<div class="gapmap-downloads"><b>Last ned</b> tallene for {name}: '
        f"{_links(kommune_table_hrefs(kommunenummer, root))}<br>"
        f"{kommune_brief_html(kommunenummer, root)}: én A4-side med nøkkeltall<br>"
        f"{_links(run_download_hrefs(root))}</div>"
    )


def run_downloads_html(root: str = "") -> str:
    """The download line of the index page: the whole table and the GeoPackage."""
    return f'<p class="gapmap-downloads"><b>Last ned:</b> {_links(run_download_hrefs(root))}</p>'
