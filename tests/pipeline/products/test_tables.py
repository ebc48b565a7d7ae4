"""pipeline/products/tables.py: the run's tables as files: the FWA challenge list, the candidate
masts, the machine CSVs and the project areas."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
import pytest
from pyproj import Transformer

from pipeline.config import WirelessSettings
from pipeline.planning.areas import project_areas
from pipeline.products.tables import (
    dtm_stamp,
    fwa_challenge_list,
    new_sites_table,
    spreadsheet_safe,
    write_project_areas,
    write_tables,
)
from pipeline.radio.claims import judge_fwa_claims
from pipeline.radio.reach import LosSettings
from pipeline.rollout.choice import MAST_COLUMNS
from tests.fixtures import FOUR_COSTED
from tests.pipeline.radio.test_claims import (
    ALIASES,
    hand_addresses,
    hand_offers,
    hand_sites,
    write_hill_dtm,
)


@pytest.fixture
def hill_dtm(tmp_path: Path) -> Path:
    return write_hill_dtm(tmp_path)


def _results() -> pd.DataFrame:
    """The three addresses of the hand-made hill case (tests/pipeline/radio/test_claims.py)
    as published results; the best site of any technology (``los_site_id``) is a mobile mast,
    which the challenge list must never cite."""
    addresses = hand_addresses()
    return addresses.assign(
        kommunenavn="Vestvik",
        address_text=["Bakken 1", "Bakken 2", "Strand 3"],
        households=[2, 1, 1],
        los_site_id="MOB-1",
    )


def test_the_fwa_challenge_list_cites_the_claimants_own_fwa_site(hill_dtm: Path) -> None:
    claims = judge_fwa_claims(
        hand_offers(), hand_addresses(), hand_sites(), hill_dtm, LosSettings(), ALIASES
    )
    dtm = {"file": "hill.tif", "sha256": "ab" * 32}
    table = fwa_challenge_list(_results(), claims, dtm, WirelessSettings())
    # Luftlinje's clear claim is not listed; Fjordnett has no FWA site; by address, operator
    assert table[["address_id", "claimed_operator", "claim_status_nb"]].values.tolist() == [
        [1, "Fjordnett", "ingen mast registrert"],
        [1, "Telenor Norge AS", "blokkert av terrenget"],
    ]
    assert table["households"].tolist() == [2, 2]
    assert table["fwa_site_id"].tolist() == [None, "TN-1"]
    assert table["fwa_site_distance_m"].iloc[1] == pytest.approx(1300.0)
    assert not table.isin(["MOB-1", "FJ-MOB", "LL-1"]).any().any()  # no other mast, ever
    assert table["dtm_file"].tolist() == ["hill.tif", "hill.tif"]
    assert table["dtm_sha256"].iloc[1] == "ab" * 32
    assert table["clearance_rule"].tolist() == [
        "60 % av første Fresnel-sone fri, k = 1,33, CPE 5 m over bakken",
        "60 % av første Fresnel-sone fri, k = 1,33, CPE 5 m og mastantenne 20 m over bakken",
    ]
    assert table.index.tolist() == [0, 1]


def test_the_dtm_stamp_names_the_file_or_the_tiles(tmp_path: Path) -> None:
    assert dtm_stamp(None, {}) == {"file": "", "sha256": ""}
    one = {"dtm": {"sha256": "f" * 64}}
    assert dtm_stamp(tmp_path / "dtm10.tif", one) == {"file": "dtm10.tif", "sha256": "f" * 64}
    tiles = {"dtm/b.tif": {"sha256": "2"}, "dtm/a.tif": {"sha256": "1"}, "sites": {"sha256": "x"}}
    expected = hashlib.sha256(b"a.tif 1\nb.tif 2\n").hexdigest()
    assert dtm_stamp(tmp_path / "dtm", tiles) == {"file": "dtm/ (2 fliser)", "sha256": expected}


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


def test_a_run_without_doubtful_claims_has_an_empty_list_with_its_columns(hill_dtm: Path) -> None:
    clear_only = hand_offers().loc[lambda o: o["operator"] == "Luftlinje"]
    claims = judge_fwa_claims(
        clear_only, hand_addresses(), hand_sites(), hill_dtm, LosSettings(), ALIASES
    )
    table = fwa_challenge_list(_results(), claims, {}, WirelessSettings())
    assert table.empty and "clearance_rule" in table.columns and "fwa_site_id" in table.columns
