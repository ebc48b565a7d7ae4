"""The run's tables as files: the machine CSVs, the GeoPackage, the challenge list.

Everything here is written into the run's own folder by the publish stage
(:mod:`pipeline.publish`), before ``current`` is switched to it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import Transformer

from layers.numbers_nb import format_decimal_nb, format_number_nb
from layers.vocabulary import CRS_EPSG
from pipeline.config import WirelessSettings
from pipeline.radio.claims import CLAIM_STATUS_NB, DOUBTFUL_STATUSES
from pipeline.rollout.choice import MAST_COLUMNS

# a text cell starting with one of these is a formula to a spreadsheet (OWASP, "CSV injection")
FORMULA_START = r"^[=+\-@\t\r]"
CHALLENGE_ADDRESS_COLUMNS = (
    "address_id",
    "kommunenummer",
    "kommunenavn",
    "address_text",
    "households",
    "x_m",
    "y_m",
)
CLAIM_SITE_COLUMNS = ("site_id", "site_distance_m", "site_antenna_height_m", "site_frequency_mhz")
CHALLENGE_CLAIM_COLUMNS = (
    "claimed_operator",
    "claimed_down_mbps",
    "claimed_up_mbps",
    "claim_status",
    "claim_status_nb",
    *(f"fwa_{c}" for c in CLAIM_SITE_COLUMNS),
    "sites_in_range",
    "worst_clearance_ratio",
    "obstruction_x_m",
    "obstruction_y_m",
    "dtm_file",
    "dtm_sha256",
    "clearance_rule",
)


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


def dtm_stamp(dtm: Path | None, checksums: Mapping[str, Mapping[str, Any]]) -> dict[str, str]:
    """Which DTM decided: ``file`` (its name; a folder of tiles as "dtm/ (3 fliser)") and
    ``sha256`` (the file's, from the run's input checksums; for tiles the SHA-256 of their
    "name sha256" lines in name order); "" where the run has no DTM or no checksums."""
    if dtm is None:
        return {"file": "", "sha256": ""}
    tiles = sorted((k, v) for k, v in checksums.items() if k.startswith("dtm/"))
    if "dtm" in checksums:
        return {"file": dtm.name, "sha256": str(checksums["dtm"].get("sha256", ""))}
    if not tiles:
        return {"file": dtm.name, "sha256": ""}
    lines = "".join(f"{k.removeprefix('dtm/')} {v.get('sha256', '')}\n" for k, v in tiles)
    digest = hashlib.sha256(lines.encode()).hexdigest()
    return {"file": f"{dtm.name}/ ({len(tiles)} fliser)", "sha256": digest}


def clearance_rule_nb(
    fresnel_clearance: float, k_factor: float, cpe_height_m: float, antenna_height_m: np.ndarray
) -> pd.Series:
    """The clearance rule that decided, in bokmål, per claim: "60 % av første Fresnel-sone fri,
    k = 1,33, CPE 5 m og mastantenne 30 m over bakken" (the antenna height is the site's)."""
    antenna = pd.Series(antenna_height_m, dtype="float64")
    known = antenna.notna().to_numpy()
    rule = (
        f"{format_number_nb(100 * fresnel_clearance)} % av første Fresnel-sone fri, "
        f"k = {format_decimal_nb(k_factor, 2)}, CPE {format_number_nb(cpe_height_m)} m"
    )
    text = pd.Series(rule + " over bakken", index=antenna.index, dtype="object")
    heights = antenna[known].map(format_number_nb).astype("object")
    text[known] = rule + " og mastantenne " + heights + " m over bakken"
    return text


def fwa_challenge_list(
    results: pd.DataFrame,
    claims: pd.DataFrame,
    dtm: Mapping[str, str],
    wireless: WirelessSettings,
) -> pd.DataFrame:
    """The fixed-wireless claims that the claimant's own FWA sites cannot back: what a
    kommune can send back to the operator or to Nkom.

    One row per claim of ``claims`` (:func:`pipeline.radio.claims.judge_fwa_claims`: judged
    against the claiming operator's own FWA sites only) whose status is one of
    :data:`pipeline.radio.claims.DOUBTFUL_STATUSES`, with the address, the own FWA site that
    decided (``fwa_site_*``; never another operator's site nor a mobile mast), where the
    terrain cuts its line, the DTM (``dtm_file``, ``dtm_sha256`` of ``dtm``) and the
    clearance rule (``clearance_rule``, :func:`clearance_rule_nb`).
    """
    doubtful = claims.loc[claims["claim_status"].isin(DOUBTFUL_STATUSES)]
    where = results[list(CHALLENGE_ADDRESS_COLUMNS)].drop_duplicates("address_id")
    table = doubtful.merge(where, on="address_id", how="inner", validate="many_to_one")
    table = table.rename(columns={c: f"fwa_{c}" for c in CLAIM_SITE_COLUMNS})
    table["claim_status_nb"] = table["claim_status"].map(CLAIM_STATUS_NB)
    table["dtm_file"] = dtm.get("file", "")
    table["dtm_sha256"] = dtm.get("sha256", "")
    table["clearance_rule"] = clearance_rule_nb(
        wireless.fresnel_clearance,
        wireless.k_factor,
        wireless.cpe_height_m,
        table["fwa_site_antenna_height_m"].to_numpy("float64"),
    ).to_numpy(dtype=object)
    columns = [*CHALLENGE_ADDRESS_COLUMNS, *CHALLENGE_CLAIM_COLUMNS]
    return (
        table[columns]
        .sort_values(["kommunenummer", "address_id", "claimed_operator"])
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
