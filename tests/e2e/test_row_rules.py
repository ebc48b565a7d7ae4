"""``gapmap run`` on the tiny region with one damaged row per row rule (addresses, sites, offers,
line numbers): the run's exit code, the quarantine reason and count in
``tables/quarantine.csv`` and the store, or the one-line message that stops the run."""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from layers.addresses import KARTVERKET_COLUMNS
from pipeline.cli import main
from tests.fixtures import SITES_HEADER, TINY_X0, TINY_Y0, address_row

# a good site in the tiny region, and the row the site rules damage
GOOD_SITE = f"S1,Luftlinje,fwa,{TINY_X0 + 1000:.0f},{TINY_Y0 + 1000:.0f},25833,30,3600,8000,100,20"


def _gapmap_run(config: Path, monkeypatch: pytest.MonkeyPatch) -> int:
    """``gapmap run --config config`` through the console entry; its exit code."""
    monkeypatch.setattr(sys, "argv", ["gapmap", "run", "--config", str(config)])
    try:
        main()
    except SystemExit as exited:
        return int(exited.code or 0)
    return 0


def _add_address(config: Path, north: object, east: object, epsg: object = 25833) -> None:
    row = address_row(3000, "9901", "Skadet", east, north, epsg=epsg)
    line = ";".join("" if row.get(c) is None else str(row.get(c)) for c in KARTVERKET_COLUMNS)
    with (config.parent / "adresser.csv").open("a", encoding="utf-8", newline="") as file:
        file.write(line + "\r\n")  # line 22: header, 20 rows, then this one


def _quarantine(config: Path, layer: str) -> pd.DataFrame:
    """The published quarantine rows of ``layer``, row numbers as the CSV spells them."""
    table = config.parent / "out" / "current" / "tables" / "quarantine.csv"
    frame = pd.read_csv(table, dtype=str)
    return frame.loc[frame["layer"] == layer].reset_index(drop=True)


def _stored_row_numbers(config: Path, layer: str) -> list[object]:
    with duckdb.connect(str(config.parent / "out" / "gapmap.duckdb"), read_only=True) as db:
        rows = db.execute(
            "SELECT row_number FROM quarantine WHERE layer = ? ORDER BY row_number", [layer]
        ).fetchall()
    return [r[0] for r in rows]


@pytest.mark.parametrize(
    ("north", "east", "epsg", "reason"),
    [
        (TINY_X0, TINY_Y0, 25833, "Nord and Øst look exchanged"),
        (59.91, 10.75, 25833, "which look like degrees (latitude/longitude) in metre columns"),
        (TINY_Y0, TINY_X0, 4258, "which look like metres (UTM) in degree columns"),
        (78.22, 15.65, 4258, "in Svalbard or Jan Mayen; expected mainland Norway"),
        (5_000_000, 500_000, 25833, "outside Norway; expected east -152,069 to 1,474,729"),
        ("inf", TINY_X0, 25833, "Nord/Øst: got inf/270000.0, expected two finite numbers"),
    ],
    ids=["swapped", "degrees", "metres", "svalbard", "outside", "infinite"],
)
def test_a_misplaced_address_is_quarantined_with_its_reason_and_line(
    tiny_region: Path,
    monkeypatch: pytest.MonkeyPatch,
    north: object,
    east: object,
    epsg: int,
    reason: str,
) -> None:
    _add_address(tiny_region, north, east, epsg)
    assert _gapmap_run(tiny_region, monkeypatch) == 0
    quarantine = _quarantine(tiny_region, "addresses")
    assert len(quarantine) == 3  # the tiny region's two bad rows, and this one
    damaged = quarantine.loc[quarantine["key"] == "3000"]
    assert damaged["row_number"].tolist() == ["22"]
    assert reason in damaged["reason"].iloc[0]
    assert _stored_row_numbers(tiny_region, "addresses")[-1] == 22


def test_a_file_of_swapped_addresses_stops_the_run_naming_the_swap(
    tiny_region: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    addresses = tiny_region.parent / "adresser.csv"
    lines = addresses.read_text(encoding="utf-8-sig").splitlines()
    header = lines[0].split(";")
    nord, ost = header.index("Nord"), header.index("Øst")
    swapped = [lines[0], lines[1]]
    for line in lines[2:]:
        fields = line.split(";")
        fields[nord], fields[ost] = fields[ost], fields[nord]
        swapped.append(";".join(fields))
    addresses.write_text("\n".join(swapped) + "\n", encoding="utf-8")
    assert _gapmap_run(tiny_region, monkeypatch) == 2
    output = " ".join(capsys.readouterr().err.split())  # rich may wrap the line
    assert "19 of 20 rows (95%) are quarantined, most often 'Nord/Øst: got …, outside" in output
    assert "look exchanged' (17 rows;" in output
    assert not (tiny_region.parent / "out" / "current").exists()


def test_svalbard_is_kept_when_the_config_allows_it(
    tiny_region: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _add_address(tiny_region, 78.22, 15.65, 4258)
    text = tiny_region.read_text(encoding="utf-8")
    tiny_region.write_text(text + "[checks]\nallow_svalbard_jan_mayen = true\n", encoding="utf-8")
    assert _gapmap_run(tiny_region, monkeypatch) == 0
    quarantine = _quarantine(tiny_region, "addresses")
    assert "3000" not in quarantine["key"].tolist() and len(quarantine) == 2


@pytest.mark.parametrize(
    ("site", "reason"),
    [
        (
            f"S2,Luftlinje,fwa,{TINY_Y0:.0f},{TINY_X0:.0f},25833,30,3600,8000,100,20",
            "north_m and east_m look exchanged",
        ),
        ("S2,Luftlinje,fwa,10.75,59.91,25833,30,3600,8000,100,20", "look like degrees"),
        ("S2,Luftlinje,fwa,15.65,78.22,4326,30,3600,8000,100,20", "in Svalbard or Jan Mayen"),
        ("S2,Luftlinje,fwa,nan,7010000,25833,30,3600,8000,100,20", "east_m: got nan"),
    ],
    ids=["swapped", "degrees", "svalbard", "nan"],
)
def test_a_misplaced_site_is_quarantined_with_its_reason_and_line(
    tiny_region: Path, monkeypatch: pytest.MonkeyPatch, site: str, reason: str
) -> None:
    (tiny_region.parent / "master.csv").write_text(
        f"{SITES_HEADER}\r\n{GOOD_SITE}\r\n\r\n{site}\r\n", encoding="utf-8"
    )
    text = tiny_region.read_text(encoding="utf-8")
    tiny_region.write_text(
        text.replace("[inputs]\n", '[inputs]\nsites = "master.csv"\n'), encoding="utf-8"
    )
    assert _gapmap_run(tiny_region, monkeypatch) == 0
    quarantine = _quarantine(tiny_region, "sites")
    assert quarantine["row_number"].tolist() == ["4"]  # after the blank line 3
    assert reason in quarantine["reason"].iloc[0]


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ("1005,Kobber,fiber,nan,10", "down_mbps: got nan, expected a speed above 0"),
        ("1005,Kobber,fiber,100,inf", "up_mbps: got inf, expected a speed from 0 to 100,000"),
        ("1005,Kobber,fiber,-5,1", "down_mbps: got -5, expected a speed above 0"),
        ("1005,Kobber,fiber,200000,1", "down_mbps: got 200000, expected a speed above 0"),
        ("inf,Kobber,fiber,100,10", "address_id: got inf, expected a whole number"),
    ],
    ids=["nan", "inf", "negative", "absurd", "inf-id"],
)
def test_a_bad_offer_is_quarantined_at_its_physical_line(
    tiny_region: Path, monkeypatch: pytest.MonkeyPatch, row: str, reason: str
) -> None:
    offers = tiny_region.parent / "dekning.csv"
    lines = offers.read_text(encoding="utf-8").splitlines()
    # CRLF, two blank lines and an operator name over two quoted lines before the bad row
    lines[2:2] = ["", '1000,"Fjord\r\nnett",fiber,1000,1000', "", row]
    offers.write_bytes("\r\n".join(lines).encode("utf-8") + b"\r\n")
    assert _gapmap_run(tiny_region, monkeypatch) == 0
    quarantine = _quarantine(tiny_region, "offers")
    damaged = quarantine.loc[quarantine["reason"].str.contains(reason, regex=False)]
    # line 1 header, 2 a row, 3 blank, 4-5 the quoted row, 6 blank, 7 the bad row
    assert damaged["row_number"].tolist() == ["7"]
