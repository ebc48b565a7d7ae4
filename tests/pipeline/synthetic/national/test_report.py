"""pipeline/synthetic/national/report.py: what a national build reports, line by line."""

from __future__ import annotations

from pathlib import Path

from pipeline.synthetic.national.dataset import dataset_paths
from pipeline.synthetic.national.report import NKOM_2024, report_lines

FIGURES = {
    "share_100_10": 0.991,
    "share_gigabit": 0.962,
    "share_gigabit_rural": 0.824,
    "rural_household_share": 0.18,
    "share_below_30_5": 0.004,
    "dtm_width": 100,
    "dtm_height": 50,
    "dtm_land_cells": 4321,
    "dtm_highest_m": 1500.4,
    "max_snap_distance_m": 812.6,
    "snap_tolerance_m": 813,
    "seconds": 12.34,
    "peak_rss_mb": 1234.4,
}
ROAD_FIGURES = {
    "roads_km": 1234.6,
    "roads_lines": 5678,
    "roads_components": 3,
    "roads_share_within_500m": 0.9512,
    "roads_share_on_largest_network": 0.9,
}


def _built(root: Path, roads: bool) -> object:
    dataset = dataset_paths(root, roads=roads)
    for key in ("addresses", "offers", "sites", "fibre", "kommuner", "dtm", "config", "roads"):
        path = getattr(dataset, key)
        if path is not None:
            path.write_bytes(b"x" * 2_340_000)  # 2.34 MB each
    dataset.rows = {"addresses": 1234, "households": 2000, "addresses_snapped": 3}
    dataset.figures = FIGURES | (ROAD_FIGURES if roads else {})
    return dataset


def test_rows_files_and_figures_are_reported(tmp_path: Path) -> None:
    lines = report_lines(_built(tmp_path, roads=False))
    assert lines[:5] == [
        "rows",
        "  addresses                     1,234",
        "  households                    2,000",
        "  addresses_snapped                 3",
        "files",
    ]
    files = lines[5:12]
    assert [line.split()[0] for line in files] == [
        "Basisdata_0000_Norge_25833_MatrikkelenAdresse_CSV.zip",
        "dekning.csv",
        "master.csv",
        "fiber.geojson",
        "kommuner.geojson",
        "terreng.tif",
        "gapmap.toml",
    ]
    assert all(line.endswith("  2.3 MB") for line in files)
    assert lines[12:] == [
        f"coverage (households; {NKOM_2024})",
        "  ≥ 100/10 Mbit/s         99.10 %",
        "  gigabit                 96.20 %",
        "  gigabit, sparse cells   82.40 %  (sparse = 18.0 % of households)",
        "  below 30/5               0.40 %",
        "terrain   100 × 50 cells, 4,321 on land, highest 1500 m",
        "snap      3 addresses outside every polygon, max 813 m; config tolerance_m = 813",
        f"built in 12.3 s, peak RSS 1,234 MB -> {tmp_path / 'gapmap.toml'}",
    ]


def test_roads_get_their_file_and_their_line(tmp_path: Path) -> None:
    lines = report_lines(_built(tmp_path, roads=True))
    assert any(line.split()[0] == "veger.gpkg" for line in lines)
    assert (
        "roads     1,235 km in 5,678 lines, 3 networks; addresses within 500 m of a road vertex"
        " 95.12 %, on the largest network 90.00 %"
    ) in lines
