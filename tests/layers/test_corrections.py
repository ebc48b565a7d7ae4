"""A kommune's corrections CSV (:mod:`layers.corrections`): what is accepted, and why not."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from layers.corrections import read_corrections
from layers.errors import InputError

TODAY = date(2026, 12, 8)
HEADER = (
    "adresseId;korreksjon;tilbyder;teknologi;ned_mbps;opp_mbps;nord;øst;epsg;husstander;"
    "adressetekst;innsender;dato;begrunnelse"
)
GOOD = {
    "no_service": "305641960;ingen dekning;Fjordnett;;;;;;;;;Ola;01.11.2026;Befaring",
    "offer_not_available": (
        "305641960;Tilbudet finnes ikke;Fjordnett;FIBER;;;;;;;;Ola;2026-11-01;Epost"
    ),
    "cabin": "303048472;hytte;;;;;;;;;;Kari;2026-11-02;Fritidsbolig etter matrikkelen",
    "address_missing": (
        ";adresse mangler;;;;;7017004;267385;25833;2;Nyveien 1;Kari;2026-11-02;Ny bolig"
    ),
    "offer_missing": "303048472;tilbud_mangler;Fjordnett;fiber;1000;;;;;;;Kari;2026-11-02;Kontrakt",
}
BAD = {
    "claim": ("1;tull;;;;;;;;;;Kari;2026-11-02;x", "korreksjon: got tull, expected one of"),
    "id": ("abc;hytte;;;;;;;;;;Kari;2026-11-02;x", "adresseId: got abc, expected Kartverket's"),
    "operator": ("1;tilbudet finnes ikke;;;;;;;;;;Kari;2026-11-02;x", "tilbyder: empty"),
    "technology": ("1;tilbud mangler;X;dsl;100;;;;;;;Kari;2026-11-02;x", "teknologi: got dsl"),
    "speed": ("1;tilbud mangler;X;fiber;0;;;;;;;Kari;2026-11-02;x", "ned_mbps: got 0"),
    "future": ("1;hytte;;;;;;;;;;Kari;2027-01-01;x", "not later than today (2026-12-08)"),
    "date": ("1;hytte;;;;;;;;;;Kari;31.02.2026;x", "dato: got 31.02.2026, expected a date"),
    "submitter": ("1;hytte;;;;;;;;;;;2026-11-02;x", "innsender: empty"),
    "evidence": ("1;hytte;;;;;;;;;;Kari;2026-11-02;", "begrunnelse: empty"),
    "position": (";adresse mangler;;;;;59.9;10.7;25833;;;Kari;2026-11-02;x", "look like degrees"),
    "no_position": (";adresse mangler;;;;;;;;;;Kari;2026-11-02;x", "address_missing: no position"),
    "no_address": (";hytte;;;;;;;;;;Kari;2026-11-02;x", "no address; expected adresseId"),
    "households": (
        ";adresse mangler;;;;;7017004;267385;25833;1.5;;Kari;2026-11-02;x",
        "husstander: got 1.5",
    ),
}


def _write(path: Path, lines: list[str], header: str = HEADER) -> Path:
    path.write_text("\r\n".join([header, *lines]) + "\r\n", encoding="utf-8-sig")
    return path


def test_every_claim_is_read_in_canonical_form(tmp_path: Path) -> None:
    read = read_corrections(_write(tmp_path / "k.csv", list(GOOD.values())), TODAY)
    assert read.quarantine.empty
    rows = read.accepted
    assert rows["claim"].tolist() == list(GOOD)
    assert rows["row_number"].tolist() == [2, 3, 4, 5, 6]
    assert rows["technology"].isna().iloc[0] and rows["technology"].iloc[1] == "fiber"
    assert rows["submitted_on"].tolist()[0] == "2026-11-01"  # DD.MM.YYYY read
    missing = rows.loc[rows["claim"] == "address_missing"].iloc[0]
    assert (missing["x_m"], missing["y_m"], missing["households"]) == (267385.0, 7017004.0, 2)
    assert missing["address_text"] == "Nyveien 1"
    assert rows["households"].isna().sum() == 4  # only a missing address has households


@pytest.mark.parametrize("case", list(BAD))
def test_a_bad_row_is_quarantined_with_its_reason(tmp_path: Path, case: str) -> None:
    line, reason = BAD[case]
    read = read_corrections(_write(tmp_path / "k.csv", [GOOD["cabin"], line]), TODAY)
    assert len(read.accepted) == 1 and len(read.quarantine) == 1
    row = read.quarantine.iloc[0]
    assert row["row_number"] == 3 and row["layer"] == "corrections"
    assert reason in row["reason"], row["reason"]


def test_english_headers_and_commas_are_read_and_named_in_reasons(tmp_path: Path) -> None:
    header = "address_id,claim,operator,submitter,date,evidence"
    lines = ["42,no_service,,Kari,2026-11-02,visit", "43,nonsense,,Kari,2026-11-02,x"]
    read = read_corrections(_write(tmp_path / "k.csv", lines, header), TODAY)
    assert read.accepted["address_id"].tolist() == [42]
    assert read.quarantine["reason"].iloc[0].startswith("claim: got nonsense")


def test_a_repeated_row_is_quarantined_as_a_duplicate(tmp_path: Path) -> None:
    read = read_corrections(_write(tmp_path / "k.csv", [GOOD["cabin"], GOOD["cabin"]]), TODAY)
    assert len(read.accepted) == 1
    assert read.quarantine["reason"].tolist() == ["duplicate of row 2 (same address and claim)"]


def test_a_file_without_the_required_columns_is_refused_naming_them(tmp_path: Path) -> None:
    path = _write(tmp_path / "k.csv", ["1;hytte"], "adresseId;korreksjon")
    with pytest.raises(
        InputError, match=r"k\.csv: missing columns \['innsender', 'dato', 'begrunnelse'\]"
    ):
        read_corrections(path, TODAY)


@settings(max_examples=30, deadline=None)
@given(
    st.lists(st.sampled_from([*GOOD.values(), *(line for line, _ in BAD.values())]), max_size=12)
)
def test_rows_read_are_accepted_plus_quarantined(lines: list[str]) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        read = read_corrections(_write(Path(folder) / "k.csv", lines), TODAY)
    assert read.rows_read == len(lines) == len(read.accepted) + len(read.quarantine)
    assert sorted([*read.accepted["row_number"], *read.quarantine["row_number"]]) == list(
        range(2, len(lines) + 2)
    )
