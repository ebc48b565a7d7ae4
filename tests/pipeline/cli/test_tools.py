"""pipeline/cli/tools.py: the side commands (fetch, los, areas, sensitivity), run as a user
runs them."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.store import append, begin_run, finish_run, open_store
from pipeline.synthetic.region import DemoRegion
from tests.fake_geonorge import FakeGeonorge, kommuner_zip, serve_kommune
from tests.fixtures import FOUR_COSTED, MINIMAL_INPUTS_TOML, costed_results, sha256_hex

runner = CliRunner()


def _write_store(
    tmp_path: Path, with_clusters: bool = True, viable_nok_per_household: float | None = None
) -> Path:
    """A config and a store with one succeeded run holding :data:`FOUR_COSTED` plus one more area
    (the config sets ``commercially_viable_nok_per_household`` when given)."""
    store_path = tmp_path / "out" / "gapmap.duckdb"
    config = tmp_path / "gapmap.toml"
    cost = (
        ""
        if viable_nok_per_household is None
        else f"[cost]\ncommercially_viable_nok_per_household = {viable_nok_per_household}\n"
    )
    config.write_text(
        MINIMAL_INPUTS_TOML + f'[run]\noutput_dir = "{(tmp_path / "out").as_posix()}"\n{cost}'
    )
    results = pd.concat(
        [FOUR_COSTED, costed_results([(6, "0301", 2, 5000, 0, 600_000, "fiber", 1)])],
        ignore_index=True,
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
    # need per household with the default 30k viable: 4204-1 (1.35M − 240k)/8 ≈ 139k,
    # 0301-6 (600k − 60k)/2 = 270k; a budget of 1.5M takes the first (1.11M), not both
    result = runner.invoke(
        app,
        ["areas", "--config", str(config), "--budget", "1500000", "--out", str(out)],
    )
    assert result.exit_code == 0, result.output
    assert "4204-1" in result.output and "0301-6" not in result.output
    assert "Selected 1 of 2 areas" in result.output
    assert (out / "area_4204-1.csv").exists() and not (out / "area_0301-6.csv").exists()
    listed = pd.read_csv(out / "area_4204-1.csv")
    assert listed["address_id"].tolist() == [1, 2, 3, 4]
    assert listed["address_text"].iloc[0] == "Vegen 1, Bygd"
    assert "commercially_viable_nok_per_household" in " ".join(result.output.split())


def test_areas_command_takes_the_viable_investment_from_the_config(tmp_path: Path) -> None:
    # at 200k per household 4204-1 (8 households, 1.35M) needs nothing: commercially viable;
    # 0301-6 (2 households, 600k) needs 200k and is the one selected
    config = _write_store(tmp_path, viable_nok_per_household=200_000.0)
    command = ["areas", "-c", str(config), "--budget", "1500000", "--out", str(tmp_path / "a")]
    result = runner.invoke(app, command)
    assert result.exit_code == 0, result.output
    output = " ".join(result.output.split())
    assert "Selected 1 of 1 areas" in output and "1 areas commercially viable" in output
    assert (tmp_path / "a" / "area_0301-6.csv").exists()
    assert "NOK 200 000" in output
    # the option overrides the config: at 20k both need subsidy and 4204-1 is selected
    overridden = [*command[:-1], str(tmp_path / "b"), "--viable-nok-per-household", "20000"]
    result = runner.invoke(app, overridden)
    assert result.exit_code == 0, result.output
    assert "Selected 1 of 2 areas" in " ".join(result.output.split())
    assert (tmp_path / "b" / "area_4204-1.csv").exists()
    assert "(--viable-nok-per-household)" in " ".join(result.output.split())


def test_areas_command_limits_to_the_given_kommuner(tmp_path: Path) -> None:
    config = _write_store(tmp_path)
    out = tmp_path / "oslo"
    result = runner.invoke(
        app,
        ["areas", "-c", str(config), "--budget", "1e9", "--kommune", "0301", "--out", str(out)],
    )
    assert result.exit_code == 0, result.output
    assert sorted(path.name for path in out.glob("area_*.csv")) == ["area_0301-6.csv"]


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
        MINIMAL_INPUTS_TOML + f'[run]\noutput_dir = "{(tmp_path / "none").as_posix()}"\n'
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


def test_fetch_command_has_help() -> None:
    result = runner.invoke(app, ["fetch", "--help"])
    assert (
        result.exit_code == 0 and "--kommune" in result.output and "--names-from" in result.output
    )


def test_fetch_command_end_to_end(site: FakeGeonorge, tmp_path: Path) -> None:
    served = serve_kommune(site, tmp_path, "5001", "Trondheim")
    served |= serve_kommune(site, tmp_path, "4204", "Kristiansand")
    names = tmp_path / "names.zip"
    kommuner_zip(names, {"5001": "Trondheim - Tråante", "0301": "Oslo"})
    data = tmp_path / "data"
    args = ["fetch", "-k", "5001", "--kommune", "4204=Kristiansand", "--out", str(data)]
    args += ["--names-from", str(names), "--base-url", site.base_url, "--retries", "1"]
    args += ["--timeout", "5"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    for body in served.values():
        assert sha256_hex(body)[:12] in result.output
    assert "downloaded" in result.output and "manifest:" in result.output
    again = runner.invoke(app, args)
    assert again.exit_code == 0 and again.output.count("cached") >= 4
    assert len(site.requests) == 4


def test_fetch_command_404_is_one_line_and_exit_code_2(site: FakeGeonorge, tmp_path: Path) -> None:
    args = ["fetch", "--kommune", "9999=Nowhere", "--out", str(tmp_path / "data")]
    result = runner.invoke(app, [*args, "--base-url", site.base_url])
    assert result.exit_code == 2
    errors = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "HTTP 404" in errors[0] and "Basisdata_9999_Nowhere" in errors[0]
    assert "Traceback" not in result.output


def test_fetch_command_bad_kommune_is_one_line_and_exit_code_2(tmp_path: Path) -> None:
    result = runner.invoke(app, ["fetch", "--kommune", "Oslo", "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert result.output.startswith("error: --kommune 'Oslo'") and result.output.count("\n") == 1


def test_fetch_command_takes_the_kommuner_and_folder_from_a_config(
    site: FakeGeonorge, tmp_path: Path
) -> None:
    served = serve_kommune(site, tmp_path, "4204", "Kristiansand")
    config = tmp_path / "gapmap.toml"
    config.write_text(
        MINIMAL_INPUTS_TOML + f'[fetch]\nkommuner = ["4204=Kristiansand"]\nfolder = "geonorge"\n'
        f'base_url = "{site.base_url}"\n',
        encoding="utf-8",
    )
    result = runner.invoke(app, ["fetch", "--config", str(config)])
    assert result.exit_code == 0, result.output
    for path in served:
        assert (tmp_path / "geonorge" / path.rsplit("/", 1)[-1]).is_file()
    assert (tmp_path / "geonorge" / "fetch_manifest.json").is_file()
    # [fetch] max_age_days = 1 (the default): fetched again the same day, the copy serves
    assert "cached" in runner.invoke(app, ["fetch", "--config", str(config)]).output
    assert len(site.requests) == 2


def test_fetch_command_with_a_config_without_kommuner_fetches_nothing(tmp_path: Path) -> None:
    config = tmp_path / "gapmap.toml"
    config.write_text(MINIMAL_INPUTS_TOML, encoding="utf-8")
    result = runner.invoke(app, ["fetch", "--config", str(config)])
    assert result.exit_code == 0
    assert result.output == f"nothing to fetch: no [fetch] kommuner in {config}\n"


def test_los_command_writes_one_row_per_address(demo_region: DemoRegion, tmp_path: Path) -> None:
    region = demo_region
    out = tmp_path / "los.csv"
    result = runner.invoke(
        app,
        [
            "los",
            "--dem",
            str(region.dtm),
            "--sites",
            str(region.sites),
            "--addresses",
            str(region.addresses),
            "--out",
            str(out),
            "--technology",
            "fwa",
        ],
    )
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out)
    assert len(table) == region.n_addresses - 10  # the ten deliberately bad rows
    assert {"los_site_id", "has_los", "worst_clearance_ratio", "obstruction_x_m"} <= set(table)
    valley = table[table["x_m"].between(292000, 294000) & table["y_m"].between(7011000, 7020000)]
    assert len(valley) > 0 and not valley["has_los"].any()


def test_los_command_names_a_missing_file(tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        [
            "los",
            "--dem",
            "x.tif",
            "--sites",
            str(tmp_path / "none.csv"),
            "--addresses",
            "a.csv",
            "--out",
            str(tmp_path / "o.csv"),
        ],
    )
    assert result.exit_code == 2 and "none.csv: wireless sites file not found" in result.output


def test_sensitivity_command_prints_the_table(tiny_run, tmp_path: Path) -> None:
    config, _ = tiny_run
    out = tmp_path / "s.csv"
    result = CliRunner().invoke(
        app, ["sensitivity", "--config", str(config.source_path), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "[cost.fibre].trench_nok_per_m" in result.output and out.is_file()
