"""Build the national set: the options, the steps in order, their timings (the orchestration).

:func:`build_national_dataset` runs the steps of :mod:`pipeline.synthetic.national` into one
folder; ``gapmap build-national`` is its command. Every step draws from its own generator
``[seed, k]`` (k = 1 … 6), so the same sources, options and seed give the same bytes.
"""

from __future__ import annotations

import math
import resource
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import shapely

from layers.errors import ConfigError
from pipeline.synthetic.national.address_columns import address_columns
from pipeline.synthetic.national.addresses import (
    Addresses,
    address_ids,
    in_file_order,
    place_addresses,
)
from pipeline.synthetic.national.config import write_config
from pipeline.synthetic.national.dataset import (
    ADDRESS_MEMBER,
    ZIP_DATE_TIME,
    NationalDataset,
    dataset_paths,
)
from pipeline.synthetic.national.fibre import fibre_trunks, write_fibre
from pipeline.synthetic.national.grid import read_population_grid, setting_of_people
from pipeline.synthetic.national.kommuner import (
    Kommuner,
    cells_to_build,
    load_kommuner,
    write_kommuner,
)
from pipeline.synthetic.national.offers import coverage_shares, offer_table
from pipeline.synthetic.national.roads import write_set_roads
from pipeline.synthetic.national.sites import site_table
from pipeline.synthetic.national.sources import NationalSources
from pipeline.synthetic.national.terrain import fylker_member, terrain_fields, write_national_dtm
from pipeline.synthetic.writers import write_address_zip, write_offers, write_sites

StepCallback = Callable[[str, float, float], None]  # name, seconds, peak RSS MB


@dataclass(frozen=True)
class BuildOptions:
    """What to build from which sources, and where (validated when made).

    Attributes
    ----------
    out_dir : Path
        Folder for the set (created; files of the same names are overwritten).
    sources : NationalSources
        The SSB grid, the kommune boundaries and the Fylker zip.
    seed : int
        Seed of every draw.
    households_per_person : float
        Households per person of the grid, 0.05–1 (0.45: Norway's 2.2 persons per household).
    cell_m : float
        DTM cell size, 10–1000 m.
    limit_kommuner : tuple of str
        Build only these kommunenummer (all when empty).
    roads : bool
        Also write a road network, ``veger.gpkg``.
    """

    out_dir: Path
    sources: NationalSources
    seed: int = 2025
    households_per_person: float = 0.45
    cell_m: float = 100.0
    limit_kommuner: tuple[str, ...] = ()
    roads: bool = False

    def __post_init__(self) -> None:
        if not 10.0 <= self.cell_m <= 1_000.0:
            msg = f"--cell-m: got {self.cell_m}; expected 10–1000 m (100 or 50 are usual)"
            raise ConfigError(msg)
        if not 0.05 <= self.households_per_person <= 1.0:
            msg = f"--households-per-person: got {self.households_per_person}; expected 0.05–1"
            raise ConfigError(msg)


def parse_kommune_list(text: str) -> tuple[str, ...]:
    """Comma-separated kommunenummer ("301, 4204") as 4-character strings ("0301", "4204")."""
    numbers = tuple(part.strip() for part in text.split(",") if part.strip())
    bad = [number for number in numbers if not (number.isdigit() and len(number) <= 4)]
    if bad:
        msg = f"--limit-kommuner: got {bad}; expected kommunenummer, comma-separated (0301,4204)"
        raise ConfigError(msg)
    return tuple(number.zfill(4) for number in numbers)


class Steps:
    """Wall time per build step, reported to ``on_step`` as each finishes."""

    def __init__(self, on_step: StepCallback | None) -> None:
        self.seconds: dict[str, float] = {}
        self.on_step = on_step
        self._name = ""
        self._started = 0.0

    def start(self, name: str) -> None:
        """Finish the running step (if any) and start ``name``."""
        self.stop()
        self._name, self._started = name, time.perf_counter()

    def stop(self) -> None:
        """Finish the running step."""
        if self._name:
            self.seconds[self._name] = time.perf_counter() - self._started
            if self.on_step is not None:
                self.on_step(self._name, self.seconds[self._name], peak_rss_mb())
        self._name = ""


def peak_rss_mb() -> float:
    """The process's peak resident memory so far, MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@dataclass(frozen=True)
class Placed:
    """The addresses in file order, their adresseId and the setting of their cell."""

    address: Addresses
    address_id: np.ndarray
    setting: np.ndarray


def placed_addresses(grid: pd.DataFrame, kommuner: Kommuner, options: BuildOptions) -> Placed:
    """Place the addresses, give them ids and put them in Geonorge's order (step 1)."""
    rng = np.random.default_rng([options.seed, 1])
    address = place_addresses(grid, kommuner, options.households_per_person, rng)
    ids = address_ids(address.x_m.size, np.random.default_rng([options.seed, 2]))
    knr = kommuner.frame["kommunenummer"].to_numpy(str)
    address, ids = in_file_order(address, ids, knr)
    setting = setting_of_people(grid["people"].to_numpy()[address.cell])
    return Placed(address, ids, setting)


def write_sites_and_offers(
    dataset: NationalDataset,
    grid: pd.DataFrame,
    scale: float,
    kommuner: Kommuner,
    placed: Placed,
    seed: int,
) -> tuple[pd.DataFrame, pa.Table, dict[str, float]]:
    """Write ``master.csv`` and ``dekning.csv`` (steps 2 and 3); return the sites, the offers
    and the coverage shares."""
    cell_setting = setting_of_people(grid["people"].to_numpy())
    sites = site_table(grid, cell_setting, scale, np.random.default_rng([seed, 4]))
    write_sites(dataset.sites, pa.Table.from_pandas(sites, preserve_index=False))
    address = placed.address
    fylke = kommuner.frame["fylkesnummer"].to_numpy(str)[address.kommune]
    rng = np.random.default_rng([seed, 5])
    offers = offer_table(
        address.x_m, address.y_m, placed.address_id, placed.setting, fylke, sites, rng
    )
    write_offers(dataset.offers, offers)
    rural = placed.setting == "sparse"
    shares = coverage_shares(offers, placed.address_id, address.households, rural)
    return sites, offers, shares


def write_fibre_kommuner_config(
    dataset: NationalDataset,
    grid: pd.DataFrame,
    kommuner: Kommuner,
    options: BuildOptions,
    address: Addresses,
) -> tuple[int, float]:
    """Write the fibre trunks, the kommune boundaries and ``gapmap.toml`` (steps 4, 6, 7);
    return the number of fibre features and the snap tolerance (m) written in the config: the
    largest snap distance, rounded up to 50 m."""
    trunks = fibre_trunks(grid)
    write_fibre(dataset.fibre, trunks)
    write_kommuner(dataset.kommuner, options.sources.kommuner, kommuner)
    tolerance_m = float(math.ceil(address.snap_distance_m.max(initial=0.0) / 50.0) * 50.0)
    write_config(dataset, "national-limited" if options.limit_kommuner else "national", tolerance_m)
    return len(trunks), tolerance_m


def write_terrain(
    dataset: NationalDataset, kommuner: Kommuner, grid_all: pd.DataFrame, options: BuildOptions
) -> dict[str, float]:
    """Write the DTM over the selected kommuner (step 5); return its figures."""
    fields = terrain_fields(kommuner.frame, options.sources.fylker, grid_all)
    selected = kommuner.frame.geometry.to_numpy()[kommuner.selected]
    minx, miny, maxx, maxy = shapely.total_bounds(selected).tolist()
    return write_national_dtm(
        dataset.dtm, kommuner.frame, (minx, miny, maxx, maxy), fields, options.cell_m, options.seed
    )


def build_national_dataset(
    options: BuildOptions, on_step: StepCallback | None = None
) -> NationalDataset:
    """Build the whole input set into ``options.out_dir`` (:mod:`pipeline.synthetic.national`);
    ``on_step`` hears of each step as it finishes."""
    started = time.perf_counter()
    options.out_dir.mkdir(parents=True, exist_ok=True)
    dataset = dataset_paths(options.out_dir, options.roads)
    steps, seed = Steps(on_step), options.seed
    steps.start("read inputs")
    kommuner = load_kommuner(options.sources.kommuner, options.limit_kommuner)
    grid_all = read_population_grid(options.sources.population_grid)
    fylker_member(options.sources.fylker)
    grid = grid_all.loc[cells_to_build(grid_all, kommuner)].reset_index(drop=True)
    steps.start("place addresses")
    placed = placed_addresses(grid, kommuner, options)
    address = placed.address
    steps.start("write addresses")
    rng = np.random.default_rng([seed, 3])
    columns = address_columns(address, kommuner, placed.setting, placed.address_id, rng)
    write_address_zip(dataset.addresses, ADDRESS_MEMBER, columns, ZIP_DATE_TIME)
    del columns
    steps.start("sites and offers")
    scale = float(grid["people"].sum() / grid_all["people"].sum())
    sites, offers, shares = write_sites_and_offers(dataset, grid, scale, kommuner, placed, seed)
    steps.start("fibre and kommuner")
    fibre_features, tolerance_m = write_fibre_kommuner_config(
        dataset, grid, kommuner, options, address
    )
    steps.start("terrain")
    figures = write_terrain(dataset, kommuner, grid_all, options) | shares
    if dataset.roads is not None:
        steps.start("roads")
        road_figures = write_set_roads(
            dataset.roads, address.x_m, address.y_m, dataset.fibre, dataset.dtm, seed
        )
        figures |= {f"roads_{key}": value for key, value in road_figures.items()}
    steps.stop()
    dataset.rows = {
        "kommuner": int(kommuner.selected.sum()),
        "grid_cells": len(grid),
        "people": int(grid["people"].sum()),
        **address_rows(address),
        "offers": offers.num_rows,
        "sites": len(sites),
        "fibre_features": fibre_features,
        **({"roads": int(figures["roads_lines"])} if dataset.roads is not None else {}),
    }
    dataset.figures = figures | {
        "snap_tolerance_m": tolerance_m,
        "max_snap_distance_m": float(address.snap_distance_m.max(initial=0.0)),
        "seconds": time.perf_counter() - started,
        "peak_rss_mb": peak_rss_mb(),
    }
    dataset.step_seconds = steps.seconds
    return dataset


def address_rows(address: Addresses) -> dict[str, int]:
    """Addresses, households, apartment-block addresses and addresses snapped to a kommune."""
    return {
        "addresses": int(address.x_m.size),
        "households": int(address.households.sum()),
        "block_addresses": int((address.households > 1).sum()),
        "addresses_snapped": int((address.snap_distance_m > 0).sum()),
    }
