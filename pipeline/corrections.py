"""Applying the corrections in force to a run's inputs, and what they changed.

A run reads the corrections in force when it starts (:mod:`pipeline.corrections_register`)
and applies them right after ingest, before any stage judges an address:

========================  ================================================================
claim                     what the run does
========================  ================================================================
``no_service``            removes the address's offers: the operator's, or all when no
                          operator is named
``offer_not_available``   removes the operator's offers at the address (of the technology,
                          when given)
``offer_missing``         adds the offer (operator, technology, speeds; an upload left empty
                          is unknown, judged by ``[classify].unknown_upload``)
``cabin``                 the address's dwellings count as holiday homes (after premises)
``address_missing``       adds the address at its position, in the kommune whose polygon
                          holds it, with its households (default 1)
========================  ================================================================

Removals come before additions, so a kommune can replace an operator's offer by writing both.
An address is the correction's ``adresseId``, else the nearest address within
:data:`MATCH_DISTANCE_M` of its position. Operators are matched as the FWA claims are: case
and spaces ignored, ``[operators] aliases`` followed. A correction that cannot apply (no such
address, no such offer, an address that exists already, a position outside every kommune) is
recorded with its outcome and goes to the run's quarantine (layer ``corrections``), so: in
force = applied + quarantined (+ outside, in a kommune preview).

What they changed is :mod:`pipeline.corrections_effects`'s.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from layers.corrections import LAYER
from layers.quarantine import quarantine_rows
from pipeline.config import Config
from pipeline.config_operators import operator_keys
from pipeline.ingest import Ingested
from pipeline.locate import polygon_index_of_points
from pipeline.premises import COLUMNS, columns_of_units

MATCH_DISTANCE_M: Final = 50.0  # a position names the nearest address within this distance
CHANGE_PREFIX: Final = "below_target_change_by_corrections_"
GAP_PREFIX: Final = "below_target_households_by_corrections_"
APPLIED: Final = "applied"
NO_ADDRESS: Final = f"no such address (adresseId, or one within {MATCH_DISTANCE_M:.0f} m)"
NO_OFFER: Final = "no such offer at the address"
EXISTS: Final = "the adresseId is in the address layer already"
NO_KOMMUNE: Final = "the position lies in no kommune"
# each outcome in bokmål (the workbook's "Korreksjoner" sheet)
OUTCOME_NB: Final[dict[str, str]] = {
    APPLIED: "brukt",
    NO_ADDRESS: "ikke brukt: ingen slik adresse (adresseId, eller ingen innen "
    f"{MATCH_DISTANCE_M:.0f} m)",
    NO_OFFER: "ikke brukt: adressen har ikke noe slikt tilbud",
    EXISTS: "ikke brukt: adresseId-en finnes allerede i adresseregisteret",
    NO_KOMMUNE: "ikke brukt: posisjonen ligger ikke i noen kommune",
}
USE_COLUMNS: Final = (
    "correction_id",
    "claim",
    "address_id",
    "operator",
    "technology",
    "down_mbps",
    "up_mbps",
    "submitter",
    "submitted_on",
    "evidence",
    "source_file",
    "applied",
    "outcome",
)


@dataclass(frozen=True)
class Applied:
    """What the corrections did to a run's inputs.

    ``uses``: one row per correction in force (:data:`USE_COLUMNS`; ``outcome`` is
    :data:`APPLIED` or why not); ``offers_before``: the offers, before any correction, of the
    addresses whose offers changed; ``cabins`` and ``added``: the address ids made holiday homes
    and added, with ``added_households`` their households."""

    uses: pd.DataFrame
    offers_before: pd.DataFrame
    cabins: np.ndarray
    added: np.ndarray
    added_households: np.ndarray
    # the households of the cabins before (by address id), set by apply_to_premises
    households_before: pd.Series = dataclasses.field(
        default_factory=lambda: pd.Series(dtype="int64")
    )

    @property
    def touched(self) -> np.ndarray:
        """Address ids a correction changed (offers or premises), existing before it."""
        ids = np.concatenate([self.offers_before["address_id"].to_numpy("int64"), self.cabins])
        return np.setdiff1d(np.unique(ids), self.added)


NOTHING: Final = Applied(
    pd.DataFrame({c: [] for c in USE_COLUMNS}),
    pd.DataFrame({"address_id": pd.Series(dtype="int64")}),
    np.zeros(0, dtype="int64"),
    np.zeros(0, dtype="int64"),
    np.zeros(0, dtype="int64"),
)


def _resolve(corrections: pd.DataFrame, addresses: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Each correction's address id (the given adresseId, else the nearest address within
    :data:`MATCH_DISTANCE_M` of its position) and whether that address is in ``addresses``."""
    given = corrections["address_id"].astype("Int64").array
    ids = given.to_numpy(dtype="int64", na_value=-1)
    known = np.isin(ids, addresses["address_id"].to_numpy()) & ~np.asarray(given.isna(), dtype=bool)
    by_position = np.asarray(given.isna(), dtype=bool) & np.isfinite(
        corrections["x_m"].to_numpy(float)
    )
    if by_position.any() and len(addresses):
        points = np.asarray(shapely.points(addresses["x_m"], addresses["y_m"]))
        tree = shapely.STRtree(points)
        wanted = shapely.points(
            corrections.loc[by_position, "x_m"].to_numpy(float),
            corrections.loc[by_position, "y_m"].to_numpy(float),
        )
        which, nearest = tree.query_nearest(
            wanted, max_distance=MATCH_DISTANCE_M, all_matches=False
        )
        rows = np.flatnonzero(by_position)[which]
        ids[rows] = addresses["address_id"].to_numpy()[nearest]
        known[rows] = True
    return ids, known


def _operator_match(
    offers: pd.DataFrame, operator: pd.Series, aliases: Mapping[str, str]
) -> np.ndarray:
    """Per offer: its operator is the correction's (empty: any operator)."""
    wanted = operator_keys(operator.astype("object"), aliases).to_numpy()
    have = operator_keys(offers["operator"].astype("object"), aliases).to_numpy()
    match: np.ndarray = (wanted == "") | (have == wanted)
    return match


def _removals(
    offers: pd.DataFrame,
    corrections: pd.DataFrame,
    ids: np.ndarray,
    known: np.ndarray,
    aliases: Mapping[str, str],
) -> tuple[np.ndarray, np.ndarray]:
    """Which offers the ``no_service`` and ``offer_not_available`` corrections of known
    addresses remove, and per correction how many offers it removes."""
    claim = corrections["claim"].to_numpy(dtype=object)
    removing = np.isin(claim, ["no_service", "offer_not_available"]) & known
    remove = np.zeros(len(offers), dtype=bool)
    removed = np.zeros(len(corrections), dtype="int64")
    if not removing.any():
        return remove, removed
    wanted = corrections.loc[removing, ["operator", "technology"]].assign(
        address_id=ids[removing], _correction=np.flatnonzero(removing)
    )
    pairs = offers[["address_id", "operator", "technology"]].reset_index(drop=True)
    pairs = pairs.assign(_offer=np.arange(len(pairs))).merge(
        wanted, on="address_id", suffixes=("", "_wanted")
    )
    match = _operator_match(pairs, pairs["operator_wanted"].fillna(""), aliases)
    technology = pairs["technology_wanted"].astype("object")
    same = pairs["technology"].astype("object") == technology
    match &= (technology.isna() | same).to_numpy()
    remove[pairs.loc[match, "_offer"].to_numpy()] = True
    np.add.at(removed, pairs.loc[match, "_correction"].to_numpy(), 1)
    return remove, removed


def _added_offers(corrections: pd.DataFrame, ids: np.ndarray, offers: pd.DataFrame) -> pd.DataFrame:
    """The offers of the ``offer_missing`` corrections, in the offers' columns (``source``:
    "korreksjon <id>", dated by the correction)."""
    rows = corrections["claim"].eq("offer_missing").to_numpy()
    chosen = corrections.loc[rows]
    added = pd.DataFrame(
        {
            "address_id": ids[rows],
            "operator": chosen["operator"].astype("object").to_numpy(),
            "technology": chosen["technology"].astype("object").to_numpy(),
            "down_mbps": chosen["down_mbps"].to_numpy(dtype="float64"),
            "up_mbps": chosen["up_mbps"].to_numpy(dtype="float64"),
            "source": ("korreksjon " + chosen["correction_id"].astype(str)).to_numpy(),
            "source_date": pd.to_datetime(chosen["submitted_on"]).to_numpy("datetime64[ns]"),
            "row_number": chosen["row_number"].to_numpy(dtype="int64"),
        }
    )
    return added[[c for c in offers.columns if c in added.columns]].astype(
        {c: offers[c].dtype for c in offers.columns if c in added.columns}
    )


def _new_addresses(
    corrections: pd.DataFrame, inputs: Ingested
) -> tuple[np.ndarray, np.ndarray, pd.DataFrame, np.ndarray]:
    """The ``address_missing`` corrections (all of ``corrections``): their address ids (the
    adresseId given, else minus the correction's id: never one of Kartverket's), which become
    addresses (not those whose adresseId is in the address layer already, nor a position in
    no kommune), those addresses, and why the others do not."""
    x_m, y_m = corrections["x_m"].to_numpy(float), corrections["y_m"].to_numpy(float)
    polygons = inputs.kommuner.geometry.to_numpy()
    where = polygon_index_of_points(polygons, x_m, y_m) if len(x_m) else np.zeros(0, "int64")
    given = corrections["address_id"].astype("Int64").array
    own = -corrections["correction_id"].to_numpy("int64")
    ids = np.where(given.isna(), own, given.to_numpy("int64", na_value=0))
    exists = np.isin(ids, inputs.addresses["address_id"].to_numpy())
    ok = (where >= 0) & ~exists
    kommunenummer = inputs.kommuner["kommunenummer"].to_numpy()[np.maximum(where, 0)]
    text = corrections["address_text"].astype("object")
    named = "Ny adresse (korreksjon " + corrections["correction_id"].astype(str) + ")"
    frame = pd.DataFrame(
        {
            "address_id": ids,
            "kommunenummer": kommunenummer,
            "kommunenavn": "",
            "address_text": text.where(text.notna(), named).to_numpy(),
            "households": corrections["households"].fillna(1).to_numpy("int64"),
            "x_m": x_m,
            "y_m": y_m,
            "row_number": corrections["row_number"].to_numpy("int64"),
        }
    ).loc[ok]
    why = np.where(exists, EXISTS, NO_KOMMUNE)
    return ids, ok, frame.reset_index(drop=True), why


def _with_addresses(addresses: gpd.GeoDataFrame, new: pd.DataFrame) -> gpd.GeoDataFrame:
    """``addresses`` (a GeoDataFrame) with the ``new`` ones after them, as points."""
    if new.empty:
        return addresses
    points = gpd.GeoSeries(
        shapely.points(new["x_m"], new["y_m"]), index=new.index, crs=addresses.crs
    )
    grown: pd.DataFrame = pd.concat([addresses, new.assign(geometry=points)], ignore_index=True)
    return gpd.GeoDataFrame(grown, geometry="geometry", crs=addresses.crs)


def _outcomes(claim: np.ndarray, known: np.ndarray, removed: np.ndarray) -> np.ndarray:
    """Per correction of an existing address: :data:`APPLIED` or why not."""
    outcome = np.full(len(claim), APPLIED, dtype=object)
    names_nothing = np.isin(claim, ["no_service", "offer_not_available"]) & (removed == 0)
    outcome[names_nothing] = NO_OFFER
    outcome[~known] = NO_ADDRESS
    return outcome


def _counts(
    inputs: Ingested, uses: pd.DataFrame, outside: np.ndarray
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The inputs' layer counts with a ``corrections`` row (in force = applied + quarantined
    + outside) and their quarantine with the corrections that did not apply."""
    applied = uses["applied"].to_numpy(bool)
    failed = ~applied & ~outside
    row = {
        "layer": LAYER,
        "rows_read": len(uses),
        "rows_accepted": int(applied.sum()),
        "rows_merged": 0,
        "rows_quarantined": int(failed.sum()),
        "rows_outside": int(outside.sum()),
    }
    counts = pd.concat([inputs.counts, pd.DataFrame([row])], ignore_index=True)
    bad = uses.loc[failed]
    keys = "korreksjon " + bad["correction_id"].astype(str)
    rows = [
        quarantine_rows(LAYER, str(file), group["row_number"], keys[group.index], group["outcome"])
        for file, group in bad.groupby("source_file")
    ]
    quarantine = pd.concat([inputs.quarantine, *rows], ignore_index=True)
    return counts, quarantine


def apply_corrections(
    config: Config, inputs: Ingested, corrections: pd.DataFrame, preview: bool = False
) -> tuple[Ingested, Applied]:
    """``inputs`` with ``corrections`` (:func:`pipeline.corrections_register.corrections_in_force`)
    applied to the offers and addresses (the premises follow in :func:`apply_to_premises`),
    and what they did. In a kommune ``preview`` a correction of an address the preview did not
    read is counted outside it, not quarantined."""
    if corrections.empty:
        return inputs, NOTHING
    corrections = corrections.reset_index(drop=True)
    claim = corrections["claim"].to_numpy(dtype=object)
    adding = claim == "address_missing"
    ids, known = _resolve(corrections, inputs.addresses)
    known &= ~adding
    offers = inputs.offers
    aliases = config.operators.aliases
    remove, removed = _removals(offers, corrections, ids, known, aliases)
    missing_offer = (claim == "offer_missing") & known
    added_offers = _added_offers(corrections.loc[missing_offer], ids[missing_offer], offers)
    changed = np.union1d(offers.loc[remove, "address_id"], added_offers["address_id"])
    offers_before = offers.loc[offers["address_id"].isin(changed)].reset_index(drop=True)
    outcome = _outcomes(claim, known | adding, removed)
    new_ids, ok, new, why = _new_addresses(corrections.loc[adding], inputs)
    ids[adding] = new_ids
    outcome[np.flatnonzero(adding)[~ok]] = why[~ok]
    applied = outcome == APPLIED
    unresolved = ~known & ~adding
    address_id = pd.array(np.where(unresolved, 0, ids), dtype="Int64")
    address_id[unresolved] = pd.NA
    uses = corrections.assign(address_id=address_id, applied=applied, outcome=outcome)
    outside = unresolved & preview  # in a preview: an address of a kommune it did not read
    counts, quarantine = _counts(inputs, uses, outside)
    corrected = dataclasses.replace(
        inputs,
        addresses=_with_addresses(inputs.addresses, new),
        offers=pd.concat([offers.loc[~remove], added_offers], ignore_index=True),
        counts=counts,
        quarantine=quarantine,
    )
    cabins = np.unique(ids[(claim == "cabin") & known])
    result = Applied(
        uses.loc[~outside, list(USE_COLUMNS)].reset_index(drop=True),
        offers_before,
        cabins,
        new["address_id"].to_numpy("int64"),
        new["households"].to_numpy("int64"),
    )
    return corrected, result


def apply_to_premises(
    config: Config, addresses: pd.DataFrame, applied: Applied
) -> tuple[pd.DataFrame, Applied]:
    """After the premises stage: a ``cabin``'s dwellings become holiday homes, and an added
    address has the correction's households as dwellings (whatever buildings were linked to
    it); the households before are kept in ``applied`` for :func:`effect_columns`."""
    cabin = addresses["address_id"].isin(applied.cabins).to_numpy()
    new = addresses["address_id"].isin(applied.added).to_numpy()
    rows = cabin | new
    if not rows.any():
        return addresses, applied
    chosen = addresses.loc[rows]
    dwelling = chosen["dwelling_households"].to_numpy("int64").copy()
    holiday = chosen["holiday_homes"].to_numpy("int64").copy()
    business = chosen["businesses"].to_numpy("int64").copy()
    is_cabin, is_new = cabin[rows], new[rows]
    holiday[is_cabin] = np.maximum(holiday[is_cabin] + dwelling[is_cabin], 1)
    dwelling[is_cabin] = 0
    households = dict(zip(applied.added, applied.added_households, strict=True))
    dwelling[is_new] = chosen.loc[is_new, "address_id"].map(households).to_numpy("int64")
    holiday[is_new], business[is_new] = 0, 0
    linked_by = chosen["premises_linked_by"].astype("object").to_numpy().copy()
    linked_by[is_new] = "correction"
    columns = columns_of_units(
        chosen.index, dwelling, holiday, business, linked_by, config.premises
    )
    before = pd.Series(
        chosen.loc[is_cabin, "households"].to_numpy("int64"),
        index=chosen.loc[is_cabin, "address_id"].to_numpy("int64"),
    )
    changed = addresses.copy()
    for column in COLUMNS:
        changed.loc[rows, column] = columns[column].to_numpy()
    return changed, dataclasses.replace(applied, households_before=before)
