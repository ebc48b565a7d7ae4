"""pipeline/publish.py: a run publishes into its own folder, then ``current`` is switched to it
in one rename; a failed run's folder is set aside. (The whole stage runs in the end-to-end
tests: ``tests/e2e/test_run_tiny_region.py`` keeps the output of a failed run untouched.)"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from layers.errors import OutputFolderError
from pipeline.config import Config, Inputs
from pipeline.publish import (
    prepare_output_dir,
    project_areas_of,
    published_folder,
    read_manifest,
    run_folder,
    set_aside_failed,
    switch_current,
    write_manifest,
)
from tests.fixtures import FOUR_COSTED


def _run(output_dir: Path, run_id: str) -> Path:
    folder = run_folder(output_dir, run_id)
    folder.mkdir(parents=True)
    (folder / "index.html").write_text(run_id, encoding="utf-8")
    return folder


def test_current_is_a_relative_link_switched_from_run_to_run(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert published_folder(out) is None  # before the first run
    first, second = _run(out, "r1"), _run(out, "r2")
    current = switch_current(out, first)
    assert current == out / "current" and current.is_symlink()
    assert os.readlink(current) == "runs/r1"  # relative: the output folder may move
    assert (current / "index.html").read_text(encoding="utf-8") == "r1"
    switch_current(out, second)
    assert published_folder(out) == second.resolve()
    assert sorted(p.name for p in out.iterdir()) == ["current", "runs"]  # no staging left


def test_a_stale_staging_link_does_not_stop_the_switch(tmp_path: Path) -> None:
    out = tmp_path / "out"
    folder = _run(out, "r1")
    (out / ".current.r1.tmp").symlink_to("runs/gone")  # left by a run killed mid-switch
    switch_current(out, folder)
    assert published_folder(out) == folder.resolve()
    assert not (out / ".current.r1.tmp").is_symlink()


def test_a_failed_runs_folder_is_set_aside_and_a_run_without_one_is_fine(tmp_path: Path) -> None:
    out = tmp_path / "out"
    _run(out, "r1")
    set_aside_failed(out, "r1")
    assert sorted(p.name for p in (out / "runs").iterdir()) == ["r1.failed"]
    set_aside_failed(out, "r2")  # failed before it wrote anything
    assert sorted(p.name for p in (out / "runs").iterdir()) == ["r1.failed"]


def test_the_manifest_is_written_readable_and_keeps_norwegian_letters(tmp_path: Path) -> None:
    manifest = {"run_id": "r1", "kommuner": ["Bø", "Åfjord"], "path": tmp_path}
    path = write_manifest(tmp_path, manifest)
    assert "Åfjord" in path.read_text(encoding="utf-8")
    assert read_manifest(tmp_path) == {**manifest, "path": str(tmp_path)}


def test_project_areas_only_when_some_household_was_costed() -> None:
    config = Config(inputs=Inputs(Path("k"), Path("a"), Path("o")))
    assert project_areas_of(config, FOUR_COSTED.assign(cost_nok=np.nan)) is None
    areas = project_areas_of(config, FOUR_COSTED)
    assert areas is not None and areas["area_id"].tolist() == ["4204-1"]  # its smallest address id
    assert areas["households"].tolist() == [8]


def test_the_output_folder_must_be_writable(tmp_path: Path) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("a file", encoding="utf-8")
    with pytest.raises(OutputFolderError, match="a file stands where the folder should be"):
        prepare_output_dir(blocker, blocker / "gapmap.duckdb")
    prepare_output_dir(tmp_path / "new" / "out", tmp_path / "store" / "s.duckdb")
    assert (tmp_path / "new" / "out").is_dir() and (tmp_path / "store").is_dir()
