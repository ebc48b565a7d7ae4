"""pipeline/synthetic/national/config.py: the set's ``gapmap.toml``: the demo's config with the
set's files, its run name and snap tolerance; what the set lacks left out."""

from __future__ import annotations

from pathlib import Path

from pipeline.config import load_config
from pipeline.synthetic.national.config import CONFIG_HEADER, write_config
from pipeline.synthetic.national.dataset import dataset_paths


def test_the_config_names_the_sets_files_its_name_and_tolerance(tmp_path: Path) -> None:
    dataset = dataset_paths(tmp_path, roads=False)
    write_config(dataset, "national-limited", 812.57)
    text = dataset.config.read_text(encoding="utf-8")
    assert text.startswith(CONFIG_HEADER)
    assert "built-in demo region" not in text and "tolerance_m = 812.6" in text
    config = load_config(dataset.config)
    assert config.run.name == "national-limited"
    assert config.locate.tolerance_m == 812.6
    assert config.inputs.addresses == dataset.addresses
    assert (config.inputs.kommuner, config.inputs.dtm) == (dataset.kommuner, dataset.dtm)
    assert (config.inputs.sites, config.inputs.fibre) == (dataset.sites, dataset.fibre)
    assert config.inputs.roads is None and config.inputs.kommune_cost_factors is None
    assert config.run.output_dir == tmp_path / "out"


def test_with_roads_the_config_names_them(tmp_path: Path) -> None:
    dataset = dataset_paths(tmp_path, roads=True)
    write_config(dataset, "national", 0.0)
    assert load_config(dataset.config).inputs.roads == tmp_path / "veger.gpkg"
