"""layers/addresses.py: Kartverket's Matrikkelen Adresse CSV (plain, zipped or a folder of zips)
read into EPSG:25833; bad rows quarantined with their row number and reason."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import Transformer

from layers.addresses import KARTVERKET_COLUMNS, read_addresses
from layers.errors import InputError
from tests.fixtures import address_row, write_matrikkel_csv


def _good_rows(n: int = 3) -> list[dict[str, object]]:
    return [
        address_row(1000 + i, "301", f"Gate {i}", 262000.5 + i, 6650000.25 + i) for i in range(n)
    ]


@pytest.mark.parametrize(
    ("bom", "crlf"), [(True, True), (False, False), (True, False), (False, True)]
)
def test_reads_bom_and_line_endings_alike(tmp_path: Path, bom: bool, crlf: bool) -> None:
    path = write_matrikkel_csv(tmp_path / "a.csv", _good_rows(), bom=bom, crlf=crlf)
    result = read_addresses(path)
    assert len(result.accepted) == 3 and len(result.quarantine) == 0
    assert result.accepted["kommunenummer"].tolist() == ["0301"] * 3
    assert result.accepted["address_text"].tolist() == ["Gate 0", "Gate 1", "Gate 2"]
    assert result.accepted["households"].tolist() == [1, 1, 1]
    assert (
        result.accepted["x_m"].iloc[0] == 262000.5 and result.accepted["y_m"].iloc[0] == 6650000.25
    )


def test_bad_rows_go_to_quarantine_with_row_number_and_reason(tmp_path: Path) -> None:
    rows = [
        *_good_rows(2),
        address_row(2000, "0301", "Ingen nord", 262000, None),
        address_row(2001, "0301", "Feil EPSG", 262000, 6650000, epsg=9999),
        address_row(1000, "0301", "Dobbel", 262000, 6650000),
        address_row("abc", "0301", "Feil id", 262000, 6650000),
        address_row(2002, "", "Uten kommune", 262000, 6650000),
    ]
    result = read_addresses(write_matrikkel_csv(tmp_path / "a.csv", rows))
    q = result.quarantine.set_index("row_number")
    assert list(q.index) == [4, 5, 6, 7, 8]
    assert "Nord/Øst" in q.loc[4, "reason"]
    assert "EPSG-kode: got 9999" in q.loc[5, "reason"]
    assert "duplicate" in q.loc[6, "reason"]
    assert "adresseId: got abc" in q.loc[7, "reason"]
    assert "kommunenummer: got <empty>" in q.loc[8, "reason"]
    assert (q["file"] == str(tmp_path / "a.csv")).all()


@pytest.mark.parametrize("epsg", [25832, 25835, 4258])
def test_rows_in_other_crs_are_reprojected_to_25833(tmp_path: Path, epsg: int) -> None:
    x33, y33 = 262000.0, 6650000.0
    east, north = Transformer.from_crs(25833, epsg, always_xy=True).transform(x33, y33)
    rows = [address_row(1, "0301", "A", round(east, 9), round(north, 9), epsg=epsg)]
    result = read_addresses(write_matrikkel_csv(tmp_path / "a.csv", rows))
    assert result.accepted["x_m"].iloc[0] == pytest.approx(x33, abs=0.01)
    assert result.accepted["y_m"].iloc[0] == pytest.approx(y33, abs=0.01)
    assert result.accepted.crs.to_epsg() == 25833


def test_latin1_file_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    rows = [address_row(1, "0301", "Øvre Ålesundsgate 1", 262000, 6650000)]
    path = write_matrikkel_csv(tmp_path / "latin.csv", rows, bom=False, encoding="latin-1")
    with pytest.raises(InputError, match=r"latin\.csv: not valid UTF-8 \(a Latin-1"):
        read_addresses(path)


def test_wrong_header_names_missing_columns(tmp_path: Path) -> None:
    path = tmp_path / "wrong.csv"
    path.write_text("id,x,y\n1,2,3\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"wrong.csv: missing columns \['adresseId'"):
        read_addresses(path)


def test_reads_the_geonorge_zip(tmp_path: Path) -> None:
    csv = write_matrikkel_csv(tmp_path / "matrikkelen.csv", _good_rows())
    archive = tmp_path / "Basisdata_0301_Oslo_25833_MatrikkelenAdresse_CSV.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(csv, "Basisdata_0301_Oslo_25833_MatrikkelenAdresse_CSV/matrikkelen.csv")
    assert len(read_addresses(archive).accepted) == 3


@settings(max_examples=25, deadline=None)
@given(
    st.lists(
        st.sampled_from(["ok", "no_north", "bad_epsg", "dup", "bad_knr"]), min_size=1, max_size=40
    )
)
def test_rows_in_equal_accepted_plus_quarantined(
    tmp_path_factory: pytest.TempPathFactory, kinds: list[str]
) -> None:
    rows = []
    for i, kind in enumerate(kinds):
        row = address_row(5000 + i, "4204", f"Vei {i}", 90000 + i, 6460000 + i)
        if kind == "no_north":
            row["Nord"] = ""
        elif kind == "bad_epsg":
            row["EPSG-kode"] = "1234"
        elif kind == "dup":
            row["adresseId"] = 5000
        elif kind == "bad_knr":
            row["kommunenummer"] = "42x4"
        rows.append(row)
    path = write_matrikkel_csv(tmp_path_factory.mktemp("p") / "a.csv", rows)
    result = read_addresses(path)
    assert len(result.accepted) + len(result.quarantine) == len(kinds)
    assert result.accepted["address_id"].is_unique
    assert np.isfinite(result.accepted[["x_m", "y_m"]].to_numpy()).all()


@pytest.mark.realdata
def test_reads_the_real_kristiansand_extract_as_zip_and_csv(realdata: Path) -> None:
    folder = realdata / "kartverket-adresse"
    from_zip = read_addresses(
        folder / "Basisdata_0000_Norge_25833_MatrikkelenAdresse_CSV.sample-kristiansand.zip"
    )
    from_csv = read_addresses(folder / "matrikkelen.sample-kristiansand.csv")
    assert len(from_zip.accepted) == len(from_csv.accepted) == 47
    assert (from_zip.accepted["kommunenummer"] == "4204").all()
    first = from_csv.accepted.iloc[0]
    assert first["address_id"] == 219136687 and first["address_text"] == "Tyrihansveien 38"
    assert (first["x_m"], first["y_m"]) == (92406.38, 6466460.67)


def test_a_folder_of_kommune_zips_is_read_as_one_layer(tmp_path: Path) -> None:
    folder = tmp_path / "adresser"
    folder.mkdir()
    for knr, first_id in (("0301", 1), ("4204", 100)):
        rows = [address_row(first_id + i, knr, f"Vei {i}", 262000 + i, 6650000) for i in range(3)]
        csv = write_matrikkel_csv(tmp_path / f"{knr}.csv", rows)
        name = f"Basisdata_{knr}_X_25833_MatrikkelenAdresse_CSV"
        with zipfile.ZipFile(folder / f"{name}.zip", "w") as zf:
            zf.write(csv, f"{name}/matrikkelen.csv")
    result = read_addresses(folder)
    assert sorted(result.accepted["kommunenummer"].unique()) == ["0301", "4204"]
    assert len(result.accepted) == 6
    assert len(result.metadata["files"]) == 2


def test_line_with_wrong_field_count_is_quarantined_with_its_line_number(tmp_path: Path) -> None:
    path = write_matrikkel_csv(tmp_path / "a.csv", _good_rows(3), crlf=False)
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    lines.insert(2, "1;2;3")  # becomes line 3 of the file
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = read_addresses(path)
    assert len(result.accepted) == 3
    assert result.quarantine["row_number"].tolist() == [3]
    assert "expected 46 fields" in result.quarantine["reason"].iloc[0]
    assert result.accepted["row_number"].tolist() == [2, 4, 5]


def test_dwelling_level_rows_fold_into_households(tmp_path: Path) -> None:
    rows = []
    for unit in ("H0101", "H0102", "H0201"):
        rows.append(
            {**address_row(7, "0301", "Blokka 1", 262000, 6650000), "bruksenhetsnummer": unit}
        )
    rows.append(
        {**address_row(8, "0301", "Huset 2", 262100, 6650000), "bruksenhetsnummer": "H0101"}
    )
    rows.append(
        {**address_row(8, "0301", "Huset 2", 262100, 6650000), "bruksenhetsnummer": "H0101"}
    )
    path = write_matrikkel_csv(
        tmp_path / "leil.csv", rows, bom=False, crlf=False, extra_columns=["bruksenhetsnummer"]
    )
    result = read_addresses(path)
    by_id = result.accepted.set_index("address_id")["households"].to_dict()
    assert by_id == {7: 3, 8: 1}
    assert result.rows_merged == 2 and len(result.quarantine) == 1  # the repeated H0101 of 8
    assert result.rows_read == 5


def test_households_column_is_used_and_checked(tmp_path: Path) -> None:
    rows = [
        {**address_row(1, "0301", "A", 262000, 6650000), "households": 12},
        {**address_row(2, "0301", "B", 262000, 6650000), "households": "mange"},
    ]
    path = write_matrikkel_csv(
        tmp_path / "h.csv", rows, bom=False, crlf=False, extra_columns=["households"]
    )
    result = read_addresses(path)
    assert result.accepted["households"].tolist() == [12]
    assert "households: got mange" in result.quarantine["reason"].iloc[0]


def test_vintage_reads_mixed_fractional_seconds(tmp_path: Path) -> None:
    rows = _good_rows(3)
    rows[0]["oppdateringsdato"] = "15.06.2020 17:37:59"
    rows[1]["oppdateringsdato"] = "01.02.2024 08:00:00.5"
    rows[2]["oppdateringsdato"] = "31.12.2023 23:59:59.123456"
    for row in rows:
        row["datauttaksdato"] = "04.01.2025 05:32:37"
    result = read_addresses(write_matrikkel_csv(tmp_path / "a.csv", rows))
    assert result.metadata["latest_oppdateringsdato"] == "2024-02-01T08:00:00"
    assert result.metadata["datauttaksdato"] == "2025-01-04T05:32:37"


def test_corrupt_zip_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "Basisdata_0301_Oslo_25833_MatrikkelenAdresse_CSV.zip"
    path.write_bytes(b"PK\x03\x04 this is not a zip")
    with pytest.raises(InputError, match=r"not a valid zip file"):
        read_addresses(path)


@pytest.mark.realdata
def test_the_header_is_the_one_kartverket_ships(realdata: Path) -> None:
    """The product's 46 columns, checked against the real files (as extracted and as zipped),
    not against a copy in the tests."""
    folder = realdata / "kartverket-adresse"
    csv_header = (folder / "matrikkelen.sample-kristiansand.csv").read_bytes().splitlines()[0]
    zip_path = folder / "Basisdata_0000_Norge_25833_MatrikkelenAdresse_CSV.sample-kristiansand.zip"
    with zipfile.ZipFile(zip_path) as archive:
        (member,) = [name for name in archive.namelist() if name.endswith(".csv")]
        zip_header = archive.read(member).splitlines()[0]
    for header in (csv_header, zip_header):
        assert tuple(header.decode("utf-8-sig").split(";")) == KARTVERKET_COLUMNS
    assert len(KARTVERKET_COLUMNS) == 46


def test_quarantined_row_numbers_are_whole_numbers(tmp_path: Path) -> None:
    rows = [*_good_rows(2), address_row(2000, "0301", "Ingen nord", 262000, None)]
    result = read_addresses(write_matrikkel_csv(tmp_path / "a.csv", rows))
    assert result.quarantine["row_number"].tolist() == [4]
    assert result.quarantine["row_number"].dtype == "int64"


def test_blank_lines_are_counted_in_row_numbers(tmp_path: Path) -> None:
    path = write_matrikkel_csv(tmp_path / "a.csv", _good_rows(3), crlf=True)
    lines = path.read_bytes().split(b"\r\n")
    lines[2:2] = [b"", b"1;2;3", b""]  # blank line 3, ragged line 4, blank line 5
    path.write_bytes(b"\r\n".join(lines))
    result = read_addresses(path)
    assert result.accepted["row_number"].tolist() == [2, 6, 7]
    assert result.quarantine["row_number"].tolist() == [4]
    assert str(result.quarantine["row_number"].dtype) == "int64"


def test_positions_outside_norway_are_quarantined_with_the_problem_named(tmp_path: Path) -> None:
    rows = [
        *_good_rows(1),
        address_row(2001, "0301", "Byttet", 6650000, 262000),  # Nord/Øst exchanged
        address_row(2002, "0301", "Grader", 10.75, 59.91),  # degrees with EPSG 25833
        address_row(2003, "0301", "Longyearbyen", 15.65, 78.22, epsg=4258),
        address_row(2004, "0301", "Uendelig", "inf", 6650000),
        address_row(2005, "0301", "Paris", 2.35, 48.85, epsg=4326),
        address_row(2006, "0301", "Oslo", 10.75, 59.91, epsg=4258),  # fine in degrees
    ]
    path = write_matrikkel_csv(tmp_path / "a.csv", rows)
    result = read_addresses(path)
    q = result.quarantine.set_index("row_number")["reason"]
    assert list(q.index) == [3, 4, 5, 6, 7]
    assert q[3].endswith("outside Norway; swapped they lie inside: Nord and Øst look exchanged")
    assert q[4].startswith("Nord/Øst: got 59.91/10.75 with EPSG-kode 25833, which look like deg")
    assert "in Svalbard or Jan Mayen" in q[5]
    assert q[6] == "Nord/Øst: got 6650000/inf, expected two finite numbers"
    assert "outside Norway; expected longitude 4 to 31.5, latitude 57.8 to 71.5" in q[7]
    assert result.accepted["address_id"].tolist() == [1000, 2006]
    allowed = read_addresses(path, allow_svalbard_jan_mayen=True)
    assert allowed.accepted["address_id"].tolist() == [1000, 2003, 2006]


def test_an_infinite_or_huge_adresse_id_is_quarantined_not_a_crash(tmp_path: Path) -> None:
    rows = [*_good_rows(1), address_row("inf", "0301", "Inf", 262000, 6650000)]
    rows.append(address_row("1e300", "0301", "Stor", 262000, 6650000))
    result = read_addresses(write_matrikkel_csv(tmp_path / "a.csv", rows))
    assert result.accepted["address_id"].tolist() == [1000]
    assert result.quarantine["reason"].str.startswith("adresseId: got ").tolist() == [True] * 2


def test_the_cadastral_unit_is_kept_as_nullable_ints(tmp_path: Path) -> None:
    rows = [
        address_row(1, "4204", "Gate 1", 88_000, 6_465_000)
        | {"gardsnummer": 97, "bruksnummer": 90},
        address_row(2, "4204", "Gate 2", 88_010, 6_465_000)
        | {"gardsnummer": 97, "bruksnummer": 91, "festenummer": 2, "undernummer": 1},
        address_row(3, "4204", "Gate 3", 88_020, 6_465_000),  # no cadastral numbers
    ]
    table = read_addresses(write_matrikkel_csv(tmp_path / "a.csv", rows)).accepted
    assert table["gnr"].tolist()[:2] == [97, 97] and table["gnr"].isna().tolist()[2]
    assert table["bnr"].tolist()[:2] == [90, 91]
    assert table["fnr"].tolist() == [0, 2, 0]  # an empty festenummer is 0
    assert table["undernummer"].isna().tolist() == [True, False, True]
    assert str(table["gnr"].dtype) == "Int64"
