"""pipeline/cost.py: which addresses the cost stage costs, and its line on the console."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd

from pipeline.config import Config, Inputs, load_config
from pipeline.cost import Costed, cost_detail, costed_addresses, read_cost_layers


def test_only_addresses_with_households_below_target_outside_areas_are_costed() -> None:
    config = Config(inputs=Inputs(Path("k"), Path("a"), Path("o")))
    classes = pd.DataFrame({"class_gigabit2030": ["unserved", "served", "underserved", "unserved"]})
    covered = SimpleNamespace(columns=pd.DataFrame({"area_status": ["", "", "funded", ""]}))
    addresses = pd.DataFrame({"households": [1, 1, 3, 0]})
    costed = costed_addresses(config, classes, covered, addresses)  # type: ignore[arg-type]
    assert costed.tolist() == [True, False, False, False]


def test_the_premises_policy_decides_what_is_costed() -> None:
    # premises: a cabin (0 households, not costed) and a shop costed by [premises] policy
    config = Config(inputs=Inputs(Path("k"), Path("a"), Path("o")))
    classes = pd.DataFrame({"class_gigabit2030": ["unserved", "unserved", "unserved"]})
    covered = SimpleNamespace(columns=pd.DataFrame({"area_status": ["", "", ""]}))
    addresses = pd.DataFrame({"households": [1, 0, 0], "premises_costed": [True, False, True]})
    costed = costed_addresses(config, classes, covered, addresses)  # type: ignore[arg-type]
    assert costed.tolist() == [True, False, True]


def test_the_cost_line_counts_rounds_the_masts_taken_and_the_total() -> None:
    # two households take mast ny-1, one takes ny-2; ny-3 reaches a household that chose fibre;
    # the total 150,000.4 + 2 × 1,000,000 + 1,200,000 + 88,000 + 6,500 = 3,444,500.4 → 3,444,500
    new_site = "fwa_new_site"
    costs = pd.DataFrame(
        {
            "cost_option": ["fiber", new_site, new_site, new_site, "satellite", "fwa", None],
            "new_site_id": ["ny-3", "ny-1", "ny-1", "ny-2", None, None, None],
            "cost_nok": [150_000.4, 1e6, 1e6, 1_200_000.0, 88_000.0, 6_500.0, np.nan],
        }
    )
    costs.attrs["replan_rounds"] = 3
    detail = cost_detail(Costed(costs=costs, masts=pd.DataFrame()))
    # the stage lines of the console count as the other stages do (``f"{n:,}"``)
    assert detail == {"rounds": "3", "new_sites": "2", "total_nok": "3,444,500"}


def test_the_cost_layers_are_read_from_the_configs_files(tiny_region: Path) -> None:
    """``gapmap sensitivity`` and ``scenario run`` read the fibre, roads and cost factors the
    config names, and nothing where it names none."""
    inputs = load_config(tiny_region).inputs
    fibre, roads, factors = read_cost_layers(inputs)
    assert (fibre is not None) == (inputs.fibre is not None)
    assert (roads is not None) == (inputs.roads is not None)
    assert (factors is not None) == (inputs.kommune_cost_factors is not None)
    if fibre is not None:
        assert fibre.crs.to_epsg() == 25833 and len(fibre) > 0
    empty = read_cost_layers(
        dataclasses.replace(inputs, fibre=None, roads=None, kommune_cost_factors=None)
    )
    assert empty == (None, None, None)
