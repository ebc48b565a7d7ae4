"""The limited national set (:mod:`tests.pipeline.synthetic.national.limited_set`), built once
per session, with and without roads; its sources and the real kommuner it is checked against."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest

from layers.kommuner import read_kommuner
from pipeline.synthetic.national.dataset import NationalDataset
from pipeline.synthetic.national.sources import NationalSources, find_sources
from tests.pipeline.synthetic.national.limited_set import build_limited


@pytest.fixture(scope="session")
def national_sources(realdata: Path) -> NationalSources:
    return find_sources(realdata)


@pytest.fixture(scope="session")
def built(
    national_sources: NationalSources, tmp_path_factory: pytest.TempPathFactory
) -> NationalDataset:
    return build_limited(national_sources, tmp_path_factory.mktemp("national") / "a")


@pytest.fixture(scope="session")
def built_with_roads(
    national_sources: NationalSources, tmp_path_factory: pytest.TempPathFactory
) -> NationalDataset:
    return build_limited(
        national_sources, tmp_path_factory.mktemp("national") / "roads", roads=True
    )


@pytest.fixture(scope="session")
def real_kommuner(national_sources: NationalSources) -> gpd.GeoDataFrame:
    """All the real kommuner of the sources, indexed by kommunenummer."""
    return read_kommuner(national_sources.kommuner).accepted.set_index("kommunenummer")
