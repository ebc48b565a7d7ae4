"""pipeline/cli/common.py: an error a user can fix is one line and exit code 2, no traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from pipeline.cli import app
from tests.fixtures import MINIMAL_INPUTS_TOML

runner = CliRunner()


def test_bad_config_is_one_line_and_exit_code_2(tmp_path: Path) -> None:
    config = tmp_path / "bad.toml"
    config.write_text(MINIMAL_INPUTS_TOML + "[cost]\nroute_factr = 1.2\n")
    result = runner.invoke(app, ["run", "--config", str(config)])
    assert result.exit_code == 2
    assert "unknown key 'route_factr'" in result.output and "Traceback" not in result.output


def test_the_console_command_reports_an_unexpected_error_as_a_bug_in_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import pipeline.cli as cli

    def broken() -> None:
        raise RuntimeError("unexpected")

    monkeypatch.setattr(cli, "app", broken)
    with pytest.raises(SystemExit) as exited:
        cli.main()
    assert exited.value.code == 70
    output = capsys.readouterr().err
    assert "error: gapmap: internal error RuntimeError: unexpected" in output
    assert "Traceback" not in output


def test_a_message_over_several_lines_is_printed_on_one(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from layers.errors import InternalError
    from pipeline.cli.common import fail

    with pytest.raises(typer.Exit) as exited:
        fail(InternalError("run r1: internal error GEOSException: bad\n (a bug in gapmap)"))
    assert exited.value.exit_code == 70
    assert capsys.readouterr().err.strip().splitlines() == [
        "error: run r1: internal error GEOSException: bad (a bug in gapmap)"
    ]
