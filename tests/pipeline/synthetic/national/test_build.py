"""pipeline/synthetic/national/build.py: the limited national set (:mod:`.limited_set`) is the same
bytes for the same seed and runs through the pipeline."""

from __future__ import annotations

from typing import Any

import pytest
from rich.console import Console

from pipeline.config import load_config
from pipeline.run import run_pipeline
from pipeline.synthetic.national.sources import NationalSources
from tests.fixtures import sha256_hex
from tests.pipeline.synthetic.national.limited_set import (
    LIMIT,
    build_limited,
    csv_bytes,
)


@pytest.mark.realdata
def test_same_seed_gives_identical_bytes(
    national_sources: NationalSources, built: Any, tmp_path_factory: pytest.TempPathFactory
) -> None:
    again = build_limited(national_sources, tmp_path_factory.mktemp("national") / "b")
    for name in ("addresses", "offers", "sites", "fibre", "kommuner"):
        assert sha256_hex(getattr(again, name).read_bytes()) == sha256_hex(
            getattr(built, name).read_bytes()
        ), name
    other = build_limited(national_sources, tmp_path_factory.mktemp("national") / "c", seed=7)
    assert sha256_hex(csv_bytes(other.addresses)) != sha256_hex(csv_bytes(built.addresses))


@pytest.mark.realdata
def test_pipeline_runs_on_the_set_and_the_gap_table_reconciles(built: Any) -> None:
    config = load_config(built.config)

    result = run_pipeline(config, Console(quiet=True))

    table = result.gap_table
    total = table.loc[table["level"] == "total"].iloc[0]
    assert total["households"] == built.rows["households"]
    assert set(table.loc[table["level"] == "kommune", "kommunenummer"]) == set(LIMIT)
    for target in config.targets:
        classes = [f"{c}_households_{target.name}" for c in ("served", "underserved", "unserved")]
        assert (table[classes].sum(axis=1) == table["households"]).all(), target.name
    assert (result.published / "maps" / "oversikt.html").is_file()
