"""The run's piece cache: where it lives, off with reuse_cache = false, what prune reports."""

from __future__ import annotations

from pathlib import Path

from maps.piece_cache import NO_PIECES
from pipeline.config import Config, Inputs, RunSettings
from pipeline.products.pieces import PIECE_CACHE, piece_cache, pieces_detail


def _config(tmp_path: Path, reuse_cache: bool) -> Config:
    source = tmp_path / "in.csv"
    run = RunSettings(output_dir=tmp_path / "out", reuse_cache=reuse_cache)
    return Config(inputs=Inputs(source, source, source), run=run)


def test_pieces_live_under_the_output_folder_unless_reuse_cache_is_off(tmp_path: Path) -> None:
    assert piece_cache(_config(tmp_path, True)).folder == tmp_path / "out" / "cache" / PIECE_CACHE
    assert piece_cache(_config(tmp_path, False)) is NO_PIECES


def test_the_detail_says_reused_of_kept(tmp_path: Path) -> None:
    pieces = piece_cache(_config(tmp_path, True))
    pieces.piece("kind", ["a"], lambda: b"1")
    run = pieces.start()
    pieces.piece("kind", ["a"], lambda: b"never")
    pieces.piece("kind", ["b"], lambda: b"2")
    assert pieces_detail(run) == "1/2"  # "a" was there before the run, "b" is new
