"""The map fixture (:mod:`tests.maps.map_inputs`), built and written once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from maps.kommune import KommuneMapInputs, kommune_map
from maps.publish import MapPaths, save_page
from tests.maps.big_kommune import big_kommune_inputs
from tests.maps.map_inputs import (
    MapInputs,
    make_map_inputs,
    write_inputs,
)


@pytest.fixture(scope="session")
def inputs() -> MapInputs:
    return make_map_inputs()


@pytest.fixture(scope="session")
def written(inputs: MapInputs, tmp_path_factory: pytest.TempPathFactory) -> MapPaths:
    out_dir = tmp_path_factory.mktemp("maps-out")
    return write_inputs(
        inputs,
        out_dir,
        cost_curves=inputs.cost_curves,
    )


@pytest.fixture(scope="session")
def big_map(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, KommuneMapInputs]:
    """The map page of the generated kommune of 300,000 addresses, and its inputs."""
    inputs = big_kommune_inputs()
    path = tmp_path_factory.mktemp("big-map") / "0301.html"
    save_page(kommune_map(inputs), path, "Stor kommune (0301)")  # as publish writes it
    return path, inputs
