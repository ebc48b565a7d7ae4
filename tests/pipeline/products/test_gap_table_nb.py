"""pipeline/products/gap_table_nb.py: gap_table.xlsx and gap_table_nb.csv, checked in
openpyxl and, as a reader opens them, in LibreOffice (CSV and PDF export)."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from pipeline.config import Config
from pipeline.products.gap_table_nb import topic_columns, write_gap_table_nb
from pipeline.products.tables import write_tables
from tests.pipeline.products.conftest import (
    CSV_ALL_SHEETS_RAW,
    EVIL_NAME,
    hand_gap_table,
    soffice_path,
)

TABLE_SHEETS = ("Dekningsgap", "Detaljer per mål", "Kostnad")
SHEETS = (*TABLE_SHEETS, "Om tabellen", "Kolonnenavn")
INFO = {
    "run_id": "20261206T000000Z-abc",
    "code_version": "gapmap 0.1.0",
    "checksums": {"addresses": {"path": "/srv/data/adresser.csv", "sha256": "ab" * 32}},
    "metadata": {"addresses": {"datauttaksdato": "2025-01-02T05:31:12"}},
}


def _publish(folder: Path, config: Config) -> pd.DataFrame:
    """The hand gap table as the machine CSV and as the tables for people; the machine CSV
    read back."""
    table = hand_gap_table(config)
    write_tables(folder, {"gap_table": table})
    written = write_gap_table_nb(folder, table, config, INFO)
    assert written == {
        "gap_table_xlsx": "tables/gap_table.xlsx",
        "gap_table_nb_csv": "tables/gap_table_nb.csv",
    }
    return pd.read_csv(
        folder / "tables" / "gap_table.csv",
        dtype={"kommunenummer": str, "fylkesnummer": str},
    )


def test_every_column_is_on_a_table_sheet_and_named_on_kolonnenavn(
    tmp_path: Path, config: Config
) -> None:
    machine = _publish(tmp_path, config)
    book = openpyxl.load_workbook(tmp_path / "tables" / "gap_table.xlsx")
    assert book.sheetnames == list(SHEETS)
    names = pd.DataFrame(
        list(book["Kolonnenavn"].iter_rows(min_row=2, values_only=True)),
        columns=["Kolonne", "Maskinnavn", "Definisjon"],
    )
    assert names["Maskinnavn"].tolist() == list(machine.columns)
    header_of = dict(zip(names["Maskinnavn"], names["Kolonne"], strict=True))
    shown: set[str] = set()
    for sheet, columns in topic_columns(list(machine.columns), config).items():
        headers = [cell.value for cell in book[sheet][1]]
        assert headers == [header_of[c] for c in columns], sheet
        assert headers[:5] == ["Nivå", "Fylkesnr.", "Fylke", "Kommunenr.", "Navn"]
        shown |= set(columns)
    assert shown == set(machine.columns)
    gap = book["Dekningsgap"]
    assert [gap.cell(row, 1).value for row in range(2, 6)] == [
        "Kommune",
        "Kommune",
        "Fylke",
        "Nasjonalt",
    ]
    assert gap["E2"].value == EVIL_NAME and gap["E2"].data_type == "s"


def test_no_cell_of_any_sheet_is_a_formula(tmp_path: Path, config: Config) -> None:
    _publish(tmp_path, config)
    book = openpyxl.load_workbook(tmp_path / "tables" / "gap_table.xlsx")
    cells = [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
    about = dict(book["Om tabellen"].iter_rows(min_row=2, values_only=True))
    assert about["Kjøring"] == INFO["run_id"]
    assert about["Kilde: Adresser (Matrikkelen)"].startswith("Fil adresser.csv; data: datauttak")


def test_the_norwegian_csv_has_the_same_rows_with_norwegian_headers(
    tmp_path: Path, config: Config
) -> None:
    machine = _publish(tmp_path, config)
    path = tmp_path / "tables" / "gap_table_nb.csv"
    assert path.read_bytes()[:3] == b"\xef\xbb\xbf"
    nb = pd.read_csv(path, sep=";", decimal=",", encoding="utf-8-sig", dtype=str)
    assert len(nb) == len(machine) and len(nb.columns) == len(machine.columns)
    assert nb["Nivå"].tolist() == ["Kommune", "Kommune", "Fylke", "Nasjonalt"]
    assert nb["Navn"].iloc[0] == "'" + EVIL_NAME  # quoted: Excel shows it, runs nothing
    assert nb["Kostnad (kr)"].tolist() == ["200000000,4", "49999999,7", "250000000,1"] * 1 + [
        "250000000,1"
    ]
    assert nb["Andel under mål (100 Mbit/s, mål 2025) (%)"].iloc[0] == "25"
    assert nb["Husstander, dyreste 1 % (antall)"].iloc[0] == "3,04"
    assert nb["Kommunenr."].iloc[0] == "0301"


def _read_lo_csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def _numbers(texts: pd.Series) -> list[float]:
    """LibreOffice's raw CSV values; a per-cent cell keeps its sign even raw ("25%")."""
    percent = texts.str.endswith("%")
    values = pd.to_numeric(texts.str.removesuffix("%").replace("", None)).astype(float)
    return values.where(~percent, values / 100.0).tolist()


@pytest.mark.office
def test_libreoffice_reads_the_same_numbers_and_texts_as_the_machine_csv(
    tmp_path: Path, config: Config, soffice: Callable[[Path, str, Path], list[Path]]
) -> None:
    machine = _publish(tmp_path, config)
    xlsx = tmp_path / "tables" / "gap_table.xlsx"
    written = soffice(xlsx, CSV_ALL_SHEETS_RAW, tmp_path / "lo")
    by_sheet = {p.stem.removeprefix("gap_table-"): p for p in written}
    assert set(by_sheet) == set(SHEETS)
    names = _read_lo_csv(by_sheet["Kolonnenavn"])
    machine_name = dict(zip(names["Kolonne"], names["Maskinnavn (CSV)"], strict=True))
    compared: set[str] = set()
    for sheet in TABLE_SHEETS:
        shown = _read_lo_csv(by_sheet[sheet]).rename(columns=machine_name)
        assert shown["kommunenavn"].iloc[0] == EVIL_NAME  # literal text, not a formula's result
        assert shown["kommunenummer"].iloc[0] == "0301"  # leading zero kept
        for column in shown.columns:
            if column in ("level", "fylkesnummer", "fylkesnavn", "kommunenummer", "kommunenavn"):
                continue
            read = _numbers(shown[column])
            assert read == pytest.approx(machine[column].tolist(), rel=1e-12), column
            compared.add(column)
    assert compared == set(machine.columns[5:])


@pytest.mark.office
def test_the_pdf_reads_like_a_table_without_e_notation(
    tmp_path: Path, config: Config, soffice: Callable[[Path, str, Path], list[Path]]
) -> None:
    _publish(tmp_path, config)
    (pdf,) = soffice(tmp_path / "tables" / "gap_table.xlsx", "pdf", tmp_path / "pdf")
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
    assert "E+" not in text and "e+" not in text
    plain = text.replace("\u00a0", " ").replace("\u202f", " ")
    assert "250 000 000" in plain  # kroner with a Norwegian thousands separator
    assert "1 800" in plain and "25,0" in plain  # households; a share in per cent
    assert EVIL_NAME in plain
    lines = [line.strip() for line in plain.splitlines() if line.strip()]
    # page 1: the title and sheet on top, then the table's header; "Side 1 av n" below
    assert lines[0].startswith(f"Dekningsgap for bredbånd (gapmap, kjøring {INFO['run_id']})")
    assert lines[0].endswith("Dekningsgap") and lines[1].startswith("Nivå")
    assert "Side 1 av" in plain
    pages = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True, text=True)
    info = dict(line.split(":", 1) for line in pages.stdout.splitlines() if ":" in line)
    count = int(info["Pages"])
    assert count <= 8  # each sheet fitted to the page width, not cut into strips


@pytest.mark.office
def test_a_norwegian_office_program_reads_the_norwegian_csv_as_numbers(
    tmp_path: Path, config: Config
) -> None:
    """LibreOffice told the file is ';'-separated UTF-8 in bokmål (language 1044), as Excel in
    a Norwegian locale opens a .csv: decimal commas become numbers, texts stay texts."""
    machine = _publish(tmp_path, config)
    program = soffice_path()
    out = tmp_path / "lo"
    subprocess.run(
        [
            program,
            f"-env:UserInstallation=file://{tmp_path / 'lo-profile'}",
            "--headless",
            "--infilter=Text - txt - csv (StarCalc):59,34,76,1,,1044",
            "--convert-to",
            "xlsx",
            "--outdir",
            str(out),
            str(tmp_path / "tables" / "gap_table_nb.csv"),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    sheet = openpyxl.load_workbook(out / "gap_table_nb.xlsx").active
    rows = list(sheet.iter_rows(values_only=True))
    header = list(rows[0])
    cost = [row[header.index("Kostnad (kr)")] for row in rows[1:]]
    assert cost == pytest.approx(machine["cost_nok"].round(2).tolist())
    share = [row[header.index("Andel under mål (1 Gbit/s, mål 2030) (%)")] for row in rows[1:]]
    assert share == pytest.approx(
        (machine["below_target_share_gigabit2030"] * 100).round(4).tolist()
    )
    assert rows[1][header.index("Navn")] == "'" + EVIL_NAME  # a text, not a formula
