"""pipeline/planning/areas.py with eligibility: ``gapmap areas`` (read_costed_addresses) takes
the addresses eligible for support only; a run made before the eligibility stage (NULL) counts
them all."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.planning.areas import project_areas, read_costed_addresses
from pipeline.store import append, begin_run, finish_run, open_store
from tests.fixtures import FOUR_COSTED, MINIMAL_INPUTS_TOML

runner = CliRunner()


def _store(tmp_path: Path, eligible: list[bool | None]) -> tuple[Path, Path]:
    """A config and a store with one succeeded run of :data:`FOUR_COSTED` and ``eligible``
    per address."""
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
    _, store_path = _store(tmp_path, [True, True, True, False, True])
    run_id, costed = read_costed_addresses(store_path, [])
    assert run_id == "r1" and costed["address_id"].tolist() == [1, 2, 3]
    area = project_areas(costed, 30_000.0).iloc[0]
    # 300k + 200k + 50k − (1 + 2 + 1) × 30k = 430,000 (all four: 1.35M − 240k = 1.11M)
    assert (area["households"], area["cost_nok"]) == (4, 550_000)
    assert area["subsidy_need_nok"] == pytest.approx(430_000)


def test_the_application_files_leave_the_ineligible_out(tmp_path: Path) -> None:
    config, _ = _store(tmp_path, [True, True, True, False, True])
    out = tmp_path / "søknad"
    result = runner.invoke(
        app, ["areas", "--config", str(config), "--budget", "1000000", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    listed = pd.read_csv(out / "area_4204-0001.csv")
    assert listed["address_id"].tolist() == [1, 2, 3]
    assert "(4 of 4 households)" in " ".join(result.output.split())


def test_a_run_without_eligibility_counts_every_costed_address(tmp_path: Path) -> None:
    _, store_path = _store(tmp_path, [None] * 5)
    _, costed = read_costed_addresses(store_path, [])
    assert costed["address_id"].tolist() == [1, 2, 3, 4]
