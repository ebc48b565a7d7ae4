"""pipeline/synthetic/writers.py: the real formats as written: Matrikkelen Adresse (BOM, CRLF, the
product's 46 columns), update times and UUIDs; read from the demo region's files.
"""

from __future__ import annotations

import uuid

import pandas as pd

from layers.addresses import KARTVERKET_COLUMNS
from pipeline.synthetic.region import DemoRegion

EXPECTED_HEADER = ";".join(KARTVERKET_COLUMNS)


def test_address_file_is_bom_crlf_with_exact_header(demo_region: DemoRegion) -> None:
    raw = demo_region.addresses.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert raw.endswith(b"\r\n")
    assert raw.count(b"\n") == raw.count(b"\r\n")
    lines = raw[3:].decode("utf-8").split("\r\n")[:-1]
    assert lines[0] == EXPECTED_HEADER
    assert len(lines) == demo_region.n_addresses + 1
    assert {line.count(";") for line in lines} == {45}
    assert '"' not in raw.decode("utf-8")


def test_update_times_mix_fraction_lengths(address_rows: pd.DataFrame) -> None:
    pattern = r"\d\d\.\d\d\.\d{4} \d\d:\d\d:\d\d(\.\d{1,6})?"
    assert address_rows["oppdateringsdato"].str.fullmatch(pattern).all()
    fraction_lengths = address_rows["oppdateringsdato"].str.extract(r"\.(\d+)$")[0].str.len()
    assert set(fraction_lengths.fillna(0).astype(int)) == set(range(7))
    assert address_rows["datauttaksdato"].nunique() == 1


def test_ids_are_unique_and_uuids_parse(good_rows: pd.DataFrame) -> None:
    assert good_rows["adresseId"].is_unique
    assert (good_rows["lokalid"] == good_rows["adresseId"]).all()
    assert (good_rows["adresseId"].astype(int) >= 300_000_000).all()
    parsed = [uuid.UUID(text) for text in good_rows["uuidAdresse"]]
    assert len(set(parsed)) == len(parsed)
