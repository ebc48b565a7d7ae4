"""Stage 8, publish: write a run's products into its own folder, then switch ``current`` to it.

A run writes everything under ``<output_dir>/runs/<run_id>/``; only when every file is written
does ``<output_dir>/current`` (a symlink) move to it, by an atomic rename. A run that fails
before the switch leaves the last published output exactly as it was.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import Transformer

from pipeline.config import Config, to_dict

CURRENT = "current"


def run_folder(output_dir: Path, run_id: str) -> Path:
    return output_dir / "runs" / run_id


def write_tables(
    folder: Path, tables: Mapping[str, pd.DataFrame], about: pd.DataFrame
) -> dict[str, str]:
    """Each table as CSV; the gap table also as XLSX with an "Om tabellen" sheet."""
    tables_dir = folder / "tables"
    tables_dir.mkdir(parents=True, exist_ok=True)
    written = {}
    for name, frame in tables.items():
        path = tables_dir / f"{name}.csv"
        frame.to_csv(path, index=False, encoding="utf-8")
        written[name] = str(path.relative_to(folder))
    xlsx = tables_dir / "gap_table.xlsx"
    with pd.ExcelWriter(xlsx, engine="openpyxl") as writer:
        tables["gap_table"].to_excel(writer, sheet_name="Dekningsgap", index=False)
        about.to_excel(writer, sheet_name="Om tabellen", index=False)
    written["gap_table_xlsx"] = str(xlsx.relative_to(folder))
    return written


def write_geopackage(folder: Path, addresses: gpd.GeoDataFrame, layer: str) -> str:
    """Addresses below target as a GeoPackage layer for QGIS users."""
    path = folder / "gapmap.gpkg"
    addresses.to_file(path, layer=layer, driver="GPKG")
    return str(path.relative_to(folder))


def write_manifest(folder: Path, manifest: Mapping[str, Any]) -> Path:
    path = folder / "manifest.json"
    path.write_text(
        json.dumps(manifest, indent=2, ensure_ascii=False, default=str), encoding="utf-8"
    )
    return path


def switch_current(output_dir: Path, folder: Path) -> Path:
    """Point ``<output_dir>/current`` at ``folder`` atomically (symlink + rename)."""
    current = output_dir / CURRENT
    staging = output_dir / f".{CURRENT}.{folder.name}.tmp"
    if staging.is_symlink() or staging.exists():
        staging.unlink()
    staging.symlink_to(folder.relative_to(output_dir), target_is_directory=True)
    os.replace(staging, current)
    return current


def published_folder(output_dir: Path) -> Path | None:
    """The folder ``current`` points at, or None before the first successful run."""
    current = output_dir / CURRENT
    return current.resolve() if current.is_symlink() else None


@dataclass(frozen=True)
class RunInfo:
    """What stamps a run's products: its id, start, code version and input checksums."""

    run_id: str
    started_at: str
    code_version: str
    checksums: Mapping[str, Mapping[str, Any]]


@dataclass(frozen=True)
class RunTables:
    """The tables a run publishes."""

    gap_table: pd.DataFrame
    kommuner: gpd.GeoDataFrame
    results: pd.DataFrame  # one row per address, all stage columns, point geometry (25833)
    quarantine: pd.DataFrame
    layer_counts: pd.DataFrame
    locate_counts: Mapping[str, int]
    terrain_counts: Mapping[str, int]
    coverage_counts: Mapping[str, int]
    wireless_counts: Mapping[str, int]
    offers: pd.DataFrame  # the offers the run read (for the FWA challenge list)
    input_metadata: Mapping[str, Any]
    # candidate fixed-wireless masts of the cost stage (pipeline.rollout.mast_summary)
    new_sites: pd.DataFrame | None = None
    cost_counts: Mapping[str, Any] = field(default_factory=dict)  # pipeline.rollout.cost_counts


def new_sites_table(masts: pd.DataFrame | None) -> pd.DataFrame:
    """The candidate masts with longitude/latitude, those taken first (``tables/new_sites.csv``)."""
    from pipeline.rollout import MAST_COLUMNS

    if masts is None:
        masts = pd.DataFrame({c: [] for c in MAST_COLUMNS}).astype({"x_m": float, "y_m": float})
    return with_lon_lat(masts).sort_values(
        ["households_taking", "site_id"], ascending=[False, True], kind="stable"
    )


def fwa_challenge_list(results: pd.DataFrame, offers: pd.DataFrame) -> pd.DataFrame:
    """Reported fixed-wireless offers that the terrain says cannot be delivered.

    One row per doubtful (address, operator's FWA offer): what a kommune can send back to the
    operator or to Nkom, with the nearest checked site and where the path is blocked.
    """
    doubtful = results.loc[results["fwa_doubtful"]]
    claims = offers.loc[
        offers["technology"] == "fwa", ["address_id", "operator", "down_mbps", "up_mbps"]
    ]
    columns = [
        "address_id",
        "kommunenummer",
        "kommunenavn",
        "address_text",
        "households",
        "x_m",
        "y_m",
        "los_site_id",
        "los_distance_m",
        "sites_in_range",
        "worst_clearance_ratio",
        "obstruction_x_m",
        "obstruction_y_m",
    ]
    table = doubtful[columns].merge(claims, on="address_id", how="left")
    return (
        table.rename(
            columns={
                "operator": "claimed_operator",
                "down_mbps": "claimed_down_mbps",
                "up_mbps": "claimed_up_mbps",
                "los_site_id": "nearest_site_id",
                "los_distance_m": "nearest_site_distance_m",
            }
        )
        .sort_values(["kommunenummer", "address_id"])
        .reset_index(drop=True)
    )


def with_last_shares(gap_table: pd.DataFrame, results: pd.DataFrame) -> pd.DataFrame:
    """The gap table with what the costliest 1 %, 5 % and 10 % of households cost, per
    kommune, fylke and in total (:func:`pipeline.cost_curve.last_share_costs`)."""
    from pipeline.cost_curve import cost_curve, last_share_costs

    parts = []
    for level, key in (("kommune", "kommunenummer"), ("fylke", "fylkesnummer"), ("total", None)):
        group = "kommunenummer" if key is None else key
        shares = last_share_costs(cost_curve(results, by=key), by=group)
        columns = [c for c in shares.columns if c.startswith("last_")]
        shares = shares[[group, *columns]].rename(columns={group: "_key"}).assign(level=level)
        parts.append(shares)
    last = pd.concat(parts, ignore_index=True)
    keyed = gap_table.assign(
        _key=np.select(
            [gap_table["level"] == "kommune", gap_table["level"] == "fylke"],
            [gap_table["kommunenummer"], gap_table["fylkesnummer"]],
            default="total",
        )
    )
    return keyed.merge(last, on=["level", "_key"], how="left").drop(columns="_key")


def with_subsidy_need(
    gap_table: pd.DataFrame, results: pd.DataFrame, viable_nok_per_household: float
) -> pd.DataFrame:
    """The gap table with ``subsidy_need_nok``: the sum over the kommune's project areas (one
    per planning cluster) of max(0, cost − households × commercially viable NOK)."""
    costed = results.loc[results["cost_nok"].notna() & (results["cluster_id"] >= 0)]
    areas = costed.groupby(["fylkesnummer", "kommunenummer", "cluster_id"], as_index=False).agg(
        cost_nok=("cost_nok", "sum"), households=("households", "sum")
    )
    areas["need"] = (areas["cost_nok"] - areas["households"] * viable_nok_per_household).clip(0)
    by_kommune = areas.groupby("kommunenummer")["need"].sum()
    by_fylke = areas.groupby("fylkesnummer")["need"].sum()
    need = np.select(
        [gap_table["level"] == "kommune", gap_table["level"] == "fylke"],
        [
            gap_table["kommunenummer"].map(by_kommune).fillna(0.0),
            gap_table["fylkesnummer"].map(by_fylke).fillna(0.0),
        ],
        default=float(areas["need"].sum()),
    )
    return gap_table.assign(subsidy_need_nok=need)


def write_cost_curve(folder: Path, results: pd.DataFrame) -> dict[str, str]:
    """``tables/cost_curve.csv`` (per kommune and total) and ``tables/cost_curve.png``."""
    from pipeline.cost_curve import cost_curve, plot_cost_curve

    total = cost_curve(results, by=None)
    curves = pd.concat([cost_curve(results), total], ignore_index=True)
    csv = folder / "tables" / "cost_curve.csv"
    curves.to_csv(csv, index=False)
    png = plot_cost_curve(
        total, folder / "tables" / "cost_curve.png", "Kostnadskurve, alle kommuner"
    )
    return {
        "cost_curve": str(csv.relative_to(folder)),
        "cost_curve_png": str(png.relative_to(folder)),
    }


def about_table(config: Config, info: RunInfo) -> pd.DataFrame:
    """The "Om tabellen" sheet: run, code, targets, floor, cost target and sources."""
    rows = [("Kjøring", info.run_id), ("Kodeversjon", info.code_version)]
    for t in config.targets:
        up = f", opp ≥ {t.up_mbps:g} Mbit/s" if t.up_mbps is not None else ""
        rows.append((f"Mål {t.name}", f"{t.label_nb}: ned ≥ {t.down_mbps:g} Mbit/s{up}"))
    floor = f"{config.classify.floor_down_mbps:g}/{config.classify.floor_up_mbps:g} Mbit/s"
    rows.append(("Grunnkrav (udekket under)", floor))
    rows.append(("Kostnadsmål", config.cost.target))
    rows += [
        (f"Kilde {layer}", f"{source['path']} (sha256 {source['sha256'][:12]}…)")
        for layer, source in info.checksums.items()
    ]
    return pd.DataFrame(rows, columns=["Felt", "Verdi"])


def with_lon_lat(frame: pd.DataFrame) -> pd.DataFrame:
    """Add ``lon``/``lat`` (EPSG:4326) from ``x_m``/``y_m`` (EPSG:25833), for the maps."""
    transformer = Transformer.from_crs(25833, 4326, always_xy=True)
    lon, lat = transformer.transform(frame["x_m"].to_numpy(), frame["y_m"].to_numpy())
    return frame.assign(lon=lon, lat=lat)


def write_map_products(
    folder: Path, config: Config, info: RunInfo, tables: RunTables
) -> dict[str, Any]:
    """The index page, the overview and one map per kommune (with its cost curve in the info
    panel and, when the run proposed any, its new masts); returns their relative paths."""
    from maps.publish import write_maps
    from maps.style import TargetSpec
    from pipeline.cost_curve import cost_curve
    from pipeline.planning import project_areas

    specs = [TargetSpec(t.name, t.down_mbps, t.up_mbps, t.label_nb) for t in config.targets]
    stamp = {
        "run_id": info.run_id,
        "generated_at": info.started_at,
        "code_version": info.code_version,
        "data_sources": ", ".join(Path(s["path"]).name for s in info.checksums.values()),
    }
    results = tables.results
    areas = None
    if "cluster_id" in results.columns and results["cost_nok"].notna().any():
        areas = project_areas(
            results,
            commercially_viable_nok_per_household=config.cost.commercially_viable_nok_per_household,
        )
    # no candidate at all (no DTM, new_site off): no mast layer rather than "0" on every map
    masts = tables.new_sites
    new_sites = new_sites_table(masts) if masts is not None and len(masts) else None
    paths = write_maps(
        folder,
        tables.gap_table,
        tables.kommuner,
        with_lon_lat(pd.DataFrame(tables.results.drop(columns="geometry"))),
        specs,
        config.classify.map_target,
        stamp,
        assets="local" if config.run.map_assets == "local" else "cdn",
        dtm=config.inputs.dtm,
        areas=areas,
        cost_curves=cost_curve(results),
        new_sites=new_sites,
    )
    return {
        "index": str(paths.index.relative_to(folder)),
        "overview_map": str(paths.overview.relative_to(folder)),
        "kommune_maps": {k: str(p.relative_to(folder)) for k, p in paths.kommuner.items()},
    }


def publish_products(
    folder: Path,
    config: Config,
    info: RunInfo,
    tables: RunTables,
    stage_timings: list[dict[str, Any]],
) -> dict[str, Any]:
    """Write every product of a run into ``folder`` (not yet switched to) and its manifest."""
    folder.mkdir(parents=True, exist_ok=False)
    outputs: dict[str, Any] = dict(
        write_tables(
            folder,
            {
                "gap_table": tables.gap_table,
                "quarantine": tables.quarantine,
                "layer_counts": tables.layer_counts,
                "fwa_challenge": fwa_challenge_list(tables.results, tables.offers),
                "new_sites": new_sites_table(tables.new_sites),
            },
            about_table(config, info),
        )
    )
    below = tables.results[f"class_{config.classify.map_target}"] != "served"
    outputs["geopackage"] = write_geopackage(
        folder,
        gpd.GeoDataFrame(tables.results.loc[below], geometry="geometry", crs=25833),
        "addresses_below_target",
    )
    outputs |= write_cost_curve(folder, tables.results)
    outputs |= write_map_products(folder, config, info, tables)
    manifest = {
        "run_id": info.run_id,
        "started_at": info.started_at,
        "finished_at": datetime.now(UTC).isoformat(),
        "code_version": info.code_version,
        "config_hash": config.digest(),
        "config": to_dict(config),
        "targets": {
            t.name: {"down_mbps": t.down_mbps, "up_mbps": t.up_mbps, "label_nb": t.label_nb}
            for t in config.targets
        },
        "inputs": info.checksums,
        "input_metadata": tables.input_metadata,
        "layer_counts": tables.layer_counts.to_dict(orient="records"),
        "locate": dict(tables.locate_counts),
        "terrain": dict(tables.terrain_counts),
        "coverage": dict(tables.coverage_counts),
        "wireless": dict(tables.wireless_counts),
        "cost": dict(tables.cost_counts),
        "stage_timings": stage_timings,
        "outputs": outputs,
    }
    write_manifest(folder, manifest)
    return manifest
