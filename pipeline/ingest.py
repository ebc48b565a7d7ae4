"""Stage 1, ingest: read every input layer, validate, and reconcile rows.

Offers that name an address the address layer does not hold go to quarantine too, so that for
every layer: rows read = rows accepted + rows quarantined.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from layers.addresses import read_addresses
from layers.kommuner import fylke_names, read_fylker, read_kommuner
from layers.network import read_network
from layers.offers import read_offers
from layers.quarantine import LayerResult, empty_quarantine, quarantine_rows
from layers.sites import read_sites
from pipeline.config import Config


@dataclass(frozen=True)
class Ingested:
    """The validated input tables of a run, the quarantine and the per-layer counts."""

    kommuner: gpd.GeoDataFrame
    fylker: pd.DataFrame  # fylkesnummer, fylkesnavn for every fylke of the kommune layer
    addresses: gpd.GeoDataFrame
    offers: pd.DataFrame
    sites: gpd.GeoDataFrame | None
    fibre: gpd.GeoDataFrame | None
    quarantine: pd.DataFrame
    counts: pd.DataFrame  # layer, rows_read, rows_accepted, rows_merged, rows_quarantined
    metadata: dict[str, dict[str, Any]]  # per layer: vintages, files read


def drop_unknown_addresses(offers: LayerResult, address_ids: pd.Series, path: Path) -> LayerResult:
    """Move offers whose address_id is not in the address layer into quarantine."""
    unknown = ~offers.accepted["address_id"].isin(address_ids)
    if not unknown.any():
        return offers
    moved = quarantine_rows(
        offers.layer,
        path,
        offers.accepted.loc[unknown, "row_number"].to_numpy(),
        offers.accepted.loc[unknown, "address_id"].astype("str"),
        pd.Series(
            "address_id: not in the address layer (or quarantined there)", index=unknown.index
        )[unknown],
    )
    return LayerResult(
        offers.layer,
        offers.accepted.loc[~unknown].reset_index(drop=True),
        pd.concat([offers.quarantine, moved], ignore_index=True),
        offers.rows_read,
        offers.rows_merged,
        offers.metadata,
    )


def _fylker_of(kommuner: pd.DataFrame, fylker: pd.DataFrame | None) -> pd.DataFrame:
    """Name every fylke that a kommune of the layer belongs to."""
    numbers = pd.Series(sorted(kommuner["fylkesnummer"].unique()), dtype="str")
    return pd.DataFrame({"fylkesnummer": numbers, "fylkesnavn": fylke_names(fylker, numbers)})


def ingest(config: Config) -> Ingested:
    """Read and validate all inputs named in ``config.inputs``."""
    inputs = config.inputs
    results = [read_kommuner(inputs.kommuner), read_addresses(inputs.addresses)]
    addresses = results[1].accepted
    results.append(
        drop_unknown_addresses(read_offers(inputs.offers), addresses["address_id"], inputs.offers)
    )
    sites = read_sites(inputs.sites) if inputs.sites else None
    fibre = read_network(inputs.fibre) if inputs.fibre else None
    fylker = read_fylker(inputs.fylker) if inputs.fylker else None
    results += [r for r in (sites, fibre, fylker) if r is not None]
    counts = pd.DataFrame(
        {
            "layer": [r.layer for r in results],
            "rows_read": [r.rows_read for r in results],
            "rows_accepted": [len(r.accepted) for r in results],
            "rows_merged": [r.rows_merged for r in results],
            "rows_quarantined": [len(r.quarantine) for r in results],
        }
    )
    frames = [r.quarantine for r in results if len(r.quarantine)]
    quarantine = pd.concat(frames, ignore_index=True) if frames else empty_quarantine()
    return Ingested(
        kommuner=results[0].accepted,
        fylker=_fylker_of(results[0].accepted, fylker.accepted if fylker else None),
        addresses=addresses,
        offers=results[2].accepted,
        sites=sites.accepted if sites else None,
        fibre=fibre.accepted if fibre else None,
        quarantine=quarantine,
        counts=counts,
        metadata={r.layer: r.metadata for r in results if r.metadata},
    )
