"""The demo run publishes a one-page brief per kommune (HTML, and a one-page A4 PDF when
Chromium is there), linked from the index and each kommune map; its figures are the gap
table's. A PNG of the first brief lands in ``test-artifacts/demo-brief-9901.png``."""

from __future__ import annotations

import json
import shutil
import subprocess

import pandas as pd

from layers.numbers_nb import format_int_nb, format_percent_nb
from tests.browser import ARTIFACTS_DIR

DEMO_KOMMUNER = ["9901", "9902", "9903", "9904", "9905"]


def test_the_demo_publication_has_a_brief_per_kommune(demo_run) -> None:
    published = demo_run[0].published
    manifest = json.loads((published / "manifest.json").read_text(encoding="utf-8"))
    briefs = manifest["outputs"]["briefs"]
    assert sorted(briefs["html"]) == DEMO_KOMMUNER
    gap = pd.read_csv(published / "tables" / "gap_table.csv", dtype={"kommunenummer": str})
    for row in gap[gap["level"] == "kommune"].to_dict("records"):
        knr = row["kommunenummer"]
        html = (published / briefs["html"][knr]).read_text(encoding="utf-8")
        assert f"<h1>Bredbånd i {row['kommunenavn']}</h1>" in html
        assert f'<td class="num">{format_int_nb(row["households"])}</td>' in html
        share = row["served_households_no2025"] / row["households"]
        assert format_percent_nb(share) in html
        assert "data:image/png;base64," in html and "Ingen tidligere kjøring" in html
    index = (published / "index.html").read_text(encoding="utf-8")
    kommune_map = (published / "maps" / "kommune" / "9901.html").read_text(encoding="utf-8")
    assert all(f'href="briefs/{knr}.html"' in index for knr in DEMO_KOMMUNER)
    assert "../../briefs/9901.pdf" in kommune_map


def test_the_demo_briefs_print_as_one_a4_page_each_or_are_recorded_as_skipped(demo_run) -> None:
    published = demo_run[0].published
    briefs = json.loads((published / "manifest.json").read_text(encoding="utf-8"))["outputs"][
        "briefs"
    ]
    if "pdf_skipped" in briefs:
        assert "chromium" in briefs["pdf_skipped"].lower()
        return
    assert sorted(briefs["pdf"]) == DEMO_KOMMUNER
    if shutil.which("pdfinfo") is None:
        return
    for knr, relative in briefs["pdf"].items():
        info = subprocess.run(
            ["pdfinfo", str(published / relative)], capture_output=True, text=True, check=True
        ).stdout
        assert "Pages:           1" in info and "594.96 x 841.92 pts (A4)" in info, knr
    if shutil.which("pdftoppm"):
        ARTIFACTS_DIR.mkdir(exist_ok=True)
        subprocess.run(
            [
                "pdftoppm",
                "-png",
                "-r",
                "80",
                "-singlefile",
                str(published / briefs["pdf"]["9901"]),
                str(ARTIFACTS_DIR / "demo-brief-9901"),
            ],
            check=True,
        )
