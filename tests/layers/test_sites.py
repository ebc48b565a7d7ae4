"""layers/sites.py: wireless sites; negative eastings are valid, bad numbers quarantined."""

from __future__ import annotations

from pathlib import Path

from layers.sites import read_sites
from tests.fixtures import SITES_HEADER


def test_negative_eastings_are_valid_and_bad_numbers_are_quarantined(tmp_path: Path) -> None:
    path = tmp_path / "master.csv"
    path.write_text(
        "\n".join(
            [
                SITES_HEADER,
                "BERGEN-1,Luftlinje,fwa,-32500,6730000,25833,30,3600,8000,100,20",  # west of 12° E
                "ZERO-F,Luftlinje,fwa,100000,6900000,25833,30,0,8000,100,20",
                "NEG-H,Luftlinje,fwa,100000,6900000,25833,-5,3600,8000,100,20",
                "DSL,Luftlinje,xdsl,100000,6900000,25833,30,3600,8000,100,20",
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    result = read_sites(path)
    assert result.accepted["site_id"].tolist() == ["BERGEN-1"]
    assert result.accepted["x_m"].iloc[0] == -32500
    reasons = dict(zip(result.quarantine["key"], result.quarantine["reason"], strict=True))
    assert reasons["ZERO-F"] == "frequency_mhz: got 0, expected a number > 0"
    assert reasons["NEG-H"] == "antenna_height_m: got -5, expected a number >= 0"
    assert reasons["DSL"].startswith("technology: got xdsl")


def test_duplicate_ids_unknown_crs_and_absurd_speeds_are_quarantined_row_by_row(
    tmp_path: Path,
) -> None:
    path = tmp_path / "master.csv"
    path.write_text(
        "\n".join(
            [
                SITES_HEADER,
                "A,Luftlinje,fwa,270000,7010000,25833,30,3600,8000,100,20",
                "A,Luftlinje,fwa,271000,7011000,25833,30,3600,8000,100,20",  # the id again
                "B,Luftlinje,fwa,270000,7010000,9999,30,3600,8000,100,20",  # no such EPSG
                "C,Luftlinje,fwa,270000,7010000,25833,30,3600,8000,1e9,20",  # 1 Pbit/s
                "D,Luftlinje,fwa,10.5,63.4,4326,30,3600,8000,100,20",  # lon/lat is fine
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    result = read_sites(path)
    assert result.accepted["site_id"].tolist() == ["A", "D"]
    assert result.accepted["x_m"].iloc[0] == 270000
    reasons = result.quarantine["reason"].tolist()
    assert result.quarantine["row_number"].tolist() == [3, 4, 5]
    assert reasons[0] == "site_id: duplicate of an earlier row"
    assert reasons[1].startswith("epsg: got 9999, expected one of [25832, 25833, 25835")
    assert reasons[2].startswith("down_mbps: got 1e9, expected a speed from 0 to 100,000")
    assert result.rows_read == len(result.accepted) + len(result.quarantine)


def test_positions_outside_norway_are_quarantined_with_the_problem_named(tmp_path: Path) -> None:
    path = tmp_path / "master.csv"
    path.write_bytes(
        "\r\n".join(
            [
                SITES_HEADER,
                "OK,Luftlinje,fwa,270000,7010000,25833,30,3600,8000,100,20",
                "",  # a blank line 3: counted
                "SWAP,Luftlinje,fwa,7010000,270000,25833,30,3600,8000,100,20",
                "DEG,Luftlinje,fwa,10.4,63.4,25833,30,3600,8000,100,20",
                "SVALBARD,Luftlinje,fwa,15.6,78.2,4326,30,3600,8000,100,20",
                "INF,Luftlinje,fwa,inf,7010000,25833,30,3600,8000,100,20",
            ]
        ).encode()
        + b"\r\n"
    )
    result = read_sites(path)
    assert result.accepted["site_id"].tolist() == ["OK"]
    reasons = dict(zip(result.quarantine["key"], result.quarantine["reason"], strict=True))
    assert result.quarantine["row_number"].tolist() == [4, 5, 6, 7]
    assert reasons["SWAP"].endswith("north_m and east_m look exchanged")
    assert "look like degrees" in reasons["DEG"]
    assert "in Svalbard or Jan Mayen" in reasons["SVALBARD"]
    assert reasons["INF"] == "east_m: got inf, expected a number"
    kept = read_sites(path, allow_svalbard_jan_mayen=True)
    assert kept.accepted["site_id"].tolist() == ["OK", "SVALBARD"]
