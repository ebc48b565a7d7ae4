"""layers/obligation_5g.py: Nkom's 5G obligation list, linked to addresses by id or by the
nearest address to its point, every bad row quarantined (rows read = accepted + quarantined)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from layers.errors import InputError
from layers.obligation_5g import read_obligation_list

# three addresses: 1 and 3 30 m apart north-south, 2 100 m east of 1
ADDRESSES = pd.DataFrame(
    {
        "address_id": [1, 2, 3],
        "x_m": [300_000.0, 300_100.0, 300_000.0],
        "y_m": [6_600_000.0, 6_600_000.0, 6_600_030.0],
    }
)
LIST_CSV = "\n".join(
    [
        "adresseid;adressetekst;nord;øst;bygningsnummer;klasse",
        "1;Vegen 1;;;100;1",  # row 2: by id
        ";Vegen 2;6600010;300020;;2",  # row 3: by point, 22 m from 1, 28 m from 3 -> 1
        "99;Vegen 99;;;;1",  # row 4: id not in the address layer
        ";;;;;",  # row 5: nothing to link by
        ";Langt unna;6700000;300000;;3",  # row 6: no address within 50 m
        "2;Vegen 2;;;;7",  # row 7: support class 7
        "1;Vegen 1 igjen;;;;1",  # row 8: a repeated id
        "3;Vegen 3;;;12a;2",  # row 9: bygningsnummer not a number
        ";Ved 2;6600000;300140;;1",  # row 10: 40 m east of 2 -> 2
    ]
)


def _read(tmp_path: Path, text: str = LIST_CSV, link_m: float = 50.0):
    path = tmp_path / "forpliktelse.csv"
    path.write_text(text + "\n", encoding="utf-8")
    return read_obligation_list(path, ADDRESSES, link_m)


def test_rows_link_by_id_or_by_the_nearest_address(tmp_path: Path) -> None:
    accepted = _read(tmp_path).accepted
    assert accepted["row_number"].tolist() == [2, 3, 10]
    assert accepted["address_id"].tolist() == [1, 1, 2]
    assert accepted["building_number"].tolist()[0] == 100
    assert accepted["support_class"].tolist() == [1, 2, 1]


def test_bad_rows_are_quarantined_with_their_reason_and_rows_reconcile(tmp_path: Path) -> None:
    result = _read(tmp_path)
    assert result.rows_read == 9 == len(result.accepted) + len(result.quarantine)
    reasons = dict(zip(result.quarantine["row_number"], result.quarantine["reason"], strict=True))
    assert set(reasons) == {4, 5, 6, 7, 8, 9}
    assert "not in the address layer" in reasons[4]
    assert "both empty" in reasons[5]
    assert "no address within 50 m" in reasons[6]
    assert reasons[7] == "klasse: got 7, expected one of [1, 2, 3]"
    assert "duplicate" in reasons[8]
    assert reasons[9] == "bygningsnummer: got 12a, expected a whole number"
    assert set(result.quarantine["layer"]) == {"obligation_5g"}


def test_a_shorter_link_distance_quarantines_the_far_point(tmp_path: Path) -> None:
    result = _read(tmp_path, link_m=25.0)
    assert result.accepted["row_number"].tolist() == [2, 3]  # 22 m links, 40 m does not
    assert 10 in set(result.quarantine["row_number"])


def test_parquet_with_the_same_columns_reads_the_same(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {"adresseid": ["3", None], "nord": [None, "6600001"], "øst": [None, "300099"]}
    )
    path = tmp_path / "forpliktelse.parquet"
    frame.to_parquet(path)
    result = read_obligation_list(path, ADDRESSES)
    assert result.accepted["address_id"].tolist() == [3, 2]
    assert result.accepted["row_number"].tolist() == [2, 3]


def test_a_missing_file_names_the_config_key(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"\[inputs\]\.obligation_5g"):
        read_obligation_list(tmp_path / "nope.csv", ADDRESSES)
