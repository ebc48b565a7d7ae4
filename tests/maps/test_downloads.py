"""maps/downloads.py: the index page and each kommune map link the tables and the GeoPackage
at the paths the table products write, relative to the page's folder."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

from maps.downloads import (
    KOMMUNE_TABLE_PATHS,
    RUN_DOWNLOAD_PATHS,
    kommune_brief_html,
    kommune_downloads_html,
)
from maps.publish import MapPaths
from pipeline.products.geopackage import GEOPACKAGE

EXPECTED_RUN_FILES = {"tables/gap_table.xlsx", "tables/gap_table_nb.csv", "gapmap.gpkg"}


def _download_hrefs(page: Path) -> list[str]:
    """The download hrefs of a page, also those inside the map panels' JSON strings."""
    text = page.read_text(encoding="utf-8")
    panels = [json.loads(m) for m in re.findall(r'innerHTML = ("(?:[^"\\]|\\.)*");', text)]
    return re.findall(r'<a href="([^"]+)" download>', "\n".join([text, *panels]))


def _resolved(page: Path, href: str, out_dir: Path) -> str:
    target = Path(os.path.normpath(page.parent / href))
    assert out_dir in target.parents, (page, href)
    return target.relative_to(out_dir).as_posix()


def test_paths_are_those_the_table_products_write() -> None:
    assert {path for _, path in RUN_DOWNLOAD_PATHS} == EXPECTED_RUN_FILES
    assert GEOPACKAGE in EXPECTED_RUN_FILES
    assert [path for _, path in KOMMUNE_TABLE_PATHS] == [
        "tables/kommuner/{knr}.csv",
        "tables/kommuner/{knr}.xlsx",
    ]


def test_every_page_links_its_downloads_relative_to_its_folder(written: MapPaths) -> None:
    out_dir = written.index.parent
    for knr, page in written.kommuner.items():
        resolved = {_resolved(page, href, out_dir) for href in _download_hrefs(page)}
        assert resolved == EXPECTED_RUN_FILES | {
            f"tables/kommuner/{knr}.csv",
            f"tables/kommuner/{knr}.xlsx",
        }
        assert all(href.startswith("../../") for href in _download_hrefs(page))
    index_resolved = [_resolved(written.index, h, out_dir) for h in _download_hrefs(written.index)]
    assert set(index_resolved) == EXPECTED_RUN_FILES | {
        f"tables/kommuner/{knr}.{ext}" for knr in written.kommuner for ext in ("csv", "xlsx")
    }
    # Once the table products write these files, every link resolves; check those that exist.
    for href in index_resolved:
        target = out_dir / href
        assert not target.exists() or target.is_file(), href


def test_kommune_name_in_the_download_line_is_escaped() -> None:
    line = kommune_downloads_html("5001", "<b>Øy</b>", "../../")
    assert "&lt;b&gt;Øy&lt;/b&gt;" in line and "<b>Øy" not in line
    assert 'href="../../tables/kommuner/5001.csv" download' in line


def test_the_kommune_brief_is_linked_to_open_not_to_download() -> None:
    assert kommune_brief_html("5001", "../../") == (
        '<a href="../../briefs/5001.html">Kommunebrief</a>'
        ' (<a href="../../briefs/5001.pdf">PDF</a>)'
    )
    line = kommune_downloads_html("5001", "Øy", "../../")
    assert 'href="../../briefs/5001.html"' in line and "download>Kommunebrief" not in line
