"""The "Korreksjoner" sheet (:mod:`pipeline.products.corrections_nb`)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from pipeline.config import config_from_dict
from pipeline.corrections import NO_ADDRESS
from pipeline.products.corrections_nb import corrections_sheet

CONFIG = config_from_dict(
    {"inputs": {"kommuner": "k.geojson", "addresses": "a.csv", "offers": "o.csv"}},
    Path("/data"),
)


def test_the_sheet_is_in_bokmal_with_the_map_targets_change_last() -> None:
    corrections = pd.DataFrame(
        {
            "correction_id": [1, 2],
            "claim_nb": ["fritidsbolig, ikke husstand", "tilbudet finnes ikke"],
            "submitted_on": ["2026-11-02", "2026-01-31"],
            "outcome": ["applied", NO_ADDRESS],
            "below_target_change_by_corrections_no2025": [-1, None],
        }
    )
    sheet = corrections_sheet(corrections, CONFIG, "t")
    assert sheet.name == "Korreksjoner"
    assert sheet.columns[-1].header == "Endring under mål (100 Mbit/s, mål 2025)"
    assert sheet.frame["outcome_nb"].tolist() == [
        "brukt",
        "ikke brukt: ingen slik adresse (adresseId, eller ingen innen 50 m)",
    ]
    assert sheet.frame["submitted_on"].tolist() == ["02.11.2026", "31.01.2026"]
