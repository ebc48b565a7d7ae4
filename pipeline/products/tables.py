"""The run's tables as files: the machine CSVs, the GeoPackage, the challenge list.

Everything here is written into the run's own folder by the publish stage
(:mod:`pipeline.publish`), before ``current`` is switched to it.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import geopandas as gpd
import pandas as pd
from pyproj import Transformer

from layers.vocabulary import CRS_EPSG
from pipeline.rollout.choice import MAST_COLUMNS

# a text cell starting with one of these is a formula to a spreadsheet (OWASP, "CSV injection")
FORMULA_START = r"^[=+\-@\t\r]"


def spreadsheet_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every text that a spreadsheet would run as a formula (``=HYPERLINK(…)``,
    ``+``, ``-``, ``@``, a tab or a carriage return first) quoted by a leading ``'``; numbers
    and other texts unchanged. Names come from outside (kommune, operator, address texts)."""
    safe = frame.copy()
    for column in safe.columns:
        values = safe[column]
        if values.dtype == object or isinstance(values.dtype, pd.StringDtype):
            texts = values.where(values.map(lambda v: isinstance(v, str)), None)
            risky = texts.str.contains(FORMULA_START, regex=True, na=False)
            if risky.any():
                safe[column] = values.mask(risky, "'" + texts)
    return safe


def write_csv(frame: pd.DataFrame, path: Path) -> Path:
    """``frame`` as a UTF-8 CSV that no spreadsheet runs as formulas (:func:`spreadsheet_safe`)."""
    spreadsheet_safe(frame).to_csv(path, index=False, encoding="utf-8")
    return path


def write_tables(folder: Path, tables: Mapping[str, pd.DataFrame]) -> dict[str, str]:
    """Each table as a machine CSV (``tables/<name>.csv``, English column names, full
    precision), read by other tools; no text reaches it as a formula. The tables for people
    (XLSX, Norwegian CSV) are :mod:`pipeline.products.gap_table_nb`'s."""
    tables_dir = folder / "tables"
    tables_dir.mkdir(parents=True, exist_ok=True)
    written = {}
    for name, frame in tables.items():
        path = write_csv(frame, tables_dir / f"{name}.csv")
        written[name] = str(path.relative_to(folder))
    return written


def write_project_areas(folder: Path, areas: gpd.GeoDataFrame | None) -> dict[str, str]:
    """``tables/project_areas.csv`` (the areas' figures, one row per area); nothing without
    areas. The polygons go into the GeoPackage (:mod:`pipeline.products.geopackage`)."""
    if areas is None:
        return {}
    csv = folder / "tables" / "project_areas.csv"
    write_csv(pd.DataFrame(areas.drop(columns="geometry")), csv)
    return {"project_areas": str(csv.relative_to(folder))}


def new_sites_table(masts: pd.DataFrame | None) -> pd.DataFrame:
    """The candidate masts with longitude/latitude, those taken first (``tables/new_sites.csv``)."""
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


def with_lon_lat(frame: pd.DataFrame) -> pd.DataFrame:
    """Add ``lon``/``lat`` (EPSG:4326) from ``x_m``/``y_m`` (EPSG:25833), for the maps."""
    transformer = Transformer.from_crs(CRS_EPSG, 4326, always_xy=True)
    lon, lat = transformer.transform(frame["x_m"].to_numpy(), frame["y_m"].to_numpy())
    return frame.assign(lon=lon, lat=lat)


def write_cost_curve(folder: Path, curves: pd.DataFrame) -> str:
    """``tables/cost_curve.csv``: the published cost curves (per kommune, then the total)."""
    path = folder / "tables" / "cost_curve.csv"
    write_csv(curves, path)
    return str(path.relative_to(folder))
