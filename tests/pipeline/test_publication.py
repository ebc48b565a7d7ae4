"""Run folders set aside after a killed run, and old publications pruned, never ``current``."""

from __future__ import annotations

from pathlib import Path

from pipeline.publication import prune_publications, set_aside_orphans
from pipeline.publish import switch_current


def _run_folders(output_dir: Path, names: list[str]) -> Path:
    for name in names:
        (output_dir / "runs" / name).mkdir(parents=True)
    return output_dir / "runs"


def test_orphan_run_folders_are_set_aside_but_not_current_or_succeeded_ones(
    tmp_path: Path,
) -> None:
    runs = _run_folders(tmp_path, ["jan", "feb", "mar", "old.failed", "current-one"])
    switch_current(tmp_path, runs / "current-one")
    moved = set_aside_orphans(tmp_path, succeeded={"jan"})
    assert {p.name for p in moved} == {"feb.aborted", "mar.aborted"}
    assert {p.name for p in runs.iterdir()} == {
        "jan",
        "feb.aborted",
        "mar.aborted",
        "old.failed",
        "current-one",
    }


def test_pruning_keeps_the_newest_publications_and_current(tmp_path: Path) -> None:
    runs = _run_folders(tmp_path, ["apr", "mar", "feb", "jan", "dec.failed", "nov.aborted"])
    switch_current(tmp_path, runs / "jan")  # an older run republished stays
    removed = prune_publications(tmp_path, ["apr", "mar", "feb", "jan"], keep=2)
    assert sorted(p.name for p in removed) == ["dec.failed", "feb", "nov.aborted"]
    assert sorted(p.name for p in runs.iterdir()) == ["apr", "jan", "mar"]
    assert (tmp_path / "current").resolve() == runs / "jan"
