"""The challenge export per operator (:mod:`pipeline.products.challenges`)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from pipeline.products.challenges import challenge_rows, file_stem, write_challenges

RESULTS = pd.DataFrame(
    {
        "address_id": [1, 2, 3],
        "kommunenummer": ["9901", "9901", "9902"],
        "kommunenavn": ["A", "A", "B"],
        "address_text": ["A 1", "A 2", "=B 1"],
        "households": [1, 2, 1],
        "x_m": [10.0, 20.0, 30.0],
        "y_m": [100.0, 200.0, 300.0],
    }
)
FWA = pd.DataFrame(
    {
        "address_id": [1, 3],
        "claimed_operator": ["Luftlinje", "luftlinje "],
        "claimed_down_mbps": [50.0, 50.0],
        "claimed_up_mbps": [10.0, 10.0],
        "claim_status_nb": ["blokkert av terrenget", "ingen mast registrert"],
        "fwa_site_id": ["LL-1", None],
        "clearance_rule": ["60 % av første Fresnel-sone fri", "60 % av første Fresnel-sone fri"],
    }
)
USES = pd.DataFrame(
    {
        "correction_id": [1, 2, 3],
        "claim": ["no_service", "cabin", "offer_missing"],
        "address_id": pd.array([2, 2, 3], dtype="Int64"),
        "operator": ["Fjordnett", None, "Fjordnett AS"],
        "technology": [None, None, "fiber"],
        "down_mbps": [None, None, 1000.0],
        "up_mbps": [None, None, 100.0],
        "submitter": ["Ola", "Kari", "Kari"],
        "submitted_on": pd.to_datetime(["2026-11-01", "2026-11-02", "2026-11-02"]),
        "evidence": ["Befaring", "Hytte", "Kontrakt"],
        "applied": [True, True, True],
    }
)


@pytest.mark.parametrize(
    ("operator", "stem"),
    [
        ("Telenor Norge AS", "telenor-norge-as"),
        ("Ørsta Kabel-TV", "orsta-kabel-tv"),
        ("Æra Bredbånd", "aera-bredband"),
        ("../../etc", "etc"),
        ("***", "tilbyder"),
    ],
)
def test_an_operators_file_name_is_plain(operator: str, stem: str) -> None:
    assert file_stem(operator) == stem


def test_the_rows_are_the_terrain_claims_and_the_corrections_against_operators() -> None:
    rows = challenge_rows(FWA, USES, RESULTS)
    assert rows[["operator", "address_id", "evidence_kind"]].values.tolist() == [
        ["Fjordnett", 2, "correction"],
        ["Fjordnett AS", 3, "correction"],
        ["Luftlinje", 1, "terrain"],
        ["luftlinje ", 3, "terrain"],
    ]  # the cabin is no claim against an operator
    assert rows.loc[rows["address_id"] == 1, "north_m"].tolist() == [100.0]
    assert "blokkert av terrenget; nærmeste egne FWA-mast: LL-1" in rows["evidence"].iloc[2]


def test_one_file_per_operator_holds_exactly_its_claims(tmp_path: Path) -> None:
    rows = challenge_rows(FWA, USES, RESULTS)
    written = write_challenges(tmp_path, rows, {"Fjordnett AS": "fjordnett"}, "run-1")
    per = written["challenges_per_operator"]
    assert isinstance(per, dict) and sorted(per) == ["Fjordnett", "Luftlinje"]
    assert per["Fjordnett"]["rows"] == 2 and per["Luftlinje"]["rows"] == 2
    text = (tmp_path / "tables" / "utfordringer" / "fjordnett.csv").read_text(encoding="utf-8-sig")
    lines = text.splitlines()
    assert lines[0].startswith("Adresse-ID;Kommunenr.;Kommune;Adresse;")
    assert len(lines) == 3 and all("Fjordnett" in line for line in lines[1:])
    book = load_workbook(tmp_path / "tables" / "utfordringer" / "luftlinje.xlsx")
    assert book.sheetnames == ["Utfordringer", "Om listen"]
    cells = [row for row in book["Utfordringer"].iter_rows(values_only=True) if any(row)]
    assert cells[2][3] == "=B 1" and book["Utfordringer"].cell(3, 4).data_type == "s"
    machine = (tmp_path / "tables" / "challenges.csv").read_text(encoding="utf-8")
    assert "'=B 1" in machine  # quoted against formulas
