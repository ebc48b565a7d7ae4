"""pipeline/cli/runs.py: ``gapmap run``, ``demo`` and ``runs`` as a user runs them."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.cli import app

runner = CliRunner()


@pytest.mark.parametrize("command", [[], ["run"], ["demo"], ["runs"]])
def test_every_command_has_help(command: list[str]) -> None:
    result = runner.invoke(app, [*command, "--help"])
    assert result.exit_code == 0 and "Usage" in result.output


def test_run_prints_stages_summary_and_paths(tiny_region: Path) -> None:
    config = tiny_region
    result = runner.invoke(app, ["run", "--config", str(config)])
    assert result.exit_code == 0, result.output
    for stage in (
        "ingest",
        "locate",
        "terrain",
        "coverage",
        "classify",
        "cost",
        "aggregate",
        "publish",
    ):
        assert f"✓ {stage}" in result.output
    assert "Vestvik" in result.output and "Totalt" in result.output
    assert "index.html" in result.output
    listed = runner.invoke(app, ["runs", "--config", str(config)])
    assert "succeeded" in listed.output
