"""pipeline/products/kommune_downloads.py: tables/kommuner/<kommunenummer>.csv (every
address) and .xlsx (the kommune's summary, the addresses below the map target)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from maps.piece_cache import PieceCache
from pipeline.config import Config
from pipeline.products import kommune_downloads as downloads
from pipeline.products.kommune_downloads import address_columns, write_kommune_downloads
from tests.e2e.published_files import xlsx_members
from tests.pipeline.products.conftest import (
    CSV_ALL_SHEETS_RAW,
    EVIL_NAME,
    RISKY_TEXTS,
    hand_gap_table,
    hand_results,
)


def _write(folder: Path, config: Config) -> dict[str, dict[str, str]]:
    return write_kommune_downloads(folder, hand_results(config), hand_gap_table(config), config)


def test_each_kommune_gets_a_csv_and_an_xlsx_at_the_linked_paths(
    tmp_path: Path, config: Config
) -> None:
    written = _write(tmp_path, config)
    assert written == {
        "0301": {"csv": "tables/kommuner/0301.csv", "xlsx": "tables/kommuner/0301.xlsx"},
        "9902": {"csv": "tables/kommuner/9902.csv", "xlsx": "tables/kommuner/9902.xlsx"},
    }
    assert all((tmp_path / p).is_file() for files in written.values() for p in files.values())


def test_the_csv_holds_every_address_in_words_for_norwegian_excel(
    tmp_path: Path, config: Config
) -> None:
    _write(tmp_path, config)
    path = tmp_path / "tables" / "kommuner" / "0301.csv"
    assert path.read_bytes()[:3] == b"\xef\xbb\xbf"
    csv = pd.read_csv(path, sep=";", encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert len(csv) == 5 and len(csv.columns) == len(address_columns(config.targets))
    # by address text; texts a spreadsheet would run are quoted
    assert csv["Adresse"].tolist() == [
        "'+Plussveien 3",
        "'-Nedre vei 2",
        "'" + EVIL_NAME,
        "'@Storgata 1",
        "Åsveien 5",
    ]
    first = csv.set_index("Adresse-ID").loc["13"]
    assert first["Beste tilbud: tilbyder"] == "'=cmd|' /C calc'!A0"
    assert first["Klasse (100 Mbit/s, mål 2025)"] == "Dekket"
    assert first["Beste tilbud: teknologi"] == "Fiber" and first["Kostnad (kr)"] == ""
    dsl = csv.set_index("Adresse-ID").loc["11"]
    assert dsl["Kostnad (kr)"] == "148000,5" and dsl["Kostnadsvalg"] == "Fiber"
    assert dsl["Beste tilbud: teknologi"] == "DSL" and dsl["Klasse (1 Gbit/s, mål 2030)"] == (
        "Underdekket"
    )
    mast = pd.read_csv(tmp_path / "tables" / "kommuner" / "9902.csv", sep=";", dtype=str)
    assert mast["Kostnadsvalg"].tolist() == ["Fast trådløst, ny mast"]
    assert mast["Beste tilbud: ned (Mbit/s)"].tolist() == ["12,5"]


def test_the_xlsx_has_the_summary_and_the_addresses_below_target(
    tmp_path: Path, config: Config
) -> None:
    _write(tmp_path, config)
    book = openpyxl.load_workbook(tmp_path / "tables" / "kommuner" / "0301.xlsx")
    assert book.sheetnames == ["Oppsummering", "Adresser under mål", "Kolonnenavn"]
    summary = {row[0].value: row[1] for row in book["Oppsummering"].iter_rows(min_row=2)}
    assert summary["Navn"].value == EVIL_NAME and summary["Navn"].data_type == "s"
    assert summary["Nivå"].value == "Kommune"
    assert summary["Husstander (antall)"].value == 1200
    assert summary["Husstander (antall)"].number_format == "#,##0"
    assert summary["Kostnad (kr)"].value == 200_000_000.4
    assert summary["Andel under mål (100 Mbit/s, mål 2025) (%)"].number_format == "0.0%"
    below = book["Adresser under mål"]
    assert below["A1"].value == (
        "2 adresser under målet 100 Mbit/s, mål 2025 av 5 i kommunen;"
        " alle adressene står i 0301.csv"
    )
    assert below["A2"].value == "Adresse-ID" and below.freeze_panes == "A3"
    rows = list(below.iter_rows(min_row=3))
    assert [(r[0].value, r[1].value) for r in rows] == [(12, RISKY_TEXTS[1]), (11, RISKY_TEXTS[0])]
    assert all(r[1].data_type == "s" for r in rows)  # "-…" and "@…" stay texts
    cells = [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]


@pytest.mark.office
def test_libreoffice_shows_risky_address_texts_literally(
    tmp_path: Path, config: Config, soffice: Callable[[Path, str, Path], list[Path]]
) -> None:
    _write(tmp_path, config)
    written = soffice(tmp_path / "tables" / "kommuner" / "0301.xlsx", CSV_ALL_SHEETS_RAW, tmp_path)
    by_sheet = {p.stem.removeprefix("0301-"): p for p in written}
    below = pd.read_csv(by_sheet["Adresser under mål"], skiprows=1, dtype=str)
    assert below["Adresse"].tolist() == [RISKY_TEXTS[1], RISKY_TEXTS[0]]
    assert below["Adresse-ID"].tolist() == ["12", "11"]
    summary = pd.read_csv(by_sheet["Oppsummering"], dtype=str).set_index("Kolonne")
    assert summary.loc["Navn", "Verdi"] == EVIL_NAME
    assert summary.loc["Husstander (antall)", "Verdi"] == "1200"


def test_kept_files_are_read_back_and_a_changed_kommune_is_written_again(
    tmp_path: Path, config: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    results, gap_table = hand_results(config), hand_gap_table(config)
    pieces = PieceCache(tmp_path / "pieces")
    cold, kept = tmp_path / "cold", tmp_path / "kept"
    write_kommune_downloads(cold, results, gap_table, config)
    write_kommune_downloads(kept, results, gap_table, config, pieces=pieces)
    made: list[str] = []
    monkeypatch.setattr(downloads, "_csv_bytes", lambda state, item: made.append(item.number))
    again = tmp_path / "again"
    moved = results.assign(address_text=results["address_text"].where(results.index != 0, "Ny 1"))
    with pytest.raises(TypeError):  # 0301 changed: its CSV is made again (by the stub: None)
        write_kommune_downloads(again, moved, gap_table, config, pieces=pieces)
    assert made == [str(moved.loc[0, "kommunenummer"])]
    write_kommune_downloads(again, results, gap_table, config, pieces=pieces)  # all read back
    for number in ("0301", "9902"):
        csv = f"tables/kommuner/{number}.csv"
        assert (again / csv).read_bytes() == (cold / csv).read_bytes()
        xlsx = Path(f"tables/kommuner/{number}.xlsx")
        assert xlsx_members(again / xlsx) == xlsx_members(cold / xlsx)
