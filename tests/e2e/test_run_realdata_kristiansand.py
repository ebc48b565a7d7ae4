"""The pipeline on real published inputs: the Kartverket Kristiansand address extract (zip as
Geonorge ships it), the real 2024 kommune boundaries and Kartverket's Basisdata fylke zip."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from rich.console import Console

from pipeline.config import load_config
from pipeline.run import run_pipeline
from tests.fixtures import REPO_ROOT

pytestmark = pytest.mark.realdata


def test_example_config_runs_on_the_real_kristiansand_extract(
    realdata: Path, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    address_zip = "Basisdata_0000_Norge_25833_MatrikkelenAdresse_CSV.sample-kristiansand.zip"
    shutil.copy(
        realdata / "kartverket-adresse" / address_zip,
        data / "Basisdata_4204_Kristiansand_25833_MatrikkelenAdresse_CSV.zip",
    )
    shutil.copy(
        realdata / "kommuner-robhop" / "Kommuner-M.geojson",
        data / "Basisdata_4204_Kristiansand_25833_Kommuner_GeoJSON.zip.geojson",
    )
    shutil.copy(
        realdata / "kommuner-robhop" / "Basisdata_0000_Norge_25833_Fylker_GeoJSON.zip",
        data / "fylker.zip",
    )
    ids = pd.read_csv(
        realdata / "kartverket-adresse" / "matrikkelen.sample-kristiansand.csv",
        sep=";",
        usecols=["adresseId"],
    )["adresseId"]
    offers = pd.DataFrame(
        {
            "address_id": ids[:20],
            "operator": "Fjordnett",
            "technology": "fiber",
            "down_mbps": 1000,
            "up_mbps": 1000,
        }
    )
    offers.to_csv(data / "dekning.csv", index=False)
    text = (REPO_ROOT / "examples" / "real-kommune.toml").read_text(encoding="utf-8")
    text = text.replace('Kommuner_GeoJSON.zip"', 'Kommuner_GeoJSON.zip.geojson"')
    text = text.replace(
        '# fylker = "data/Basisdata_0000_Norge_25833_Fylker_GeoJSON.zip"',
        'fylker = "data/fylker.zip"',
    )
    config_path = tmp_path / "real-kommune.toml"
    config_path.write_text(text, encoding="utf-8")

    result = run_pipeline(load_config(config_path), Console(quiet=True))

    table = result.gap_table.set_index("level")
    assert table.loc["total", "households"] == 47
    kommune = result.gap_table[result.gap_table["level"] == "kommune"]
    assert kommune.loc[kommune["households"] > 0, "kommunenavn"].tolist() == ["Kristiansand"]
    assert kommune["kommunenummer"].tolist() == ["4204"]  # the other 356 have no addresses
    assert table.loc[["fylke"], "kommunenavn"].tolist() == ["Agder"]
    assert table.loc["total", "served_households_no2025"] == 20
    assert table.loc["total", "unserved_households_no2025"] == 27
    assert (result.published / "maps" / "kommune" / "4204.html").is_file()
