"""The ``gapmap`` command: ``gapmap demo``, ``gapmap run --config FILE.toml``.

Errors a user can fix (bad input, bad config) print one line naming the file, row or key and
exit with code 2; nothing prints a traceback for them.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import duckdb
import typer
from rich.console import Console
from rich.table import Table

from pipeline.config import load_config
from pipeline.errors import GapmapError
from pipeline.run import RunResult, run_pipeline

app = typer.Typer(
    help="gapmap: find the households the broadband market leaves behind, per kommune.",
    no_args_is_help=True, add_completion=False,
)
console = Console()


def _fail(exc: GapmapError) -> None:
    console.print(f"[bold red]error:[/] {exc}", highlight=False)
    raise typer.Exit(code=2)


def _format_int(value: float) -> str:
    return f"{int(value):,}".replace(",", " ")


def print_summary(result: RunResult, map_target: str) -> None:
    """Households and households below the map target per kommune, then where things are."""
    table = Table(title=f"Husstander per kommune ({map_target})")
    for column in ("kommune", "husstander", "udekket", "underdekket", "andel under mål", "kostnad NOK"):
        table.add_column(column, justify="left" if column == "kommune" else "right")
    for row in result.gap_table.itertuples(index=False):
        row_dict = row._asdict()
        share = row_dict[f"below_target_share_{map_target}"]
        name = row_dict["kommunenavn"] if row_dict["level"] != "kommune" else (
            f"{row_dict['kommunenummer']} {row_dict['kommunenavn']}")
        table.add_row(
            name, _format_int(row_dict["households"]),
            _format_int(row_dict[f"unserved_households_{map_target}"]),
            _format_int(row_dict[f"underserved_households_{map_target}"]),
            "–" if share != share else f"{share:.1%}",
            _format_int(row_dict["cost_nok"]),
            style="bold" if row_dict["level"] != "kommune" else None,
        )
    console.print(table)
    counts = result.layer_counts
    for row in counts.itertuples(index=False):
        console.print(f"  {row.layer:<10} read {row.rows_read:>9,}  accepted {row.rows_accepted:>9,}"
                      f"  quarantined {row.rows_quarantined:>6,}")
    console.print(f"  locate: {result.locate_counts}")
    console.print(f"[bold]Published:[/] {result.published}")
    console.print(f"  index page:   {result.published / 'index.html'}")
    console.print(f"  overview map: {result.published / 'maps' / 'oversikt.html'}")
    console.print(f"  gap tables:   {result.published / 'tables' / 'gap_table.csv'} (.xlsx)")
    console.print(f"  manifest:     {result.published / 'manifest.json'}")


@app.command()
def run(
    config: Path = typer.Option(..., "--config", "-c", help="The run's TOML config file.",
                                exists=False, dir_okay=False),
) -> None:
    """Run the whole pipeline on the inputs named in a TOML config and publish the outputs."""
    try:
        settings = load_config(config)
        started = time.perf_counter()
        result = run_pipeline(settings, console)
    except GapmapError as exc:
        _fail(exc)
        return
    print_summary(result, settings.classify.map_target)
    console.print(f"Done in {time.perf_counter() - started:.1f} s (run {result.run_id}).")


@app.command()
def demo(
    out: Path = typer.Option(Path("demo"), "--out", help="Folder for the demo data and outputs."),
    seed: int = typer.Option(2025, help="Seed of the demo region generator."),
) -> None:
    """Build the synthetic demo region (5 kommuner, several thousand addresses) and run on it."""
    from pipeline.demo import prepare_demo

    started = time.perf_counter()
    with console.status("[bold cyan]building the demo region[/] …"):
        config_path = prepare_demo(out, seed)
    console.print(f"[green]✓[/] demo region written to {config_path.parent} "
                  f"({time.perf_counter() - started:.1f} s); config: {config_path}")
    try:
        settings = load_config(config_path)
        result = run_pipeline(settings, console)
    except GapmapError as exc:
        _fail(exc)
        return
    print_summary(result, settings.classify.map_target)
    console.print(f"Done in {time.perf_counter() - started:.1f} s (run {result.run_id}).")
    console.print(f"Open {result.published / 'index.html'} in a browser.")


@app.command()
def runs(
    config: Path = typer.Option(..., "--config", "-c", help="The TOML config whose store to read."),
    last: int = typer.Option(12, help="How many of the latest runs to list."),
) -> None:
    """List the recorded runs (newest first): status, duration, config hash, output folder."""
    try:
        settings = load_config(config)
    except GapmapError as exc:
        _fail(exc)
        return
    if not settings.store_path.exists():
        console.print(f"no runs yet: {settings.store_path} does not exist")
        return
    with duckdb.connect(str(settings.store_path), read_only=True) as connection:
        rows = connection.execute(
            "SELECT run_id, status, started_at, finished_at - started_at, config_hash, output_dir,"
            " message FROM runs ORDER BY started_at DESC LIMIT ?", [last]
        ).fetchall()
    table = Table(title=f"Runs in {settings.store_path}")
    for column in ("run", "status", "started (UTC)", "took", "config", "output / message"):
        table.add_column(column)
    for run_id, status, started, took, config_hash, output_dir, message in rows:
        colour = {"succeeded": "green", "failed": "red"}.get(status, "yellow")
        table.add_row(run_id, f"[{colour}]{status}[/]", f"{started:%Y-%m-%d %H:%M:%S}",
                      f"{took.total_seconds():.1f} s" if took else "–", config_hash[:8],
                      output_dir or message or "")
    console.print(table)


def main() -> None:  # pragma: no cover - console entry point wrapper
    sys.exit(app())
