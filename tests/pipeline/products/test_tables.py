"""pipeline/products/tables.py: the run's tables as files: the FWA challenge list, the candidate
masts, the machine CSVs and the project areas."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pyproj import Transformer

from pipeline.planning.areas import project_areas
from pipeline.products.tables import (
    fwa_challenge_list,
    new_sites_table,
    spreadsheet_safe,
    write_project_areas,
    write_tables,
)
from pipeline.rollout.choice import MAST_COLUMNS
from tests.fixtures import FOUR_COSTED


def _results() -> pd.DataFrame:
    """Three addresses of two kommuner; 12 and 30 have a doubtful FWA claim."""
    return pd.DataFrame(
        {
            "address_id": [30, 11, 12],
            "kommunenummer": ["9902", "9901", "9901"],
            "kommunenavn": ["Østby", "Vestvik", "Vestvik"],
            "address_text": ["Bakken 3", "Vegen 1", "Vegen 2"],
            "households": [1, 2, 1],
            "x_m": [1.0, 2.0, 3.0],
            "y_m": [4.0, 5.0, 6.0],
            "los_site_id": ["M2", "M1", "M1"],
            "los_distance_m": [900.0, 3200.0, 3300.0],
            "sites_in_range": [1, 2, 2],
            "worst_clearance_ratio": [-4.0, 0.8, -2.5],
            "obstruction_x_m": [1.5, np.nan, 2.5],
            "obstruction_y_m": [4.5, np.nan, 5.5],
            "fwa_doubtful": [True, False, True],
        }
    )


def test_the_fwa_challenge_list_has_one_row_per_doubtful_claim() -> None:
    offers = pd.DataFrame(
        {
            "address_id": [12, 12, 30, 11],
            "operator": ["Luftlinje", "Kobber", "Luftlinje", "Luftlinje"],
            "technology": ["fwa", "xdsl", "fwa", "fwa"],
            "down_mbps": [50.0, 20.0, 100.0, 50.0],
            "up_mbps": [10.0, 2.0, 20.0, 10.0],
        }
    )
    table = fwa_challenge_list(_results(), offers)
    # 11's claim is not doubtful; 12's xDSL offer is no claim; by kommune, then address
    assert table[["kommunenummer", "address_id", "claimed_operator"]].values.tolist() == [
        ["9901", 12, "Luftlinje"],
        ["9902", 30, "Luftlinje"],
    ]
    assert table["claimed_down_mbps"].tolist() == [50.0, 100.0]
    assert table["nearest_site_id"].tolist() == ["M1", "M2"]
    assert table["nearest_site_distance_m"].tolist() == [3300.0, 900.0]
    assert table.index.tolist() == [0, 1]


def test_candidate_masts_are_listed_taken_first_with_lon_lat() -> None:
    masts = pd.DataFrame(
        {
            "site_id": ["ny-9901-1", "ny-9901-0", "ny-9902-0"],
            "kommunenummer": ["9901", "9901", "9902"],
            "cluster_id": [1, 0, 0],
            "x_m": [270_000.0, 271_000.0, 272_000.0],
            "y_m": [7_010_000.0] * 3,
            "antenna_height_m": [30.0] * 3,
            "fixed_cost_nok": [2.9e6] * 3,
            "households_reached": [12.0, 6.0, 9.0],
            "households_taking": [0.0, 6.0, 6.0],
        }
    )
    table = new_sites_table(masts)
    assert table["site_id"].tolist() == ["ny-9901-0", "ny-9902-0", "ny-9901-1"]
    to_wgs84 = Transformer.from_crs(25833, 4326, always_xy=True)
    lon, lat = to_wgs84.transform(271_000.0, 7_010_000.0)
    assert (table["lon"].iloc[0], table["lat"].iloc[0]) == pytest.approx((lon, lat))
    empty = new_sites_table(None)  # no candidates at all: the header alone
    assert list(empty.columns) == [*MAST_COLUMNS, "lon", "lat"] and len(empty) == 0


def test_project_areas_are_written_as_a_table_or_not_at_all(tmp_path: Path) -> None:
    (tmp_path / "tables").mkdir()
    assert write_project_areas(tmp_path, None) == {}
    assert list(tmp_path.rglob("*.*")) == []
    areas = project_areas(FOUR_COSTED, 0)
    written = write_project_areas(tmp_path, areas)
    assert written == {"project_areas": "tables/project_areas.csv"}
    table = pd.read_csv(tmp_path / "tables" / "project_areas.csv")
    assert table["area_id"].tolist() == ["4204-1"] and "geometry" not in table
    assert table["cost_nok"].tolist() == [1_350_000.0]
    assert not (tmp_path / "gapmap.gpkg").exists()  # the polygons: pipeline.products.geopackage


EVIL_NAME = '=HYPERLINK("http://evil.example","Klikk her")'


def test_no_text_reaches_a_spreadsheet_as_a_formula(tmp_path: Path) -> None:
    gap_table = pd.DataFrame(
        {
            "kommunenummer": ["0301", "9999"],
            "kommunenavn": [EVIL_NAME, "Ås"],
            "operator": ["+47 Fiber", "@Telenor"],
            "note": ["-1 hus", "\tfane"],
            "households": [-3, 5],  # numbers stay numbers, negative or not
        }
    )
    write_tables(tmp_path, {"gap_table": gap_table})
    csv = pd.read_csv(tmp_path / "tables" / "gap_table.csv", dtype={"kommunenummer": str})
    assert csv["kommunenavn"].tolist() == ["'" + EVIL_NAME, "Ås"]
    assert csv["operator"].tolist() == ["'+47 Fiber", "'@Telenor"]
    assert csv["note"].tolist() == ["'-1 hus", "'\tfane"]
    assert csv["households"].tolist() == [-3, 5]
    assert csv["kommunenummer"].tolist() == ["0301", "9999"]
    assert not (tmp_path / "tables" / "gap_table.xlsx").exists()  # gap_table_nb's


def test_spreadsheet_safe_leaves_other_texts_and_missing_values_alone() -> None:
    frame = pd.DataFrame({"text": ["Storlia", None, "a=b", "x-1"], "n": [1.5, -2.0, 0.0, 3.0]})
    assert spreadsheet_safe(frame).equals(frame)
