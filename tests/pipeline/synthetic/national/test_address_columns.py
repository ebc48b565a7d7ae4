"""pipeline/synthetic/national/address_columns.py: the national address file is Geonorge's
format (BOM, CRLF, the 46 columns and ``households``) and reads without quarantine.
"""

from __future__ import annotations

from typing import Any

import pytest

from layers.addresses import KARTVERKET_COLUMNS, read_addresses
from tests.pipeline.synthetic.national.limited_set import (
    LIMIT,
    csv_bytes,
)


@pytest.mark.realdata
def test_address_file_is_the_geonorge_format_and_reads_without_quarantine(built: Any) -> None:
    raw = csv_bytes(built.addresses)
    lines = raw.split(b"\r\n")
    assert raw.startswith(b"\xef\xbb\xbf") and lines[-1] == b""
    assert b"\n" not in raw.replace(b"\r\n", b"")
    header = lines[0].removeprefix(b"\xef\xbb\xbf").decode().split(";")
    assert header == [*KARTVERKET_COLUMNS, "households"]
    assert {line.count(b";") for line in lines[:-1]} == {len(header) - 1}

    result = read_addresses(built.addresses)

    assert len(result.quarantine) == 0
    assert result.rows_read == len(result.accepted) == built.rows["addresses"]
    accepted = result.accepted
    assert accepted["address_id"].is_unique
    assert sorted(accepted["kommunenummer"].unique()) == sorted(LIMIT)
    assert int(accepted["households"].sum()) == built.rows["households"]
    assert accepted["kommunenavn"].str.isupper().all()
    assert set(accepted.loc[accepted["kommunenummer"] == "1144", "kommunenavn"]) == {"KVITSØY"}
