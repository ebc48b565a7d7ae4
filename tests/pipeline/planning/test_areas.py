"""pipeline/planning/areas.py: project areas, budget selection and application files, checked
by hand."""

from __future__ import annotations

import csv
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from layers.errors import ConfigError, InputError
from pipeline.planning.areas import AREAS_LAYER, project_areas, select_areas, write_application
from tests.fixtures import FOUR_COSTED, CostedRow, costed_results


def _areas_frame(needs_nok: list[float], households: list[int]) -> gpd.GeoDataFrame:
    """Areas as :func:`project_areas` returns them, with only what selection reads."""
    frame = pd.DataFrame(
        {
            "area_id": [f"4204-{i:04d}" for i in range(len(needs_nok))],
            "households": households,
            "subsidy_need_nok": np.asarray(needs_nok, dtype=float),
        }
    )
    frame["subsidy_need_per_household_nok"] = frame["subsidy_need_nok"] / frame["households"]
    return gpd.GeoDataFrame(frame, geometry=shapely.points(np.arange(len(frame)), 0), crs=25833)


@pytest.mark.parametrize(
    ("viable_nok_per_household", "need_nok"),
    [(0, 1_350_000), (100_000, 1_350_000 - 8 * 100_000), (200_000, 0)],
)
def test_subsidy_need_is_cost_less_commercial_contribution_never_negative(
    viable_nok_per_household: float, need_nok: float
) -> None:
    area = project_areas(FOUR_COSTED, viable_nok_per_household).iloc[0]
    assert area["cost_nok"] == 1_350_000 and area["households"] == 8
    assert area["subsidy_need_nok"] == pytest.approx(need_nok)
    assert area["subsidy_need_per_household_nok"] == pytest.approx(need_nok / 8)


def test_areas_are_per_kommune_and_cluster_with_the_majority_technology() -> None:
    results = costed_results(
        [
            (1, "4204", 1, 0, 0, 100_000, "fwa", 7),
            (2, "4204", 1, 50, 0, 100_000, "fwa", 7),
            (3, "4204", 3, 90, 0, 300_000, "fiber", 7),  # 3 households outvote 2 addresses
            (4, "0301", 2, 5000, 0, 150_000, "fwa", 7),  # same cluster number, other kommune
            (5, "0301", 1, 5050, 0, 90_000, "fiber", 7),
            (6, "0301", 1, 5100, 0, 90_000, "fwa", 7),
        ]
    )
    areas = project_areas(results, 0).set_index("area_id")
    assert areas.index.tolist() == ["0301-4", "4204-1"]
    assert areas.loc["4204-1", "technology"] == "fiber"
    assert areas.loc["0301-4", "technology"] == "fwa"
    assert areas.loc["4204-1", "addresses"] == 3
    assert areas.loc["0301-4", "cost_per_household_nok"] == pytest.approx(330_000 / 4)
    assert areas.crs.to_epsg() == 25833


def test_technology_tie_goes_to_fiber() -> None:
    results = costed_results(
        [(1, "4204", 1, 0, 0, 100_000, "fwa", 1), (2, "4204", 1, 9, 0, 100_000, "fiber", 1)]
    )
    assert project_areas(results, 0)["technology"].tolist() == ["fiber"]


def test_costed_address_without_a_cluster_is_refused() -> None:
    results = FOUR_COSTED.copy()
    results.loc[0, "cluster_id"] = -1
    with pytest.raises(InputError, match="1 costed addresses have no cluster_id"):
        project_areas(results, 0)


def test_negative_commercial_contribution_is_refused() -> None:
    with pytest.raises(ConfigError, match="expected a number ≥ 0"):
        project_areas(FOUR_COSTED, -1)


cluster_layouts = st.lists(
    st.lists(
        st.tuples(
            st.floats(-3000, 3000, allow_nan=False),
            st.floats(-3000, 3000, allow_nan=False),
            st.integers(0, 4),
            st.floats(1_000, 500_000, allow_nan=False),
        ),
        min_size=1,
        max_size=8,
    ),
    min_size=1,
    max_size=6,
)


def _results_from_layout(layout: list[list[tuple[float, float, int, float]]]) -> pd.DataFrame:
    rows: list[CostedRow] = []
    for cluster_id, members in enumerate(layout):
        for x_m, y_m, households, cost_nok in members:
            kommunenummer = "4204" if cluster_id % 2 else "4205"
            rows.append(
                (len(rows) + 1, kommunenummer, households, x_m, y_m, cost_nok, "fiber", cluster_id)
            )
    rows.append((len(rows) + 1, "4204", 2, 0.0, 0.0, np.nan, None, -1))  # not costed
    return costed_results(rows)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(layout=cluster_layouts)
def test_polygons_contain_their_addresses_and_rows_reconcile(
    layout: list[list[tuple[float, float, int, float]]],
) -> None:
    results = _results_from_layout(layout)
    areas = project_areas(results, 50_000, buffer_m=100.0)
    costed = results.loc[results["cost_nok"].notna()]
    assert len(areas) == len(layout)
    assert areas["households"].sum() == costed["households"].sum()
    assert areas["addresses"].sum() == len(costed)
    assert areas["cost_nok"].sum() == pytest.approx(costed["cost_nok"].sum())
    assert (areas.geometry.geom_type == "Polygon").all()
    located = costed.merge(areas[["kommunenummer", "cluster_id", "geometry"]], how="left")
    points = shapely.points(located["x_m"].to_numpy(), located["y_m"].to_numpy())
    polygons = located["geometry"].to_numpy()
    assert shapely.contains(polygons, points).all()
    # each address lies at least ~buffer_m inside (buffer polygons approximate circles)
    inner = shapely.buffer(points, 90.0)
    assert shapely.covers(polygons, inner).all()


def test_selection_takes_cheapest_per_household_first_and_skips_what_does_not_fit() -> None:
    # need per household: 10k, 50k, 20k, 100k
    areas = _areas_frame([100_000, 500_000, 40_000, 100_000], [10, 10, 2, 1])
    ranked = select_areas(areas, budget_nok=250_000).set_index("area_id")
    assert ranked["rank"].to_dict() == {
        "4204-0000": 1,
        "4204-0002": 2,
        "4204-0001": 3,
        "4204-0003": 4,
    }
    # 100k + 40k = 140k; 500k does not fit and is skipped; 100k still fits: 240k
    assert ranked["selected"].to_dict() == {
        "4204-0000": True,
        "4204-0002": True,
        "4204-0001": False,
        "4204-0003": True,
    }
    assert ranked["cumulative_subsidy_nok"].tolist() == [100_000, 140_000, 140_000, 240_000]


def test_commercially_viable_areas_are_ranked_but_not_selected() -> None:
    ranked = select_areas(_areas_frame([0, 10_000], [5, 5]), budget_nok=1e9)
    assert ranked["area_id"].tolist() == ["4204-0000", "4204-0001"]
    assert ranked["selected"].tolist() == [False, True]
    assert ranked["commercially_viable"].tolist() == [True, False]


def test_negative_budget_is_refused() -> None:
    with pytest.raises(ConfigError, match="budget"):
        select_areas(_areas_frame([1], [1]), -5)


@settings(max_examples=200, deadline=None)
@given(
    needs=st.lists(st.integers(0, 5_000_000), min_size=0, max_size=30),
    households=st.lists(st.integers(1, 50), min_size=30, max_size=30),
    budget=st.integers(0, 20_000_000),
)
def test_selection_never_exceeds_the_budget_and_leaves_nothing_that_fits(
    needs: list[int], households: list[int], budget: int
) -> None:
    ranked = select_areas(_areas_frame(list(map(float, needs)), households[: len(needs)]), budget)
    chosen = ranked.loc[ranked["selected"], "subsidy_need_nok"]
    assert chosen.sum() <= budget
    left_nok = budget - chosen.sum()
    unselected = ranked.loc[~ranked["selected"] & (ranked["subsidy_need_nok"] > 0)]
    assert (unselected["subsidy_need_nok"] > left_nok).all()  # greedy-skip: nothing else fits
    per_household = ranked["subsidy_need_per_household_nok"].to_numpy()
    assert (np.diff(per_household) >= 0).all()
    first_needing = ranked.loc[ranked["subsidy_need_nok"] > 0].head(1)
    if len(first_needing) and first_needing["subsidy_need_nok"].iloc[0] <= budget:
        assert first_needing["selected"].iloc[0]


def test_application_files_hold_the_selected_areas_and_their_addresses(tmp_path: Path) -> None:
    results = costed_results(
        [
            (1, "4204", 1, 0, 0, 100_000, "fiber", 1),
            (2, "4204", 2, 40, 0, 100_000, "fiber", 1),
            (3, "4204", 1, 9000, 0, 900_000, "fiber", 2),
            (4, "4204", 1, 20, 30, np.nan, None, -1),
        ]
    ).assign(address_text=['Storgata 1, "Gården"', "Bakken 2", "Fjellet 3", "Torget 4"])
    ranked = select_areas(project_areas(results, 0), budget_nok=250_000)
    out = tmp_path / "søknad"
    (out).mkdir()
    (out / "area_4204-9999.csv").write_text("stale")
    written = write_application(ranked, results, out)
    assert sorted(path.name for path in written) == [
        "area_4204-1.csv",
        "areas.geojson",
        "areas.gpkg",
    ]
    layer = gpd.read_file(out / "areas.gpkg", layer=AREAS_LAYER)
    assert layer["area_id"].tolist() == ["4204-1"] and layer.crs.to_epsg() == 25833
    geojson = gpd.read_file(out / "areas.geojson")
    assert geojson.crs.to_epsg() == 4326
    centre = geojson.geometry.iloc[0].centroid  # UTM 33 (15° E) x 440 km, y 6460 km
    assert 13.5 < centre.x < 14.5 and 58 < centre.y < 58.5
    with (out / "area_4204-1.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [row["address_text"] for row in rows] == ['Storgata 1, "Gården"', "Bakken 2"]
    assert list(rows[0]) == ["address_id", "address_text", "households", "x_m", "y_m", "cost_nok"]
    assert not (out / "area_4204-9999.csv").exists()


# --- eligibility for support: gapmap areas reads eligible addresses only -----------------------


def _eligibility_store(tmp_path: Path, eligible: list[bool | None]) -> tuple[Path, Path]:
    """A config and a store with one succeeded run of :data:`FOUR_COSTED` and ``eligible``
    per address."""
    from pipeline.store import append, begin_run, finish_run, open_store
    from tests.fixtures import MINIMAL_INPUTS_TOML

    store_path = tmp_path / "out" / "gapmap.duckdb"
    config = tmp_path / "gapmap.toml"
    config.write_text(
        MINIMAL_INPUTS_TOML + f'[run]\noutput_dir = "{(tmp_path / "out").as_posix()}"\n'
    )
    results = FOUR_COSTED.assign(
        eligible=pd.array(eligible, dtype="boolean"),
        ineligible_reason=["obligation_5g" if e is False else None for e in eligible],
    )
    addresses = results[["address_id", "kommunenummer", "households", "x_m", "y_m"]].assign(
        address_text=[f"Vegen {i}, Bygd" for i in results["address_id"]]
    )
    stored = results.drop(columns=["x_m", "y_m"])
    with open_store(store_path) as connection:
        begin_run(connection, "r1", "abc", {}, {}, "test")
        append(connection, "addresses", "r1", addresses)
        append(connection, "address_results", "r1", stored)
        finish_run(connection, "r1", "succeeded", None)
    return config, store_path


def test_gapmap_areas_reads_eligible_addresses_only(tmp_path: Path) -> None:
    # address 4 (4 households, 800,000 NOK) is on the 5G obligation list
    _, store_path = _eligibility_store(tmp_path, [True, True, True, False, True])
    from pipeline.planning.areas import read_costed_addresses

    run_id, costed = read_costed_addresses(store_path, [])
    assert run_id == "r1" and costed["address_id"].tolist() == [1, 2, 3]
    area = project_areas(costed, 30_000.0).iloc[0]
    # 300k + 200k + 50k − (1 + 2 + 1) × 30k = 430,000 (all four: 1.35M − 240k = 1.11M)
    assert (area["households"], area["cost_nok"]) == (4, 550_000)
    assert area["subsidy_need_nok"] == pytest.approx(430_000)


def test_the_application_files_leave_the_ineligible_out(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from pipeline.cli import app

    config, _ = _eligibility_store(tmp_path, [True, True, True, False, True])
    out = tmp_path / "søknad"
    result = CliRunner().invoke(
        app, ["areas", "--config", str(config), "--budget", "1000000", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    (area_file,) = out.glob("area_*.csv")
    listed = pd.read_csv(area_file)
    assert listed["address_id"].tolist() == [1, 2, 3]
    assert "(4 of 4 households)" in " ".join(result.output.split())


def test_a_run_without_eligibility_counts_every_costed_address(tmp_path: Path) -> None:
    _, store_path = _eligibility_store(tmp_path, [None] * 5)
    from pipeline.planning.areas import read_costed_addresses

    _, costed = read_costed_addresses(store_path, [])
    assert costed["address_id"].tolist() == [1, 2, 3, 4]
