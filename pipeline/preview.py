"""A kommune preview: ``gapmap run --kommune 3420`` runs the stages on one kommune's rows.

A planner who has corrected an input wants to see its kommune again in seconds, not after a
national run. The preview reads the national run's inputs (and its caches: the parsed files,
the line of sight, the map pieces), keeps the kommune's rows, and publishes into
``<output_dir>/kommuner/<kommunenummer>/`` with a store of its own, so the national
``current`` and the national store are never touched.

What the preview keeps, and why its figures are the national run's for the kommune:

- addresses: those located in the kommune or in a neighbour (a kommune within
  ``[cost.fibre] cluster_distance_m`` of it): the stages run on them, so a project area that
  crosses the border is whole; then only the kommune's rows are stored and published;
- the rows keyed by an address (offers, lacking lists, Nkom's register, the 5G obligation)
  of those addresses; buildings of the kommuner those addresses name, or near the kommune;
- every polygon of the kommune layer as land (a fibre edge is sea only outside all of them),
  and the whole site, fibre, road and area layers (a site or a fibre line outside the kommune
  still serves it).

Classes, reasons and eligibility are per address, so they are the national run's. The cost
stage's project areas are single-linkage clusters, so one can chain across a neighbour into a
third kommune; only then can a cost differ from the national run's. Fylke and nation rows
are not computed (one kommune is not a fylke); the published tables hold the kommune's rows,
and the manifest's ``scope`` says so.
"""

from __future__ import annotations

import dataclasses
import re

import duckdb
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from layers.errors import ConfigError, InputError
from pipeline.config import Config
from pipeline.ingest import Ingested
from pipeline.ingest_cache import rows_kept
from pipeline.preview_scope import address_scope, context_area, context_kommuner, near_kommune

PREVIEWS_DIR = "kommuner"  # under the national output_dir: kommuner/<kommunenummer>/

NOTE_NB = (
    "Forhåndsvisning av én kommune, regnet på kommunens og nabokommunenes adresser. Fylke og"
    " landet er ikke med; se den nasjonale kjøringen."
)


def preview_config(config: Config, kommunenummer: str) -> Config:
    """``config`` for a preview of ``kommunenummer``: its output (and store) in
    ``<output_dir>/kommuner/<kommunenummer>/``, the national run's caches shared (read and
    added to, never pruned) and its corrections register read."""
    if not re.fullmatch(r"\d{4}", kommunenummer):
        msg = f"--kommune: got {kommunenummer!r}, expected a kommunenummer of four digits (3420)"
        raise ConfigError(msg)
    run = config.run
    folder = run.output_dir / PREVIEWS_DIR / kommunenummer
    scoped = dataclasses.replace(
        run,
        output_dir=folder,
        store_path=folder / "gapmap.duckdb",
        cache_dir=run.cache_folder,
        corrections_path=run.corrections_register,
    )
    return dataclasses.replace(config, run=scoped)


def _of_addresses(frame: pd.DataFrame, address_ids: pd.Series) -> pd.DataFrame:
    """The rows of ``frame`` keyed by one of ``address_ids`` (index reset)."""
    return frame.loc[frame["address_id"].isin(address_ids)].reset_index(drop=True)


def _maybe_of_addresses(frame: pd.DataFrame | None, address_ids: pd.Series) -> pd.DataFrame | None:
    """:func:`_of_addresses` of a table that may be absent."""
    return None if frame is None else _of_addresses(frame, address_ids)


def candidates_of(config: Config, inputs: Ingested, kommunenummer: str) -> Ingested:
    """The inputs cut to the addresses that may lie in ``kommunenummer`` or a neighbour
    (before locate; :func:`pipeline.preview_scope.address_scope`, which ingest applies already
    when it reads the addresses) and the rows that hang on them; every kommune polygon is kept
    (locate needs them to place a border address, the cost stage as land)."""
    kommuner = inputs.kommuner
    scope = address_scope(config, kommuner, kommunenummer)
    kept = inputs.addresses.loc[rows_kept(inputs.addresses, scope)].reset_index(drop=True)
    _, polygon = context_area(config, kommuner, kommunenummer)
    buildings = _buildings_near(inputs.buildings, kept, polygon, config)
    cut = dataclasses.replace(inputs, buildings=buildings, land=kommuner.geometry.to_numpy())
    return _with_addresses(cut, kept)


def _with_addresses(inputs: Ingested, addresses: pd.DataFrame) -> Ingested:
    """``inputs`` with ``addresses`` and only the rows keyed by one of them."""
    ids = addresses["address_id"]
    return dataclasses.replace(
        inputs,
        addresses=addresses,
        offers=_of_addresses(inputs.offers, ids),
        lacking=_of_addresses(inputs.lacking, ids),
        nkom_register=_maybe_of_addresses(inputs.nkom_register, ids),
        obligation_5g=_maybe_of_addresses(inputs.obligation_5g, ids),
    )


def _buildings_near(
    buildings: gpd.GeoDataFrame | None,
    addresses: pd.DataFrame,
    polygon: shapely.Geometry,
    config: Config,
) -> gpd.GeoDataFrame | None:
    """The buildings an address of ``addresses`` may link to: of a kommune they name (the
    cadastral link) or near the kommune (the nearest-within-tolerance fallback)."""
    if buildings is None:
        return None
    named = buildings["kommunenummer"].isin(addresses["kommunenummer"].unique()).to_numpy()
    x_m, y_m = shapely.get_x(buildings.geometry.values), shapely.get_y(buildings.geometry.values)
    margin_m = config.locate.tolerance_m + config.premises.link_tolerance_m
    near = near_kommune(np.asarray(x_m), np.asarray(y_m), polygon, margin_m)
    return buildings.loc[named | near].reset_index(drop=True)


def located_in(config: Config, inputs: Ingested, kommunenummer: str) -> Ingested:
    """After locate: the addresses located in ``kommunenummer`` or a neighbour (the stages
    run on them, so a project area across the border is whole), and those kommuner."""
    if not (inputs.addresses["kommunenummer"] == kommunenummer).any():
        msg = (
            f"--kommune {kommunenummer}: no address of {config.inputs.addresses} lies in it;"
            " expected a kommune with addresses (the national run lists them in"
            " tables/gap_table.csv)"
        )
        raise InputError(msg)
    margin_m = config.cost.fibre.cluster_distance_m
    context = context_kommuner(inputs.kommuner, kommunenummer, margin_m)
    mine = inputs.addresses["kommunenummer"].isin(context).to_numpy()
    kommuner = inputs.kommuner.loc[inputs.kommuner["kommunenummer"].isin(context)]
    cut = dataclasses.replace(inputs, kommuner=kommuner)
    return _with_addresses(cut, inputs.addresses.loc[mine].reset_index(drop=True))


def kommune_only(
    inputs: Ingested,
    results: pd.DataFrame,
    tables: tuple[pd.DataFrame, pd.DataFrame],
    kommunenummer: str,
) -> tuple[Ingested, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """After the address stages: the inputs, results, masts and judged FWA claims
    (``tables``) of ``kommunenummer`` alone, which the store, the aggregates and the products
    see."""
    masts, claims = tables
    mine = (results["kommunenummer"] == kommunenummer).to_numpy()
    kommuner = inputs.kommuner.loc[inputs.kommuner["kommunenummer"] == kommunenummer]
    fylker = inputs.fylker.loc[inputs.fylker["fylkesnummer"].isin(kommuner["fylkesnummer"])]
    addresses = inputs.addresses.loc[mine].reset_index(drop=True)
    counts = _others_outside(inputs.counts, len(addresses))
    cut = dataclasses.replace(
        inputs, kommuner=kommuner, fylker=fylker.reset_index(drop=True), counts=counts
    )
    kept_masts = masts.loc[masts["kommunenummer"] == kommunenummer].reset_index(drop=True)
    kept_claims = claims.loc[claims["address_id"].isin(addresses["address_id"])]
    return (
        _with_addresses(cut, addresses),
        results.loc[mine].reset_index(drop=True),
        kept_masts,
        kept_claims.reset_index(drop=True),
    )


def _others_outside(counts: pd.DataFrame, kept: int) -> pd.DataFrame:
    """The layer counts with the ``kept`` addresses (the kommune's) accepted and every other
    address not quarantined (the neighbours', read for the stages, and the rest of the file)
    counted as outside: rows read = accepted + merged + quarantined + outside still."""
    counts = counts.copy()
    row = counts["layer"] == "addresses"
    others = counts.loc[row, ["rows_merged", "rows_quarantined"]].sum(axis=1)
    counts.loc[row, "rows_accepted"] = kept
    counts.loc[row, "rows_outside"] = counts.loc[row, "rows_read"] - others - kept
    return counts


def drop_wider_levels(connection: duckdb.DuckDBPyConnection, run_id: str) -> None:
    """Delete the run's fylke and total rows of the stored summaries, so the changes and the
    trend (read from the store) hold the kommune's rows alone, as the gap table does."""
    for table in ("gap_summary", "cost_summary"):
        connection.execute(f"DELETE FROM {table} WHERE run_id = ? AND level <> 'kommune'", [run_id])


def kommune_rows_only(gap_table: pd.DataFrame) -> pd.DataFrame:
    """The gap table's kommune rows: a preview's fylke and total would be the kommune's own
    figures under the fylke's and the nation's names."""
    return gap_table.loc[gap_table["level"] == "kommune"].reset_index(drop=True)


def scope_of(kommunenummer: str) -> dict[str, str]:
    """The manifest's ``scope`` of a preview."""
    return {"level": "kommune", "kommunenummer": kommunenummer, "note_nb": NOTE_NB}
