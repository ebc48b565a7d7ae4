"""pipeline/synthetic/demo.py: ``gapmap demo`` writes the region and, beside it, a config that
names its files and publishes one folder up. (The demo run itself: ``tests/e2e/test_run_demo.py``.)
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.config import DEFAULT_TARGETS, load_config
from pipeline.synthetic import demo
from pipeline.synthetic.region import DemoRegion

NAMES = {
    "kommuner": "kommuner.geojson",
    "addresses": "adresser.csv",
    "dtm": "terreng.tif",
    "offers": "dekning.csv",
    "sites": "master.csv",
    "fibre": "fiber.geojson",
    "roads": "veger.gpkg",
    "cost_factors": "kostnadsfaktorer.csv",
}


def test_the_config_names_the_regions_files_and_publishes_beside_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    built: list[tuple[Path, int]] = []

    def region_of_names(out_dir: Path, seed: int = 2025) -> DemoRegion:
        built.append((out_dir, seed))
        out_dir.mkdir(parents=True)  # as the real builder does; no files needed here
        return DemoRegion(
            out_dir, **{k: out_dir / name for k, name in NAMES.items()}, n_addresses=0
        )

    monkeypatch.setattr(demo, "build_demo_region", region_of_names)
    monkeypatch.setattr(demo, "write_nkom_tables", lambda *_args: None)  # reads the files
    monkeypatch.setattr(demo, "write_demo_buildings", lambda _a, path, _s: path)  # premises
    config_path = demo.prepare_demo(tmp_path / "demo", seed=7)
    assert built == [(tmp_path / "demo" / "data", 7)]
    assert config_path == tmp_path / "demo" / "data" / "gapmap.toml"
    config = load_config(config_path)
    data = tmp_path / "demo" / "data"
    assert config.inputs.kommuner == data / "kommuner.geojson"
    assert config.inputs.addresses == data / "adresser.csv"
    assert config.inputs.dtm == data / "terreng.tif"
    assert config.inputs.roads == data / "veger.gpkg"
    assert config.inputs.kommune_cost_factors == data / "kostnadsfaktorer.csv"
    assert config.inputs.buildings == data / "bygningspunkt.gpkg"
    assert config.run.output_dir.resolve() == (tmp_path / "demo").resolve()
    assert config.run.name == "demo"
    assert config.targets == DEFAULT_TARGETS
    assert config.classify.map_target == "no2025"
