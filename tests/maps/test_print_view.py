"""maps/print_view.py: the print stylesheet and button on each kommune map (not the overview);
in headless Chromium (``browser``): printed to PDF, one A4 page with the figures.

The PDF lands in ``test-artifacts/kommune-5001-print.pdf``.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from maps.print_view import PRINT_MAP_HEIGHT_MM, PRINT_MAP_WIDTH_MM
from maps.publish import MapPaths
from tests.browser import ARTIFACTS_DIR, OfflineBrowser, map_variable
from tests.maps.address_pages import READY


def test_kommune_maps_carry_the_print_view_and_the_overview_does_not(written: MapPaths) -> None:
    # the map and its margins fit A4 portrait (210 × 297 mm, 12 mm margins)
    assert PRINT_MAP_WIDTH_MM <= 210 - 2 * 12
    assert PRINT_MAP_HEIGHT_MM <= (297 - 2 * 12) * 0.65  # room for the title, figures, legend
    for path in written.kommuner.values():
        text = path.read_text(encoding="utf-8")
        assert "@page { size: A4 portrait; margin: 12mm; }" in text
        assert "button.textContent = 'Skriv ut';" in text
        assert "window.addEventListener('beforeprint', prepare);" in text
    assert "Skriv ut" not in written.overview.read_text(encoding="utf-8")


def _pdf_text(pdf: Path) -> tuple[str, str]:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    )
    return info.stdout, text.stdout


@pytest.mark.browser
def test_print_view_is_one_a4_page_with_name_figures_legend_and_map(
    browser: OfflineBrowser, written: MapPaths
) -> None:
    if shutil.which("pdfinfo") is None or shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils (pdfinfo, pdftotext) not installed")
    page, report = browser.open(
        written.kommuner["5001"].as_uri(),
        wait_for=READY,
        init_script="window.print = () => { window.__printed = true; };",
    )
    name = map_variable(page)
    page.locator(".gapmap-print-button").click()  # prepares, then calls window.print()
    assert page.evaluate("() => window.__printed === true")
    assert page.evaluate("() => document.documentElement.classList.contains('gapmap-printing')")
    box = page.locator(f"#{name}").bounding_box()
    assert box is not None and 690 <= box["width"] <= 720  # 186 mm at 96 px per inch
    page.emulate_media(media="print")
    ARTIFACTS_DIR.mkdir(exist_ok=True)
    pdf = ARTIFACTS_DIR / "kommune-5001-print.pdf"
    page.pdf(path=str(pdf), format="A4", print_background=True)
    info, text = _pdf_text(pdf)
    pages = re.search(r"^Pages:\s+(\d+)$", info, re.MULTILINE)
    assert pages is not None and pages.group(1) == "1", info
    assert re.search(r"^Page size:.*\(A4\)$", info, re.MULTILINE), info
    for expected in (
        "Prøvekommune (5001)",
        "1 863 000 kr",
        "63,3 %",
        "Dekning mot 100/10 Mbit/s (mål 2025)",
        "Kartverket",
    ):
        assert expected in text, expected
    assert "Skriv ut" not in text and "Oversiktskart" not in text
    assert "Vis dekning mot" not in text  # the target switch is for the screen
    page.emulate_media(media="screen")
    page.evaluate("() => window.dispatchEvent(new Event('afterprint'))")
    assert page.locator(".gapmap-print-sheet").count() == 0
    assert report.problems() == []
    page.context.close()
