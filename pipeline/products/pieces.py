"""Where a run keeps the costly pieces of its maps and briefs (:mod:`maps.piece_cache`)."""

from __future__ import annotations

from pathlib import Path

from layers.errors import os_reason
from maps.piece_cache import NO_PIECES, PieceCache, PieceRun
from pipeline.config import Config

PIECE_CACHE = Path("pieces")  # in [run] cache_dir (output_dir/cache), kept between runs


def piece_cache(config: Config) -> PieceCache:
    """The pieces kept between runs in ``[run] cache_dir``/pieces (:mod:`maps.piece_cache`),
    or none when ``[run] reuse_cache`` is off."""
    if not config.run.reuse_cache:
        return NO_PIECES
    return PieceCache(config.run.cache_folder / PIECE_CACHE)


def pieces_detail(started: PieceRun, prune: bool = True) -> str:
    """Prune the pieces this run did not use (unless ``prune`` is off: a shared cache);
    "reused/kept". A folder that cannot be tidied costs only space (the pieces are named by
    their inputs)."""
    try:
        reused, kept = started.prune(remove=prune)
    except OSError as exc:
        return f"not tidied ({os_reason(exc, name_file=False)})"
    return f"{reused}/{kept}"
