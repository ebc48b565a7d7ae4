"""The geometry rules end to end, as a user meets them: ``gapmap run`` (``pipeline.cli.main``
in a subprocess) on the tiny region with one input damaged. Each case asserts the exit code,
the one-line message naming the file and the feature or window, the quarantine's reasons and
counts (rows read = accepted + quarantined), ``current`` untouched on error, and that the store
opens afterwards."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from tests.fixtures import (
    REPO_ROOT,
    TINY_X0,
    TINY_Y0,
    polygon_feature,
    region_config_toml,
    write_feature_collection,
    write_tiny_region,
)

X0, Y0 = TINY_X0, TINY_Y0
BOWTIE = shapely.Polygon([(X0, Y0), (X0 + 100, Y0 + 100), (X0 + 100, Y0), (X0, Y0 + 100)])
# a 100 m square with a zero-width spike on its top edge: make_valid drops the spike
SPIKE = shapely.Polygon(
    [(X0, Y0), (X0 + 100, Y0), (X0 + 100, Y0 + 100), (X0 + 50, Y0 + 100), (X0 + 50, Y0 + 150),
     (X0 + 50, Y0 + 100), (X0, Y0 + 100)]
)  # fmt: skip


def _gapmap(config: Path) -> subprocess.CompletedProcess[str]:
    """``gapmap run --config <config>`` as a user runs it."""
    code = "import sys; from pipeline.cli import main; sys.argv[0] = 'gapmap'; main()"
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "COLUMNS": "2000"}
    return subprocess.run(
        [sys.executable, "-c", code, "run", "--config", str(config)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )


@pytest.fixture
def region(tmp_path: Path) -> tuple[Path, Path]:
    """The tiny region run once (exit 0): its config and the folder ``current`` points at."""
    config = write_tiny_region(tmp_path / "region")
    done = _gapmap(config)
    assert done.returncode == 0, done.stderr
    return config, (config.parent / "out" / "current").resolve()


def _refused(config: Path, current_before: Path) -> str:
    """Run, expect exit 2 with one ``error:`` line, ``current`` untouched and the store
    readable; return the line's message."""
    done = _gapmap(config)
    output = done.stdout + done.stderr
    assert done.returncode == 2, output
    lines = [line for line in output.splitlines() if line.startswith("error: ")]
    assert len(lines) == 1, output
    assert "Traceback" not in output
    assert (config.parent / "out" / "current").resolve() == current_before
    with duckdb.connect(str(config.parent / "out" / "gapmap.duckdb"), read_only=True) as store:
        assert store.execute("select count(*) from runs").fetchone() is not None
    return lines[0].removeprefix("error: ")


def _tables(config: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    tables = config.parent / "out" / "current" / "tables"
    counts = pd.read_csv(tables / "layer_counts.csv").set_index("layer")
    reconciled = counts["rows_accepted"] + counts["rows_merged"] + counts["rows_quarantined"]
    assert (counts["rows_read"] == reconciled).all()
    return counts, pd.read_csv(tables / "quarantine.csv")


def test_bad_fibre_features_and_a_bowtie_area_are_quarantined_a_spike_repaired(
    tmp_path: Path,
) -> None:
    config = write_tiny_region(tmp_path / "region")
    with np.errstate(invalid="ignore"):
        nan_line = shapely.LineString([(X0, Y0 + 600), (np.nan, Y0 + 600)])
    gpd.GeoDataFrame(
        {"fibre_id": ["F1", "F2", "F3", "F4"]},
        geometry=[
            shapely.LineString([(X0, Y0 + 500), (X0 + 800, Y0 + 500)]),
            nan_line,
            shapely.LineString(),
            shapely.box(X0, Y0, X0 + 10, Y0 + 10),
        ],
        crs=25833,
    ).to_file(config.parent / "fiber.gpkg")
    gpd.GeoDataFrame(
        {"area_id": ["P1", "P2", "P3"]},
        geometry=[shapely.box(X0 + 500, Y0, X0 + 900, Y0 + 400), SPIKE, BOWTIE],
        crs=25833,
    ).to_file(config.parent / "planlagt.gpkg")
    toml = region_config_toml('planned_areas = "planlagt.gpkg"\n')
    config.write_text(toml.replace("fiber.geojson", "fiber.gpkg"), encoding="utf-8")
    done = _gapmap(config)
    assert done.returncode == 0, done.stderr
    counts, quarantine = _tables(config)
    assert counts.loc["fibre"].tolist() == [4, 1, 0, 3, 0]
    assert counts.loc["planned_areas"].tolist() == [3, 2, 0, 1, 0]
    fibre = quarantine[quarantine["layer"] == "fibre"]
    assert fibre[["row_number", "key"]].values.tolist() == [[2, "F2"], [3, "F3"], [4, "F4"]]
    assert fibre["reason"].tolist() == [
        "geometry: a coordinate is NaN or infinite, expected finite numbers",
        "geometry: empty, expected a line or a point",
        "geometry: got Polygon, expected a line or a point",
    ]
    area = quarantine[quarantine["layer"] == "planned_areas"].iloc[0]
    assert (area["row_number"], area["key"]) == (3, "P3")
    assert area["reason"].startswith("geometry: invalid (Self-intersection")
    assert "changes the area from 0 to 5,000 m² (more than 1%)" in area["reason"]
    manifest = json.loads((config.parent / "out" / "current" / "manifest.json").read_text())
    assert "geometries_repaired" in json.dumps(manifest)


def test_a_nested_kommune_is_refused_naming_both_kommuner(region: tuple[Path, Path]) -> None:
    config, current = region
    path = config.parent / "kommuner.geojson"
    features = json.loads(path.read_text(encoding="utf-8"))["features"]
    inner = polygon_feature(
        {"kommunenummer": "9903", "kommunenavn": "Indre"},
        (X0 + 500, Y0 + 500, X0 + 1000, Y0 + 1000),
    )
    write_feature_collection(path, [*features, inner])
    line = _refused(config, current)
    assert f"{path}: kommune 9901 Vestvik and kommune 9903 Indre overlap by 250," in line
    assert "(100.0% of the smaller one)" in line and "[locate].max_kommune_overlap_share" in line


def test_utm_fibre_without_a_crs_is_refused_until_the_config_names_it(
    region: tuple[Path, Path],
) -> None:
    config, current = region
    path = config.parent / "fiber.geojson"
    line = {"type": "LineString", "coordinates": [[X0, Y0 + 500], [X0 + 800, Y0 + 500]]}
    write_feature_collection(
        path, [{"type": "Feature", "properties": {"kind": "trunk"}, "geometry": line}]
    )
    message = _refused(config, current)
    assert message.startswith(f"{path}: coordinates up to (270,800, 7,010,500) cannot be degrees")
    assert message.endswith('[inputs].fibre_crs = "EPSG:25833"')
    config.write_text(region_config_toml('fibre_crs = "EPSG:25833"\n'), encoding="utf-8")
    done = _gapmap(config)
    assert done.returncode == 0, done.stderr
    counts, _ = _tables(config)
    assert counts.loc["fibre"].tolist() == [1, 1, 0, 0, 0]


def test_a_shapefile_without_prj_is_refused_naming_the_config_key(
    region: tuple[Path, Path],
) -> None:
    config, current = region
    path = config.parent / "fiber.shp"
    with pytest.warns(UserWarning, match="crs"):
        gpd.GeoDataFrame(
            {"kind": ["trunk"]},
            geometry=[shapely.LineString([(X0, Y0 + 500), (X0 + 800, Y0 + 500)])],
        ).to_file(path)
    config.write_text(region_config_toml().replace("fiber.geojson", "fiber.shp"), "utf-8")
    message = _refused(config, current)
    assert message.startswith(f"{path}: no CRS in the file; expected a file that names its CRS")
    assert message.endswith('or name it in the config: [inputs].fibre_crs = "EPSG:25833"')


def test_a_truncated_dtm_is_refused_naming_the_file_and_the_window(
    region: tuple[Path, Path],
) -> None:
    config, current = region
    path = config.parent / "terreng.tif"
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * 0.3)])
    message = _refused(config, current)
    assert message.startswith(f"{path}: could not read the window at row ")
    assert "cells)" in message and "is the file truncated, or a tile corrupt?" in message


def test_kommuner_in_degrees_labelled_utm_are_refused_until_the_config_names_their_crs(
    region: tuple[Path, Path],
) -> None:
    config, current = region
    path = config.parent / "kommuner.geojson"
    collection = json.loads(path.read_text(encoding="utf-8"))
    collection["crs"] = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::25833"}}
    path.write_text(json.dumps(collection), encoding="utf-8")
    message = _refused(config, current)
    assert message.startswith(
        f"{path}: coordinates look like degrees (longitude/latitude) although the file says"
        " EPSG:25833 (got bounds (10."
    )
    assert message.endswith('or name it in the config: [inputs].kommuner_crs = "EPSG:4326"')
    config.write_text(region_config_toml('kommuner_crs = "EPSG:4326"\n'), encoding="utf-8")
    done = _gapmap(config)
    assert done.returncode == 0, done.stderr
    counts, _ = _tables(config)
    assert counts.loc["kommuner"].tolist() == [2, 2, 0, 0, 0]
    assert counts.loc["addresses"].tolist() == [20, 18, 0, 2, 0]


def test_a_fibre_line_of_one_point_is_quarantined_and_the_run_goes_on(
    region: tuple[Path, Path],
) -> None:
    config, _ = region
    path = config.parent / "fiber.geojson"
    collection = json.loads(path.read_text(encoding="utf-8"))
    lonlat = collection["features"][0]["geometry"]["coordinates"][0]
    one_point = {"type": "LineString", "coordinates": [lonlat]}
    collection["features"].append({"type": "Feature", "properties": {}, "geometry": one_point})
    path.write_text(json.dumps(collection), encoding="utf-8")
    done = _gapmap(config)
    assert done.returncode == 0, done.stderr
    counts, quarantine = _tables(config)
    read = counts.loc["fibre", "rows_read"]
    assert counts.loc["fibre"].tolist() == [read, read - 1, 0, 1, 0]
    fibre = quarantine[quarantine["layer"] == "fibre"]
    assert fibre["row_number"].tolist() == [read]
    assert fibre["reason"].iloc[0].startswith("geometry: cannot be built (point array must")
