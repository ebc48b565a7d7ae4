"""``gapmap run``, ``gapmap demo`` and ``gapmap runs``: a run, its summary and the history."""

from __future__ import annotations

import time
from collections.abc import Hashable, Mapping
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer
from rich import box
from rich.markup import escape
from rich.table import Table

from layers.numbers_nb import format_int_nb, format_mnok, format_percent_nb
from pipeline import publication, store
from pipeline.cli.common import REPORTED, ConfigOption, console, fail
from pipeline.config import load_config
from pipeline.preview import NOTE_NB, preview_config
from pipeline.progress import progress_for
from pipeline.run import RunResult, run_kommune_preview, run_pipeline

ProgressOption = Annotated[
    str,
    typer.Option(
        "--progress",
        help="How a long run shows where it is: 'bar' (a terminal), 'plain' (a line every few"
        " seconds, for a log or cron), 'off', or 'auto': a bar on a terminal, else plain.",
    ),
]


SUMMARY_COLUMNS = ("husstander", "udekket", "underdekket", "under mål", "mill. NOK")


def summary_table(gap_table: pd.DataFrame, map_target: str, level: str = "fylke") -> Table:
    """Households and households below the map target per fylke and in all (the kommuner are
    in the published tables: 357 rows do not fit a screen), or with ``level="kommune"`` the
    kommune rows alone (a preview); the names wrap, the numbers do not, and the light box
    keeps it within 80 columns."""
    table = Table(title=f"Husstander per {level}, mål {map_target}", box=box.SIMPLE_HEAD)
    table.add_column(level, overflow="fold")
    for column in SUMMARY_COLUMNS:
        table.add_column(column, justify="right", no_wrap=True)
    shown = gap_table["level"] == "kommune"
    for row in gap_table[shown if level == "kommune" else ~shown].to_dict(orient="records"):
        share = row[f"below_target_share_{map_target}"]
        total = row["level"] == "total"
        table.add_row(
            escape(str(row["kommunenavn"])),
            format_int_nb(row["households"]),
            format_int_nb(row[f"unserved_households_{map_target}"]),
            format_int_nb(row[f"underserved_households_{map_target}"]),
            format_percent_nb(share),
            format_mnok(row["cost_nok"]),
            style="bold" if total else None,
            end_section=not total and _is_last_fylke(gap_table, row),
        )
    return table


def _is_last_fylke(gap_table: pd.DataFrame, row: Mapping[Hashable, Any]) -> bool:
    fylker = gap_table.loc[gap_table["level"] == "fylke", "fylkesnummer"]
    return not fylker.empty and row["level"] == "fylke" and row["fylkesnummer"] == fylker.iloc[-1]


def print_summary(result: RunResult, map_target: str, output_dir: Path) -> None:
    """Households below the map target per fylke and in all, then where the kommuner and the
    other products are; every line fits an 80-column terminal but the folder's own path."""
    console.print(summary_table(result.gap_table, map_target))
    kommuner = int((result.gap_table["level"] == "kommune").sum())
    console.print(f"  Alle {format_int_nb(kommuner)} kommuner: tables/gap_table.csv (.xlsx)")
    width = min(20, max((len(str(n)) for n in result.layer_counts["layer"]), default=10))
    for row in result.layer_counts.to_dict(orient="records"):
        merged = f" merged {row['rows_merged']:,}" if row["rows_merged"] else ""
        console.print(
            f"  {row['layer']:<{width}} read {row['rows_read']:>9,} accepted"
            f" {row['rows_accepted']:>9,}{merged} quarantined {row['rows_quarantined']:,}",
            highlight=False,
        )
    located = result.locate_counts
    console.print(
        f"  locate: {located['disagree_with_file']} addresses lie in another kommune than"
        f" their kommunenummer says; {located['snapped_within_tolerance']} snapped,"
        f" {located['outside_kept_file_kommune']} outside every polygon"
    )
    current = output_dir / "current"
    console.print(f"[bold]Published[/] run {result.run_id} at", highlight=False)
    console.print(f"  {current}", soft_wrap=True, highlight=False)
    for label, relative in (
        ("index page", "index.html"),
        ("overview map", "maps/oversikt.html"),
        ("gap tables", "tables/gap_table.csv (.xlsx)"),
        ("quarantine", "tables/quarantine.csv"),
        ("manifest", "manifest.json"),
    ):
        console.print(f"  {label:<13} {relative}", highlight=False)


def _run_and_report(
    config_path: Path,
    started: float,
    allow_stale: bool = False,
    progress: str = "auto",
    kommune: str | None = None,
) -> None:
    """Load the config, run the pipeline (or a kommune preview), print the summary; user
    errors exit with code 2."""
    try:
        shown = progress_for(console, progress)
        settings = load_config(config_path)
        if kommune is None:
            result = run_pipeline(settings, console, allow_stale=allow_stale, progress=shown)
        else:
            result = run_kommune_preview(settings, kommune, console, shown)
    except REPORTED as exc:
        fail(exc)
    target = settings.classify.map_target
    if kommune is None:
        print_summary(result, target, settings.run.output_dir)
    else:
        print_preview_summary(result, target)
    console.print(f"Done in {time.perf_counter() - started:.1f} s (run {result.run_id}).")
    console.print(f"Open {result.published.parent.parent / 'current' / 'index.html'} in a browser.")


def print_preview_summary(result: RunResult, map_target: str) -> None:
    """The preview's kommune row, where it is published, and what it is not."""
    table = summary_table(result.gap_table, map_target, level="kommune")
    console.print(table)
    console.print(f"[bold]Preview[/] run {result.run_id} published at", highlight=False)
    console.print(f"  {result.published.parent.parent / 'current'}", soft_wrap=True)
    console.print(f"  {NOTE_NB}", highlight=False)


def run(
    config: ConfigOption,
    allow_stale: Annotated[
        bool,
        typer.Option(
            "--allow-stale",
            help="Publish even when an input of \\[freshness] monthly_inputs is the same as in"
            " the last succeeded run or older than \\[freshness] max_age_days (else exit 79).",
        ),
    ] = False,
    progress: ProgressOption = "auto",
    kommune: Annotated[
        str | None,
        typer.Option(
            "--kommune",
            help="Preview one kommune (its kommunenummer, such as 3420): the stages on its"
            " rows of the inputs, published in <output_dir>/kommuner/<kommunenummer>/ with its"
            " own store; the national publication and store are not touched.",
        ),
    ] = None,
) -> None:
    """Run the whole pipeline on the inputs named in a TOML config and publish the outputs."""
    _run_and_report(config, time.perf_counter(), allow_stale, progress, kommune)


def demo(
    out: Annotated[Path, typer.Option(help="Folder for the demo data and outputs.")] = Path("demo"),
    seed: Annotated[int, typer.Option(help="Seed of the demo region generator.")] = 2025,
    progress: ProgressOption = "auto",
) -> None:
    """Build the synthetic demo region (5 kommuner, several thousand addresses) and run on it."""
    from pipeline.synthetic.demo import prepare_demo

    started = time.perf_counter()
    with console.status("[bold cyan]building the demo region[/] …"):
        config_path = prepare_demo(out, seed)
    console.print(
        f"[green]✓[/] demo region written to {config_path.parent} "
        f"({time.perf_counter() - started:.1f} s); config: {config_path}"
    )
    _run_and_report(config_path, started, progress=progress)


def runs(
    config: ConfigOption,
    last: Annotated[int, typer.Option(help="How many of the latest runs to list.")] = 12,
    prune: Annotated[
        bool,
        typer.Option(
            help="Remove the folders of older publications and of runs set aside (their rows"
            " stay in the store as history)."
        ),
    ] = False,
    keep: Annotated[
        int, typer.Option(min=1, help="With --prune: how many of the newest publications to keep.")
    ] = 3,
    kommune: Annotated[
        str | None,
        typer.Option(
            "--kommune", help="The previews of this kommune (gapmap run --kommune) instead."
        ),
    ] = None,
) -> None:
    """List the recorded runs (newest first): status, duration, config hash, output folder."""
    try:
        settings = load_config(config)
        if kommune is not None:
            settings = preview_config(settings, kommune)
        if not settings.store_path.exists():
            console.print(f"no runs yet: {settings.store_path} does not exist")
            return
        with store.read_store(settings.store_path) as connection:
            rows = store.recent_runs(connection, last)
            if prune:
                succeeded = store.succeeded_runs(connection)
                removed = publication.prune_publications(settings.run.output_dir, succeeded, keep)
    except REPORTED as exc:
        fail(exc)
    console.print(runs_table(rows, settings.store_path))
    if prune:
        console.print(f"Removed {len(removed)} run folders; kept the {keep} newest publications.")
        for folder in removed:
            console.print(f"  removed {folder}", soft_wrap=True)


STATUS_COLOURS = {"succeeded": "green", "failed": "red", "aborted": "magenta"}


def runs_table(rows: list[tuple[Any, ...]], store_path: Path) -> Table:
    """The run history as a table: run, status (coloured), start, duration, config, where."""
    table = Table(title=f"Runs in {store_path}")
    for column in ("run", "status", "started (UTC)", "took", "config", "output / message"):
        table.add_column(column)
    for run_id, status, started, took, config_hash, output_dir, message in rows:
        colour = STATUS_COLOURS.get(status, "yellow")
        table.add_row(
            run_id,
            f"[{colour}]{status}[/]",
            f"{started:%Y-%m-%d %H:%M:%S}",
            f"{took.total_seconds():.1f} s" if took else "–",
            config_hash[:8],
            escape(output_dir or message or ""),  # a message names "[inputs].offers"
        )
    return table
