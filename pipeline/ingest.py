"""Stage 1, ingest: read every input layer, validate, and reconcile rows.

Rows that name an address the address layer does not hold (offers, Nkom's lacking lists) go to
quarantine too, so that for every layer: rows read = accepted + merged + quarantined.

Coverage comes from up to three sources, joined here into one offers table and one per-address
list flag:

- per-address offers (the operators' or Nkom's survey per address);
- Nkom's 100 m speed squares: every address in a square gets the square's class as an offer
  (by default only addresses that have no per-address offer: squares are coarse);
- Nkom's lists of addresses lacking 30 / 100 Mbit/s: ``lacking_mbps`` per listed address.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from layers.addresses import read_addresses
from layers.areas import read_areas
from layers.buildings import read_buildings
from layers.cost_factors import read_cost_factors
from layers.dtm import refuse_dtm_off_the_addresses
from layers.errors import InputError
from layers.kommuner import fylke_names, read_fylker, read_kommuner
from layers.network import read_network
from layers.nkom_lists import read_lacking_list
from layers.nkom_squares import offers_from_squares, read_speed_squares
from layers.obligation_5g import read_obligation_list
from layers.offers import read_offers
from layers.quarantine import NOT_IN_ADDRESS_LAYER, LayerResult, empty_quarantine, quarantine_rows
from layers.roads import read_roads
from layers.sites import read_sites
from layers.source_dates import config_date
from pipeline.config import ChecksSettings, Config, Inputs
from pipeline.ingest_cache import IngestCache, read_layer
from pipeline.ingest_nkom import read_nkom_data
from pipeline.preview_scope import address_scope, of_address_ids


@dataclass(frozen=True)
class Ingested:
    """The validated input tables of a run, the quarantine and the per-layer counts."""

    kommuner: gpd.GeoDataFrame
    fylker: pd.DataFrame  # fylkesnummer, fylkesnavn for every fylke of the kommune layer
    addresses: gpd.GeoDataFrame
    offers: pd.DataFrame  # per-address offers, then offers from squares
    lacking: pd.DataFrame  # address_id, lacking_mbps, source_date: one row per list row
    areas: gpd.GeoDataFrame | None  # planned and funded areas (status column)
    sites: gpd.GeoDataFrame | None
    fibre: gpd.GeoDataFrame | None
    roads: gpd.GeoDataFrame | None
    cost_factors: pd.DataFrame | None  # kommunenummer, cost_factor
    quarantine: pd.DataFrame
    counts: pd.DataFrame  # layer, rows_read, rows_accepted, rows_merged, rows_quarantined
    metadata: dict[str, dict[str, Any]]  # per layer: vintages, files read, derived rows
    # Nkom's address register (pipeline/ingest_nkom.py): address_id, households, holiday_homes
    nkom_register: pd.DataFrame | None = None
    # Nkom's 5G obligation list, one row per listed building linked to an address
    obligation_5g: pd.DataFrame | None = None
    buildings: gpd.GeoDataFrame | None = None  # Matrikkelen Bygningspunkt (pipeline/premises.py)
    # the land (EPSG:25833 polygons) where it is wider than the kommuner run on (a kommune
    # preview, pipeline/preview.py); None: the kommune polygons
    land: np.ndarray | None = None


def drop_rows(result: LayerResult, drop: pd.Series, path: Path, reason: str) -> LayerResult:
    """Move the accepted rows where ``drop`` is True into quarantine with ``reason``."""
    if not drop.any():
        return result
    keys = result.accepted.loc[drop, "address_id"].astype("str")
    moved = quarantine_rows(
        result.layer,
        path,
        result.accepted.loc[drop, "row_number"].to_numpy(),
        keys,
        pd.Series(reason, index=keys.index),
    )
    return replace(
        result,
        accepted=result.accepted.loc[~drop].reset_index(drop=True),
        quarantine=pd.concat([result.quarantine, moved], ignore_index=True),
    )


def drop_unknown_addresses(result: LayerResult, address_ids: pd.Series, path: Path) -> LayerResult:
    """Move rows whose address_id is not in the address layer into quarantine."""
    unknown = ~result.accepted["address_id"].isin(address_ids)
    return drop_rows(result, unknown, path, f"address_id: {NOT_IN_ADDRESS_LAYER}")


def _fylker_of(kommuner: pd.DataFrame, fylker: pd.DataFrame | None) -> pd.DataFrame:
    """Name every fylke that a kommune of the layer belongs to."""
    numbers = pd.Series(sorted(kommuner["fylkesnummer"].unique()), dtype="str")
    return pd.DataFrame({"fylkesnummer": numbers, "fylkesnavn": fylke_names(fylker, numbers)})


def _square_offers(
    config: Config, addresses: pd.DataFrame, offers: pd.DataFrame
) -> tuple[list[LayerResult], pd.DataFrame]:
    """Read every squares file and turn the squares into offers for the addresses in them."""
    results, parts = [], []
    settings = config.coverage
    for path in config.inputs.speed_squares:
        squares = read_speed_squares(path)
        results.append(squares)
        parts.append(
            offers_from_squares(
                squares.accepted,
                addresses,
                source=path.name,
                default_technology=settings.squares_technology or None,
                include_partial=settings.squares_include_partial,
            )
        )
    if not parts:
        return results, offers.iloc[:0]
    derived = pd.concat(parts, ignore_index=True)
    if settings.squares_only_without_offer:
        derived = derived.loc[~derived["address_id"].isin(offers["address_id"])]
    return results, derived


def _lacking(config: Config, address_ids: pd.Series) -> tuple[list[LayerResult], pd.DataFrame]:
    """Read Nkom's lacking lists; rows without a known adresseId go to quarantine."""
    results: list[LayerResult] = []
    parts = []
    inputs = config.inputs
    for path, mbps, key, given in (
        (inputs.lacking_30, 30.0, "lacking_30_date", inputs.lacking_30_date),
        (inputs.lacking_100, 100.0, "lacking_100_date", inputs.lacking_100_date),
    ):
        if path is None:
            continue
        list_date = config_date(f"[inputs].{key}", given)
        listed: LayerResult = read_lacking_list(path, mbps, source_date=list_date)
        no_id = listed.accepted["address_id"].isna()
        listed = drop_rows(
            listed,
            no_id,
            path,
            "adresseid: empty; matching a list row by coordinates is not supported, expected an id",
        )
        listed = drop_unknown_addresses(listed, address_ids, path)
        results.append(listed)
        parts.append(listed.accepted[["address_id", "lacking_mbps", "source_date"]])
    if not parts:  # one row per list row, dated: pipeline.coverage.lacking_per_address
        return results, pd.DataFrame({"address_id": [], "lacking_mbps": []})
    lacking = pd.concat(parts, ignore_index=True).astype({"address_id": "int64"})
    return results, pd.DataFrame(lacking)


def read_area_layers(config: Config) -> tuple[list[LayerResult], gpd.GeoDataFrame | None]:
    inputs = config.inputs
    results = [
        read_areas(path, status, crs)
        for path, status, crs in (
            (inputs.planned_areas, "planned", inputs.planned_areas_crs),
            (inputs.funded_areas, "funded", inputs.funded_areas_crs),
        )
        if path is not None
    ]
    if not results:
        return results, None
    areas = pd.concat([r.accepted for r in results], ignore_index=True)
    return results, gpd.GeoDataFrame(areas, geometry="geometry", crs=25833)


def _obligation_5g(config: Config, addresses: pd.DataFrame) -> LayerResult | None:
    path = config.inputs.obligation_5g
    link_m = config.eligibility.obligation_link_m
    return read_obligation_list(path, addresses, link_m) if path is not None else None


def _roads(path: Path, inputs: Inputs) -> LayerResult:
    return read_roads(path, crs=inputs.roads_crs or None, layer=inputs.roads_layer or None)


def _counts(results: list[LayerResult]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "layer": [r.layer for r in results],
            "rows_read": [r.rows_read for r in results],
            "rows_accepted": [len(r.accepted) for r in results],
            "rows_merged": [r.rows_merged for r in results],
            "rows_quarantined": [len(r.quarantine) for r in results],
            # rows of other kommuner than a preview's (pipeline/preview.py); 0 in a full run
            "rows_outside": [r.rows_outside for r in results],
        }
    )


def _addresses_and_offers(
    config: Config, cache: IngestCache | None, kommuner: pd.DataFrame, kommune: str | None
) -> tuple[LayerResult, LayerResult]:
    """The address and offer layers, only those a preview of ``kommune`` reads when given;
    offers of an address the layer does not hold go to quarantine."""
    inputs, arctic = config.inputs, config.checks.allow_svalbard_jan_mayen
    scope = None if kommune is None else address_scope(config, kommuner, kommune)
    addresses = read_layer(cache, "addresses", read_addresses, inputs.addresses, arctic, keep=scope)
    if kommune is not None and addresses.accepted.empty and addresses.rows_outside:
        msg = (
            f"--kommune {kommune}: none of the {addresses.rows_outside:,} accepted addresses of"
            f" {inputs.addresses} lies in or near it; expected a kommune with addresses"
        )
        raise InputError(msg)
    ids = addresses.accepted["address_id"]
    offers_date = config_date("[inputs].offers_date", inputs.offers_date)
    of_kept = None if kommune is None else of_address_ids(ids)
    offers = read_layer(cache, "offers", read_offers, inputs.offers, offers_date, keep=of_kept)
    return addresses, drop_unknown_addresses(offers, ids, inputs.offers)


def ingest(
    config: Config, cache: IngestCache | None = None, kommune: str | None = None
) -> Ingested:
    """Read and validate all inputs named in ``config.inputs``; the kommuner, addresses,
    offers, sites and fibre are read back from ``cache`` where their file was parsed the same
    way before (:mod:`pipeline.ingest_cache`). A preview of ``kommune`` keeps the addresses
    near it (:func:`pipeline.preview_scope.address_scope`), the rest counted ``rows_outside``."""
    inputs, arctic = config.inputs, config.checks.allow_svalbard_jan_mayen
    layer = (inputs.kommuner, inputs.kommuner_crs, config.locate.max_kommune_overlap_share)
    kommuner = read_layer(cache, "kommuner", read_kommuner, *layer)
    addresses, offers = _addresses_and_offers(config, cache, kommuner.accepted, kommune)
    ids = addresses.accepted["address_id"]
    nkom = read_nkom_data(inputs, config.nkom, addresses.accepted)  # Nkom's own tables
    per_address = pd.concat([offers.accepted, nkom.offers], ignore_index=True)
    square_results, square_offers = _square_offers(config, addresses.accepted, per_address)
    lacking_results, lacking = _lacking(config, ids)
    area_results, areas = read_area_layers(config)
    optional = [
        read_layer(cache, "sites", read_sites, inputs.sites, arctic) if inputs.sites else None,
        read_layer(cache, "fibre", read_network, inputs.fibre, inputs.fibre_crs)
        if inputs.fibre
        else None,
        read_fylker(inputs.fylker) if inputs.fylker else None,
        _roads(inputs.roads, inputs) if inputs.roads else None,
        read_cost_factors(inputs.kommune_cost_factors) if inputs.kommune_cost_factors else None,
        read_buildings(inputs.buildings) if inputs.buildings else None,
    ]
    sites, fibre, fylker, roads, cost_factors, buildings = optional
    obligation = _obligation_5g(config, addresses.accepted)
    optional.append(obligation)
    results = [kommuner, addresses, offers, *nkom.results, *square_results, *lacking_results]
    results += area_results
    results += [r for r in optional if r is not None]
    if kommune is not None:  # a row naming another kommune's address is outside the preview
        results = [r.outside_when_unlinked() for r in results]
    frames = [r.quarantine for r in results if len(r.quarantine)]
    metadata: dict[str, dict[str, Any]] = {r.layer: r.metadata for r in results if r.metadata}
    metadata.update(nkom.metadata)
    if inputs.speed_squares:
        metadata["offers_from_squares"] = {"rows": len(square_offers)}
    ingested = Ingested(
        kommuner=kommuner.accepted,
        fylker=_fylker_of(kommuner.accepted, fylker.accepted if fylker else None),
        addresses=addresses.accepted,
        offers=pd.concat([per_address, square_offers], ignore_index=True),
        lacking=lacking,
        areas=areas,
        sites=sites.accepted if sites else None,
        fibre=fibre.accepted if fibre else None,
        roads=roads.accepted if roads else None,
        cost_factors=cost_factors.accepted if cost_factors else None,
        quarantine=pd.concat(frames, ignore_index=True) if frames else empty_quarantine(),
        counts=_counts(results),
        metadata=metadata,
        nkom_register=nkom.register,
        obligation_5g=obligation.accepted if obligation else None,
        buildings=buildings.accepted if buildings else None,
    )
    check_layers(config.checks, ingested, vars(config.inputs))
    return ingested


def check_layers(checks: ChecksSettings, inputs: Ingested, paths: Mapping[str, object]) -> None:
    """Stop the run when an input looks broken as a whole: no kommune or no address kept, a
    layer that lost more than ``checks.max_quarantined_share`` of its rows to quarantine (the
    most common reason named), offers for less than ``checks.min_addresses_with_offer_share``
    of the addresses, or a DTM over none of the addresses (or less than
    ``checks.min_addresses_on_dtm_share``). Each message says how to go on anyway."""
    for row in inputs.counts.to_dict("records"):  # one row per layer
        layer, read = str(row["layer"]), int(row["rows_read"])
        quarantined, accepted = int(row["rows_quarantined"]), int(row["rows_accepted"])
        files = inputs.quarantine.loc[inputs.quarantine["layer"] == layer, "file"]
        where = f"{layer} ({files.iloc[0] if len(files) else paths.get(layer, '?')})"
        rows = inputs.quarantine.loc[inputs.quarantine["layer"] == layer]
        if layer in ("kommuner", "addresses") and accepted == 0:
            why = (
                f", {quarantined:,} quarantined, most often {_dominant_reason(rows)}"
                if len(rows)
                else ""
            )
            msg = f"{where}: no rows accepted of {read:,} read{why};"
            msg += " expected at least one"
            raise InputError(msg)
        share = quarantined / read if read else 0.0
        if read >= checks.min_rows_for_share and share > checks.max_quarantined_share:
            msg = (
                f"{where}: {quarantined:,} of {read:,} rows ({share:.0%}) are quarantined, most"
                f" often {_dominant_reason(rows)}; expected at most"
                f" {checks.max_quarantined_share:.0%}: fix the file, or raise"
                " [checks].max_quarantined_share to go on anyway"
            )
            raise InputError(msg)
    _check_offer_share(checks, inputs, paths.get("offers"))
    dtm = paths.get("dtm")
    if isinstance(dtm, Path) and len(inputs.addresses):
        x_m, y_m = inputs.addresses["x_m"].to_numpy(), inputs.addresses["y_m"].to_numpy()
        refuse_dtm_off_the_addresses(dtm, x_m, y_m, checks.min_addresses_on_dtm_share)


def _dominant_reason(rows: pd.DataFrame) -> str:
    """The most common kind of reason among quarantine ``rows`` (the values after "got"
    blanked out, so that 5,000 swapped positions count as one reason), with its first row."""
    kinds = rows["reason"].str.replace(r"got .*?(?=, |; |$)", "got …", regex=True)
    top = kinds.value_counts()
    first = rows.loc[kinds == top.index[0]].iloc[0]
    return (
        f"{top.index[0]!r} ({int(top.iloc[0]):,} rows; the first, row {first['row_number']}:"
        f" {first['reason']!r})"
    )


def _check_offer_share(checks: ChecksSettings, inputs: Ingested, path: object) -> None:
    addresses = inputs.addresses["address_id"]
    with_offer = int(addresses.isin(inputs.offers["address_id"]).sum())
    share = with_offer / len(addresses) if len(addresses) else 1.0
    if share < checks.min_addresses_with_offer_share:
        msg = (
            f"offers ({path}): {with_offer:,} of {len(addresses):,} addresses ({share:.1%}) have"
            f" an offer row; expected at least {checks.min_addresses_with_offer_share:.0%} (is it"
            " the right file, for the same region?); lower"
            " [checks].min_addresses_with_offer_share to go on anyway"
        )
        raise InputError(msg)
