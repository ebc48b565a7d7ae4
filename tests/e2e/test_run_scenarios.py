"""Issue 14, point 1: ``[scenarios]`` computed beside the run, stored and published.

The demo's config gets five scenarios (copper off, plans delivered, mobile and satellite
counted, a target changed, a budget); one ``gapmap run`` must compute them from classify onward
on the inputs it read once, store them under the run, and publish the comparison (CSV, the
workbook's "Scenarier" sheet, the kommune brief). Hand cases from the run's own store: a
household whose only offers are copper becomes unserved with copper off; an address below the
target inside a planned area is served when the plans are delivered. A kommune preview must
give the kommune the national run's scenario figures.
"""

from __future__ import annotations

import csv
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from pipeline.classify import classify_stage
from pipeline.cli import app
from pipeline.config import load_config
from pipeline.coverage import coverage_stage
from pipeline.scenario_rerun import stored_inputs
from pipeline.scenarios import cost_inputs_of, run_scenario
from pipeline.synthetic.demo import prepare_demo
from tests.browser import OfflineBrowser, screenshot
from tests.maps.address_pages import READY, layer_state

runner = CliRunner()
SCENARIOS = """
[scenarios.kobber_av]
label_nb = "Kobbernettet slått av"
copper_off = true

[scenarios.planer_levert]
label_nb = "Planlagte utbygginger levert"
planned_delivered = true

[scenarios.mobil_teller]
label_nb = "Mobil og satellitt telles"
count_mobile = true
count_satellite = true

[scenarios.gigabit_2025]
label_nb = "1000/200 som mål for 2025"
target_speeds = { no2025 = [1000, 200] }

[scenarios.budsjett_50]
label_nb = "50 mill. kr"
budget_nok = 50_000_000
"""
LABELS = [
    "Kobbernettet slått av",
    "Planlagte utbygginger levert",
    "Mobil og satellitt telles",
    "1000/200 som mål for 2025",
    "50 mill. kr",
]
NAMES = ["base", "kobber_av", "planer_levert", "mobil_teller", "gigabit_2025", "budsjett_50"]
TARGETS = ["no2025", "gigabit2030", "eu_vhcn", "subsidy30"]


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def _query(store: Path, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(store), read_only=True) as connection:
        return connection.execute(sql, list(params)).fetchall()


@pytest.fixture(scope="module")
def scenario_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    base = tmp_path_factory.mktemp("scenarios")
    config = prepare_demo(base / "demo", 2025)
    config.write_text(config.read_text(encoding="utf-8") + SCENARIOS, encoding="utf-8")
    result = runner.invoke(app, ["run", "-c", str(config), "--allow-stale", "--progress", "off"])
    assert result.exit_code == 0, result.output
    store = base / "demo" / "gapmap.duckdb"
    run_id = str(_query(store, "SELECT max(run_id) FROM runs WHERE status = 'succeeded'")[0][0])
    preview = runner.invoke(app, ["run", "-c", str(config), "--kommune", "9901"])
    assert preview.exit_code == 0, preview.output
    return {
        "out": base / "demo",
        "store": store,
        "run_id": run_id,
        "folder": base / "demo" / "runs" / run_id,
        "printed": result.output,
    }


def test_the_scenarios_run_once_after_a_single_ingest(scenario_run: dict[str, Any]) -> None:
    stages = [
        s
        for (s,) in _query(
            scenario_run["store"],
            "SELECT stage FROM stage_timings WHERE run_id = ?",
            scenario_run["run_id"],
        )
    ]
    assert stages.count("ingest") == 1 and stages.count("scenarios") == 1
    assert "scenarios 5" in " ".join(scenario_run["printed"].split())


def test_a_copper_only_household_is_unserved_with_copper_off(
    scenario_run: dict[str, Any],
) -> None:
    store, run_id = scenario_run["store"], scenario_run["run_id"]
    copper_only = _query(
        store,
        """
        SELECT c.address_id, c.class FROM address_classes c
        JOIN addresses a USING (run_id, address_id)
        WHERE c.run_id = $1 AND c.target = 'subsidy30' AND c.class <> 'unserved'
          AND a.households > 0
          AND c.address_id IN (SELECT address_id FROM offers WHERE run_id = $1
                               GROUP BY address_id HAVING bool_and(technology = 'xdsl'))
        ORDER BY 1 LIMIT 3
        """,
        run_id,
    )
    assert copper_only, "the demo has no copper-only household: a weak test"
    for address_id, _ in copper_only:
        changed = _query(
            store,
            "SELECT class FROM scenario_classes WHERE run_id = ? AND scenario = 'kobber_av'"
            " AND address_id = ? AND target = 'subsidy30'",
            run_id,
            address_id,
        )
        assert changed == [("unserved",)]


def test_an_address_in_a_planned_area_is_served_when_the_plans_are_delivered(
    scenario_run: dict[str, Any],
) -> None:
    store, run_id = scenario_run["store"], scenario_run["run_id"]
    planned = _query(
        store,
        """
        SELECT r.address_id FROM address_results r
        JOIN address_classes c USING (run_id, address_id)
        WHERE r.run_id = ? AND r.area_status = 'planned' AND c.target = 'no2025'
          AND c.class <> 'served'
        ORDER BY 1
        """,
        run_id,
    )
    assert planned, "the demo has no address below the target in a planned area"
    served = _query(
        store,
        "SELECT address_id FROM scenario_classes WHERE run_id = ? AND scenario = 'planer_levert'"
        " AND target = 'no2025' AND class = 'served' ORDER BY 1",
        run_id,
    )
    assert set(planned) <= set(served)


def test_the_comparison_is_the_run_and_each_scenario_per_level(
    scenario_run: dict[str, Any],
) -> None:
    rows = _rows(scenario_run["folder"] / "tables" / "scenarios.csv")
    assert list(dict.fromkeys(r["scenario"] for r in rows)) == NAMES
    base = {(r["level"], r["kommunenummer"]): r for r in rows if r["scenario"] == "base"}
    gap = {
        (r["level"], r["kommunenummer"]): r
        for r in _rows(scenario_run["folder"] / "tables" / "gap_table.csv")
    }
    for key, row in base.items():  # the run's own row is the gap table's
        for target in TARGETS:
            below = int(gap[key][f"underserved_households_{target}"]) + int(
                gap[key][f"unserved_households_{target}"]
            )
            assert int(row[f"below_target_households_{target}"]) == below
        assert float(row["cost_nok"]) == pytest.approx(float(gap[key]["cost_nok"]))
        assert float(row["subsidy_need_nok"]) == pytest.approx(float(gap[key]["subsidy_need_nok"]))
    for row in rows:
        for target in TARGETS:
            own = int(row[f"below_target_households_{target}"])
            was = int(
                base[(row["level"], row["kommunenummer"])][f"below_target_households_{target}"]
            )
            assert int(row[f"below_target_change_{target}"]) == own - was
    for name in NAMES:
        kommuner = [r for r in rows if r["scenario"] == name and r["level"] == "kommune"]
        total = next(r for r in rows if r["scenario"] == name and r["level"] == "total")
        for target in TARGETS:
            column = f"below_target_households_{target}"
            assert sum(int(r[column]) for r in kommuner) == int(total[column])
    by = {(r["scenario"], r["level"]): r for r in rows}
    assert int(by[("kobber_av", "total")]["below_target_change_subsidy30"]) > 0
    assert int(by[("mobil_teller", "total")]["below_target_change_no2025"]) < 0
    assert int(by[("planer_levert", "total")]["below_target_change_no2025"]) < 0
    assert int(by[("gigabit_2025", "total")]["below_target_change_no2025"]) > 0
    budget = by[("budsjett_50", "total")]
    assert 0 < float(budget["budget_cost_nok"]) <= 50_000_000
    assert (
        0 < int(budget["budget_households_reached"]) <= int(budget["households_below_cost_target"])
    )


def test_the_scenarios_are_stored_under_the_run(scenario_run: dict[str, Any]) -> None:
    store, run_id = scenario_run["store"], scenario_run["run_id"]
    stored = _query(
        store,
        "SELECT scenario, below_target_households FROM scenario_summary"
        " WHERE run_id = ? AND level = 'total' AND target = 'no2025' ORDER BY scenario",
        run_id,
    )
    published = {
        r["scenario"]: int(r["below_target_households_no2025"])
        for r in _rows(scenario_run["folder"] / "tables" / "scenarios.csv")
        if r["level"] == "total"
    }
    assert dict(stored) == published
    costs = _query(
        store,
        "SELECT count(DISTINCT scenario) FROM scenario_costs WHERE run_id = ?",
        run_id,
    )
    assert costs == [(6,)]


def test_the_workbook_and_the_brief_show_them(scenario_run: dict[str, Any]) -> None:
    book = load_workbook(scenario_run["folder"] / "tables" / "gap_table.xlsx", read_only=True)
    sheet = list(book["Scenarier"].iter_rows(values_only=True))
    assert sheet[0][:2] == ("Scenario (kode)", "Scenario")
    assert {row[1] for row in sheet[1:] if row[1]} >= {"Dagens data", "Kobbernettet slått av"}
    brief = (scenario_run["folder"] / "briefs" / "9901.html").read_text(encoding="utf-8")
    assert "Hva om" in brief and "Kobbernettet slått av" in brief
    assert "50 mill. kr (når " in brief
    pdf = scenario_run["folder"] / "briefs" / "9901.pdf"
    if pdf.is_file() and shutil.which("pdfinfo"):  # printed where Chromium is: one A4 page
        info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
        assert re.search(r"^Pages:\s+1$", info.stdout, re.MULTILINE), info.stdout


def test_a_preview_gives_the_kommune_the_national_scenarios(
    scenario_run: dict[str, Any],
) -> None:
    national = [
        r
        for r in _rows(scenario_run["folder"] / "tables" / "scenarios.csv")
        if r["kommunenummer"] == "9901" and r["level"] == "kommune"
    ]
    preview = _rows(
        scenario_run["out"] / "kommuner" / "9901" / "current" / "tables" / "scenarios.csv"
    )
    assert len(national) == len(NAMES) and preview == national


def test_scenario_run_again_on_the_stored_inputs_gives_the_runs_figures(
    scenario_run: dict[str, Any],
) -> None:
    """``gapmap scenario run`` reads the run back from the store (no ingest) and must give
    what the run itself computed, every level and column."""
    config = scenario_run["out"] / "data" / "gapmap.toml"
    done = runner.invoke(app, ["scenario", "run", "-c", str(config), "--progress", "off"])
    assert done.exit_code == 0, done.output
    again = _rows(scenario_run["out"] / "scenarios" / scenario_run["run_id"] / "scenarios.csv")
    published = _rows(scenario_run["folder"] / "tables" / "scenarios.csv")
    assert len(again) == len(published)
    for new, old in zip(again, published, strict=True):
        for column, value in old.items():
            if column.endswith("_nok") and value:
                assert float(new[column]) == pytest.approx(float(value), rel=1e-12), column
            else:
                assert new[column] == value, (column, new["scenario"], new["kommunenummer"])
    shown = runner.invoke(app, ["scenario", "show", "-c", str(config), "--kommune", "9901"])
    assert shown.exit_code == 0 and "Kobbernettet slått av" in shown.output


def test_a_scenario_that_leaves_the_cost_inputs_keeps_the_runs_costs_exactly(
    scenario_run: dict[str, Any],
) -> None:
    """The shortcut (no cost stage when the costed addresses, the fibre and the reach at the
    cost target are the run's) gives what the cost stage itself gives."""
    config = load_config(scenario_run["out"] / "data" / "gapmap.toml")
    with duckdb.connect(str(scenario_run["store"])) as connection:
        inputs, results = stored_inputs(config, connection, scenario_run["run_id"])
    copper = next(s for s in config.scenarios if s.name == "kobber_av")
    covered = coverage_stage(config, inputs)
    base = cost_inputs_of(
        config, inputs, covered, classify_stage(config, inputs.addresses, covered, results)
    )
    short = run_scenario(config, inputs, results, copper, base_cost_inputs=base)
    full = run_scenario(config, inputs, results, copper)
    pd.testing.assert_frame_equal(short.frame, full.frame)
    rows = _rows(scenario_run["folder"] / "tables" / "scenarios.csv")
    cost = {(r["scenario"], r["level"]): r["cost_nok"] for r in rows}
    assert cost[("kobber_av", "total")] == cost[("base", "total")]
    assert cost[("planer_levert", "total")] != cost[("base", "total")]  # the plans bring fibre


@pytest.mark.browser
def test_the_kommune_map_shows_a_scenario_when_picked(
    browser: OfflineBrowser, scenario_run: dict[str, Any]
) -> None:
    """The legend's "Hva om" picker recolours the addresses: with copper off, the map's
    addresses at the support threshold move exactly as the stored changed classes say."""
    page, report = browser.open(
        (scenario_run["folder"] / "maps" / "kommune" / "9901.html").as_uri(), wait_for=READY
    )
    labels = page.locator(".gapmap-legend-scenario label").all_text_contents()
    assert [t.strip() for t in labels] == ["Dagens data", *LABELS[:-1]]  # a budget moves no class
    classes = """t => { const G = window.gapmapAddresses, c = [0, 0, 0, 0];
        for (let i = 0; i < G.data.cls[t].length; i++) { c[G.data.cls[t][i]] += 1; } return c; }"""
    target = TARGETS.index("subsidy30")
    before = page.evaluate(classes, target)
    page.locator(".gapmap-legend-scenario input[value='0']").check()  # kobber_av
    assert layer_state(page)["scenario"] == 0
    after = page.evaluate(classes, target)
    changed = _query(
        scenario_run["store"],
        "SELECT count(*) FROM scenario_classes s JOIN addresses a USING (run_id, address_id)"
        " WHERE s.run_id = ? AND s.scenario = 'kobber_av' AND s.target = 'subsidy30'"
        " AND a.kommunenummer = '9901'",
        scenario_run["run_id"],
    )[0][0]
    assert (
        changed > 0 and sum(abs(a - b) for a, b in zip(after, before, strict=True)) <= 2 * changed
    )
    assert after[2] > before[2]  # more unserved (code 2) with copper off
    screenshot(page, "scenario-kobber-av.png")
    page.locator(".gapmap-legend-scenario input[value='-1']").check()
    assert page.evaluate(classes, target) == before
    assert report.problems() == []
    page.context.close()
