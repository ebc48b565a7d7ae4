"""The side commands: ``gapmap fetch``, ``los``, ``areas``, ``sensitivity``, ``build-national``."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from pipeline.cli.common import REPORTED, ConfigOption, console, fail
from pipeline.config import WirelessSettings, load_config
from pipeline.config_refresh import fetch_options
from pipeline.products.tables import write_csv

WIRELESS_DEFAULTS = WirelessSettings()  # the `los` options' defaults are a config's
FetchConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config",
        "-c",
        help="Take what the options leave out from this config's \\[fetch] section.",
        dir_okay=False,
    ),
]


def fetch(
    kommune: Annotated[
        list[str] | None,
        typer.Option(
            "--kommune",
            "-k",
            help="Kommunenummer, optionally with the name Geonorge uses in its file names:"
            " 0301 or 4204=Kristiansand. Repeat for more kommuner.",
        ),
    ] = None,
    out: Annotated[
        Path | None, typer.Option(help="Folder for the downloaded zips and fetch_manifest.json.")
    ] = None,
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
    config: FetchConfigOption = None,
) -> None:
    """Download the Matrikkelen Adresse CSV and the boundary of kommuner from Geonorge (files
    unchanged are not downloaded again, interrupted ones resume; OUT/fetch_manifest.json
    records each file's URL, size, SHA-256 and time)."""
    from pipeline.fetch import geonorge as fetching

    try:
        if (plan := _fetch_plan(config, kommune, out, base_url, max_age_days)) is None:
            return
        kommune, out, base_url, max_age_days = plan
        settings = fetching.settings_with(
            base_url=base_url, retries=retries, timeout_s=timeout, max_age_days=max_age_days
        )
        kommuner = fetching.resolve_kommuner(kommune, names_from)
        with fetching.fetch_progress(console) as progress:
            show = fetching.progress_reporter(progress)
            records = fetching.fetch_kommuner(kommuner, out, settings, on_progress=show)
    except REPORTED as exc:
        console.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
        raise typer.Exit(code=2) from None
    console.print(fetching.records_table(records, f"Files in {settings.cache_dir or out}"))
    console.print(f"manifest: {out / fetching.MANIFEST_NAME}", soft_wrap=True, highlight=False)


def _fetch_plan(
    config: Path | None,
    kommune: list[str] | None,
    out: Path | None,
    base_url: str | None,
    max_age_days: float | None,
) -> tuple[list[str], Path, str | None, float | None] | None:
    """The options merged with ``config``'s ``[fetch]`` (:func:`fetch_options`); ``None``
    (said on the console) when that config names no kommuner: nothing to fetch."""
    planned = load_config(config).fetch if config is not None else None
    plan = fetch_options(planned, kommune, out, base_url, max_age_days)
    if planned is not None and not plan[0]:
        console.print(
            f"nothing to fetch: no [fetch] kommuner in {config}", markup=False, soft_wrap=True
        )
        return None
    return plan


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
    ] = WIRELESS_DEFAULTS.cpe_height_m,
    k_factor: Annotated[
        float, typer.Option(help="Effective earth radius factor.")
    ] = WIRELESS_DEFAULTS.k_factor,
    fresnel_clearance: Annotated[
        float, typer.Option(help="Share of the first Fresnel zone that must be clear.")
    ] = WIRELESS_DEFAULTS.fresnel_clearance,
) -> None:
    """Line of sight from wireless sites to addresses: best site, distance, LOS, clearance and
    the obstruction point per address (the pipeline's own code; defaults as a config's wireless
    section)."""
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
    except REPORTED as exc:
        fail(exc)
    table = address_layer.accepted[["address_id", "kommunenummer", "address_text", "x_m", "y_m"]]
    los_columns = reach.drop(columns=[c for c in reach.columns if c.startswith("fwa_")])
    result = table.join(los_columns)
    out.parent.mkdir(parents=True, exist_ok=True)
    write_csv(result, out)
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
    except REPORTED as exc:
        fail(exc)
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
    except REPORTED as exc:
        fail(exc)
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
        write_csv(table, out)
        console.print(f"Wrote {out}")
    console.print(f"Done in {time.perf_counter() - started:.1f} s.")


def _parameter_value(value: float) -> str:
    """'' for NaN, thousands with spaces (2 500 000), small values with 4 digits (1.04)."""
    if value != value:
        return ""
    return f"{value:,.0f}".replace(",", " ") if abs(value) >= 1000 else f"{value:.4g}"


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
    except REPORTED as exc:
        fail(exc)
