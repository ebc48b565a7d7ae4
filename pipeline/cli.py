"""The ``gapmap`` command: ``gapmap demo``, ``gapmap run --config FILE.toml``.

Errors a user can fix (bad input, bad config) print one line naming the file, row or key and
exit with code 2; nothing prints a traceback for them.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Annotated

import duckdb
import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from layers.errors import GapmapError
from pipeline import store
from pipeline.config import WirelessSettings, load_config
from pipeline.run import RunResult, run_pipeline

app = typer.Typer(
    help="gapmap: find the households the broadband market leaves behind, per kommune.",
    no_args_is_help=True,
    add_completion=False,
)
console = Console()
ConfigOption = Annotated[
    Path, typer.Option("--config", "-c", help="The run's TOML config file.", dir_okay=False)
]


def _fail(exc: GapmapError) -> None:
    # escape: messages carry file names and values with [brackets]; soft_wrap: one line
    console.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
    raise typer.Exit(code=2)


def _format_int(value: float) -> str:
    return f"{int(value):,}".replace(",", " ")


def print_summary(result: RunResult, map_target: str, output_dir: Path) -> None:
    """Households and households below the map target per kommune, then where things are."""
    table = Table(title=f"Husstander per kommune, mål {map_target}")
    for column in ("kommune", "husstander", "udekket", "underdekket", "under mål", "mill. NOK"):
        table.add_column(column, justify="left" if column == "kommune" else "right", no_wrap=True)
    for row in result.gap_table.to_dict(orient="records"):
        share = row[f"below_target_share_{map_target}"]
        name = row["kommunenavn"]
        if row["level"] == "kommune":
            name = f"{row['kommunenummer']} {name}"
        table.add_row(
            name,
            _format_int(row["households"]),
            _format_int(row[f"unserved_households_{map_target}"]),
            _format_int(row[f"underserved_households_{map_target}"]),
            "–" if share != share else f"{share:.1%}",
            f"{row['cost_nok'] / 1e6:,.1f}".replace(",", " "),
            style="bold" if row["level"] != "kommune" else None,
        )
    console.print(table)
    for row in result.layer_counts.to_dict(orient="records"):
        merged = f"  merged {row['rows_merged']:>9,}" if row["rows_merged"] else ""
        console.print(
            f"  {row['layer']:<10} read {row['rows_read']:>9,}  accepted"
            f" {row['rows_accepted']:>9,}{merged}  quarantined {row['rows_quarantined']:>6,}"
        )
    located = result.locate_counts
    console.print(
        f"  locate: {located['disagree_with_file']} addresses lie in another kommune than"
        f" their kommunenummer says; {located['snapped_within_tolerance']} snapped,"
        f" {located['outside_kept_file_kommune']} outside every polygon"
    )
    current = output_dir / "current"
    console.print(f"[bold]Published[/] run {result.run_id} at {current}")
    for label, relative in (
        ("index page", "index.html"),
        ("overview map", "maps/oversikt.html"),
        ("gap tables", "tables/gap_table.csv (.xlsx)"),
        ("quarantine", "tables/quarantine.csv"),
        ("manifest", "manifest.json"),
    ):
        console.print(f"  {label:<13} {current / relative}", soft_wrap=True)


def _run_and_report(config_path: Path, started: float) -> None:
    """Load the config, run the pipeline, print the summary; user errors exit with code 2."""
    try:
        settings = load_config(config_path)
        result = run_pipeline(settings, console)
    except GapmapError as exc:
        _fail(exc)
        return
    print_summary(result, settings.classify.map_target, settings.run.output_dir)
    console.print(f"Done in {time.perf_counter() - started:.1f} s (run {result.run_id}).")
    console.print(f"Open {settings.run.output_dir / 'current' / 'index.html'} in a browser.")


@app.command()
def run(
    config: ConfigOption,
) -> None:
    """Run the whole pipeline on the inputs named in a TOML config and publish the outputs."""
    _run_and_report(config, time.perf_counter())


@app.command()
def demo(
    out: Annotated[Path, typer.Option(help="Folder for the demo data and outputs.")] = Path("demo"),
    seed: Annotated[int, typer.Option(help="Seed of the demo region generator.")] = 2025,
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
    _run_and_report(config_path, started)


@app.command()
def runs(
    config: ConfigOption,
    last: Annotated[int, typer.Option(help="How many of the latest runs to list.")] = 12,
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
        rows = store.recent_runs(connection, last)
    table = Table(title=f"Runs in {settings.store_path}")
    for column in ("run", "status", "started (UTC)", "took", "config", "output / message"):
        table.add_column(column)
    for run_id, status, started, took, config_hash, output_dir, message in rows:
        colour = {"succeeded": "green", "failed": "red"}.get(status, "yellow")
        table.add_row(
            run_id,
            f"[{colour}]{status}[/]",
            f"{started:%Y-%m-%d %H:%M:%S}",
            f"{took.total_seconds():.1f} s" if took else "–",
            config_hash[:8],
            output_dir or message or "",
        )
    console.print(table)


@app.command()
def fetch(
    kommune: Annotated[
        list[str],
        typer.Option(
            "--kommune",
            "-k",
            help="Kommunenummer, optionally with the name Geonorge uses in its file names:"
            " 0301 or 4204=Kristiansand. Repeat for more kommuner.",
        ),
    ],
    out: Annotated[
        Path, typer.Option(help="Folder for the downloaded zips and fetch_manifest.json.")
    ],
    names_from: Annotated[
        Path | None,
        typer.Option(
            help="Kommune boundary file (GeoJSON, Basisdata zip, GML, GeoPackage) to look up"
            " the names of kommuner given without one.",
            dir_okay=False,
        ),
    ] = None,
    base_url: Annotated[
        str | None,
        typer.Option(help="Root of the download folders [default: Geonorge's Basisdata]."),
    ] = None,
    retries: Annotated[
        int | None, typer.Option(help="Retries per file on network errors [default: 4].")
    ] = None,
    timeout: Annotated[
        float | None, typer.Option(help="Seconds to wait for a response or a read [default: 60].")
    ] = None,
    max_age_days: Annotated[
        float | None,
        typer.Option(help="Download again the files fetched longer ago [default: never]."),
    ] = None,
) -> None:
    """Download the Matrikkelen Adresse CSV and the boundary of kommuner from Geonorge.

    Files already downloaded and unchanged are not downloaded again; interrupted downloads
    resume. Every file is recorded (URL, size, SHA-256, time) in OUT/fetch_manifest.json.
    """
    from rich.markup import escape

    from pipeline.fetch import geonorge as fetching

    try:
        settings = fetching.settings_with(
            base_url=base_url, retries=retries, timeout_s=timeout, max_age_days=max_age_days
        )
        kommuner = fetching.resolve_kommuner(kommune, names_from)
        with fetching.fetch_progress(console) as progress:
            show = fetching.progress_reporter(progress)
            records = fetching.fetch_kommuner(kommuner, out, settings, on_progress=show)
    except GapmapError as exc:
        console.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
        raise typer.Exit(code=2) from None
    console.print(fetching.records_table(records, f"Files in {settings.cache_dir or out}"))
    console.print(f"manifest: {out / fetching.MANIFEST_NAME}", soft_wrap=True, highlight=False)


@app.command()
def los(
    dem: Annotated[Path, typer.Option(help="DTM: a GeoTIFF, a VRT or a folder of tiles.")],
    sites: Annotated[Path, typer.Option(help="Wireless site list CSV.")],
    addresses: Annotated[Path, typer.Option(help="Matrikkelen Adresse CSV, zip or folder.")],
    out: Annotated[Path, typer.Option(help="CSV to write, one row per address.")],
    technology: Annotated[
        list[str] | None,
        typer.Option(help="Site technologies to check (repeat); default: all in the file."),
    ] = None,
    cpe_height_m: Annotated[
        float, typer.Option(help="Receiver height above ground, m.")
    ] = WirelessSettings().cpe_height_m,
    k_factor: Annotated[
        float, typer.Option(help="Effective earth radius factor.")
    ] = WirelessSettings().k_factor,
    fresnel_clearance: Annotated[
        float, typer.Option(help="Share of the first Fresnel zone that must be clear.")
    ] = WirelessSettings().fresnel_clearance,
) -> None:
    """Line of sight from wireless sites to addresses: best site, distance, LOS, clearance and
    the obstruction point per address (the pipeline's own code; defaults as ``[wireless]``)."""
    from layers.addresses import read_addresses
    from layers.sites import read_sites
    from pipeline.wireless import wireless_per_address

    try:
        site_layer = read_sites(sites)
        address_layer = read_addresses(addresses)
        chosen = (
            tuple(technology)
            if technology
            else tuple(sorted(site_layer.accepted["technology"].unique()))
        )
        settings = WirelessSettings(
            technologies=chosen,
            cpe_height_m=cpe_height_m,
            k_factor=k_factor,
            fresnel_clearance=fresnel_clearance,
        )
        started = time.perf_counter()
        with console.status("[bold cyan]line of sight[/] …"):
            reach = wireless_per_address(address_layer.accepted, site_layer.accepted, dem, settings)
    except GapmapError as exc:
        _fail(exc)
        return
    table = address_layer.accepted[["address_id", "kommunenummer", "address_text", "x_m", "y_m"]]
    los_columns = reach.drop(columns=[c for c in reach.columns if c.startswith("fwa_")])
    result = table.join(los_columns)
    out.parent.mkdir(parents=True, exist_ok=True)
    result.to_csv(out, index=False)
    console.print(
        f"[green]✓[/] {len(result):,} addresses,"
        f" {int(site_layer.accepted['technology'].isin(chosen).sum()):,} sites"
        f" ({', '.join(chosen)}) in {time.perf_counter() - started:.1f} s:"
        f" {int(reach['has_los'].sum()):,} with line of sight,"
        f" {int((reach['sites_in_range'] == 0).sum()):,} with no site in range;"
        f" quarantined {len(address_layer.quarantine)} address and"
        f" {len(site_layer.quarantine)} site rows. Wrote {out}",
        soft_wrap=True,
    )


@app.command()
def areas(
    config: ConfigOption,
    budget: Annotated[float, typer.Option(help="Subsidy budget, NOK.")],
    out: Annotated[Path, typer.Option(help="Folder for areas.gpkg/.geojson and the CSVs.")],
    kommune: Annotated[
        list[str] | None,
        typer.Option("--kommune", "-k", help="Kommunenummer to plan for (repeat); default all."),
    ] = None,
    viable_nok_per_household: Annotated[
        float | None,
        typer.Option(
            help="What an operator invests per household on commercial terms, NOK"
            " [default: the config's \\[cost].commercially_viable_nok_per_household]",
            show_default=False,
        ),
    ] = None,
    buffer_m: Annotated[float, typer.Option(help="Margin of the area polygons, m.")] = 100.0,
) -> None:
    """Subsidy project areas from the latest succeeded run: one per planning cluster, ranked by
    subsidy need per household and selected greedily under the budget (an area that does not
    fit is skipped); writes areas.gpkg, areas.geojson and one address CSV per area to OUT."""
    from pipeline.planning import areas as planning

    try:
        settings = load_config(config)
        viable_nok, source = viable_nok_per_household, "--viable-nok-per-household"
        if viable_nok is None:  # the one default is the config's
            viable_nok = settings.cost.commercially_viable_nok_per_household
            source = f"[cost].commercially_viable_nok_per_household of {config}"
        run_id, costed = planning.read_costed_addresses(settings.store_path, kommune or [])
        found = planning.project_areas(costed, viable_nok, buffer_m)
        ranked = planning.select_areas(found, budget)
        planning.write_application(ranked, costed, out)
    except GapmapError as exc:
        _fail(exc)
        return
    console.print(planning.areas_table(ranked, run_id))
    console.print(planning.areas_totals(ranked, budget), soft_wrap=True)
    viable_text = f"{viable_nok:,.0f}".replace(",", " ")
    console.print(
        f"Subsidy need = cost − households × NOK {viable_text} ({source})",
        soft_wrap=True,
        highlight=False,
        markup=False,
    )
    console.print(f"Application files in {out}", soft_wrap=True, highlight=False)


@app.command()
def sensitivity(
    config: ConfigOption,
    change: Annotated[float, typer.Option(help="Move each parameter by this share.")] = 0.2,
    out: Annotated[Path | None, typer.Option(help="CSV to write the table to.")] = None,
) -> None:
    """Re-run the cost stage of the latest run with each key cost parameter at −20 % / +20 %
    and show how the total cost moves."""
    from pipeline.planning.sensitivity import cost_inputs
    from pipeline.planning.sensitivity import sensitivity as cost_sensitivity

    try:
        settings = load_config(config)
        started = time.perf_counter()
        with console.status("[bold cyan]re-running the cost stage[/] …"):
            inputs = cost_inputs(settings)
            table = cost_sensitivity(inputs, settings.cost, change)
    except GapmapError as exc:
        _fail(exc)
        return
    shown = Table(title=f"Sensitivity of the total cost, run {inputs.run_id}")
    for column in ("parameter", "change", "value", "total mill. kr", "Δ mill. kr", "Δ %"):
        left = column == "parameter"
        shown.add_column(column, justify="left" if left else "right", no_wrap=left)
    for row in table.to_dict(orient="records"):
        shown.add_row(
            escape(row["parameter"]),  # "[cost.fibre]…" is not markup
            f"{row['change']:+.0%}",
            _parameter_value(row["value"]),
            f"{row['total_cost_nok'] / 1e6:,.1f}".replace(",", " "),
            f"{row['delta_nok'] / 1e6:+,.1f}".replace(",", " "),
            f"{row['delta_share']:+.1%}",
        )
    console.print(shown)
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        table.to_csv(out, index=False)
        console.print(f"Wrote {out}")
    console.print(f"Done in {time.perf_counter() - started:.1f} s.")


def _parameter_value(value: float) -> str:
    """'' for NaN, thousands with spaces (2 500 000), small values with 4 digits (1.04)."""
    if value != value:
        return ""
    return f"{value:,.0f}".replace(",", " ") if abs(value) >= 1000 else f"{value:.4g}"


@app.command("build-national")
def build_national(
    out_dir: Annotated[Path, typer.Argument(help="Folder for the input set (outside the repo).")],
    sources: Annotated[
        Path | None,
        typer.Option(
            help="Folder holding the sources by their usual names, also in subfolders:"
            " ru250m_2015.csv, Kommuner-M.geojson, Basisdata_0000_Norge_25833_Fylker_GeoJSON.zip"
            " (../shared/realdata works).",
            file_okay=False,
        ),
    ] = None,
    population_grid: Annotated[
        Path | None, typer.Option(help="SSB's 250 m population grid CSV.", dir_okay=False)
    ] = None,
    kommuner: Annotated[
        Path | None, typer.Option(help="Kommune boundaries (lon/lat GeoJSON).", dir_okay=False)
    ] = None,
    fylker: Annotated[
        Path | None, typer.Option(help="Kartverket's Fylker GeoJSON zip.", dir_okay=False)
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed of every draw.")] = 2025,
    households_per_person: Annotated[float, typer.Option(help="Per person, 0.05–1.")] = 0.45,
    cell_m: Annotated[float, typer.Option(help="DTM cell size, m (10–1000).")] = 100.0,
    limit_kommuner: Annotated[
        str, typer.Option(help="Only these kommuner: 0301,4204 [default: all].")
    ] = "",
    roads: Annotated[bool, typer.Option(help="Also write a road network, veger.gpkg.")] = False,
) -> None:
    """Build the national-scale synthetic input set (synthetic data on real SSB cells and kommune
    borders) and its gapmap.toml into OUT_DIR; a source not given is found in --sources."""
    from pipeline.synthetic.national.command import build_national_command

    def show(line: str) -> None:
        console.print(line, highlight=False, markup=False, soft_wrap=True)

    try:
        build_national_command(
            out_dir,
            sources,
            (population_grid, kommuner, fylker),
            seed=seed,
            households_per_person=households_per_person,
            cell_m=cell_m,
            limit_kommuner=limit_kommuner,
            roads=roads,
            show=show,
        )
    except GapmapError as exc:
        _fail(exc)


def main() -> None:  # pragma: no cover - console entry point wrapper
    sys.exit(app())
