"""The piece cache: keys that change with every input, pieces read back as made, pruning."""

from __future__ import annotations

import os
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from layers import checksums
from maps import address_data, piece_cache
from maps.address_data import address_rows
from maps.piece_cache import NO_PIECES, PieceCache, frame_digest, piece_key
from maps.style import TargetSpec

TARGETS = (TargetSpec("no2025", 100.0, 100.0, "100/100 Mbit/s"),)


def _frame() -> pd.DataFrame:
    return pd.DataFrame(
        {"a": [1.0, 2.0, np.nan], "b": ["x", None, "z"], "c": [[1, 2], [3], []]},
        index=[10, 11, 12],
    )


def test_frame_digest_changes_with_any_cell_name_dtype_or_order_but_not_the_index() -> None:
    frame = _frame()
    base = frame_digest(frame)
    assert frame_digest(frame.set_axis([0, 1, 2])) == base  # the index is not content
    changed_cell = frame.copy()
    changed_cell.loc[11, "b"] = "y"
    changed_list = frame.copy()
    changed_list.at[12, "c"] = [4]
    others = [
        frame_digest(changed_cell),
        frame_digest(changed_list),
        frame_digest(frame.rename(columns={"a": "A"})),
        frame_digest(frame.astype({"a": "float32"})),
        frame_digest(frame.iloc[::-1]),
        frame_digest(frame.iloc[:0]),
        frame_digest(None),
    ]
    assert base not in others
    assert len(set(others)) == len(others)


def test_frame_digest_of_geometry_is_exact_not_a_shortened_text() -> None:
    ring = [(float(i), float(i % 7)) for i in range(200)] + [(0.0, 0.0)]
    moved = [*ring[:100], (100.0, 3.5), *ring[101:]]  # one vertex deep inside a long polygon
    first = gpd.GeoSeries([shapely.Polygon(ring)])
    second = gpd.GeoSeries([shapely.Polygon(moved)])
    assert frame_digest(first) != frame_digest(second)
    assert frame_digest(first) == frame_digest(gpd.GeoSeries([shapely.Polygon(ring)]))


def test_a_piece_is_made_once_then_read_back(tmp_path: Path) -> None:
    pieces = PieceCache(tmp_path / "pieces")
    made: list[int] = []

    def make() -> bytes:
        made.append(1)
        return b"\x00piece\n"

    first = pieces.piece("kind", ["a", b"b"], make)
    second = pieces.piece("kind", ["a", b"b"], make)
    other = pieces.piece("kind", ["a", b"c"], make)
    assert first == second == other == b"\x00piece\n"
    assert len(made) == 2  # the second call read the first back
    assert len(list((tmp_path / "pieces").glob("kind-*.bin"))) == 2


def test_no_pieces_always_makes() -> None:
    made: list[int] = []
    for _ in range(2):
        NO_PIECES.piece("kind", ["a"], lambda: made.append(1) or b"x")
    assert len(made) == 2


def test_the_key_follows_kind_parts_their_boundaries_and_the_code(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    keys = {
        piece_key("kind", ["ab", "c"]),
        piece_key("kind", ["a", "bc"]),  # same bytes, other parts
        piece_key("other", ["ab", "c"]),
    }
    assert len(keys) == 3
    before = piece_key("kind", ["ab", "c"])
    monkeypatch.setattr(piece_cache, "code_digest", lambda: "another version of maps/")
    assert piece_key("kind", ["ab", "c"]) != before


def test_a_folder_that_cannot_be_written_still_gives_the_piece(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("a file where the folder should be")
    pieces = PieceCache(blocker / "pieces")
    assert pieces.piece("kind", ["a"], lambda: b"made") == b"made"
    assert pieces.piece("kind", ["a"], lambda: b"made again") == b"made again"


def test_prune_keeps_what_the_run_used_and_counts_what_it_reused(tmp_path: Path) -> None:
    pieces = PieceCache(tmp_path)
    pieces.piece("kind", ["old, used again"], lambda: b"1")
    pieces.piece("kind", ["old, not used"], lambda: b"2")
    (tmp_path / ".kind-x.bin.abc.part").write_bytes(b"half")
    long_ago = time.time() - 3600
    for path in tmp_path.iterdir():
        os.utime(path, (long_ago, long_ago))
    run = pieces.start()
    pieces.piece("kind", ["old, used again"], lambda: b"never made")
    pieces.piece("kind", ["new"], lambda: b"3")
    assert run.prune() == (1, 2)
    assert sorted(p.read_bytes()[32:] for p in tmp_path.iterdir()) == [b"1", b"3"]


def _addresses(n: int) -> pd.DataFrame:
    rng = np.random.default_rng(7)
    return pd.DataFrame(
        {
            "address_id": np.arange(n),
            "address_text": [f"Vegen {i}" for i in range(n)],
            "households": 1,
            "lat": 60 + rng.random(n),
            "lon": 10 + rng.random(n),
            "best_technology": "fiber",
            "best_operator": "Telenor",
            "best_down_mbps": 1000.0,
            "best_up_mbps": 1000.0,
            "class_no2025": "served",
        }
    )


def test_address_rows_read_back_equal_the_encoded_ones(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    addresses = _addresses(50)
    pieces = PieceCache(tmp_path)
    cold = address_rows(addresses, TARGETS, TARGETS[0])
    first = address_rows(addresses, TARGETS, TARGETS[0], pieces)

    def refuse(*_: object) -> bytes:
        raise AssertionError("encoded again, expected the piece to be read back")

    monkeypatch.setattr(address_data, "_encoded", refuse)
    again = address_rows(addresses, TARGETS, TARGETS[0], pieces)
    assert cold == first == again
    moved = addresses.assign(lat=addresses["lat"] + np.r_[0.001, np.zeros(49)])
    with pytest.raises(AssertionError, match="encoded again"):
        address_rows(moved, TARGETS, TARGETS[0], pieces)  # one address moved: a new key


@pytest.mark.parametrize("damage", ["flip a byte", "truncate", "empty"])
def test_a_damaged_piece_is_made_again_and_written_over(tmp_path: Path, damage: str) -> None:
    pieces = PieceCache(tmp_path)
    pieces.piece("kind", ["a"], lambda: b"the piece as made")
    (path,) = tmp_path.glob("kind-*.bin")
    stored = path.read_bytes()
    damaged = {
        "flip a byte": stored[:-1] + bytes([stored[-1] ^ 1]),
        "truncate": stored[:-3],
        "empty": b"",
    }[damage]
    path.write_bytes(damaged)
    assert pieces.piece("kind", ["a"], lambda: b"the piece as made") == b"the piece as made"
    assert path.read_bytes() == stored  # written over, whole again


def test_the_address_layer_key_holds_the_columns_it_encodes_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    addresses = _addresses(20)
    pieces = PieceCache(tmp_path)
    address_rows(addresses, TARGETS, TARGETS[0], pieces)
    made: list[int] = []
    real = address_data._encoded
    monkeypatch.setattr(address_data, "_encoded", lambda *args: made.append(1) or real(*args))
    address_rows(addresses.assign(slope_deg=3.0), TARGETS, TARGETS[0], pieces)
    assert made == []  # a column the layer does not show: read back
    address_rows(addresses.assign(best_operator="Altibox"), TARGETS, TARGETS[0], pieces)
    assert made == [1]  # one it shows: encoded again


def test_the_code_digest_holds_the_versions_of_the_libraries_that_write_the_bytes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    before = piece_cache.code_digest()
    real = checksums.metadata.version
    newer = {"matplotlib": "99.0"}
    monkeypatch.setattr(checksums.metadata, "version", lambda name: newer.get(name) or real(name))
    piece_cache.code_digest.cache_clear()
    try:
        assert piece_cache.code_digest() != before
    finally:
        piece_cache.code_digest.cache_clear()
