"""``gapmap scenario run``: the ``[scenarios]`` again on a stored run's inputs, no new ingest.

The run's addresses (positions, premises, households), offers, Nkom lacking figures, terrain,
line of sight, eligibility and classes are read back from the store; only the small layers the
cost stage draws on (fibre, roads, cost factors) and the planned and funded areas are read from
the config's files again, as ``gapmap sensitivity`` does. The scenarios then run exactly as in
a run (:func:`pipeline.scenarios.run_scenarios`), on the run's executor and reach cache, and
are stored under that run, replacing its earlier rows of the same scenarios.

What cannot be read back: Nkom's lacking lists are stored per address as the figure that held
(``nkom_lacking_mbps``), without the list's date, so a scenario that counts newer offers cannot
make a list row stale as the run could (the README says so).
"""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import duckdb
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from layers.errors import ConfigError, RunError
from layers.quarantine import empty_quarantine
from pipeline import scenario_tables, scenarios
from pipeline.config import Config
from pipeline.config_scenarios import BASE
from pipeline.cost import read_cost_layers
from pipeline.executor import open_executor
from pipeline.ingest import Ingested, read_area_layers
from pipeline.progress import NO_PROGRESS, Progress
from pipeline.run import reach_cache_of
from pipeline.store import latest_succeeded_run, open_store

RESULT_COLUMNS: tuple[str, ...] = (
    "elevation_m",
    "wireless_down_mbps",
    "wireless_up_mbps",
    "nkom_lacking_mbps",
    "eligible",
    "cost_nok",
    "cluster_id",
)


@dataclass(frozen=True)
class Rerun:
    """What ``gapmap scenario run`` did: the run, the comparison, the seconds it took."""

    run_id: str
    comparison: pd.DataFrame
    seconds: float


def _frame(connection: duckdb.DuckDBPyConnection, sql: str, run_id: str) -> pd.DataFrame:
    return connection.execute(sql, {"run_id": run_id}).df()


def _kommuner(connection: duckdb.DuckDBPyConnection, run_id: str) -> gpd.GeoDataFrame:
    frame = _frame(
        connection,
        "SELECT kommunenummer, kommunenavn, fylkesnummer, geometry_wkb FROM kommuner"
        " WHERE run_id = $run_id ORDER BY rowid",
        run_id,
    )
    shapes = shapely.from_wkb(np.array([bytes(b) for b in frame.pop("geometry_wkb")], object))
    return gpd.GeoDataFrame(frame, geometry=shapes, crs=25833)


def _addresses(connection: duckdb.DuckDBPyConnection, run_id: str) -> gpd.GeoDataFrame:
    frame = _frame(
        connection,
        "SELECT * EXCLUDE (run_id) FROM addresses WHERE run_id = $run_id ORDER BY rowid",
        run_id,
    )
    points = shapely.points(frame["x_m"].to_numpy(), frame["y_m"].to_numpy())
    return gpd.GeoDataFrame(frame, geometry=points, crs=25833)


def _offers(connection: duckdb.DuckDBPyConnection, run_id: str) -> pd.DataFrame:
    offers = _frame(
        connection,
        "SELECT address_id, operator, technology, down_mbps, up_mbps, source,"
        " source_date::TIMESTAMP AS source_date FROM offers WHERE run_id = $run_id"
        " ORDER BY rowid",
        run_id,
    )
    return offers.assign(row_number=-1).astype({"source_date": "datetime64[ns]"})


def _results(
    connection: duckdb.DuckDBPyConnection, run_id: str, config: Config, addresses: pd.DataFrame
) -> pd.DataFrame:
    """The address stages' columns the scenarios read, aligned to ``addresses``."""
    columns = ", ".join(RESULT_COLUMNS)
    stored = _frame(
        connection,
        f"SELECT address_id, {columns} FROM address_results WHERE run_id = $run_id",
        run_id,
    ).set_index("address_id")
    classes = _frame(
        connection,
        "SELECT address_id, target, class FROM address_classes WHERE run_id = $run_id",
        run_id,
    ).pivot(index="address_id", columns="target", values="class")
    ids = addresses["address_id"].to_numpy()
    results = addresses[list(scenarios.PER_ADDRESS)].copy()
    for column in RESULT_COLUMNS:
        results[column] = stored[column].reindex(ids).to_numpy()
    for target in config.targets:
        results[f"class_{target.name}"] = classes[target.name].reindex(ids).to_numpy()
    return results


def stored_inputs(
    config: Config, connection: duckdb.DuckDBPyConnection, run_id: str
) -> tuple[Ingested, pd.DataFrame]:
    """The run's inputs as the address stages left them, and their per-address results."""
    addresses = _addresses(connection, run_id)
    results = _results(connection, run_id, config, addresses)
    listed = results["nkom_lacking_mbps"].notna().to_numpy()
    lacking = pd.DataFrame(
        {
            "address_id": addresses["address_id"].to_numpy()[listed],
            "lacking_mbps": results["nkom_lacking_mbps"].to_numpy()[listed],
            "source_date": pd.Series(
                pd.NaT, index=range(int(listed.sum())), dtype="datetime64[ns]"
            ),
        }
    )
    fibre, roads, factors = read_cost_layers(config.inputs)
    inputs = Ingested(
        kommuner=_kommuner(connection, run_id),
        fylker=_frame(
            connection, "SELECT fylkesnummer, fylkesnavn FROM fylker WHERE run_id = $run_id", run_id
        ),
        addresses=addresses,
        offers=_offers(connection, run_id),
        lacking=lacking,
        areas=read_area_layers(config)[1],
        sites=None,
        fibre=fibre,
        roads=roads,
        cost_factors=factors,
        quarantine=empty_quarantine(),
        counts=pd.DataFrame(),
        metadata={},
    )
    return inputs, results


def _identity(connection: duckdb.DuckDBPyConnection, run_id: str) -> pd.DataFrame:
    """The run's gap-table rows (level, fylkesnummer, kommunenummer, kommunenavn)."""
    return _frame(
        connection,
        """
        SELECT DISTINCT g.level, g.fylkesnummer, g.kommunenummer,
               CASE g.level WHEN 'total' THEN 'Totalt'
                    WHEN 'fylke' THEN coalesce(f.fylkesnavn, 'Fylke ' || g.fylkesnummer)
                    ELSE k.kommunenavn END AS kommunenavn
        FROM gap_summary g
        LEFT JOIN kommuner k ON k.run_id = g.run_id AND k.kommunenummer = g.kommunenummer
        LEFT JOIN fylker f ON f.run_id = g.run_id AND f.fylkesnummer = g.fylkesnummer
        WHERE g.run_id = $run_id
        ORDER BY coalesce(g.fylkesnummer, '~~'), g.level = 'fylke', g.level = 'total',
                 g.kommunenummer
        """,
        run_id,
    )


def chosen_scenarios(config: Config, names: Sequence[str]) -> Config:
    """``config`` with only the scenarios ``names`` (all when empty); :class:`ConfigError` for
    a name the config lacks, or a config without scenarios."""
    known = [s.name for s in config.scenarios]
    if not known:
        msg = f"{config.source_path}: no [scenarios.<name>] tables; expected at least one (README)"
        raise ConfigError(msg)
    unknown = [n for n in names if n not in known]
    if unknown:
        msg = f"--name: got {unknown}, expected scenarios of {config.source_path}: {known}"
        raise ConfigError(msg)
    kept = tuple(s for s in config.scenarios if not names or s.name in names)
    return dataclasses.replace(config, scenarios=kept)


def _checksums(connection: duckdb.DuckDBPyConnection, run_id: str) -> dict[str, Any]:
    row = connection.execute(
        "SELECT input_checksums FROM runs WHERE run_id = ?", [run_id]
    ).fetchone()
    return dict(json.loads(row[0])) if row else {}


def rerun_scenarios(
    config: Config, names: Sequence[str] = (), progress: Progress = NO_PROGRESS
) -> Rerun:
    """The scenarios (``names``, or all) on the latest succeeded run's stored inputs, stored
    under that run (its earlier rows of the same scenarios replaced)."""
    config = chosen_scenarios(config, names)
    if not config.store_path.exists():
        msg = f"{config.store_path}: no store yet; run `gapmap run --config …` first"
        raise RunError(msg)
    started = time.perf_counter()
    with open_store(config.store_path) as connection:
        run_id = latest_succeeded_run(connection, config.store_path)
        inputs, results = stored_inputs(config, connection, run_id)
        cache = reach_cache_of(config, _checksums(connection, run_id))  # the run's own
        with open_executor(config.run) as pool:
            done = scenarios.run_scenarios(config, inputs, results, (progress, pool, cache))
        compared = scenario_tables.comparison(config, results, done, _identity(connection, run_id))
        chosen = [s.name for s in config.scenarios]
        for table in ("scenario_summary", "scenario_costs", "scenario_classes"):
            connection.execute(
                f"DELETE FROM {table} WHERE run_id = ? AND list_contains(?, scenario)",
                [run_id, [BASE, *chosen]],
            )
        changed = scenario_tables.all_changed_classes(done, results)
        scenario_tables.store_scenarios(connection, run_id, compared, changed)
    return Rerun(run_id, compared, time.perf_counter() - started)
