"""pipeline/products/brief_pdf.py: finding Chromium, and one browser printing pages to PDF
over its DevTools pipe (``browser``); a browser that dies is one clear error, not a hang."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from pipeline.products.brief_pdf import (
    ChromiumMissingError,
    PdfPrintError,
    find_chromium,
    print_pdfs,
    require_chromium,
)

PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8">
<style>@page {{ size: A4; margin: 10mm; }}</style></head><body><h1>{title}</h1></body></html>"""


def test_gapmap_chromium_names_the_one_to_use(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    chosen = tmp_path / "my-chromium"
    chosen.write_text("#!/bin/sh\n", encoding="utf-8")
    monkeypatch.setenv("GAPMAP_CHROMIUM", str(chosen))
    assert find_chromium() == chosen
    monkeypatch.setenv("GAPMAP_CHROMIUM", str(tmp_path / "absent"))
    assert find_chromium() is None  # set, but no file: not searched elsewhere
    with pytest.raises(ChromiumMissingError, match=r"is no file.*apt-get install chromium"):
        require_chromium()


def test_without_gapmap_chromium_the_path_is_searched(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GAPMAP_CHROMIUM", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    assert find_chromium() is None
    with pytest.raises(ChromiumMissingError, match="no chromium on the PATH"):
        require_chromium()
    browser = tmp_path / "chromium-browser"
    browser.write_text("#!/bin/sh\n", encoding="utf-8")
    browser.chmod(0o755)
    assert find_chromium() == browser


def test_a_browser_that_exits_at_once_is_a_print_error(tmp_path: Path) -> None:
    dead = tmp_path / "dead-chromium"
    dead.write_text("#!/bin/sh\nexit 3\n", encoding="utf-8")
    dead.chmod(0o755)
    page = tmp_path / "a.html"
    page.write_text(PAGE.format(title="x"), encoding="utf-8")
    with pytest.raises(PdfPrintError, match=r"Chromium ended \(exit code"):
        print_pdfs([(page, tmp_path / "a.pdf")], dead)


def _chromium_and_poppler() -> Path:
    """Chromium, with poppler-utils to read its PDFs; skipped without them (failed in CI)."""
    chromium = find_chromium()
    if chromium is None or shutil.which("pdftotext") is None or shutil.which("pdfimages") is None:
        reason = "chromium or poppler-utils not installed"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    return chromium


@pytest.mark.browser
def test_one_browser_prints_each_page_as_one_a4_pdf(tmp_path: Path) -> None:
    chromium = _chromium_and_poppler()
    pages: list[tuple[Path, Path]] = []
    for title in ("Første side", "Andre side <&>"):
        html = tmp_path / f"{len(pages)}.html"
        html.write_text(PAGE.format(title=title.replace("<&>", "&lt;&amp;&gt;")), "utf-8")
        pages.append((html, html.with_suffix(".pdf")))
    written = print_pdfs(pages, chromium)
    assert written == [pdf for _, pdf in pages]
    for (_, pdf), title in zip(pages, ("Første side", "Andre side <&>"), strict=True):
        info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
        assert "Pages:           1" in info.stdout
        assert "594.96 x 841.92 pts (A4)" in info.stdout
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True)
        assert title in text.stdout


IMAGE_PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}</title>
<style>@page {{ size: A4; margin: 10mm; }}</style></head>
<body><h1>{title}</h1><img src="{image}" width="200" height="100" alt="bilde"></body></html>"""


@pytest.mark.browser
def test_later_pages_of_a_folder_show_their_own_text_title_and_relative_images(
    tmp_path: Path,
) -> None:
    """Pages after the first of a folder are written into the loaded document: each PDF
    must hold its own heading and title only, and images by relative path still resolve
    against the page's own folder (a missing one is not waited for)."""
    chromium = _chromium_and_poppler()
    from PIL import Image

    cases = [  # folder, title, image path, whether the image exists
        ("a", "Side én", "bilde.png", True),
        ("a", "Side to", "bilde.png", True),
        ("a", "Side tre", "mangler.png", False),
        ("b", "Side fire", "bilde.png", True),
    ]
    pages: list[tuple[Path, Path]] = []
    for number, (folder, title, image, exists) in enumerate(cases):
        (tmp_path / folder).mkdir(exist_ok=True)
        if exists:
            size = (40, 20) if folder == "a" else (30, 15)  # which folder's image was used
            Image.new("RGB", size, (200, 30, 30)).save(tmp_path / folder / image)
        html = tmp_path / folder / f"{number}.html"
        html.write_text(IMAGE_PAGE.format(title=title, image=image), "utf-8")
        pages.append((html, html.with_suffix(".pdf")))
    print_pdfs(pages, chromium)
    titles = [title for _, title, _, _ in cases]
    for (_, pdf), (folder, title, _, exists) in zip(pages, cases, strict=True):
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True)
        assert title in text.stdout
        assert not [other for other in titles if other != title and other in text.stdout]
        info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
        assert f"Title:           {title}" in info.stdout
        images = subprocess.run(
            ["pdfimages", "-list", str(pdf)], capture_output=True, text=True, check=True
        )
        shown = ["40", "20"] if folder == "a" else ["30", "15"]
        ours = [row for row in images.stdout.splitlines()[2:] if row.split()[3:5] == shown]
        assert len(ours) == (1 if exists else 0)  # a missing one shows the broken-image icon
