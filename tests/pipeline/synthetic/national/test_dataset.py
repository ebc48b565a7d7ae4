"""pipeline/synthetic/national/dataset.py: the names of a national set's files in its folder."""

from __future__ import annotations

from pathlib import Path

from pipeline.synthetic.national.dataset import dataset_paths


def test_the_files_of_a_set_and_roads_only_when_asked(tmp_path: Path) -> None:
    dataset = dataset_paths(tmp_path, roads=False)
    assert {
        key: getattr(dataset, key).name
        for key in ("config", "kommuner", "addresses", "offers", "sites", "fibre", "dtm")
    } == {
        "config": "gapmap.toml",
        "kommuner": "kommuner.geojson",
        "addresses": "Basisdata_0000_Norge_25833_MatrikkelenAdresse_CSV.zip",
        "offers": "dekning.csv",
        "sites": "master.csv",
        "fibre": "fiber.geojson",
        "dtm": "terreng.tif",
    }
    assert dataset.roads is None and dataset.root == tmp_path
    assert dataset.rows == {} and dataset.figures == {}
    assert dataset_paths(tmp_path, roads=True).roads == tmp_path / "veger.gpkg"
