from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import geopandas as gpd
import pytest
import shapely
from rich.console import Console

from pipeline.aggregate import aggregate_run
from pipeline.config import Config, load_config
from pipeline.run import RunResult, run_pipeline
from pipeline.store import open_store
from pipeline.synthetic.region import DemoRegion, build_demo_region
from tests.browser import OfflineBrowser, offline_browser, require_browser_environment
from tests.fake_geonorge import FakeGeonorge, serve_fake_geonorge
from tests.fixtures import REALDATA, store_hand_run, write_tiny_region


@pytest.fixture(scope="session")
def realdata() -> Path:
    if not REALDATA.is_dir():
        pytest.skip(f"real sample data not found at {REALDATA} (../shared is absent)")
    return REALDATA


@pytest.fixture
def two_kommuner() -> gpd.GeoDataFrame:
    """Two 10 × 10 km kommuner side by side (EPSG:25833): 9901 west, 9902 east."""
    return gpd.GeoDataFrame(
        {
            "kommunenummer": ["9901", "9902"],
            "kommunenavn": ["Vestvik", "Østby"],
            "fylkesnummer": ["99", "99"],
        },
        geometry=[shapely.box(0, 0, 10_000, 10_000), shapely.box(10_000, 0, 20_000, 10_000)],
        crs=25833,
    )


@pytest.fixture
def site(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeGeonorge]:
    """A fake Geonorge download server on 127.0.0.1 (:mod:`tests.fake_geonorge`)."""
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    with serve_fake_geonorge() as fake:
        yield fake


@pytest.fixture
def tiny_region(tmp_path: Path) -> Path:
    """The config of :func:`tests.fixtures.write_tiny_region`, written in ``tmp_path``."""
    return write_tiny_region(tmp_path / "region")


@pytest.fixture
def tiny_run(tiny_region: Path) -> tuple[Config, RunResult]:
    """The tiny region run once through the pipeline: its config and the run's result."""
    config = load_config(tiny_region)
    return config, run_pipeline(config, Console(quiet=True))


@pytest.fixture(scope="session")
def demo_region(tmp_path_factory: pytest.TempPathFactory) -> DemoRegion:
    """The demo region's input files (seed 2025), built once per session; read, never written."""
    return build_demo_region(tmp_path_factory.mktemp("demo-region"))


@pytest.fixture
def hand_store(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A store holding the hand-made run (:func:`tests.fixtures.store_hand_run`) twice, as
    runs "r1" (aggregated) and "r2" (a second run must not leak into the first)."""
    with open_store(tmp_path / "s.duckdb") as connection:
        store_hand_run(connection, "r1")
        store_hand_run(connection, "r2")
        aggregate_run(connection, "r1", "gigabit2030")
        yield connection


@pytest.fixture(scope="session")
def assets_dir() -> Path:
    """The web asset cache the pages load from; skips (fails under CI) without Chromium or it."""
    return require_browser_environment()


@pytest.fixture(scope="session")
def browser(assets_dir: Path) -> Iterator[OfflineBrowser]:
    """Headless Chromium answering every request offline (:mod:`tests.browser`)."""
    with offline_browser(assets_dir) as chromium:
        yield chromium
