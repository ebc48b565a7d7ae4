"""pipeline/products/briefs.py: the kommune brief of a hand-made publication
(:mod:`tests.pipeline.products.brief_publication`, every figure hand-computed there), its
HTML, and (``browser``) its PDF: one A4 page whose text has the name and the key figures.

The PDF and a PNG of it land in ``test-artifacts/brief-9901.pdf`` / ``.png``.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from layers.errors import InputError
from maps.brief_figures import MINUS
from maps.worker_pool import WorkerPool
from pipeline.products.brief_pdf import find_chromium
from pipeline.products.briefs import (
    brief_content,
    read_publication,
    unquote_spreadsheet_safe,
    write_brief_html,
    write_briefs,
)
from pipeline.progress import PlainProgress
from tests.browser import ARTIFACTS_DIR
from tests.pipeline.products.brief_publication import HOSTILE_NAME, write_publication


@pytest.fixture
def publication(tmp_path: Path) -> Path:
    return write_publication(tmp_path / "run")


def require_printing() -> Path:
    """Chromium and poppler, or skip (fail under CI=true)."""
    chromium = find_chromium()
    if chromium is None or shutil.which("pdfinfo") is None or shutil.which("pdftotext") is None:
        reason = "chromium or poppler-utils (pdfinfo, pdftotext) not installed"
        if os.environ.get("CI") == "true":
            pytest.fail(f"cannot print briefs under CI: {reason}")
        pytest.skip(reason)
    assert chromium is not None
    return chromium


def test_key_figures_against_fylke_and_all_kommuner(publication: Path) -> None:
    content = brief_content(read_publication(publication), "9901")
    figures = {row[0]: list(row[1:]) for row in content.figures}
    assert content.kommunenavn == "Vestvik"
    assert content.fylke == "=Testfylke (99)"  # the CSV's formula quote undone
    assert content.figure_columns == ["Kommunen", "Fylket", "Alle 3 kommuner"]
    assert figures["Husstander"] == ["200", "500", "1 000"]
    assert figures["Andel dekket, 100/10 Mbit/s (mål 2025)"] == ["75,0 %", "88,0 %", "93,0 %"]
    assert figures["Andel dekket, 1 Gbit/s (mål 2030)"] == ["60,0 %", "78,0 %", "80,0 %"]
    assert figures["Udekket, 100/10 Mbit/s (mål 2025)"] == ["20", "24", "30"]
    assert figures["Underdekket, 1 Gbit/s (mål 2030)"] == ["50", "70", "120"]
    assert figures["Husstander under kostnadsmålet"] == ["80", "110", "200"]
    assert figures["Kostnad for å nå dem"] == ["8,0 mill. kr", "10,4 mill. kr", "20,0 mill. kr"]
    assert figures["Kostnad per husstand"] == ["100 000 kr", "94 545 kr", "100 000 kr"]
    assert figures["Støttebehov (prosjektområder)"] == [
        "5,6 mill. kr",
        "7,1 mill. kr",
        "12,0 mill. kr",
    ]


def test_subsidy_changes_reasons_trend_and_sources(publication: Path) -> None:
    content = brief_content(read_publication(publication), "9901")
    assert dict((row[0], row[1]) for row in content.subsidy) == {
        "Prosjektområder": "3",
        "Husstander i prosjektområdene": "80",
        "Husstander i områder med støttebehov": "75",
        "Støttebehov": "5,6 mill. kr",
        "Støttebehov per husstand (der det er behov)": "74 667 kr",
    }
    assert "ikke vurdert" in content.subsidy_note and "30 000 kr" in content.subsidy_note
    assert content.previous_run == "kjøring r-okt (1. november 2026)"
    assert [list(r) for r in content.changes[:3]] == [
        ["100/10 Mbit/s (mål 2025)", "Dekket", "140", "150", "+10"],
        ["100/10 Mbit/s (mål 2025)", "Underdekket", "35", "30", f"{MINUS}5"],
        ["100/10 Mbit/s (mål 2025)", "Udekket", "25", "20", f"{MINUS}5"],
    ]
    assert len(content.changes) == 6
    assert [list(r) for r in content.reasons] == [
        ["Bare kobber (DSL)", "25", "50,0 %"],
        ["Ingen tilbud registrert", "15", "30,0 %"],
        ["Trådløst tilbud skygget av terrenget", "6", "12,0 %"],
        ["Nærmeste fiber er langt unna", "4", "8,0 %"],
    ]
    assert [list(r) for r in content.trend] == [
        ["1. oktober 2026", "65,0 %", "45,0 %"],
        ["1. november 2026", "70,0 %", "50,0 %"],
        ["1. desember 2026", "75,0 %", "60,0 %"],
    ]
    assert [list(r) for r in content.sources] == [
        [
            "Adresser (Matrikkelen)",
            "Basisdata_9900_Test_MatrikkelenAdresse.csv",
            "oppdatert til 28. november 2026, uttak 29. november 2026",
        ],
        ["Bredbåndstilbud per adresse", "dekning.csv", "fil datert 15. november 2026"],
    ]
    assert ("Kjøring", "r-nov") in content.stamp
    assert content.thumbnail_uri and content.thumbnail_uri.startswith("data:image/png;base64,")
    assert content.cost_curve_uri and content.cost_curve_uri.startswith("data:image/png;base64,")


def test_without_the_optional_tables_the_brief_says_so(tmp_path: Path) -> None:
    folder = write_publication(tmp_path / "run", with_optional=False)
    html = write_brief_html(read_publication(folder), "9901", tmp_path / "out").read_text("utf-8")
    assert "Ingen tidligere kjøring å sammenligne med." in html
    assert "Årsaker er ikke beregnet i denne kjøringen." in html
    assert "Ingen tidsserie ennå." in html
    assert "75,0 %" in html and "5,6 mill. kr" in html


def test_a_kommune_without_costs_has_no_curve_and_its_name_is_escaped(publication: Path) -> None:
    content = brief_content(read_publication(publication), "9902")
    assert content.kommunenavn == HOSTILE_NAME and content.cost_curve_uri is None
    html = write_brief_html(read_publication(publication), "9902", publication / "b").read_text(
        "utf-8"
    )
    assert "<img src=x" not in html and 'onerror="alert' not in html
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;Østby &amp; co" in html
    assert "&lt;b&gt;Ingen&lt;/b&gt; tilbud" in html  # a reason from outside, escaped too
    assert "<script" not in html


def test_an_unknown_kommune_names_it_and_where_the_valid_numbers_are(publication: Path) -> None:
    with pytest.raises(InputError, match=r"kommune '4242' is not in .*gap_table.csv.*9801, 9901"):
        brief_content(read_publication(publication), "4242")


def test_a_folder_that_is_no_publication_is_named(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"manifest.json: not found; expected a gapmap publ"):
        read_publication(tmp_path)


def test_formula_quotes_of_the_csv_are_undone_and_other_texts_kept() -> None:
    assert unquote_spreadsheet_safe("'=Testfylke") == "=Testfylke"
    assert unquote_spreadsheet_safe("'-Nedre") == "-Nedre"
    assert unquote_spreadsheet_safe("O'Hara") == "O'Hara"
    assert unquote_spreadsheet_safe("'Quoted") == "'Quoted"


def test_without_chromium_the_html_is_written_and_the_pdfs_skipped(
    publication: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GAPMAP_CHROMIUM", str(publication / "no-such-chromium"))
    record = write_briefs(publication)
    assert record["html"] == {k: f"briefs/{k}.html" for k in ("9801", "9901", "9902")}
    assert "pdf" not in record and "apt-get install chromium" in record["pdf_skipped"]
    assert all((publication / p).is_file() for p in record["html"].values())
    assert not list((publication / "briefs").glob("*.pdf"))


def _pdf_info_and_text(pdf: Path) -> tuple[str, str]:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    )
    return info.stdout, text.stdout


@pytest.mark.browser
def test_each_brief_prints_as_one_a4_page_with_the_name_and_key_figures(
    publication: Path,
) -> None:
    require_printing()
    record = write_briefs(publication)
    assert set(record["pdf"]) == {"9801", "9901", "9902"}
    for knr, relative in record["pdf"].items():
        info, text = _pdf_info_and_text(publication / relative)
        assert "Pages:           1" in info, knr
        assert "Page size:       594.96 x 841.92 pts (A4)" in info, knr
    info, text = _pdf_info_and_text(publication / record["pdf"]["9901"])
    words = " ".join(text.split())
    for expected in (
        "Bredbånd i Vestvik",
        "75,0 %",
        "88,0 %",
        "93,0 %",
        "8,0 mill. kr",
        "74 667 kr",
        "Bare kobber (DSL)",
        "r-okt",
        "1. november 2026",
    ):
        assert expected in words, expected
    _, hostile = _pdf_info_and_text(publication / record["pdf"]["9902"])
    assert 'Bredbånd i <img src=x onerror="alert(1)">Østby & co' in " ".join(hostile.split())
    ARTIFACTS_DIR.mkdir(exist_ok=True)
    shutil.copy(publication / record["pdf"]["9901"], ARTIFACTS_DIR / "brief-9901.pdf")
    if shutil.which("pdftoppm"):
        subprocess.run(
            [
                "pdftoppm",
                "-png",
                "-r",
                "80",
                "-singlefile",
                str(ARTIFACTS_DIR / "brief-9901.pdf"),
                str(ARTIFACTS_DIR / "brief-9901"),
            ],
            check=True,
        )


def test_the_hand_made_optional_tables_have_the_producers_columns() -> None:
    """The brief's fixtures are written by hand; they must keep the columns the changes and
    reasons stages publish, or the brief would be tested against a layout no run writes."""
    from pipeline.changes_summary import SUMMARY_COLUMNS, TREND_COLUMNS
    from pipeline.reason_counts import COUNT_COLUMNS
    from tests.pipeline.products import brief_publication as made

    assert tuple(made.changes_summary().columns) == tuple(SUMMARY_COLUMNS)
    assert tuple(made.trend().columns) == tuple(TREND_COLUMNS)
    # the brief reads columns by name: the reasons fixture has them in another order
    assert set(made.gap_reasons().columns) == set(COUNT_COLUMNS)


def test_briefs_by_two_processes_are_the_serial_bytes(
    publication: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GAPMAP_CHROMIUM", str(publication / "no-such-chromium"))
    serial = write_briefs(publication, out=publication / "serial")
    with WorkerPool(2) as pool:
        parallel = write_briefs(publication, out=publication / "parallel", pool=pool)
    assert list(parallel["html"]) == list(serial["html"]) == ["9801", "9901", "9902"]
    for knr in serial["html"]:
        one, two = publication / serial["html"][knr], publication / parallel["html"][knr]
        assert one != two and one.read_bytes() == two.read_bytes(), knr


def test_two_browsers_print_every_brief_once_in_order(publication: Path) -> None:
    require_printing()
    lines = io.StringIO()
    with WorkerPool(2) as pool:
        record = write_briefs(publication, pool=pool, progress=PlainProgress(lines))
    assert record["pdf"] == {k: f"briefs/{k}.pdf" for k in ("9801", "9901", "9902")}
    for knr, relative in record["pdf"].items():
        info, text = _pdf_info_and_text(publication / relative)
        assert "Pages:           1" in info, knr
        assert knr in text, knr  # each PDF is its own kommune's brief
    assert "brief PDFs: 3/3 kommuner (100 %)" in lines.getvalue()
