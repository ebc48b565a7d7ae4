"""The two bases of the corpus, built and run once per session (per xdist worker), then copied
per case: the demo region (``pipeline/synthetic``) and the real samples beside the project."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from rich.console import Console

from pipeline.config import load_config
from pipeline.run import run_pipeline
from pipeline.synthetic.demo import prepare_demo

REAL_CONFIG = """\
[run]
name = "kristiansand"
output_dir = ".."

[inputs]
kommuner = "Kommuner-M.geojson"
addresses = "adresser.csv"
offers = "dekning.csv"
fylker = "fylker.zip"

[locate]
tolerance_m = 50.0
"""


@pytest.fixture(scope="session")
def corpus_demo_base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo region run once: ``data/gapmap.toml``, the store, ``runs/`` and ``current``."""
    root = tmp_path_factory.mktemp("corpus-demo")
    run_pipeline(load_config(prepare_demo(root)), Console(quiet=True))
    return root


@pytest.fixture(scope="session")
def corpus_real_base(realdata: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Kristiansand sample addresses, the real kommuner and fylker, offers for 20 of the
    addresses, laid out as the demo base (``data/gapmap.toml`` with ``output_dir = ".."``)."""
    root = tmp_path_factory.mktemp("corpus-real")
    data = root / "data"
    data.mkdir()
    addresses = realdata / "kartverket-adresse" / "matrikkelen.sample-kristiansand.csv"
    shutil.copy(addresses, data / "adresser.csv")
    shutil.copy(realdata / "kommuner-robhop" / "Kommuner-M.geojson", data)
    fylker = realdata / "kommuner-robhop" / "Basisdata_0000_Norge_25833_Fylker_GeoJSON.zip"
    shutil.copy(fylker, data / "fylker.zip")
    shutil.copy(realdata / "dem-jotunheimen" / "besseggen.tif", data)
    ids = pd.read_csv(addresses, sep=";", usecols=["adresseId"])["adresseId"]
    offers = pd.DataFrame(
        {"address_id": ids[:20], "operator": "Fjordnett", "technology": "fiber"}
    ).assign(down_mbps=1000, up_mbps=1000)
    offers.to_csv(data / "dekning.csv", index=False)
    (data / "gapmap.toml").write_text(REAL_CONFIG, encoding="utf-8")
    run_pipeline(load_config(data / "gapmap.toml"), Console(quiet=True))
    return root
