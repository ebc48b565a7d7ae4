"""Benchmark the pipeline's per-address stages at national scale on synthetic addresses.

Reads the real kommune boundaries, draws ``--addresses`` synthetic addresses inside them
(clustered towns and villages plus a share of scattered rural homes) with operator offers that
follow an urban / rural pattern, then runs the pipeline's own driver on them
(:func:`pipeline.run.run_pipeline` with the tables in memory instead of ingest's files: every
stage from locate to publish, as ``gapmap run`` runs them) and records, per stage, the wall
time (``time.perf_counter``), the resident memory at the start and the peak resident memory
during the stage.

Peak memory per stage: before each stage the kernel's high-water mark is reset
(``/proc/self/clear_refs`` ← ``5``), so ``getrusage(RUSAGE_SELF).ru_maxrss`` read after the
stage is that stage's own peak; the process peak is the maximum over the stages. Where the
reset is not allowed, ``ru_maxrss`` is the monotone process peak and the table says so.

Usage (from the repository root)::

    .venv/bin/python scripts/benchmark_stages.py --kommuner KOMMUNER.geojson   # 2.6 M addresses
    .venv/bin/python scripts/benchmark_stages.py --kommuner KOMMUNER.geojson \
        --addresses 260000 --json bench-260k.json

``KOMMUNER.geojson`` is a kommune boundary file in any format ``layers.kommuner`` reads: the
357 kommuner of 2024 from Kartverket (``gapmap fetch`` downloads them per kommune; the
national file is at Geonorge, "Administrative enheter kommuner").
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import duckdb
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from layers.errors import InputError
from layers.kommuner import read_kommuner
from layers.quarantine import empty_quarantine
from pipeline.config import Config, Inputs, RunSettings
from pipeline.ingest import Ingested, _fylker_of
from pipeline.run import RunResult, run_pipeline
from pipeline.timing import reset_peak_rss

RUN_ID = "benchmark"
SOURCE = "benchmark-synthetic"

# Address layout: mean addresses per cluster (town / village / hamlet) and scatter width.
MEAN_CLUSTER_ADDRESSES = 250
CLUSTER_SIGMA_M_PER_SQRT_ADDRESS = 40.0
CLUSTER_SIGMA_RANGE_M = (120.0, 4_000.0)
CORE_RADIUS_SIGMAS = 1.2  # within this many sigmas of a centre of a town = "core"
CORE_MIN_CLUSTER_ADDRESSES = 150
WRONG_KOMMUNENUMMER_SHARE = 0.001
SETTINGS = ("core", "fringe", "rural")

# Probability of one offer of each technology per address, by setting (core, fringe, rural):
# fibre near town centres, xDSL and fixed wireless in the fringe and countryside, a few with
# nothing counted at all (about 7 % of rural addresses). Roughly Nkom's picture with a wider
# gap (about 15 % below gigabit instead of 4 %), so that the cost stage is not understated.
OFFER_PROBABILITY = {
    "fiber": (0.985, 0.90, 0.70),
    "hfc": (0.30, 0.05, 0.0),
    "xdsl": (0.15, 0.35, 0.40),
    "fwa": (0.02, 0.25, 0.45),
    "mobile_4g": (0.40, 0.45, 0.50),
    "mobile_5g": (0.20, 0.05, 0.0),
    "satellite": (0.0, 0.01, 0.08),
}
# Product tiers per technology: (down_mbps, up_mbps, probability).
SPEED_TIERS = {
    "fiber": ((1000, 1000, 0.8), (1000, 500, 0.1), (500, 500, 0.07), (300, 300, 0.03)),
    "hfc": ((1000, 100, 0.8), (500, 50, 0.15), (250, 25, 0.05)),
    "xdsl": ((100, 20, 0.2), (50, 10, 0.3), (40, 5, 0.25), (20, 2, 0.15), (10, 1, 0.1)),
    "fwa": ((200, 40, 0.3), (100, 20, 0.4), (50, 10, 0.3)),
    "mobile_4g": ((150, 40, 0.2), (80, 20, 0.3), (40, 10, 0.3), (15, 4, 0.2)),
    "mobile_5g": ((500, 60, 0.5), (300, 50, 0.5)),
    "satellite": ((200, 20, 0.6), (100, 10, 0.4)),
}
OPERATORS = {
    "fiber": ("Fjordnett", "Kystfiber", "Dalnett", "Bygdefiber"),
    "hfc": ("Kabelnett",),
    "xdsl": ("Kobber AS",),
    "fwa": ("Fjellradio", "Nordlys Mobil"),
    "mobile_4g": ("Fjellradio", "Nordlys Mobil", "Mobilen"),
    "mobile_5g": ("Fjellradio", "Nordlys Mobil"),
    "satellite": ("Himmelnett",),
}
STREETS = np.array(
    [
        "Storgata", "Kirkevegen", "Skolevegen", "Fjordvegen", "Bakken", "Gamle riksvei",
        "Stasjonsvegen", "Elvegata", "Sjøgata", "Myrvegen", "Furulia", "Bjørkelia",
        "Haugen", "Strandvegen", "Industrivegen", "Solbakken", "Åsvegen", "Østre gate",
    ]
)  # fmt: skip


# --------------------------------------------------------------------------------------------
# Measuring


@dataclass
class StageFigures:
    """Wall time, memory and what the stage reported of one stage."""

    stage: str
    seconds: float
    start_rss_mb: float
    peak_rss_mb: float
    detail: dict[str, str]


@dataclass
class StageTimer:
    """Times stages and records their peak resident memory (module docstring); the driver's
    :class:`pipeline.timing.StageTimer` protocol."""

    figures: list[StageFigures] = field(default_factory=list)
    rows: list[dict[str, Any]] = field(default_factory=list)
    peak_reset: bool = True

    @contextmanager
    def stage(self, name: str) -> Iterator[dict[str, str]]:
        """Time the ``with`` block; the block may add figures to the yielded dict."""
        detail: dict[str, str] = {}
        if self.peak_reset:
            self.peak_reset = reset_peak_rss()
        start_rss_mb = current_rss_mb()
        started = time.perf_counter()
        yield detail
        seconds = time.perf_counter() - started
        peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        self.figures.append(StageFigures(name, seconds, start_rss_mb, peak_rss_mb, detail))
        self.rows.append({"stage": name, "seconds": seconds, "peak_rss_mb": peak_rss_mb})
        print(f"  {name:<38} {seconds:8.2f} s  peak {peak_rss_mb:8.0f} MB", flush=True)

    @property
    def process_peak_rss_mb(self) -> float:
        """The highest peak seen over all stages (the process peak)."""
        return max((f.peak_rss_mb for f in self.figures), default=0.0)


def current_rss_mb() -> float:
    """Resident memory of this process now, MB (NaN where ``/proc`` is absent)."""
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return float("nan")
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def machine_info() -> dict[str, Any]:
    """CPU count, memory, Python and library versions of this machine."""
    versions = {}
    for name in ("numpy", "pandas", "geopandas", "shapely", "scipy", "duckdb", "pyarrow"):
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "absent"
    mem_total_gib = float("nan")
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        first = meminfo.read_text().splitlines()[0].split()
        mem_total_gib = int(first[1]) / 1024**2
    return {
        "nproc": len(os.sched_getaffinity(0)),
        "cpu_count": os.cpu_count(),
        "mem_total_gib": round(mem_total_gib, 1),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "geos": shapely.geos_version_string,
        **versions,
    }


# --------------------------------------------------------------------------------------------
# Synthetic addresses


@dataclass(frozen=True)
class AddressLayout:
    """Positions of the synthetic addresses and what each needs to draw its offers."""

    x_m: np.ndarray
    y_m: np.ndarray
    kommune_idx: np.ndarray  # index of the polygon the address was drawn in
    setting: np.ndarray  # 0 core, 1 fringe, 2 rural (index into SETTINGS)


def uniform_in_polygon(
    polygon: shapely.Geometry, count: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """``count`` points uniform in ``polygon``: rejection sampling in its bounds, in batches."""
    min_x, min_y, max_x, max_y = shapely.bounds(polygon)
    acceptance = max(float(shapely.area(polygon)) / ((max_x - min_x) * (max_y - min_y)), 0.01)
    parts_x, parts_y, have = [], [], 0
    while have < count:
        batch = int((count - have) / acceptance * 1.2) + 16
        x_m = rng.uniform(min_x, max_x, batch)
        y_m = rng.uniform(min_y, max_y, batch)
        inside = shapely.contains_xy(polygon, x_m, y_m)
        parts_x.append(x_m[inside])
        parts_y.append(y_m[inside])
        have += int(inside.sum())
    return np.concatenate(parts_x)[:count], np.concatenate(parts_y)[:count]


def uniform_in_polygons(
    polygons: np.ndarray, counts: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``counts[k]`` uniform points in ``polygons[k]`` for every k, ordered by k.

    Returns x_m, y_m and the polygon index of each point.
    """
    parts = [uniform_in_polygon(polygons[k], int(counts[k]), rng) for k in np.flatnonzero(counts)]
    x_m = np.concatenate([p[0] for p in parts]) if parts else np.empty(0)
    y_m = np.concatenate([p[1] for p in parts]) if parts else np.empty(0)
    owner = np.repeat(np.arange(len(polygons)), counts)
    return x_m, y_m, owner


def inside_own_polygon(
    polygons: np.ndarray, owner: np.ndarray, x_m: np.ndarray, y_m: np.ndarray
) -> np.ndarray:
    """True where point i lies in ``polygons[owner[i]]`` (one vectorised test per polygon)."""
    order = np.argsort(owner, kind="stable")
    bounds = np.searchsorted(owner[order], np.arange(len(polygons) + 1))
    result = np.zeros(len(owner), dtype=bool)
    for k in np.flatnonzero(np.diff(bounds)):
        rows = order[bounds[k] : bounds[k + 1]]
        result[rows] = shapely.contains_xy(polygons[k], x_m[rows], y_m[rows])
    return result


def scatter_around_centres(
    polygons: np.ndarray,
    owner: np.ndarray,
    centre_x_m: np.ndarray,
    centre_y_m: np.ndarray,
    sigma_m: np.ndarray,
    rng: np.random.Generator,
    rounds: int = 6,
) -> tuple[np.ndarray, np.ndarray]:
    """Gaussian scatter around each point's centre, redrawn until inside its own polygon.

    Points still outside after ``rounds`` redraws (a centre on a narrow headland) sit on their
    centre, which is inside.
    """
    x_m = centre_x_m + rng.normal(0.0, 1.0, len(owner)) * sigma_m
    y_m = centre_y_m + rng.normal(0.0, 1.0, len(owner)) * sigma_m
    todo = ~inside_own_polygon(polygons, owner, x_m, y_m)
    for _ in range(rounds):
        idx = np.flatnonzero(todo)
        if len(idx) == 0:
            break
        x_m[idx] = centre_x_m[idx] + rng.normal(0.0, 1.0, len(idx)) * sigma_m[idx]
        y_m[idx] = centre_y_m[idx] + rng.normal(0.0, 1.0, len(idx)) * sigma_m[idx]
        todo[idx[inside_own_polygon(polygons, owner[idx], x_m[idx], y_m[idx])]] = False
    x_m[todo], y_m[todo] = centre_x_m[todo], centre_y_m[todo]
    return x_m, y_m


def pick_clusters(
    cluster_owner: np.ndarray,
    cluster_weight: np.ndarray,
    address_owner: np.ndarray,
    rng: np.random.Generator,
) -> np.ndarray:
    """A cluster for each address, among its kommune's clusters, by weight (vectorised).

    ``cluster_owner`` must be sorted and every kommune in ``address_owner`` must own a cluster.
    Each kommune k's clusters get the interval (k, k + 1] split by weight; an address draws
    k + u, u ~ U[0, 1), and takes the cluster whose interval holds it.
    """
    first = np.searchsorted(cluster_owner, cluster_owner, side="left")
    cumulative = np.cumsum(cluster_weight)
    within = cumulative - (cumulative[first] - cluster_weight[first])
    total = np.bincount(cluster_owner, cluster_weight, minlength=cluster_owner.max() + 1)
    key = cluster_owner + within / total[cluster_owner]
    chosen = np.searchsorted(key, address_owner + rng.random(len(address_owner)), side="right")
    low = np.searchsorted(cluster_owner, address_owner, side="left")
    high = np.searchsorted(cluster_owner, address_owner, side="right") - 1
    return np.clip(chosen, low, high)


def clustered_addresses(
    polygons: np.ndarray, counts: np.ndarray, rng: np.random.Generator
) -> AddressLayout:
    """``counts[k]`` addresses in towns and villages of kommune k (heavy-tailed sizes)."""
    cluster_counts = np.where(counts > 0, np.maximum(1, counts // MEAN_CLUSTER_ADDRESSES), 0)
    centre_x_m, centre_y_m, cluster_owner = uniform_in_polygons(polygons, cluster_counts, rng)
    weight = rng.pareto(1.1, len(cluster_owner)) + 1.0
    owner = np.repeat(np.arange(len(polygons)), counts)
    cluster = pick_clusters(cluster_owner, weight, owner, rng)
    size = np.bincount(cluster, minlength=len(cluster_owner)).astype("float64")
    sigma_m = np.clip(CLUSTER_SIGMA_M_PER_SQRT_ADDRESS * np.sqrt(size), *CLUSTER_SIGMA_RANGE_M)
    x_m, y_m = scatter_around_centres(
        polygons, owner, centre_x_m[cluster], centre_y_m[cluster], sigma_m[cluster], rng
    )
    radius_sigmas = (
        np.hypot(x_m - centre_x_m[cluster], y_m - centre_y_m[cluster]) / sigma_m[cluster]
    )
    core = (radius_sigmas < CORE_RADIUS_SIGMAS) & (size[cluster] >= CORE_MIN_CLUSTER_ADDRESSES)
    return AddressLayout(x_m, y_m, owner, np.where(core, 0, 1))


def address_layout(polygons: np.ndarray, total: int, rng: np.random.Generator) -> AddressLayout:
    """Addresses per kommune (lognormal shares), each kommune part clustered, part rural."""
    share = rng.lognormal(0.0, 1.1, len(polygons))
    counts = rng.multinomial(total, share / share.sum())
    rural_share = rng.beta(2.0, 8.0, len(polygons))
    rural_counts = rng.binomial(counts, rural_share)
    clustered = clustered_addresses(polygons, counts - rural_counts, rng)
    rural_x_m, rural_y_m, rural_owner = uniform_in_polygons(polygons, rural_counts, rng)
    kommune_idx = np.concatenate([clustered.kommune_idx, rural_owner])
    # national file order: by kommune, shuffled within it
    order = np.lexsort((rng.random(total), kommune_idx))
    return AddressLayout(
        np.concatenate([clustered.x_m, rural_x_m])[order],
        np.concatenate([clustered.y_m, rural_y_m])[order],
        kommune_idx[order],
        np.concatenate([clustered.setting, np.full(len(rural_owner), 2)])[order],
    )


def address_table(
    layout: AddressLayout, kommuner: gpd.GeoDataFrame, rng: np.random.Generator
) -> gpd.GeoDataFrame:
    """The canonical address table (as ``layers.addresses.read_addresses`` returns it).

    ``kommunenummer`` is the polygon the address was drawn in, except for a share
    ``WRONG_KOMMUNENUMMER_SHARE`` that names another kommune (with that kommune's name).
    """
    count = len(layout.x_m)
    numbers = kommuner["kommunenummer"].to_numpy(dtype=object)
    names = kommuner["kommunenavn"].to_numpy(dtype=object)
    file_idx = layout.kommune_idx.copy()
    wrong = rng.random(count) < WRONG_KOMMUNENUMMER_SHARE
    file_idx[wrong] = (file_idx[wrong] + rng.integers(1, len(numbers), wrong.sum())) % len(numbers)
    # unique ids that do not follow the file order
    address_id = (
        100_000_000 + rng.permutation(count).astype("int64") * 3 + rng.integers(0, 3, count)
    )
    street = pd.Series(STREETS[rng.integers(0, len(STREETS), count)])
    number = pd.Series(rng.integers(1, 150, count)).astype("str")
    return gpd.GeoDataFrame(
        {
            "address_id": address_id,
            "kommunenummer": numbers[file_idx],
            "kommunenavn": names[file_idx],
            "address_text": (street + " " + number).to_numpy(),
            "households": np.ones(count, dtype="int64"),
            "x_m": layout.x_m,
            "y_m": layout.y_m,
            "row_number": np.arange(count, dtype="int64") + 2,
        },
        geometry=gpd.points_from_xy(layout.x_m, layout.y_m),
        crs=25833,
    )


def offers_of_technology(
    technology: str,
    address_id: np.ndarray,
    probability: np.ndarray,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """One offer of ``technology`` for each address with probability ``probability[i]``."""
    has_offer = rng.random(len(address_id)) < probability
    ids = address_id[has_offer]
    tiers = np.array(SPEED_TIERS[technology], dtype="float64")
    tier = rng.choice(len(tiers), size=len(ids), p=tiers[:, 2])
    operators = np.array(OPERATORS[technology], dtype=object)
    return pd.DataFrame(
        {
            "address_id": ids,
            "operator": operators[rng.integers(0, len(operators), len(ids))],
            "technology": np.full(len(ids), technology, dtype=object),
            "down_mbps": tiers[tier, 0],
            "up_mbps": tiers[tier, 1],
        }
    )


def offer_table(
    layout: AddressLayout, address_id: np.ndarray, rng: np.random.Generator
) -> pd.DataFrame:
    """The canonical offers table (as ``layers.offers.read_offers`` returns it), file-shuffled.

    Fibre availability also varies by kommune (a maturity factor in [0.85, 1.05]).
    """
    fibre_maturity = rng.uniform(0.85, 1.05, layout.kommune_idx.max() + 1)[layout.kommune_idx]
    parts = []
    for technology, by_setting in OFFER_PROBABILITY.items():
        probability = np.asarray(by_setting)[layout.setting]
        if technology == "fiber":
            probability = np.minimum(probability * fibre_maturity, 0.995)
        parts.append(offers_of_technology(technology, address_id, probability, rng))
    offers = pd.concat(parts, ignore_index=True)
    offers = offers.iloc[rng.permutation(len(offers))].reset_index(drop=True)
    return pd.DataFrame(
        {
            "address_id": offers["address_id"].to_numpy(dtype="int64"),
            "operator": offers["operator"].to_numpy(dtype=object),
            "technology": offers["technology"].to_numpy(dtype=object),
            "down_mbps": offers["down_mbps"].to_numpy(dtype="float64"),
            "up_mbps": offers["up_mbps"].to_numpy(dtype="float64"),
            "source": "benchmark-offers.csv",
            "row_number": np.arange(len(offers), dtype="int64") + 2,
        }
    )


# --------------------------------------------------------------------------------------------
# The stages, called as pipeline/run.py calls them


@dataclass
class Tables:
    """The synthetic inputs as ``ingest.ingest`` returns them, and what the report counts."""

    inputs: Ingested
    counts: dict[str, Any] = field(default_factory=dict)


def layer_counts(
    kommuner: pd.DataFrame, addresses: pd.DataFrame, offers: pd.DataFrame
) -> pd.DataFrame:
    """The ``layer_counts`` rows ingest would give these tables (every row accepted)."""
    read = [len(kommuner), len(addresses), len(offers)]
    return pd.DataFrame(
        {
            "layer": ["kommuner", "addresses", "offers"],
            "rows_read": read,
            "rows_accepted": read,
            "rows_merged": [0, 0, 0],
            "rows_quarantined": [0, 0, 0],
        }
    )


def synthetic_inputs(
    kommuner: gpd.GeoDataFrame, addresses: gpd.GeoDataFrame, offers: pd.DataFrame
) -> Ingested:
    """What ``ingest.ingest`` returns for a run with only kommuner, addresses and offers."""
    return Ingested(
        kommuner=kommuner,
        fylker=_fylker_of(kommuner, None),
        addresses=addresses,
        offers=offers,
        lacking=pd.DataFrame({"address_id": [], "lacking_mbps": []}),
        areas=None,
        sites=None,
        fibre=None,
        roads=None,
        cost_factors=None,
        quarantine=empty_quarantine(),
        counts=layer_counts(kommuner, addresses, offers),
        metadata={},
    )


def generate(kommuner: gpd.GeoDataFrame, total: int, seed: int, timer: StageTimer) -> Tables:
    """Synthetic addresses and offers, timed (not pipeline stages)."""
    rng = np.random.default_rng(seed)
    # private copies so that preparing them does not touch the kommune table's geometries
    polygons = shapely.from_wkb(shapely.to_wkb(kommuner.geometry.to_numpy()))
    shapely.prepare(polygons)
    with timer.stage("synthetic: address layout") as out:
        layout = address_layout(polygons, total, rng)
        out["rows"] = str(len(layout.x_m))
    with timer.stage("synthetic: address table") as out:
        addresses = address_table(layout, kommuner, rng)
        out["rows"] = str(len(addresses))
    with timer.stage("synthetic: offers") as out:
        offers = offer_table(layout, addresses["address_id"].to_numpy(), rng)
        out["rows"] = str(len(offers))
    settings, setting_counts = np.unique(layout.setting, return_counts=True)
    counts = {
        "addresses_by_setting": {
            SETTINGS[s]: int(c) for s, c in zip(settings, setting_counts, strict=True)
        },
        "offers_per_address": round(len(offers) / max(total, 1), 3),
        "addresses_without_offer": int((~addresses["address_id"].isin(offers["address_id"])).sum()),
    }
    return Tables(synthetic_inputs(kommuner, addresses, offers), counts)


def run_benchmark(tables: Tables, config: Config, timer: StageTimer) -> RunResult:
    """The pipeline's driver on the synthetic tables: locate → … → publish, every stage timed.

    No DTM, sites, fibre lines, roads, lacking lists or areas: the stages take their
    "input absent" paths (no line of sight, no new masts, straight fibre routes).
    """
    result = run_pipeline(config, timer=timer, inputs=tables.inputs)
    with duckdb.connect(str(config.store_path), read_only=True) as connection:
        tables.counts["reconcile"] = reconcile(connection, tables, result)
    tables.counts["classes"] = result.manifest["wireless"] | result.manifest["coverage"]
    tables.counts["cost"] = result.manifest["cost"]
    tables.counts["store_mb"] = round(config.store_path.stat().st_size / 1024**2, 1)
    tables.counts["published_mb"] = round(folder_mb(result.published), 1)
    tables.counts["kommune_maps"] = len(result.manifest["outputs"]["kommune_maps"])
    return result


def folder_mb(folder: Path) -> float:
    """Size of every file under ``folder``, MB."""
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 1024**2


def reconcile(
    connection: duckdb.DuckDBPyConnection, tables: Tables, result: RunResult
) -> dict[str, Any]:
    """Figures that must agree: addresses in = located + quarantined; households located =
    stored = the gap table's total = the sum of its kommune rows = served + underserved +
    unserved per target; the cost stage's total = stored = the gap table's total cost."""
    run = [result.run_id]
    stored = connection.execute(
        "SELECT count(*), coalesce(sum(households), 0), coalesce(sum(cost_nok), 0)"
        " FROM address_results WHERE run_id = ?",
        run,
    ).fetchone()
    quarantined = connection.execute(
        "SELECT key FROM quarantine WHERE run_id = ? AND layer = 'addresses'", run
    ).df()["key"]
    addresses = tables.inputs.addresses
    located = ~addresses["address_id"].astype(str).isin(quarantined)
    table = result.gap_table
    total = table.loc[table["level"] == "total"].iloc[0]
    kommuner = table.loc[table["level"] == "kommune"]
    classes = ("served", "underserved", "unserved")
    targets = [str(t) for t in result.manifest["targets"]]
    return {
        "addresses_input": len(addresses),
        "addresses_located": int(located.sum()),
        "addresses_quarantined": len(quarantined),
        "addresses_stored": int(stored[0]) if stored else 0,
        "households_located": int(addresses.loc[located, "households"].sum()),
        "households_stored": int(stored[1]) if stored else 0,
        "gap_households_total": int(total["households"]),
        "gap_households_kommune_sum": int(kommuner["households"].sum()),
        "gap_households_by_class_sum": {
            t: int(sum(total[f"{c}_households_{t}"] for c in classes)) for t in targets
        },
        "cost_nok_cost_stage": float(result.manifest["cost"]["cost_nok"]),
        "cost_nok_stored": float(stored[2]) if stored else 0.0,
        "cost_nok_gap_total": float(total["cost_nok"]),
        "cost_nok_gap_kommune_sum": float(kommuner["cost_nok"].sum()),
        "gap_kommune_rows": len(kommuner),
        "kommuner_with_addresses": int(addresses.loc[located, "kommunenummer"].nunique()),
    }


# --------------------------------------------------------------------------------------------
# Report


def figures_table(timer: StageTimer) -> str:
    """The stage table as fixed-width text."""
    peak_label = "peak RSS MB" if timer.peak_reset else "proc. peak MB"
    header = f"{'stage':<26} {'seconds':>9} {'start RSS MB':>13} {peak_label:>13}  detail"
    lines = [header, "-" * (len(header) + 30)]
    for f in timer.figures:
        detail = "  ".join(f"{k} {v}" for k, v in f.detail.items())
        lines.append(
            f"{f.stage:<26} {f.seconds:9.2f} {f.start_rss_mb:13.0f} {f.peak_rss_mb:13.0f}  {detail}"
        )
    pipeline = [f for f in timer.figures if not f.stage.startswith("synthetic")]
    lines.append("-" * (len(header) + 30))
    lines.append(f"{'pipeline stages, total':<26} {sum(f.seconds for f in pipeline):9.2f}")
    lines.append(f"{'process peak RSS MB':<26} {timer.process_peak_rss_mb:9.0f}")
    return "\n".join(lines)


def read_kommune_table(path: Path) -> gpd.GeoDataFrame:
    """The accepted kommuner of ``path``; exits with a clear message when it cannot be read."""
    if not path.is_file():
        raise SystemExit(
            f"benchmark_stages: --kommuner {path}: no such file; expected a kommune boundary"
            " file (GeoJSON, GML or GeoPackage), e.g. Kartverket's 'Administrative enheter"
            " kommuner' from https://kartkatalog.geonorge.no"
        )
    try:
        return read_kommuner(path).accepted
    except InputError as exc:
        raise SystemExit(f"benchmark_stages: {exc}") from exc


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--kommuner", type=Path, required=True, help="kommune boundary file (the 357 of 2024)"
    )
    parser.add_argument("--addresses", type=int, default=2_600_000, help="number of addresses")
    parser.add_argument("--seed", type=int, default=2025, help="random seed")
    parser.add_argument("--json", type=Path, default=None, help="write the figures here")
    parser.add_argument(
        "--work-dir",
        type=Path,
        default=None,
        help="folder for the run's store and published output (default: a temporary folder)",
    )
    args = parser.parse_args(argv)
    if args.addresses < 1:
        parser.error(f"--addresses: got {args.addresses}, expected a positive integer")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    machine = machine_info()
    print("machine:", ", ".join(f"{k} {v}" for k, v in machine.items()))
    kommuner = read_kommune_table(args.kommuner.resolve())
    print(f"kommuner: {len(kommuner)} from {args.kommuner}; addresses: {args.addresses:,}")
    timer = StageTimer()
    tables = generate(kommuner, args.addresses, args.seed, timer)
    with tempfile.TemporaryDirectory(prefix="gapmap-bench-", dir=args.work_dir) as folder:
        # the default settings of a run whose only inputs are kommuner, addresses and offers
        config = Config(
            inputs=Inputs(args.kommuner, Path(SOURCE), Path(SOURCE)),
            run=RunSettings(output_dir=Path(folder)),
        )
        result = run_benchmark(tables, config, timer)
    print()
    print(figures_table(timer))
    print("\ncounts:", json.dumps(tables.counts, default=str))
    gap = result.gap_table
    total = gap.loc[gap["level"] == "total"].iloc[0]
    print(f"gap table: {len(gap)} rows; total households {int(total['households']):,}")
    if args.json:
        report = {
            "machine": machine,
            "parameters": {k: str(v) for k, v in vars(args).items()},
            "peak_per_stage": timer.peak_reset,
            "process_peak_rss_mb": timer.process_peak_rss_mb,
            "stages": [asdict(f) for f in timer.figures],
            "counts": tables.counts,
        }
        args.json.write_text(json.dumps(report, indent=2, default=str) + "\n")
        print(f"figures written to {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
