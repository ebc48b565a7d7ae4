"""layers/offers.py: per-address offers; BOM, CRLF, ``;`` and quoting read, bad rows quarantined."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from layers.errors import InputError
from layers.offers import read_offers
from tests.fixtures import OFFERS_HEADER


def test_bom_crlf_semicolons_and_quoted_operator(tmp_path: Path) -> None:
    path = tmp_path / "dekning.csv"
    text = (
        "address_id;operator;technology;down_mbps;up_mbps\r\n"
        '1;"Nett; Nord AS";fiber;1000;1000\r\n'
        "2;Kobber;xdsl;40;5\r\n"
        "3;Kobber;dsl-ish;40;5\r\n"
    )
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    result = read_offers(path)
    assert result.accepted["operator"].tolist() == ["Nett; Nord AS", "Kobber"]
    assert result.accepted["down_mbps"].tolist() == [1000.0, 40.0]
    assert result.quarantine["row_number"].tolist() == [4]
    assert result.rows_read == 3


def test_latin1_offers_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "dekning.csv"
    path.write_bytes(f"{OFFERS_HEADER}\n1,Bø Nett,fiber,1,1\n".encode("latin-1"))
    with pytest.raises(InputError, match=r"dekning\.csv: the file is not valid UTF-8"):
        read_offers(path)


@pytest.mark.parametrize(
    ("down", "up", "reason"),
    [
        ("1000000000", "100", "down_mbps: got 1000000000, expected a speed above 0"),
        ("0", "0", "down_mbps: got 0, expected a speed above 0"),
        ("inf", "10", "down_mbps: got inf, expected a speed above 0"),
        ("100", "200000", "up_mbps: got 200000, expected a speed from 0 to 100,000 Mbit/s"),
        ("100", "-1", "up_mbps: got -1, expected a speed from 0 to 100,000 Mbit/s"),
        ("nan", "10", "down_mbps: got nan, expected a speed above 0"),  # named, not "<empty>"
        ("-inf", "10", "down_mbps: got -inf, expected a speed above 0"),
        ("100", "NaN", "up_mbps: got NaN, expected a speed from 0"),
        ("100", "inf", "up_mbps: got inf, expected a speed from 0"),
        ("-0", "10", "down_mbps: got -0, expected a speed above 0"),
    ],
)
def test_speeds_outside_what_a_network_offers_are_quarantined(
    tmp_path: Path, down: str, up: str, reason: str
) -> None:
    path = tmp_path / "dekning.csv"
    path.write_text(
        f"{OFFERS_HEADER}\n1,Nett,fiber,100000,0\n2,Nett,fiber,{down},{up}\n", encoding="utf-8"
    )
    result = read_offers(path)
    assert result.accepted["address_id"].tolist() == [1]  # 100 Gbit/s down, 0 up: the edges
    assert result.quarantine["row_number"].tolist() == [3]
    assert result.quarantine["reason"].iloc[0].startswith(reason)


def test_row_numbers_are_physical_lines_after_blank_lines_and_quoted_newlines(
    tmp_path: Path,
) -> None:
    path = tmp_path / "dekning.csv"
    path.write_bytes(
        f"{OFFERS_HEADER}\r\n1,Nett,fiber,100,10\r\n\r\n"
        '2,"Nett\r\nNord",fiber,100,10\r\n\r\n3,Nett,fiber,0,10\r\n'.encode()
    )
    result = read_offers(path)
    assert result.accepted["row_number"].tolist() == [2, 4]
    assert result.quarantine["row_number"].tolist() == [7]
    assert str(result.quarantine["row_number"].dtype) == "int64"


@pytest.mark.parametrize("address_id", ["inf", "nan", "-1", "1e300", "4.5"])
def test_an_address_id_that_is_no_whole_number_is_quarantined_not_a_crash(
    tmp_path: Path, address_id: str
) -> None:
    path = tmp_path / "dekning.csv"
    path.write_text(f"{OFFERS_HEADER}\n1,Nett,fiber,100,10\n{address_id},Nett,fiber,100,10\n")
    result = read_offers(path)
    assert result.accepted["address_id"].tolist() == [1]
    assert result.quarantine["reason"].tolist() == [
        f"address_id: got {address_id}, expected a whole number from 0 to 2**53"
    ]


def test_offers_carry_the_date_of_their_source(tmp_path: Path) -> None:
    """A row's own date, else the file's date from the config; a bad date is quarantined."""
    path = tmp_path / "dekning.csv"
    path.write_text(
        f"{OFFERS_HEADER},dato\n1,Fjordnett,fiber,1000,1000,01.09.2025\n"
        "2,Kobber,xdsl,40,5,\n3,Kobber,xdsl,40,5,snart\n",
        encoding="utf-8",
    )
    result = read_offers(path, date(2025, 6, 30))
    assert result.accepted["source_date"].astype("string").tolist() == [
        "2025-09-01",
        "2025-06-30",
    ]
    assert result.quarantine["reason"].tolist() == [
        "dato: got snart, expected a date as YYYY-MM-DD or DD.MM.YYYY"
    ]
    undated = tmp_path / "undated.csv"
    undated.write_text(f"{OFFERS_HEADER}\n1,Fjordnett,fiber,1000,1000\n", encoding="utf-8")
    assert read_offers(undated).accepted["source_date"].isna().all()
