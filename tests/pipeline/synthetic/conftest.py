"""The demo region's files as the synthetic tests read them: the way a user would (pandas,
geopandas, rasterio), never through the generator's internals. Built once per session
(``demo_region`` of ``tests/conftest.py``) and only read."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from pipeline.synthetic.region import DemoRegion
from tests.fixtures import DtmBand


@pytest.fixture(scope="session")
def address_rows(demo_region: DemoRegion) -> pd.DataFrame:
    """Every data row of the address file, as strings."""
    return pd.read_csv(
        demo_region.addresses, sep=";", dtype=str, keep_default_na=False, encoding="utf-8-sig"
    )


@pytest.fixture(scope="session")
def good_rows(address_rows: pd.DataFrame) -> pd.DataFrame:
    """The rows a validating reader accepts (index kept), with float ``x_m`` and ``y_m``."""
    y_m = pd.to_numeric(address_rows["Nord"], errors="coerce")
    x_m = pd.to_numeric(address_rows["Øst"], errors="coerce")
    valid = (
        x_m.notna()
        & y_m.notna()
        & (address_rows["EPSG-kode"] == "25833")
        & address_rows["kommunenummer"].str.fullmatch(r"\d{4}")
        & ~address_rows["adresseId"].duplicated()
    )
    return address_rows[valid].assign(x_m=x_m[valid], y_m=y_m[valid])


@pytest.fixture(scope="session")
def offer_rows(demo_region: DemoRegion) -> pd.DataFrame:
    return pd.read_csv(demo_region.offers, dtype={"address_id": str, "operator": str})


@pytest.fixture(scope="session")
def site_rows(demo_region: DemoRegion) -> pd.DataFrame:
    return pd.read_csv(demo_region.sites)


@pytest.fixture(scope="session")
def demo_kommuner(demo_region: DemoRegion) -> gpd.GeoDataFrame:
    return gpd.read_file(demo_region.kommuner).to_crs(25833)


@pytest.fixture(scope="session")
def demo_dtm(demo_region: DemoRegion) -> DtmBand:
    return DtmBand.read(demo_region.dtm)


@pytest.fixture(scope="session")
def island_area(demo_kommuner: gpd.GeoDataFrame) -> shapely.Geometry:
    """The parts of kommune 9904 other than its largest: the island (with its sea margin)."""
    parts = shapely.get_parts(demo_kommuner.set_index("kommunenummer").geometry["9904"])
    return shapely.union_all(sorted(parts, key=lambda part: part.area)[:-1])
