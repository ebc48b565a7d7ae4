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
