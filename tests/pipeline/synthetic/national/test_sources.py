"""pipeline/synthetic/national/sources.py: each source by its own path, else by its usual name in
the folder or a subfolder; what is missing is named with where to get it."""

from __future__ import annotations

from pathlib import Path

import pytest

from layers.errors import InputError
from pipeline.synthetic.national.sources import (
    FYLKER,
    KOMMUNER,
    POPULATION_GRID,
    NationalSources,
    find_sources,
)


def _touch(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("", encoding="utf-8")
    return path


def test_sources_are_found_in_the_folder_or_its_subfolders(tmp_path: Path) -> None:
    grid = _touch(tmp_path / "ssb" / POPULATION_GRID.file_name)
    kommuner = _touch(tmp_path / KOMMUNER.file_name)
    fylker = _touch(tmp_path / "b" / FYLKER.file_name)
    _touch(tmp_path / "a" / "other.txt")
    assert find_sources(tmp_path) == NationalSources(grid, kommuner, fylker)


def test_a_path_given_wins_over_the_folder(tmp_path: Path) -> None:
    for source in (POPULATION_GRID, KOMMUNER, FYLKER):
        _touch(tmp_path / "shared" / source.file_name)
    mine = _touch(tmp_path / "mine.geojson")
    found = find_sources(tmp_path / "shared", kommuner=mine)
    assert found.kommuner == mine
    assert found.population_grid == tmp_path / "shared" / POPULATION_GRID.file_name


def test_each_missing_source_is_named_with_where_to_get_it(tmp_path: Path) -> None:
    _touch(tmp_path / KOMMUNER.file_name)
    with pytest.raises(InputError) as raised:
        find_sources(tmp_path, fylker=tmp_path / "fylker.zip")
    message = str(raised.value)
    assert message.startswith(f"ru250m_2015.csv not found in {tmp_path} or its subfolders")
    assert "https://www.ssb.no/" in message
    assert f"{tmp_path / 'fylker.zip'} (--fylker) not found" in message
    assert "https://kartkatalog.geonorge.no" in message
    assert "Kommuner-M.geojson" not in message  # found


def test_without_a_folder_the_sources_not_given_are_named(tmp_path: Path) -> None:
    grid = _touch(tmp_path / "ru.csv")
    with pytest.raises(InputError, match=r"no --kommuner and no --sources folder.*no --fylker"):
        find_sources(population_grid=grid)
    with pytest.raises(InputError, match=r"nowhere: --sources folder not found; expected a folder"):
        find_sources(tmp_path / "nowhere")
