"""pipeline/cli/brief.py: ``gapmap brief --kommune`` on a config whose ``current`` is the
hand-made publication: exit 0 with HTML and PDF; exit 2 in one line for an unknown kommune,
no publication, or no Chromium (the HTML written first)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.products.brief_pdf import find_chromium
from tests.pipeline.products.brief_publication import write_publication

runner = CliRunner()
CONFIG = """[run]
output_dir = "out"
[inputs]
kommuner = "k.geojson"
addresses = "a.csv"
offers = "o.csv"
"""


@pytest.fixture
def config(tmp_path: Path) -> Path:
    """A config whose ``out/current`` points at the hand-made publication."""
    path = tmp_path / "gapmap.toml"
    path.write_text(CONFIG, encoding="utf-8")
    run = write_publication(tmp_path / "out" / "runs" / "r-nov")
    (tmp_path / "out" / "current").symlink_to(run.relative_to(tmp_path / "out"))
    return path


def _error_line(output: str) -> str:
    lines = [line for line in output.splitlines() if line.strip()]
    assert lines[-1].startswith("error: ") and "Traceback" not in output, output
    return lines[-1]


def test_brief_help() -> None:
    result = runner.invoke(app, ["brief", "--help"])
    assert result.exit_code == 0 and "--kommune" in result.output


def test_an_unknown_kommune_exits_2_naming_it_and_where_to_look(
    config: Path, tmp_path: Path
) -> None:
    result = runner.invoke(app, ["brief", "-k", "3420", "-c", str(config), "--out", str(tmp_path)])
    assert result.exit_code == 2
    line = _error_line(result.output)
    assert "kommune '3420' is not in" in line and "9801, 9901, 9902" in line
    assert "kommunenummer column" in line
    assert not (tmp_path / "3420.html").exists()


def test_without_a_publication_exits_2(tmp_path: Path) -> None:
    config = tmp_path / "gapmap.toml"
    config.write_text(CONFIG, encoding="utf-8")
    result = runner.invoke(app, ["brief", "-k", "9901", "-c", str(config)])
    assert result.exit_code == 2
    assert "no published run" in _error_line(result.output)


def test_without_chromium_the_html_is_written_and_it_exits_2_saying_how_to_install(
    config: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GAPMAP_CHROMIUM", str(tmp_path / "no-chromium"))
    out = tmp_path / "briefs"
    result = runner.invoke(app, ["brief", "-k", "9901", "-c", str(config), "--out", str(out)])
    assert result.exit_code == 2
    assert "apt-get install chromium" in _error_line(result.output)
    assert (out / "9901.html").is_file() and not (out / "9901.pdf").exists()


@pytest.mark.browser
def test_brief_writes_html_and_pdf_and_exits_0(config: Path, tmp_path: Path) -> None:
    if find_chromium() is None or shutil.which("pdfinfo") is None:
        pytest.skip("chromium or poppler-utils not installed")
    out = tmp_path / "briefs"
    result = runner.invoke(app, ["brief", "-k", "9901", "-c", str(config), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert (out / "9901.html").is_file()
    assert (out / "9901.pdf").read_bytes()[:5] == b"%PDF-"
