"""maps/publish.py: write_maps puts every page at its contracted path, the same bytes from
one process or several."""

from __future__ import annotations

from pathlib import Path

import pytest

from layers.errors import InputError
from maps.changes_layer import ChangeSources
from maps.piece_cache import PieceCache
from maps.publish import ASSET_MODES, KommuneWork, MapPaths, stable_element_ids
from maps.worker_pool import WorkerPool
from pipeline.config_schema import MAP_ASSET_MODES
from tests.maps.map_inputs import MapInputs, two_areas, write_inputs
from tests.maps.test_changes_layer import PREVIOUS
from tests.maps.test_changes_layer import ROWS as CHANGE_ROWS
from tests.maps.test_changes_layer import TREND as CHANGE_TREND


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


def _page_bytes(paths: MapPaths) -> dict[str, bytes]:
    pages = [paths.index, paths.overview, *paths.kommuner.values()]
    return {str(p.relative_to(paths.index.parent)): p.read_bytes() for p in pages}


def test_maps_built_by_two_processes_are_the_serial_bytes(
    inputs: MapInputs, tmp_path: Path
) -> None:
    serial = write_inputs(inputs, tmp_path / "serial", cost_curves=inputs.cost_curves)
    counted: list[int] = []
    with WorkerPool(2) as pool:
        parallel = write_inputs(
            inputs,
            tmp_path / "parallel",
            cost_curves=inputs.cost_curves,
            work=KommuneWork(pool, counted.append),
        )
    assert list(parallel.kommuner) == list(serial.kommuner) == ["5001", "5099"]
    assert _page_bytes(parallel) == _page_bytes(serial)
    assert counted == [1, 1]


def test_folium_ids_are_numbered_in_order_of_first_appearance() -> None:
    first, second = "3f2a" * 8, "0b1c" * 8
    page = (
        f'<div id="map_{first}"></div><script>var map_{first};'
        f" L.marker_{second}.addTo(map_{first});"
    )
    assert stable_element_ids(page) == (
        f'<div id="map_{1:032x}"></div><script>var map_{1:032x};'
        f" L.marker_{2:032x}.addTo(map_{1:032x});"
    )
    # a longer hex run (a checksum) is no element id
    checksum = "ab" * 32
    assert stable_element_ids(f"sha_{checksum}") == f"sha_{checksum}"


def test_maps_from_kept_pieces_are_the_bytes_made_without_pieces(
    inputs: MapInputs, tmp_path: Path
) -> None:
    """Every piece a kommune map keeps (addresses, outline, project areas, cost curve) gives
    the page it gives when made anew: the first run makes them, the second reads them back
    (and makes none), both are the bytes of a run that keeps nothing."""
    options = {
        "cost_curves": inputs.cost_curves,
        "areas": two_areas(),
        "changes": ChangeSources(CHANGE_ROWS, CHANGE_TREND, "r1", PREVIOUS),
    }
    made = write_inputs(inputs, tmp_path / "made", **options)
    pieces = PieceCache(tmp_path / "pieces")
    cold = write_inputs(inputs, tmp_path / "cold", work=KommuneWork(pieces=pieces), **options)
    kept = sorted((tmp_path / "pieces").glob("*.bin"))
    warm = write_inputs(inputs, tmp_path / "warm", work=KommuneWork(pieces=pieces), **options)
    assert {p.name.split("-")[0] for p in kept} == {"addresses", "outline", "areas", "map"}
    assert sorted((tmp_path / "pieces").glob("*.bin")) == kept  # all read back
    assert _page_bytes(cold) == _page_bytes(made)
    assert _page_bytes(warm) == _page_bytes(made)
