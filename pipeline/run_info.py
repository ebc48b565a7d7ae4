"""What a run hands its publish stage: the stamp of its products and the tables it made."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from pipeline.aggregate import Aggregated
from pipeline.changes import Changes
from pipeline.ingest import Ingested


@dataclass(frozen=True)
class RunInfo:
    """What stamps a run's products: its id, start, code version and input checksums."""

    run_id: str
    started_at: str
    code_version: str
    checksums: Mapping[str, Mapping[str, Any]]
    # a kommune preview's scope (pipeline/preview.py: level, kommunenummer, note_nb); None:
    # every kommune of the inputs
    scope: Mapping[str, str] | None = None


@dataclass(frozen=True)
class RunTables:
    """What a run publishes: the aggregates, the inputs as read, one row per address with
    every stage's columns (point geometry, EPSG:25833), the stages' counts for the manifest,
    the candidate masts of the cost stage and the changes since the previous run."""

    aggregated: Aggregated
    inputs: Ingested
    results: pd.DataFrame
    counts: Mapping[str, Mapping[str, Any]]
    new_sites: pd.DataFrame
    changes: Changes | None = None
    fwa_claims: pd.DataFrame | None = None  # judged by the wireless stage (None: judged here)
    # the corrections in force and what each did (pipeline/corrections.py); None: none read
    corrections: pd.DataFrame | None = None
    # the run against its [scenarios] per level (pipeline/scenarios.py); None: no scenarios
    scenarios: pd.DataFrame | None = None
    # the classes each scenario changes: scenario, address_id, target, class (the maps' picker)
    scenario_classes: pd.DataFrame | None = None
