"""layers/tables.py: small delimited tables read as strings, ``,`` or ``;``, with a clear error
for a wrong header, a missing file or a file that is not UTF-8."""

from __future__ import annotations

from pathlib import Path

import pytest

from layers.errors import InputError
from layers.tables import read_delimited


def test_bom_crlf_and_commas_are_read_as_strings(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes(b"\xef\xbb\xbfa,b,c\r\n007,x,\r\n8,y,z\r\n")
    frame = read_delimited(path, ("a", "b"), "test")
    assert list(frame.columns) == ["a", "b", "c"]
    assert frame["a"].tolist() == ["007", "8"]  # strings: the leading zero stays
    assert frame["b"].tolist() == ["x", "y"]
    assert frame["c"].isna().tolist() == [True, False]  # an empty field is missing


def test_semicolons_win_when_the_header_has_more_of_them(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text('kommunenummer;navn\n0301;"Oslo, by"\n', encoding="utf-8")
    frame = read_delimited(path, ("kommunenummer",), "test")
    assert frame.to_dict("records") == [{"kommunenummer": "0301", "navn": "Oslo, by"}]


def test_a_wrong_header_names_the_missing_columns_and_the_expected_header(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("x,y\n1,2\n", encoding="utf-8")
    with pytest.raises(
        InputError, match=r"t\.csv: missing columns \['a'\]; expected a sites header \['a', 'y'\]"
    ):
        read_delimited(path, ("a", "y"), "sites")


def test_a_missing_file_is_named_with_what_it_should_hold(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"none\.csv: kommune cost factor file not found"):
        read_delimited(tmp_path / "none.csv", ("a",), "kommune cost factor")


def test_latin1_is_refused_at_the_byte_in_the_header_or_for_the_file(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes("a;bø\n1;2\n".encode("latin-1"))  # ø is byte 3 of the header
    with pytest.raises(InputError, match=r"t\.csv: byte 3 is not valid UTF-8; expected a UTF-8"):
        read_delimited(path, ("a",), "offers")
    path.write_bytes("a;b\n1;Bø\n".encode("latin-1"))  # in the body: the file is named
    with pytest.raises(InputError, match=r"t\.csv: the file is not valid UTF-8; expected a UTF-8"):
        read_delimited(path, ("a",), "offers")


def test_record_lines_count_blank_lines_crlf_and_newlines_inside_quotes() -> None:
    from layers.tables import record_lines

    raw = b'a;b\r\n1;2\r\n\r\n3;4\r\n\n"x\ny";8\n5;6\n\n'
    assert record_lines(raw).tolist() == [2, 4, 6, 8]
    assert record_lines(b"\n\nh\n\n1\n\r\n2").tolist() == [5, 7]  # blank lines before the header
    assert record_lines(b"").tolist() == []
    assert record_lines(b'h\n"a\nb"\nc', quoted=False).tolist() == [2, 3, 4]


def test_the_frame_is_indexed_by_the_physical_line(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes(b'a,b\r\n1,"two\r\nlines"\r\n\r\n\r\n3,x\r\n')
    frame = read_delimited(path, ("a",), "test")
    assert frame.index.tolist() == [2, 6]
    assert frame["a"].tolist() == ["1", "3"]


def test_a_stray_quote_inside_a_field_falls_back_to_the_csv_module(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes(b'a,b\n1,5" pipe\n\n2,x\n')  # an odd quote count that is not quoting
    frame = read_delimited(path, ("a",), "test")
    assert frame["a"].tolist() == ["1", "2"]
    assert frame.index.tolist() == [2, 4]
