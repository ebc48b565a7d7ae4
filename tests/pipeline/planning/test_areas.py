"""Cost curves, project areas, budget selection and application files, checked by hand."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import duckdb
import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from layers.errors import ConfigError, InputError
from maps.cost_curve_png import CostCurveImage, format_tick_nb, plot_cost_curve
from pipeline.cli import app
from pipeline.planning.areas import AREAS_LAYER, project_areas, select_areas, write_application
from pipeline.planning.cost_curve import cost_curve, last_share_costs
from pipeline.store import append, begin_run, finish_run, open_store

X0, Y0 = 440_000.0, 6_460_000.0
runner = CliRunner()


ResultRow = tuple[int, str, int, float, float, float, str | None, int]


def _results(rows: list[ResultRow]) -> pd.DataFrame:
    """Rows of (address_id, kommunenummer, households, x_m, y_m, cost_nok, option, cluster)."""
    frame = pd.DataFrame(
        rows,
        columns=[
            "address_id",
            "kommunenummer",
            "households",
            "x_m",
            "y_m",
            "cost_nok",
            "cost_option",
            "cluster_id",
        ],
    )
    return frame.assign(
        x_m=frame["x_m"] + X0, y_m=frame["y_m"] + Y0, cluster_id=frame["cluster_id"].astype("int64")
    )


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


FOUR = _results(
    [
        (1, "4204", 1, 0, 0, 300_000, "fiber", 1),
        (2, "4204", 2, 10, 0, 200_000, "fiber", 1),
        (3, "4204", 1, 20, 0, 50_000, "fwa", 1),
        (4, "4204", 4, 30, 0, 800_000, "fiber", 1),
        (5, "4204", 3, 40, 0, np.nan, None, -1),  # meets the target: not costed
    ]
)


def test_cost_curve_over_four_addresses_is_exact() -> None:
    curve = cost_curve(FOUR)
    # per household: 300k, 100k, 50k, 200k → order 3, 2, 4, 1
    assert curve["address_id"].tolist() == [3, 2, 4, 1]
    assert curve["rank"].tolist() == [1, 2, 3, 4]
    assert curve["cost_per_household_nok"].tolist() == [50_000, 100_000, 200_000, 300_000]
    assert curve["cumulative_households"].tolist() == [1, 3, 7, 8]
    assert curve["cumulative_cost_nok"].tolist() == [50_000, 250_000, 1_050_000, 1_350_000]
    assert curve["share_of_households"].tolist() == [1 / 8, 3 / 8, 7 / 8, 1.0]
    assert (curve["kommunenummer"] == "4204").all()


def test_cost_curve_restarts_per_kommune_and_total_spans_all() -> None:
    results = pd.concat(
        [FOUR, _results([(9, "0301", 2, 0, 0, 20_000, "fiber", 3)])], ignore_index=True
    )
    per_kommune = cost_curve(results)
    oslo = per_kommune.loc[per_kommune["kommunenummer"] == "0301"]
    assert oslo["rank"].tolist() == [1] and oslo["share_of_households"].tolist() == [1.0]
    total = cost_curve(results, by=None)
    assert (total["kommunenummer"] == "total").all()
    assert total["address_id"].tolist() == [9, 3, 2, 4, 1]  # 10k per household first
    assert total["cumulative_households"].iloc[-1] == 10
    assert total["cumulative_cost_nok"].iloc[-1] == 1_370_000


def test_last_10pct_of_20_households_are_the_two_costliest() -> None:
    results = _results(
        [(i, "4204", 1, i * 10.0, 0, i * 10_000.0, "fiber", 1) for i in range(1, 21)]
    )
    row = last_share_costs(cost_curve(results)).iloc[0]
    assert row["households"] == 20 and row["cost_nok"] == 2_100_000
    assert row["last_10pct_households"] == pytest.approx(2)
    assert row["last_10pct_cost_nok"] == pytest.approx(200_000 + 190_000)
    assert row["last_10pct_cost_per_household_nok"] == pytest.approx(195_000)
    assert row["last_5pct_cost_nok"] == pytest.approx(200_000)  # 1 household
    # 1 % of 20 = 0.2 households, all from the costliest address
    assert row["last_1pct_cost_nok"] == pytest.approx(0.2 * 200_000)
    assert row["last_1pct_cost_per_household_nok"] == pytest.approx(200_000)


def test_last_share_takes_part_of_an_address_that_straddles_the_boundary() -> None:
    results = _results(
        [(1, "4204", 5, 0, 0, 50_000, "fiber", 1), (2, "4204", 5, 10, 0, 150_000, "fiber", 1)]
    )
    row = last_share_costs(cost_curve(results), shares=(0.1, 0.6)).iloc[0]
    assert row["last_10pct_cost_nok"] == pytest.approx(30_000)  # 1 of 5 households at 30k
    # 6 households: all 5 at 30k and 1 of 5 at 10k
    assert row["last_60pct_cost_nok"] == pytest.approx(160_000)
    assert row["last_60pct_cost_per_household_nok"] == pytest.approx(160_000 / 6)


def test_last_share_outside_zero_to_one_is_refused() -> None:
    with pytest.raises(ConfigError, match="not in"):
        last_share_costs(cost_curve(FOUR), shares=(10,))


@pytest.mark.parametrize(
    ("viable_nok_per_household", "need_nok"),
    [(0, 1_350_000), (100_000, 1_350_000 - 8 * 100_000), (200_000, 0)],
)
def test_subsidy_need_is_cost_less_commercial_contribution_never_negative(
    viable_nok_per_household: float, need_nok: float
) -> None:
    area = project_areas(FOUR, viable_nok_per_household).iloc[0]
    assert area["cost_nok"] == 1_350_000 and area["households"] == 8
    assert area["subsidy_need_nok"] == pytest.approx(need_nok)
    assert area["subsidy_need_per_household_nok"] == pytest.approx(need_nok / 8)


def test_areas_are_per_kommune_and_cluster_with_the_majority_technology() -> None:
    results = _results(
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
    assert areas.index.tolist() == ["0301-0007", "4204-0007"]
    assert areas.loc["4204-0007", "technology"] == "fiber"
    assert areas.loc["0301-0007", "technology"] == "fwa"
    assert areas.loc["4204-0007", "addresses"] == 3
    assert areas.loc["0301-0007", "cost_per_household_nok"] == pytest.approx(330_000 / 4)
    assert areas.crs.to_epsg() == 25833


def test_technology_tie_goes_to_fiber() -> None:
    results = _results(
        [(1, "4204", 1, 0, 0, 100_000, "fwa", 1), (2, "4204", 1, 9, 0, 100_000, "fiber", 1)]
    )
    assert project_areas(results, 0)["technology"].tolist() == ["fiber"]


def test_costed_address_without_a_cluster_is_refused() -> None:
    results = FOUR.copy()
    results.loc[0, "cluster_id"] = -1
    with pytest.raises(InputError, match="1 costed addresses have no cluster_id"):
        project_areas(results, 0)


def test_negative_commercial_contribution_is_refused() -> None:
    with pytest.raises(ConfigError, match="expected a number ≥ 0"):
        project_areas(FOUR, -1)


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
    rows: list[ResultRow] = []
    for cluster_id, members in enumerate(layout):
        for x_m, y_m, households, cost_nok in members:
            kommunenummer = "4204" if cluster_id % 2 else "4205"
            rows.append(
                (len(rows) + 1, kommunenummer, households, x_m, y_m, cost_nok, "fiber", cluster_id)
            )
    rows.append((len(rows) + 1, "4204", 2, 0.0, 0.0, np.nan, None, -1))  # not costed
    return _results(rows)


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
    results = _results(
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
        "area_4204-0001.csv",
        "areas.geojson",
        "areas.gpkg",
    ]
    layer = gpd.read_file(out / "areas.gpkg", layer=AREAS_LAYER)
    assert layer["area_id"].tolist() == ["4204-0001"] and layer.crs.to_epsg() == 25833
    geojson = gpd.read_file(out / "areas.geojson")
    assert geojson.crs.to_epsg() == 4326
    centre = geojson.geometry.iloc[0].centroid  # UTM 33 (15° E) x 440 km, y 6460 km
    assert 13.5 < centre.x < 14.5 and 58 < centre.y < 58.5
    with (out / "area_4204-0001.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [row["address_text"] for row in rows] == ['Storgata 1, "Gården"', "Bakken 2"]
    assert list(rows[0]) == ["address_id", "address_text", "households", "x_m", "y_m", "cost_nok"]
    assert not (out / "area_4204-9999.csv").exists()


def test_cost_curve_plot_is_a_png(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    path = plot_cost_curve(cost_curve(FOUR), tmp_path / "kurve.png", "Kostnadskurve")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_one_reused_figure_draws_each_kommune_curve_at_480_by_300(tmp_path: Path) -> None:
    from PIL import Image

    image = CostCurveImage()
    two = cost_curve(
        pd.concat([FOUR, FOUR.assign(kommunenummer="4205", cost_nok=FOUR["cost_nok"] * 40)])
    )
    pngs = [image.png(rows, f"Kostnadskurve, {knr}") for knr, rows in two.groupby("kommunenummer")]
    long_name = image.png(two.head(1), "Kostnadskurve, Storfjord - Omasvuotna - Omasvuono $x$")
    for png in [*pngs, long_name]:
        assert png[:8] == b"\x89PNG\r\n\x1a\n"
        with Image.open(io.BytesIO(png)) as decoded:
            assert decoded.size == (CostCurveImage.WIDTH_PX, CostCurveImage.HEIGHT_PX)
    assert pngs[0] != pngs[1]  # the reused figure really redraws (other limits, other title)
    assert image.png(two[two["kommunenummer"] == "4204"], "Kostnadskurve, 4204") == pngs[0]
    with pytest.raises(InputError, match="no costed households"):
        image.png(two.iloc[0:0], "tom")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0.0, "0"),
        (-0.0, "0"),
        (2.5, "2,5"),
        (0.004, "0,004"),
        (1200.0, "1 200"),
        (12_000, "12 000"),
        (0.1 + 0.2, "0,3"),
        (1e-17, "0"),
    ],
)
def test_axis_ticks_are_norwegian_numbers(value: float, expected: str) -> None:
    assert format_tick_nb(value) == expected


# --- the command, end to end on a tiny store ---------------------------------------------------


def _write_store(
    tmp_path: Path, with_clusters: bool = True, viable_nok_per_household: float | None = None
) -> Path:
    """A config and a store with one succeeded run holding :data:`FOUR` plus one more area
    (the config sets ``commercially_viable_nok_per_household`` when given)."""
    store_path = tmp_path / "out" / "gapmap.duckdb"
    config = tmp_path / "gapmap.toml"
    cost = (
        ""
        if viable_nok_per_household is None
        else f"[cost]\ncommercially_viable_nok_per_household = {viable_nok_per_household}\n"
    )
    config.write_text(
        '[inputs]\nkommuner = "k.geojson"\naddresses = "a.csv"\noffers = "o.csv"\n'
        f'[run]\noutput_dir = "{(tmp_path / "out").as_posix()}"\n{cost}'
    )
    results = pd.concat(
        [FOUR, _results([(6, "0301", 2, 5000, 0, 600_000, "fiber", 1)])], ignore_index=True
    )
    addresses = results[["address_id", "kommunenummer", "households", "x_m", "y_m"]].assign(
        address_text=[f"Vegen {i}, Bygd" for i in results["address_id"]]
    )
    with open_store(store_path) as connection:
        columns = {
            name
            for (name,) in connection.execute(
                "SELECT column_name FROM information_schema.columns"
                " WHERE table_name = 'address_results'"
            ).fetchall()
        }
        if with_clusters and "cluster_id" not in columns:
            connection.execute("ALTER TABLE address_results ADD COLUMN cluster_id BIGINT")
        if not with_clusters and "cluster_id" in columns:
            connection.execute("ALTER TABLE address_results DROP COLUMN cluster_id")
        stored = results[
            ["address_id", "kommunenummer", "households", "cost_nok", "cost_option"]
            + (["cluster_id"] if with_clusters else [])
        ]
        begin_run(connection, "r1", "abc", {}, {}, "test")
        append(connection, "addresses", "r1", addresses)
        append(connection, "address_results", "r1", stored)
        finish_run(connection, "r1", "succeeded", None)
    return config


def test_areas_command_writes_the_application_and_prints_the_selection(tmp_path: Path) -> None:
    config = _write_store(tmp_path)
    out = tmp_path / "søknad"
    # need per household with the default 30k viable: 4204-0001 (1.35M − 240k)/8 ≈ 139k,
    # 0301-0001 (600k − 60k)/2 = 270k; a budget of 1.5M takes the first (1.11M), not both
    result = runner.invoke(
        app,
        ["areas", "--config", str(config), "--budget", "1500000", "--out", str(out)],
    )
    assert result.exit_code == 0, result.output
    assert "4204-0001" in result.output and "0301-0001" not in result.output
    assert "Selected 1 of 2 areas" in result.output
    assert (out / "area_4204-0001.csv").exists() and not (out / "area_0301-0001.csv").exists()
    listed = pd.read_csv(out / "area_4204-0001.csv")
    assert listed["address_id"].tolist() == [1, 2, 3, 4]
    assert listed["address_text"].iloc[0] == "Vegen 1, Bygd"
    assert "commercially_viable_nok_per_household" in " ".join(result.output.split())


def test_areas_command_takes_the_viable_investment_from_the_config(tmp_path: Path) -> None:
    # at 200k per household 4204-0001 (8 households, 1.35M) needs nothing: commercially viable;
    # 0301-0001 (2 households, 600k) needs 200k and is the one selected
    config = _write_store(tmp_path, viable_nok_per_household=200_000.0)
    command = ["areas", "-c", str(config), "--budget", "1500000", "--out", str(tmp_path / "a")]
    result = runner.invoke(app, command)
    assert result.exit_code == 0, result.output
    output = " ".join(result.output.split())
    assert "Selected 1 of 1 areas" in output and "1 areas commercially viable" in output
    assert (tmp_path / "a" / "area_0301-0001.csv").exists()
    assert "NOK 200 000" in output
    # the option overrides the config: at 20k both need subsidy and 4204-0001 is selected
    overridden = [*command[:-1], str(tmp_path / "b"), "--viable-nok-per-household", "20000"]
    result = runner.invoke(app, overridden)
    assert result.exit_code == 0, result.output
    assert "Selected 1 of 2 areas" in " ".join(result.output.split())
    assert (tmp_path / "b" / "area_4204-0001.csv").exists()
    assert "(--viable-nok-per-household)" in " ".join(result.output.split())


def test_areas_command_limits_to_the_given_kommuner(tmp_path: Path) -> None:
    config = _write_store(tmp_path)
    out = tmp_path / "oslo"
    result = runner.invoke(
        app,
        ["areas", "-c", str(config), "--budget", "1e9", "--kommune", "0301", "--out", str(out)],
    )
    assert result.exit_code == 0, result.output
    assert sorted(path.name for path in out.glob("area_*.csv")) == ["area_0301-0001.csv"]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--kommune", "9999"], "--kommune: ['9999'] not in run r1"),
        (["--viable-nok-per-household", "-1"], "expected a number ≥ 0"),
    ],
)
def test_areas_command_bad_options_are_one_line_and_exit_code_2(
    tmp_path: Path, arguments: list[str], message: str
) -> None:
    config = _write_store(tmp_path)
    command = ["areas", "-c", str(config), "--budget", "1", "--out", str(tmp_path / "x")]
    result = runner.invoke(app, [*command, *arguments])
    assert result.exit_code == 2
    assert message in " ".join(result.output.split()) and "Traceback" not in result.output


def test_areas_command_on_a_store_without_clusters_says_so(tmp_path: Path) -> None:
    config = _write_store(tmp_path, with_clusters=False)
    result = runner.invoke(
        app, ["areas", "-c", str(config), "--budget", "1", "--out", str(tmp_path / "x")]
    )
    assert result.exit_code == 2
    assert "has no cluster_id column" in " ".join(result.output.split())


def test_areas_command_without_a_store_exits_2(tmp_path: Path) -> None:
    config = tmp_path / "gapmap.toml"
    config.write_text(
        '[inputs]\nkommuner = "k"\naddresses = "a"\noffers = "o"\n'
        f'[run]\noutput_dir = "{(tmp_path / "none").as_posix()}"\n'
    )
    result = runner.invoke(
        app, ["areas", "-c", str(config), "--budget", "1", "--out", str(tmp_path / "x")]
    )
    assert result.exit_code == 2 and "store not found" in " ".join(result.output.split())


def test_store_rows_without_a_cluster_are_refused(tmp_path: Path) -> None:
    config = _write_store(tmp_path)
    with duckdb.connect(str(tmp_path / "out" / "gapmap.duckdb")) as connection:
        connection.execute("UPDATE address_results SET cluster_id = NULL WHERE address_id = 6")
    result = runner.invoke(
        app, ["areas", "-c", str(config), "--budget", "1", "--out", str(tmp_path / "x")]
    )
    assert result.exit_code == 2
    assert "costed addresses have no cluster_id" in " ".join(result.output.split())
