"""The limited national set the national builder's tests build, and how they read it back.

Kvitsøy, Bokn, Tysvær and Utsira (Rogaland) hold islands, skerries, fjords, a boundary between
two of them and boundaries with kommuner left out, so sea cells, redrawn and snapped addresses
and split grid cells all occur; a build takes a few seconds. The sources are the real files of
``../shared/realdata`` (the ``national_sources`` fixture of ``conftest.py`` skips without them).
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pipeline.synthetic.national.build import BuildOptions, build_national_dataset
from pipeline.synthetic.national.dataset import NationalDataset
from pipeline.synthetic.national.sources import NationalSources
from tests.fixtures import REALDATA

LIMIT = ("1144", "1145", "1146", "1151")  # Kvitsøy, Bokn, Tysvær, Utsira
GRID_CSV = REALDATA / "ssb-befolkning-rutenett" / "ru250m_2015.csv"
CELL_M = 250.0


def build_limited(sources: NationalSources, out_dir: Path, **options: Any) -> NationalDataset:
    """The set of the four kommuner of :data:`LIMIT` built into ``out_dir``."""
    settings = BuildOptions(out_dir, sources, limit_kommuner=LIMIT, **options)
    return build_national_dataset(settings)


def csv_bytes(zip_path: Path) -> bytes:
    """The bytes of the one member of a zip."""
    with zipfile.ZipFile(zip_path) as archive:
        (name,) = archive.namelist()
        return archive.read(name)


def grid_cells() -> pd.DataFrame:
    """The SSB cells, parsed here independently of the builder: SW corner and people."""
    grid = pd.read_csv(GRID_CSV, sep=";", dtype={"ru250m": "str", "pop_tot": "int64"})
    return pd.DataFrame(
        {
            "x_m": grid["ru250m"].str[:7].astype("int64") - 2_000_000,
            "y_m": grid["ru250m"].str[7:].astype("int64"),
            "people": grid["pop_tot"],
        }
    )


def households_per_cell(addresses: pd.DataFrame) -> pd.Series:
    """Households of the address file summed per 250 m cell (SW corner as the key)."""
    x_sw = (np.floor(addresses["x_m"] / CELL_M) * CELL_M).astype("int64")
    y_sw = (np.floor(addresses["y_m"] / CELL_M) * CELL_M).astype("int64")
    return addresses.groupby([x_sw.rename("x_m"), y_sw.rename("y_m")])["households"].sum()
