"""The "Scenarier" sheet (:mod:`pipeline.products.scenarios_nb`)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from pipeline.config import config_from_dict
from pipeline.products.scenarios_nb import scenarios_sheet

CONFIG = config_from_dict(
    {"inputs": {"kommuner": "k.geojson", "addresses": "a.csv", "offers": "o.csv"}},
    Path("/data"),
)


def test_every_column_of_the_comparison_has_a_norwegian_header() -> None:
    columns = ["scenario", "scenario_label_nb", "level", "kommunenavn", "households"]
    columns += [
        f"below_target_{k}_{t.name}" for t in CONFIG.targets for k in ("households", "change")
    ]
    columns += ["cost_nok", "cost_change_nok", "budget_households_reached"]
    sheet = scenarios_sheet(pd.DataFrame(columns=columns), CONFIG, "t")
    headers = [c.header for c in sheet.columns]
    assert len(set(headers)) == len(headers)
    assert "Endring under mål mot dagens data (100 Mbit/s, mål 2025)" in headers
    assert sheet.values["level"]["total"] == "Nasjonalt"


def test_a_column_without_a_header_is_an_error() -> None:
    with pytest.raises(ValueError, match="'mystery' has no Norwegian header"):
        scenarios_sheet(pd.DataFrame(columns=["mystery"]), CONFIG, "t")
