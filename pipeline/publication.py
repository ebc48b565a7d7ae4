"""Keeping the run folders tidy: after a killed run, and pruning old publications.

A run writes into ``<output_dir>/runs/<run_id>/`` and ``current`` points at the last succeeded
one (:mod:`pipeline.publish`). A process killed mid-run leaves a folder no run record vouches
for; these functions set such folders aside and remove old ones, never the published one.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb

from pipeline import store
from pipeline.publish import SET_ASIDE, published_folder


def tidy_after_crash(
    connection: duckdb.DuckDBPyConnection, output_dir: Path, run_id: str
) -> list[str]:
    """Before run ``run_id`` begins: close the runs a killed process left ``running``
    (:func:`pipeline.store.abort_dead_runs`) and set their folders aside; returns their ids."""
    aborted = store.abort_dead_runs(connection, published_folder(output_dir), run_id)
    set_aside_orphans(output_dir, set(store.succeeded_runs(connection)))
    return aborted


def set_aside_orphans(output_dir: Path, succeeded: set[str]) -> list[Path]:
    """Rename ``<run_id>.aborted`` every run folder that is neither a succeeded run's nor the
    one ``current`` points at (a run killed before it recorded its end); folders already set
    aside (``.failed``, ``.aborted``) stay as they are."""
    runs = output_dir / "runs"
    current = published_folder(output_dir)
    moved = []
    for folder in sorted(runs.iterdir()) if runs.is_dir() else []:
        if not folder.is_dir() or folder.suffix in SET_ASIDE or folder == current:
            continue
        if folder.name not in succeeded:
            moved.append(folder.rename(folder.with_name(folder.name + ".aborted")))
    return moved


def prune_publications(output_dir: Path, succeeded: list[str], keep: int) -> list[Path]:
    """Remove the folders of all but the ``keep`` newest succeeded runs (``succeeded`` newest
    first; never the one ``current`` points at) and every folder set aside; the runs' rows stay
    in the store as history. Returns the folders removed."""
    runs = output_dir / "runs"
    current = published_folder(output_dir)
    kept = {*succeeded[:keep], *([current.name] if current else [])}
    removed = []
    for folder in sorted(runs.iterdir()) if runs.is_dir() else []:
        if folder.is_dir() and (folder.suffix in SET_ASIDE or folder.name not in kept):
            shutil.rmtree(folder)
            removed.append(folder)
    return removed
