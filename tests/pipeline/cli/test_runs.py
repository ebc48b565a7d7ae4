"""The console command and the cron wrapper, run as a user would run them."""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from tests.fixtures import REPO_ROOT

GAPMAP = Path(sys.executable).parent / "gapmap"
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


def test_bad_config_is_one_line_and_exit_code_2(tmp_path: Path) -> None:
    config = tmp_path / "bad.toml"
    config.write_text(
        '[inputs]\nkommuner = "k"\naddresses = "a"\noffers = "o"\n[cost]\nroute_factr = 1.2\n'
    )
    result = runner.invoke(app, ["run", "--config", str(config)])
    assert result.exit_code == 2
    assert "unknown key 'route_factr'" in result.output and "Traceback" not in result.output


@pytest.mark.skipif(shutil.which("flock") is None, reason="flock (util-linux) not installed")
def test_monthly_refresh_wrapper_publishes_refuses_overlap_and_keeps_output_on_failure(
    tmp_path: Path, tiny_region: Path
) -> None:
    if not GAPMAP.exists():
        pytest.skip(f"{GAPMAP} not installed (pip install -e .)")
    config = tiny_region
    env = {**os.environ, "GAPMAP": str(GAPMAP), "GAPMAP_LOCK": str(tmp_path / "lock")}
    script = REPO_ROOT / "scripts" / "monthly_refresh.sh"
    ok = subprocess.run(["bash", str(script), str(config)], env=env, capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    current = (config.parent / "out" / "current").resolve()
    assert (current / "index.html").is_file()

    with open(tmp_path / "lock", "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        busy = subprocess.run(
            ["bash", str(script), str(config)], env=env, capture_output=True, text=True
        )
    assert busy.returncode == 75 and "another run holds" in busy.stderr

    (config.parent / "adresser.csv").write_text("not;a;kartverket;file\n", encoding="utf-8")
    failed = subprocess.run(
        ["bash", str(script), str(config)], env=env, capture_output=True, text=True
    )
    assert failed.returncode == 2
    assert "missing columns" in failed.stdout
    assert (config.parent / "out" / "current").resolve() == current


def test_los_command_writes_one_row_per_address(tmp_path: Path) -> None:
    from pipeline.synthetic.region import build_demo_region

    region = build_demo_region(tmp_path / "demo")
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
    import pandas as pd

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
