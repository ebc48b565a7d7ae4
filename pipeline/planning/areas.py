"""Planning: subsidy project areas, budget selection and application files.

Works on the per-address result table of the cost stage (``address_id``, ``kommunenummer``,
``households``, ``x_m``, ``y_m`` in EPSG:25833, ``cost_nok``, ``cost_option``, ``cluster_id``).
An address is *costed* where ``cost_nok`` is not NaN (it is below the cost target and not in a
funded or planned area); every costed address belongs to a planning cluster
(``cluster_id`` ≥ 0), one fibre tree each.

- :func:`project_areas`: one subsidy project area per (kommune, cluster) with its subsidy need
  ``max(0, C − n · v)``;
- :func:`select_areas`: greedy selection by subsidy need per household under a budget;
- :func:`write_application`: the files a kommune attaches to a subsidy application.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import duckdb
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from rich.table import Table

from layers.errors import ConfigError, InputError
from layers.numbers_nb import format_int_nb, format_mnok
from layers.tables import require_columns
from pipeline.products.tables import write_csv
from pipeline.rollout.area_ids import area_ids
from pipeline.store import latest_succeeded_run, read_store

CRS_EPSG = 25833
AREA_KEYS = ["kommunenummer", "cluster_id"]
AREA_COLUMNS = ("address_id", "kommunenummer", "households", "x_m", "y_m", "cost_nok")
AREA_COLUMNS_PLANNING = (*AREA_COLUMNS, "cost_option", "cluster_id")
APPLICATION_CSV_COLUMNS = ("address_id", "address_text", "households", "x_m", "y_m", "cost_nok")
AREAS_LAYER = "prosjektomrader"
HULL_RATIO = 0.3  # shapely.concave_hull ratio: 0 = most concave, 1 = convex hull


def _costed_with_clusters(results: pd.DataFrame) -> pd.DataFrame:
    """Costed rows, ``cluster_id`` as int64; refuses costed rows without a cluster."""
    require_columns(results, AREA_COLUMNS_PLANNING, "project areas")
    costed = results.loc[results["cost_nok"].notna()]
    cluster = pd.to_numeric(costed["cluster_id"], errors="coerce")
    unclustered = cluster.isna() | (cluster < 0)
    if unclustered.any():
        examples = costed.loc[unclustered, "address_id"].head(5).tolist()
        msg = (
            f"project areas: {int(unclustered.sum())} costed addresses have no cluster_id"
            f" (e.g. address_id {examples}); expected a cluster_id ≥ 0 on every address with a"
            " cost (was the run made before the planning clusters?)"
        )
        raise InputError(msg)
    xy_m = costed[["x_m", "y_m"]].to_numpy(dtype="float64")
    if not np.isfinite(xy_m).all():
        msg = "project areas: costed addresses without coordinates; expected finite x_m, y_m"
        raise InputError(msg)
    return costed.assign(cluster_id=cluster.astype("int64")).sort_values(
        [*AREA_KEYS, "address_id"], kind="stable"
    )


def subsidy_need_nok(
    cost_nok: pd.Series, households: pd.Series, viable_nok_per_household: float
) -> pd.Series:
    """The subsidy need of each area: what its cost exceeds the commercial investment by.

    .. math:: S = \\max(0,\\ C - n \\cdot v)

    with :math:`C` the area's cost, :math:`n` its households and :math:`v` what an operator
    invests per household on commercial terms (``[cost].commercially_viable_nok_per_household``).
    """
    return (cost_nok - households * viable_nok_per_household).clip(lower=0.0)


def _majority_technology(costed: pd.DataFrame) -> pd.DataFrame:
    """Per area the ``cost_option`` serving most households (ties: alphabetical, fiber first)."""
    votes = (
        costed.dropna(subset=["cost_option"])
        .groupby([*AREA_KEYS, "cost_option"], sort=True)["households"]
        .sum()
        .reset_index()
        .sort_values([*AREA_KEYS, "households", "cost_option"], ascending=[True, True, False, True])
    )
    return votes.drop_duplicates(AREA_KEYS)[[*AREA_KEYS, "cost_option"]].rename(
        columns={"cost_option": "technology"}
    )


def _check_area_settings(viable_nok_per_household: float, buffer_m: float) -> None:
    if not viable_nok_per_household >= 0:
        msg = (
            f"commercially viable NOK per household: got {viable_nok_per_household};"
            " expected a number ≥ 0"
        )
        raise ConfigError(msg)
    if not buffer_m > 0:
        msg = f"project area buffer_m: got {buffer_m}; expected a distance > 0 m"
        raise ConfigError(msg)


def project_areas(
    results: pd.DataFrame,
    commercially_viable_nok_per_household: float,
    buffer_m: float = 100.0,
) -> gpd.GeoDataFrame:
    """One subsidy project area per (kommune, planning cluster) of the costed addresses.

    .. math::

        C = \\sum_{a} C_a, \\quad n = \\sum_a n_a, \\quad
        S = \\max(0,\\ C - n \\cdot v)

    where :math:`v` is what an operator would invest per household on commercial terms
    (``commercially_viable_nok_per_household``). The polygon is the concave hull of the
    cluster's addresses (:data:`HULL_RATIO`) buffered by ``buffer_m``: one polygon that
    contains every address with a margin of ``buffer_m``.

    ``area_id`` is named by the members, so an area keeps it run after run (the rule, and when
    an id changes: :mod:`pipeline.rollout.area_ids`).

    Returns
    -------
    geopandas.GeoDataFrame
        EPSG:25833; ``area_id`` (``"<kommunenummer>-<smallest address_id>"``),
        ``kommunenummer``, ``cluster_id``, ``technology`` (the ``cost_option`` of most of its
        households), ``addresses``, ``households``, ``cost_nok``, ``cost_per_household_nok``,
        ``subsidy_need_nok``, ``subsidy_need_per_household_nok``, sorted by kommunenummer
        and cluster.
    """
    _check_area_settings(commercially_viable_nok_per_household, buffer_m)
    costed = _costed_with_clusters(results)
    grouped = costed.groupby(AREA_KEYS, sort=True)
    areas = grouped.agg(
        addresses=("address_id", "size"),
        households=("households", "sum"),
        cost_nok=("cost_nok", "sum"),
    ).reset_index()
    areas = areas.merge(_majority_technology(costed), on=AREA_KEYS, how="left")
    households = areas["households"].where(areas["households"] > 0)
    areas["cost_per_household_nok"] = areas["cost_nok"] / households
    areas["subsidy_need_nok"] = subsidy_need_nok(
        areas["cost_nok"], areas["households"], commercially_viable_nok_per_household
    )
    areas["subsidy_need_per_household_nok"] = areas["subsidy_need_nok"] / households
    first = costed.drop_duplicates(AREA_KEYS)  # sorted by address_id within an area
    named = [first[c].to_numpy() for c in ("kommunenummer", "cluster_id", "address_id")]
    areas.insert(0, "area_id", area_ids(*named))
    points = np.asarray(
        shapely.points(costed["x_m"].to_numpy(float), costed["y_m"].to_numpy(float))
    )
    multipoints = shapely.multipoints(points, indices=grouped.ngroup().to_numpy())
    hulls = shapely.concave_hull(multipoints, ratio=HULL_RATIO)
    geometry = shapely.buffer(hulls, buffer_m)
    return gpd.GeoDataFrame(areas, geometry=geometry, crs=CRS_EPSG)


def select_areas(areas: gpd.GeoDataFrame, budget_nok: float) -> gpd.GeoDataFrame:
    """Rank areas by subsidy need per household and select greedily under a budget.

    Areas are ranked by ``subsidy_need_per_household_nok`` (cheapest first; ties by
    ``area_id``; areas without households last). Walking down the ranking, an area is selected
    when its need still fits in what is left of the budget; an area that does not fit is
    **skipped and the walk goes on** (greedy by cost-effectiveness), so a smaller, dearer area
    further down may still be funded:

    .. math:: \\text{select}_k \\iff S_k > 0 \\ \\wedge\\ \\sum_{j < k,\\ selected} S_j + S_k \\le B

    Areas with no subsidy need (:math:`S = 0`: commercially viable) are ranked but never
    selected: the market is expected to build them and they do not belong in an application.

    Returns
    -------
    geopandas.GeoDataFrame
        The areas in rank order with ``rank`` (1 = cheapest), ``selected`` (bool),
        ``cumulative_subsidy_nok`` (need of the areas selected up to and including this rank)
        and ``commercially_viable`` (bool).
    """
    if not budget_nok >= 0:
        msg = f"budget: got {budget_nok} NOK; expected a number ≥ 0"
        raise ConfigError(msg)
    require_columns(
        areas, ("area_id", "subsidy_need_nok", "subsidy_need_per_household_nok"), "areas"
    )
    ranked = areas.sort_values(
        ["subsidy_need_per_household_nok", "area_id"], kind="stable", na_position="last"
    ).reset_index(drop=True)
    need_nok = ranked["subsidy_need_nok"].to_numpy(dtype="float64")
    selected = np.zeros(len(ranked), dtype=bool)
    cumulative_nok = np.zeros(len(ranked))
    spent_nok = 0.0
    for index, area_need_nok in enumerate(need_nok):  # sequential by nature; one step per area
        if area_need_nok > 0 and spent_nok + area_need_nok <= budget_nok:
            spent_nok += area_need_nok
            selected[index] = True
        cumulative_nok[index] = spent_nok
    ranked.insert(1, "rank", np.arange(1, len(ranked) + 1))
    ranked["selected"] = selected
    ranked["cumulative_subsidy_nok"] = cumulative_nok
    ranked["commercially_viable"] = need_nok == 0
    return ranked


def write_application(
    areas_selected: gpd.GeoDataFrame, results_with_text: pd.DataFrame, out_dir: Path
) -> list[Path]:
    """Write the selected areas and their address lists for a subsidy application.

    - ``areas.gpkg`` (layer ``prosjektomrader``, EPSG:25833) and ``areas.geojson``
      (EPSG:4326, as RFC 7946 requires) with the areas' attributes;
    - ``area_<area_id>.csv`` per area: ``address_id``, ``address_text`` (when the results have
      it), ``households``, ``x_m``, ``y_m``, ``cost_nok`` (UTF-8, quoted where needed).

    Only rows with ``selected`` true are written when the frame has that column. Earlier
    ``area_*.csv`` files and the two area files in ``out_dir`` are replaced.

    Returns
    -------
    list of pathlib.Path
        The files written.
    """
    chosen = areas_selected
    if "selected" in chosen.columns:
        chosen = chosen.loc[chosen["selected"].astype(bool)]
    require_columns(results_with_text, (*AREA_KEYS, *APPLICATION_CSV_COLUMNS[2:]), "results")
    out_dir.mkdir(parents=True, exist_ok=True)
    for stale in [*out_dir.glob("area_*.csv"), out_dir / "areas.gpkg", out_dir / "areas.geojson"]:
        stale.unlink(missing_ok=True)
    gpkg = out_dir / "areas.gpkg"
    geojson = out_dir / "areas.geojson"
    chosen.to_file(gpkg, layer=AREAS_LAYER, driver="GPKG")
    chosen.to_crs(4326).to_file(geojson, driver="GeoJSON")
    written = [gpkg, geojson]
    costed = results_with_text.loc[results_with_text["cost_nok"].notna()]
    costed = costed.assign(cluster_id=pd.to_numeric(costed["cluster_id"]).astype("int64"))
    listed = costed.merge(
        pd.DataFrame(chosen[[*AREA_KEYS, "area_id"]]), on=AREA_KEYS, how="inner"
    ).sort_values(["area_id", "address_id"], kind="stable")
    columns = [column for column in APPLICATION_CSV_COLUMNS if column in listed.columns]
    for area_id, rows in listed.groupby("area_id", sort=True):  # one file per area
        path = out_dir / f"area_{area_id}.csv"
        write_csv(rows[columns], path)
        written.append(path)
    return written


COSTED_QUERY = """
SELECT r.address_id, r.kommunenummer, r.households, a.x_m, a.y_m, a.address_text,
       r.cost_nok, r.cost_option, r.cluster_id
FROM address_results r JOIN addresses a USING (run_id, address_id)
WHERE r.run_id = ? AND r.cost_nok IS NOT NULL
ORDER BY r.address_id
"""
# the subsidy case: addresses eligible for support only (pipeline/eligibility.py); NULL in a run
# made before the eligibility stage, where no rule was applied
ELIGIBLE_FILTER = "AND r.cost_nok IS NOT NULL AND r.eligible IS NOT FALSE"
# short bokmål names of the cost options for the printed table
SHORT_OPTION_NB = {
    "fiber": "fiber",
    "fwa": "FWA",
    "fwa_new_site": "ny mast",
    "satellite": "satellitt",
}
TABLE_ROWS = 40  # selected areas printed by :func:`areas_table`; the files hold them all


def _has_cluster_column(connection: duckdb.DuckDBPyConnection) -> bool:
    row = connection.execute(
        "SELECT count(*) FROM information_schema.columns"
        " WHERE table_name = 'address_results' AND column_name = 'cluster_id'"
    ).fetchone()
    return row is not None and row[0] > 0


def _has_eligible_column(connection: duckdb.DuckDBPyConnection) -> bool:
    row = connection.execute(
        "SELECT count(*) FROM information_schema.columns"
        " WHERE table_name = 'address_results' AND column_name = 'eligible'"
    ).fetchone()
    return row is not None and row[0] > 0


def read_costed_addresses(store_path: Path, kommuner: Sequence[str]) -> tuple[str, pd.DataFrame]:
    """The latest succeeded run's costed addresses eligible for support (the subsidy case:
    :mod:`pipeline.eligibility`) with text, coordinates and cluster.

    Returns the run id and a frame with ``address_id``, ``kommunenummer``, ``households``,
    ``x_m``, ``y_m``, ``address_text``, ``cost_nok``, ``cost_option``, ``cluster_id``, limited
    to ``kommuner`` when any are given. Opens the store read-only.
    """
    if not store_path.exists():
        msg = f"{store_path}: store not found; expected the store of a finished `gapmap run`"
        raise InputError(msg)
    try:
        with read_store(store_path) as connection:
            run_id = latest_succeeded_run(connection, store_path)
            if not _has_cluster_column(connection):
                msg = (
                    f"{store_path}: address_results has no cluster_id column (run {run_id} was"
                    " made by a gapmap without planning clusters); expected it: rerun"
                    " `gapmap run` with the current version"
                )
                raise InputError(msg)
            query = COSTED_QUERY
            if _has_eligible_column(connection):
                query = query.replace("AND r.cost_nok IS NOT NULL", ELIGIBLE_FILTER)
            costed = connection.execute(query, [run_id]).df()
            known = connection.execute(
                "SELECT DISTINCT kommunenummer FROM addresses WHERE run_id = ?", [run_id]
            ).fetchall()
    except duckdb.Error as exc:
        msg = f"{store_path}: cannot read the store: {exc}"
        raise InputError(msg) from exc
    known_kommuner = sorted(str(kommunenummer) for (kommunenummer,) in known)
    unknown = sorted(set(kommuner) - set(known_kommuner))
    if unknown:
        msg = f"--kommune: {unknown} not in run {run_id}; expected some of {known_kommuner}"
        raise InputError(msg)
    if kommuner:
        costed = costed.loc[costed["kommunenummer"].isin(list(kommuner))]
    return run_id, costed.reset_index(drop=True)


def areas_table(ranked: pd.DataFrame, run_id: str) -> Table:
    """The selected areas of :func:`select_areas` (at most :data:`TABLE_ROWS`), in rank order."""
    chosen = ranked.loc[ranked["selected"]]
    shown = f", de {TABLE_ROWS} første" if len(chosen) > TABLE_ROWS else ""
    table = Table(
        title=f"Prosjektområder innenfor budsjettet (kjøring {run_id}{shown}; beløp i mill. kr)"
    )
    for column in (
        "nr",
        "område",
        "tekn.",
        "husst.",
        "kostnad",
        "kr/husst.",
        "støtte",
        "kum. støtte",
    ):
        is_id = column == "område"  # the whole id, never cut: it is what a kommune cites
        table.add_column(
            column,
            justify="left" if is_id else "right",
            no_wrap=not is_id,
            overflow="fold" if is_id else "ellipsis",
        )
    for row in chosen.head(TABLE_ROWS).to_dict(orient="records"):
        technology = row["technology"]
        table.add_row(
            str(row["rank"]),
            str(row["area_id"]),
            SHORT_OPTION_NB.get(technology, technology) if isinstance(technology, str) else "–",
            format_int_nb(row["households"]),
            format_mnok(row["cost_nok"]),
            format_int_nb(row["cost_per_household_nok"]),
            format_mnok(row["subsidy_need_nok"]),
            format_mnok(row["cumulative_subsidy_nok"]),
        )
    return table


def areas_totals(ranked: pd.DataFrame, budget_nok: float) -> str:
    """One line: areas and households selected, subsidy need against the budget."""
    chosen = ranked.loc[ranked["selected"]]
    needing = ranked.loc[~ranked["commercially_viable"]]
    return (
        f"Selected {len(chosen)} of {len(needing)} areas that need subsidy"
        f" ({format_int_nb(chosen['households'].sum())} of"
        f" {format_int_nb(needing['households'].sum())} households): subsidy need"
        f" {format_mnok(chosen['subsidy_need_nok'].sum())} mill. kr of a budget of"
        f" {format_mnok(budget_nok)} mill. kr (all areas:"
        f" {format_mnok(needing['subsidy_need_nok'].sum())} mill. kr);"
        f" {int(ranked['commercially_viable'].sum())} areas commercially viable"
        " (no subsidy need, not selected)."
    )
