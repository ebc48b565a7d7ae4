"""The map fixture (:mod:`tests.maps.map_inputs`), built and written once per session."""

from __future__ import annotations

import pytest

from maps.publish import MapPaths
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
