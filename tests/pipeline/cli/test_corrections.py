"""pipeline/cli/corrections.py: ``gapmap corrections add | list | withdraw`` as typed."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.cli import app

runner = CliRunner()
HEADER = "adresseId;korreksjon;tilbyder;innsender;dato;begrunnelse"


@pytest.fixture
def config(tmp_path: Path) -> Path:
    """A config whose output folder (and so its register) is under ``tmp_path``."""
    path = tmp_path / "gapmap.toml"
    path.write_text(
        '[run]\noutput_dir = "out"\n[inputs]\nkommuner = "k.geojson"\naddresses = "a.csv"\n'
        'offers = "o.csv"\n',
        encoding="utf-8",
    )
    return path


def _csv(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "rettinger.csv"
    path.write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "command",
    [["corrections"], ["corrections", "add"], ["corrections", "list"], ["corrections", "withdraw"]],
)
def test_every_command_has_help(command: list[str]) -> None:
    result = runner.invoke(app, [*command, "--help"])
    assert result.exit_code == 0 and "Usage" in result.output


def test_add_list_and_withdraw(config: Path, tmp_path: Path) -> None:
    path = _csv(
        tmp_path,
        "101;ingen dekning;Fjordnett;Ola Nordmann;2026-11-01;Befaring",
        "102;tull;;Kari;2026-11-02;x",
    )
    added = runner.invoke(app, ["corrections", "add", str(path), "-c", str(config), "--by", "kari"])
    assert added.exit_code == 0, added.output
    text = " ".join(added.output.split())
    assert "recorded 1 corrections (1–1) as batch 1" in text
    assert "row 3: korreksjon: got tull" in text
    assert (tmp_path / "out" / "corrections.duckdb").is_file()
    listed = runner.invoke(app, ["corrections", "list", "-c", str(config)])
    assert listed.exit_code == 0 and "Ola Nordmann" in listed.output and "i kraft" in listed.output
    gone = runner.invoke(
        app, ["corrections", "withdraw", "1", "-c", str(config), "--reason", "feil"]
    )
    assert gone.exit_code == 0 and "withdrew corrections 1" in gone.output
    assert (
        "Ola Nordmann" not in runner.invoke(app, ["corrections", "list", "-c", str(config)]).output
    )
    every = runner.invoke(app, ["corrections", "list", "-c", str(config), "--withdrawn"])
    assert "trukket" in every.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["withdraw", "1", "--reason", "x"], "no corrections register yet"),
        (["add", "missing.csv"], "corrections file not found"),
    ],
)
def test_a_mistake_is_one_line_and_exit_2(config: Path, args: list[str], message: str) -> None:
    result = runner.invoke(app, ["corrections", *args, "-c", str(config)])
    assert result.exit_code == 2
    assert message in " ".join(result.output.split())
    assert "Traceback" not in result.output


def test_list_without_a_register_says_so(config: Path) -> None:
    result = runner.invoke(app, ["corrections", "list", "-c", str(config)])
    assert result.exit_code == 0 and "no corrections yet" in result.output
