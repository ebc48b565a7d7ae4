"""Ingest's part for Nkom's own address-level tables (``[inputs].nkom_addresses``,
``nkom_fixed``, ``nkom_mobile``; :mod:`layers.nkom_address_data`).

- The fixed-broadband and mobile rows become offers that join the per-address offers; under
  ``[nkom].count_homes_passed = false`` fibre rows that only pass a home (``hc`` false) are left
  out (counted in the metadata, not quarantined: they are valid rows, excluded by policy).
- The register is carried as ``Ingested.nkom_register`` (address_id, households,
  holiday_homes, …); its empty kommunenummer are taken from the address layer.

Rows naming an address the address layer does not hold go to quarantine, as for every layer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from layers.nkom_address_data import (
    LAYER_FIXED,
    per_distinct,
    quarantine_unknown,
    read_fixed,
    read_mobile,
    read_register,
)
from layers.quarantine import LayerResult
from pipeline.config_inputs import Inputs
from pipeline.config_nkom import NkomSettings


@dataclass(frozen=True)
class NkomData:
    """What Nkom's tables add to a run: their layer results, offers and the register."""

    results: list[LayerResult] = field(default_factory=list)
    offers: pd.DataFrame | None = None  # fbb and mob offers that count under the policy
    register: pd.DataFrame | None = None
    metadata: dict[str, dict[str, Any]] = field(default_factory=dict)


def homes_passed_only(offers: pd.DataFrame) -> pd.Series:
    """Fibre offers whose ``homes_connected`` is False (an unknown hc is not "passed")."""
    passed: pd.Series = (offers["technology"] == "fiber") & offers["homes_connected"].eq(False)
    return passed.fillna(False).astype(bool)


def _with_kommune(register: pd.DataFrame, addresses: pd.DataFrame) -> pd.DataFrame:
    """Fill the register's empty kommunenummer (a file naming the kommune only) from the
    address layer's row of the same address_id, and fylkesnummer from it."""
    missing = register["kommunenummer"] == ""
    if not missing.any():
        return register
    by_id = addresses.set_index("address_id")["kommunenummer"]
    filled = register.copy()
    filled.loc[missing, "kommunenummer"] = (
        filled.loc[missing, "address_id"].map(by_id).fillna("").to_numpy()
    )
    filled["fylkesnummer"] = per_distinct(filled["kommunenummer"], lambda u: u.str[:2])
    return filled


def read_nkom_data(inputs: Inputs, settings: NkomSettings, addresses: pd.DataFrame) -> NkomData:
    """Read the Nkom tables named in ``inputs`` against the accepted ``addresses``."""
    ids = addresses["address_id"]
    results: list[LayerResult] = []
    register = None
    if inputs.nkom_addresses is not None:
        read = quarantine_unknown(read_register(inputs.nkom_addresses), ids, inputs.nkom_addresses)
        results.append(read)
        register = _with_kommune(read.accepted.drop(columns="row_number"), addresses)
    parts, metadata = [], {}
    if inputs.nkom_fixed is not None:
        fixed = read_fixed(inputs.nkom_fixed, settings.annet_technology)
        fixed = quarantine_unknown(fixed, ids, inputs.nkom_fixed)
        results.append(fixed)
        passed = homes_passed_only(fixed.accepted)
        excluded = 0 if settings.count_homes_passed else int(passed.sum())
        metadata[LAYER_FIXED] = {
            "file": str(inputs.nkom_fixed),
            "fibre_homes_passed_rows": int(passed.sum()),
            "fibre_homes_passed_rows_excluded": excluded,
        }
        kept = fixed.accepted if settings.count_homes_passed else fixed.accepted.loc[~passed]
        parts.append(kept)
    if inputs.nkom_mobile is not None:
        mobile = quarantine_unknown(read_mobile(inputs.nkom_mobile), ids, inputs.nkom_mobile)
        results.append(mobile)
        parts.append(mobile.accepted)
    offers = pd.concat(parts, ignore_index=True) if parts else None
    return NkomData(results, offers, register, metadata)
