"""scripts/benchmark_stages.py runs the pipeline's own driver end to end and its figures reconcile.

The script is run as a subprocess (as a user runs it) on 3,000 synthetic addresses in the real
357 kommune polygons of ``../shared/realdata`` (in the demo region's five when that is absent);
the figures it writes with ``--json`` are checked.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from pipeline.config import DEFAULT_TARGETS
from pipeline.synthetic.region import DemoRegion
from tests.fixtures import REALDATA, REPO_ROOT

SCRIPT = REPO_ROOT / "scripts" / "benchmark_stages.py"
ADDRESSES = 3_000
# the stages of pipeline.run, in run order: the benchmark times the driver itself
PIPELINE_STAGES = (
    "ingest",
    "locate",
    "premises",
    "terrain",
    "wireless",
    "coverage",
    "classify",
    "eligibility",
    "cost",
    "reasons",
    "store",
    "aggregate",
    "changes",
    "publish",
)


@pytest.fixture(scope="module")
def report(demo_region: DemoRegion, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    real = REALDATA / "kommuner-robhop" / "Kommuner-M.geojson"
    kommuner = real if real.is_file() else demo_region.kommuner
    folder = tmp_path_factory.mktemp("benchmark")
    out = folder / "out.json"
    command = [
        sys.executable,
        str(SCRIPT),
        "--addresses",
        str(ADDRESSES),
        "--kommuner",
        str(kommuner),
        "--json",
        str(out),
        "--work-dir",
        str(folder),
    ]
    # 3,000 addresses over the real 357 kommuner: publishing ~320 kommune maps and their A4
    # briefs (HTML + PDF) takes about 4 minutes on 2 idle cores (issue 16 parallelises it)
    done = subprocess.run(
        command, cwd=REPO_ROOT, capture_output=True, text=True, timeout=600, check=False
    )
    assert done.returncode == 0, f"exit {done.returncode}\n{done.stdout}\n{done.stderr}"
    result: dict[str, Any] = json.loads(out.read_text())
    return result


def test_every_stage_is_timed_with_its_peak_memory(report: dict[str, Any]) -> None:
    stages = report["stages"]
    names = [s["stage"] for s in stages]
    timed = [n for n in names if not n.startswith("synthetic")]
    assert tuple(timed) == PIPELINE_STAGES
    for stage in stages:
        assert stage["seconds"] >= 0, stage
        assert stage["peak_rss_mb"] > 0, stage
    assert report["process_peak_rss_mb"] == max(s["peak_rss_mb"] for s in stages)


def test_every_address_is_located_or_quarantined_and_stored(report: dict[str, Any]) -> None:
    figures = report["counts"]["reconcile"]
    assert figures["addresses_input"] == ADDRESSES
    assert figures["addresses_located"] + figures["addresses_quarantined"] == ADDRESSES
    assert figures["addresses_stored"] == figures["addresses_located"]
    ingest = next(s for s in report["stages"] if s["stage"] == "ingest")
    assert ingest["detail"]["addresses"] == f"{ADDRESSES:,}"


def test_gap_table_households_reconcile_with_the_addresses(report: dict[str, Any]) -> None:
    figures = report["counts"]["reconcile"]
    households = figures["households_located"]
    assert households > 0
    assert figures["households_stored"] == households
    assert figures["gap_households_total"] == households
    assert figures["gap_households_kommune_sum"] == households
    assert figures["gap_households_by_class_sum"] == {t.name: households for t in DEFAULT_TARGETS}
    assert figures["gap_kommune_rows"] == figures["kommuner_with_addresses"]


def test_stored_cost_equals_the_cost_stage_total(report: dict[str, Any]) -> None:
    figures = report["counts"]["reconcile"]
    cost_nok = figures["cost_nok_cost_stage"]
    assert cost_nok > 0
    for key in ("cost_nok_stored", "cost_nok_gap_total", "cost_nok_gap_kommune_sum"):
        assert figures[key] == pytest.approx(cost_nok, rel=1e-9), key


def test_the_run_is_published_with_a_map_per_kommune(report: dict[str, Any]) -> None:
    figures = report["counts"]["reconcile"]
    assert report["counts"]["published_mb"] > 0
    assert figures["gap_kommune_rows"] == figures["kommuner_with_addresses"] > 0
    assert report["counts"]["kommune_maps"] == figures["kommuner_with_addresses"]


def test_a_missing_kommune_file_is_one_clear_line(tmp_path: Path) -> None:
    missing = tmp_path / "kommuner.geojson"
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--kommuner", str(missing), "--addresses", "10"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1
    assert f"--kommuner {missing}: no such file" in done.stderr
    assert "Traceback" not in done.stderr
