"""pipeline/synthetic/national/command.py: ``gapmap build-national`` as a user runs it; a missing
source or a bad option is one line naming what is wrong and exit code 2.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from layers.addresses import read_addresses
from layers.kommuner import read_kommuner
from pipeline.cli import app
from pipeline.config import load_config
from pipeline.synthetic.national.sources import find_sources
from tests.fixtures import sha256_hex

runner = CliRunner()


@pytest.mark.realdata
def test_command_builds_a_limited_set_that_runs(realdata: Path, tmp_path: Path) -> None:
    """``gapmap build-national OUT --sources ../shared/realdata --limit-kommuner 1144,1151``
    writes the set's files and a config naming them; its report names what was built."""
    out = tmp_path / "set"
    args = ["build-national", str(out), "--sources", str(realdata), "--limit-kommuner", "1144,1151"]

    result = runner.invoke(app, args)

    assert result.exit_code == 0, result.output
    assert "building into" in result.output and "  read inputs" in result.output
    assert f"-> {out / 'gapmap.toml'}" in result.output
    config = load_config(out / "gapmap.toml")
    assert config.run.name == "national-limited" and config.inputs.roads is None
    addresses = read_addresses(config.inputs.addresses)
    assert len(addresses.quarantine) == 0
    assert set(addresses.accepted["kommunenummer"]) == {"1144", "1151"}
    assert set(read_kommuner(config.inputs.kommuner).accepted["kommunenummer"]) == {"1144", "1151"}
    for path in (config.inputs.offers, config.inputs.sites, config.inputs.fibre, config.inputs.dtm):
        assert path is not None and path.is_file() and path.parent == out


@pytest.mark.realdata
def test_command_takes_each_source_by_its_own_option(realdata: Path, tmp_path: Path) -> None:
    """The three sources given one by one, without --sources, build the same address file."""
    found = find_sources(realdata)
    each = [
        *("--population-grid", str(found.population_grid)),
        *("--kommuner", str(found.kommuner)),
        *("--fylker", str(found.fylker)),
    ]
    limit = ["--limit-kommuner", "1151"]

    by_folder = runner.invoke(
        app, ["build-national", str(tmp_path / "a"), "--sources", str(realdata), *limit]
    )
    one_by_one = runner.invoke(app, ["build-national", str(tmp_path / "b"), *each, *limit])

    assert by_folder.exit_code == one_by_one.exit_code == 0, one_by_one.output
    zip_name = "Basisdata_0000_Norge_25833_MatrikkelenAdresse_CSV.zip"
    first, second = (tmp_path / folder / zip_name for folder in ("a", "b"))
    assert sha256_hex(first.read_bytes()) == sha256_hex(second.read_bytes())


def test_a_missing_source_is_one_line_naming_the_file_and_exit_code_2(tmp_path: Path) -> None:
    """An empty --sources folder: one error line naming each file and where to get it."""
    result = runner.invoke(
        app, ["build-national", str(tmp_path / "out"), "--sources", str(tmp_path)]
    )

    assert result.exit_code == 2
    assert result.output.startswith("error: ru250m_2015.csv not found in")
    assert result.output.count("\n") == 1 and "Traceback" not in result.output
    for expected in (
        "ru250m_2015.csv",
        "https://www.ssb.no/",
        "Kommuner-M.geojson",
        "Basisdata_0000_Norge_25833_Fylker_GeoJSON.zip",
        "https://kartkatalog.geonorge.no",
    ):
        assert expected in result.output
    assert not (tmp_path / "out").exists()


def test_a_missing_source_file_option_is_named_with_where_to_get_it(tmp_path: Path) -> None:
    """A --population-grid that does not exist is named, with SSB's address; so is the absent
    folder for the sources not given."""
    grid = tmp_path / "ru250m_2015.csv"
    result = runner.invoke(
        app, ["build-national", str(tmp_path / "out"), "--population-grid", str(grid)]
    )

    assert result.exit_code == 2 and result.output.count("\n") == 1
    assert result.output.startswith(f"error: {grid} (--population-grid) not found: expected SSB")
    assert "no --kommuner and no --sources folder" in result.output


def test_a_bad_option_is_one_line_and_exit_code_2(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    for name in (
        "ru250m_2015.csv",
        "Kommuner-M.geojson",
        "Basisdata_0000_Norge_25833_Fylker_GeoJSON.zip",
    ):
        (tmp_path / "src" / name).write_text("", encoding="utf-8")
    base = ["build-national", str(tmp_path / "out"), "--sources", str(tmp_path / "src")]
    for option, value, expected in (
        ("--cell-m", "5", "error: --cell-m: got 5.0; expected 10–1000 m"),
        ("--households-per-person", "2", "error: --households-per-person: got 2.0; expected"),
        ("--limit-kommuner", "03x1", "error: --limit-kommuner: got ['03x1']; expected"),
    ):
        result = runner.invoke(app, [*base, option, value])
        assert result.exit_code == 2, result.output
        assert result.output.startswith(expected) and result.output.count("\n") == 1
