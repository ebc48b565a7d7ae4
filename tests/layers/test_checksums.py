"""layers/checksums.py: file checksums for the run record and the download cache."""

from __future__ import annotations

import hashlib
from datetime import datetime
from pathlib import Path

import pytest

from layers.checksums import input_checksums, sha256_of
from layers.errors import RunError

# SHA-256 of b"abc", the first example of FIPS 180-2 (appendix B.1)
ABC_SHA256 = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


def test_sha256_of_a_file_is_the_standard_digest(tmp_path: Path) -> None:
    (tmp_path / "abc.txt").write_bytes(b"abc")
    assert sha256_of(tmp_path / "abc.txt") == ABC_SHA256


def test_a_file_larger_than_a_read_block_is_hashed_whole(tmp_path: Path) -> None:
    data = bytes(range(256)) * (3 * 4096 + 7)  # 3 MiB and a bit: four 1 MiB blocks
    (tmp_path / "big.bin").write_bytes(data)
    assert sha256_of(tmp_path / "big.bin") == hashlib.sha256(data).hexdigest()


def test_every_configured_input_file_is_recorded(tmp_path: Path) -> None:
    (tmp_path / "abc.csv").write_bytes(b"abc")
    tiles = tmp_path / "dtm"
    tiles.mkdir()
    (tiles / "b.tif").write_bytes(b"b")
    (tiles / "a.tif").write_bytes(b"aa")
    squares = [tmp_path / "100.geojson", tmp_path / "30.geojson"]
    for path in squares:
        path.write_bytes(b"{}")
    inputs = {
        "addresses": tmp_path / "abc.csv",
        "dtm": tiles,  # a folder: one key per file, by name
        "speed_squares": tuple(squares),  # a list: one key per file
        "roads_layer": "veglenke",  # an option, not a file
        "sites": None,
    }
    record = input_checksums(inputs)
    assert list(record) == [
        "addresses",
        "dtm/a.tif",
        "dtm/b.tif",
        "speed_squares/100.geojson",
        "speed_squares/30.geojson",
    ]
    assert record["addresses"]["sha256"] == ABC_SHA256
    assert record["addresses"]["bytes"] == 3
    assert record["addresses"]["path"] == str(tmp_path / "abc.csv")
    assert record["dtm/a.tif"]["sha256"] == hashlib.sha256(b"aa").hexdigest()
    modified = datetime.fromisoformat(record["addresses"]["modified"])
    assert modified.utcoffset() is not None and modified.utcoffset().total_seconds() == 0
    assert modified.timestamp() == pytest.approx((tmp_path / "abc.csv").stat().st_mtime)


def test_a_configured_input_that_is_gone_is_named(tmp_path: Path) -> None:
    with pytest.raises(RunError, match=r"\[inputs\]\.offers: .*dekning\.csv does not exist"):
        input_checksums({"offers": tmp_path / "dekning.csv"})


def test_library_versions_name_each_version_and_what_is_not_installed() -> None:
    from importlib import metadata

    from layers.checksums import library_versions

    text = library_versions(["numpy", "no-such-library-for-gapmap"]).decode()
    assert text == f"numpy {metadata.version('numpy')}\0no-such-library-for-gapmap absent"
