"""maps/publish.py: write_maps puts every page at its contracted path."""

from __future__ import annotations

from pathlib import Path

import pytest

from layers.errors import InputError
from maps.publish import ASSET_MODES, MapPaths
from pipeline.config_schema import MAP_ASSET_MODES
from tests.maps.map_inputs import MapInputs, write_inputs


def test_files_exist_at_contracted_paths(written: MapPaths) -> None:
    out_dir = written.index.parent
    assert written.index == out_dir / "index.html"
    assert written.overview == out_dir / "maps" / "oversikt.html"
    assert written.kommuner == {
        knr: out_dir / "maps" / "kommune" / f"{knr}.html" for knr in ("5001", "5099")
    }
    for path in [written.index, written.overview, *written.kommuner.values()]:
        assert path.is_file() and path.stat().st_size > 0


def test_map_pages_are_bokmal_and_a_bad_asset_mode_is_named(
    written: MapPaths, inputs: MapInputs, tmp_path: Path
) -> None:
    for path in [written.overview, *written.kommuner.values()]:
        assert '<html lang="nb">' in path.read_text(encoding="utf-8")[:200], path
    assert ASSET_MODES == MAP_ASSET_MODES  # the config offers what write_maps takes
    with pytest.raises(InputError, match=r"assets: got 'offline', expected one of inline, cdn"):
        write_inputs(inputs, tmp_path, assets="offline")
