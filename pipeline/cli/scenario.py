"""``gapmap scenario list | run | show``: the config's "what if" questions and their answers.

A run computes its ``[scenarios]`` itself (the stage ``scenarios``); ``scenario run`` computes
them again on the latest run's stored inputs (after a scenario was added or changed), without
a new ingest, and stores them under that run (:mod:`pipeline.scenario_rerun`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich import box
from rich.markup import escape
from rich.table import Table

from layers.numbers_nb import format_int_nb, format_mnok
from maps.brief_figures import format_change_nb
from pipeline import store
from pipeline.cli.common import REPORTED, ConfigOption, console, fail
from pipeline.config import Config, load_config
from pipeline.config_scenarios import Scenario
from pipeline.products.gap_table_nb import text_sheet
from pipeline.products.scenarios_nb import scenarios_sheet
from pipeline.products.sheets_nb import write_workbook
from pipeline.products.tables import write_csv
from pipeline.progress import progress_for
from pipeline.scenario_rerun import rerun_scenarios

app = typer.Typer(
    help="What if: the config's \\[scenarios] against the run (list, run again, show).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
SCENARIOS_DIR = "scenarios"  # <output_dir>/scenarios/<run_id>/scenarios.csv, .xlsx
STORED_SQL = """
SELECT s.scenario, any_value(s.label_nb) AS label_nb, s.level, s.fylkesnummer, s.kommunenummer,
       any_value(s.households) AS households,
       any_value(s.below_target_households) AS below,
       any_value(c.cost_nok) AS cost_nok, any_value(c.budget_households_reached) AS reached
FROM scenario_summary s
JOIN scenario_costs c USING (run_id, scenario, level)
WHERE s.run_id = $run_id AND s.target = $target
  AND c.fylkesnummer IS NOT DISTINCT FROM s.fylkesnummer
  AND c.kommunenummer IS NOT DISTINCT FROM s.kommunenummer
GROUP BY ALL
"""


def comparison_table(rows: pd.DataFrame, config: Config, title: str) -> Table:
    """Households below the map target per scenario (the run first), the change and the
    cost; a budget's row says what it reaches. Fits 80 columns."""
    table = Table(title=title, box=box.SIMPLE_HEAD)
    table.add_column("scenario", overflow="fold")
    for column in ("under mål", "endring", "mill. NOK"):
        table.add_column(column, justify="right", no_wrap=True)
    base = None
    for row in rows.to_dict(orient="records"):
        below = int(row["below"])
        base = below if base is None else base
        label = str(row["label_nb"])
        if pd.notna(row.get("reached")):
            label += f" (når {format_int_nb(int(row['reached']))} husstander)"
        table.add_row(
            escape(label),
            format_int_nb(below),
            "" if row["scenario"] == "base" else format_change_nb(below - base),
            format_mnok(row["cost_nok"]),
        )
    return table


def _order(rows: pd.DataFrame, config: Config) -> pd.DataFrame:
    order = {name: i for i, name in enumerate(["base", *(s.name for s in config.scenarios)])}
    return rows.sort_values("scenario", key=lambda s: s.map(order).fillna(len(order)))


def _stored(config: Config, level: str, kommunenummer: str | None) -> tuple[str, pd.DataFrame]:
    """The latest succeeded run's stored scenario rows at one level (one kommune's)."""
    with store.read_store(config.store_path) as connection:
        run_id = store.latest_succeeded_run(connection, config.store_path)
        rows = connection.execute(
            STORED_SQL, {"run_id": run_id, "target": config.classify.map_target}
        ).df()
    rows = rows.loc[rows["level"] == level]
    if kommunenummer is not None:
        rows = rows.loc[rows["kommunenummer"] == kommunenummer]
    return run_id, _order(rows, config)


def _changes(scenario: Scenario) -> str:
    """The keys a scenario sets away from their defaults: ``copper_off = true, …``."""
    default = Scenario(scenario.name)
    return ", ".join(
        f"{key} = {value}"
        for key, value in vars(scenario).items()
        if key not in ("name", "label_nb") and value != getattr(default, key)
    )


@app.command("list")
def list_scenarios(config: ConfigOption) -> None:
    """The config's scenarios: name, what they say, what they change."""
    try:
        settings = load_config(config)
    except REPORTED as exc:
        fail(exc)
    if not settings.scenarios:
        console.print(escape(f"no [scenarios.<name>] tables in {config}"), soft_wrap=True)
        return
    table = Table(title=f"Scenarier i {config.name}", box=box.SIMPLE_HEAD)
    for column in ("navn", "scenario", "endrer"):
        table.add_column(column, overflow="fold")
    for scenario in settings.scenarios:
        table.add_row(scenario.name, escape(scenario.label), escape(_changes(scenario)))
    console.print(table)


@app.command("run")
def run_again(
    config: ConfigOption,
    name: Annotated[
        list[str] | None,
        typer.Option("--name", help="Only this scenario (repeat for more); default: all."),
    ] = None,
    progress: Annotated[str, typer.Option(help="'bar', 'plain', 'off' or 'auto'.")] = "auto",
) -> None:
    """Compute the scenarios again on the latest run's stored inputs (no new ingest).

    They are stored under that run, and written to <output_dir>/scenarios/<run_id>/ as
    scenarios.csv and scenarios.xlsx."""
    try:
        settings = load_config(config)
        done = rerun_scenarios(settings, name or (), progress_for(console, progress))
        folder = settings.run.output_dir / SCENARIOS_DIR / done.run_id
        written = _write(folder, done.comparison, settings, done.run_id)
    except REPORTED as exc:
        fail(exc)
    rows = done.comparison.loc[done.comparison["level"] == "total"].rename(
        columns={
            "scenario_label_nb": "label_nb",
            f"below_target_households_{settings.classify.map_target}": "below",
            "budget_households_reached": "reached",
        }
    )
    title = f"Husstander under mål {settings.classify.map_target}, alle kommuner"
    console.print(comparison_table(rows, settings, title))
    console.print(
        f"Stored under run {done.run_id} in {done.seconds:.1f} s; all levels:"
        f" {escape(str(written))}",
        soft_wrap=True,
    )


def _write(folder: Path, comparison: pd.DataFrame, config: Config, run_id: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    csv = write_csv(comparison, folder / "scenarios.csv")
    title = f"Scenarier (gapmap, kjøring {run_id})"
    about = pd.DataFrame(
        [("Kjøring", run_id), ("Beregnet", "gapmap scenario run, på kjøringens lagrede data")],
        columns=["Felt", "Verdi"],
    )
    write_workbook(
        folder / "scenarios.xlsx",
        [scenarios_sheet(comparison, config, title), text_sheet("Om tabellen", about, title)],
    )
    return csv


@app.command()
def show(
    config: ConfigOption,
    kommune: Annotated[
        str | None, typer.Option("--kommune", help="One kommune's rows (kommunenummer).")
    ] = None,
) -> None:
    """The latest run's scenarios against it: all kommuner, or one kommune."""
    try:
        settings = load_config(config)
        level = "kommune" if kommune is not None else "total"
        run_id, rows = _stored(settings, level, kommune)
    except REPORTED as exc:
        fail(exc)
    if rows.empty:
        where = f"kommune {kommune}" if kommune else "the run"
        console.print(f"no scenarios stored for {escape(where)} in run {run_id}")
        return
    title = f"Husstander under mål {settings.classify.map_target}, " + (
        f"kommune {kommune}" if kommune else "alle kommuner"
    )
    console.print(comparison_table(rows, settings, title))
    console.print(f"Run {run_id}", highlight=False)
