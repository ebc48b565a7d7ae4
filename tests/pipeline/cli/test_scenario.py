"""pipeline/cli/scenario.py: ``gapmap scenario list | run | show`` as a user types them (the
answers on a real run are tests/e2e/test_run_scenarios.py's)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.cli import app

runner = CliRunner()
BASE = (
    '[run]\noutput_dir = "out"\n[inputs]\nkommuner = "k.geojson"\naddresses = "a.csv"\n'
    'offers = "o.csv"\n'
)
SCENARIO = '[scenarios.kobber_av]\nlabel_nb = "Kobbernettet slått av"\ncopper_off = true\n'


def _config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "gapmap.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "command", [["scenario"], ["scenario", "list"], ["scenario", "run"], ["scenario", "show"]]
)
def test_every_command_has_help(command: list[str]) -> None:
    result = runner.invoke(app, [*command, "--help"])
    assert result.exit_code == 0 and "Usage" in result.output


def test_list_shows_what_each_scenario_changes(tmp_path: Path) -> None:
    result = runner.invoke(app, ["scenario", "list", "-c", str(_config(tmp_path, BASE + SCENARIO))])
    assert result.exit_code == 0
    assert "kobber_av" in result.output and "copper_off = True" in result.output


def test_list_without_scenarios_says_so(tmp_path: Path) -> None:
    result = runner.invoke(app, ["scenario", "list", "-c", str(_config(tmp_path, BASE))])
    assert result.exit_code == 0 and "no [scenarios.<name>] tables" in result.output


@pytest.mark.parametrize(
    ("text", "args", "message"),
    [
        (BASE, ["run"], "no [scenarios.<name>] tables"),
        (BASE + SCENARIO, ["run", "--name", "mobil"], "--name: got ['mobil']"),
        (BASE + SCENARIO, ["run"], "no store yet"),
        (BASE + SCENARIO, ["show"], "no store yet"),
    ],
)
def test_a_mistake_is_one_line_and_exit_2(
    tmp_path: Path, text: str, args: list[str], message: str
) -> None:
    result = runner.invoke(app, ["scenario", *args, "-c", str(_config(tmp_path, text))])
    assert result.exit_code == 2, result.output
    assert message in " ".join(result.output.split())
