"""pipeline/preview.py: where a kommune preview writes and what it keeps of the gap table."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pandas as pd
import pytest

from layers.errors import ConfigError
from pipeline.config import Config, Inputs
from pipeline.preview import kommune_rows_only, preview_config


def _config() -> Config:
    return Config(inputs=Inputs(Path("k.geojson"), Path("a"), Path("o")))


@pytest.mark.parametrize("kommune", ["342", "34200", "../x", "34a0", ""])
def test_a_preview_needs_four_digits(kommune: str) -> None:
    with pytest.raises(ConfigError, match="expected a kommunenummer of four digits"):
        preview_config(_config(), kommune)


def test_a_preview_writes_beside_the_national_run_and_shares_its_cache() -> None:
    config = _config()
    config = dataclasses.replace(config, run=dataclasses.replace(config.run, output_dir=Path("o")))
    scoped = preview_config(config, "3420")
    assert scoped.run.output_dir == Path("o/kommuner/3420")
    assert scoped.store_path == Path("o/kommuner/3420/gapmap.duckdb")
    assert scoped.run.cache_folder == Path("o/cache") and not scoped.run.prunes_cache
    assert config.run.cache_folder == Path("o/cache") and config.run.prunes_cache


def test_only_kommune_rows_are_kept() -> None:
    table = pd.DataFrame({"level": ["kommune", "fylke", "total"], "households": [3, 3, 3]})
    assert kommune_rows_only(table)["level"].tolist() == ["kommune"]
