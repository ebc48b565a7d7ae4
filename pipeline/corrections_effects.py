"""What a run's corrections changed, per address, in the gap table and in its tables.

What they changed, per address and target *t* (:func:`effect_columns`), with *h* the
households and *b* = 1 when the address is below *t*, each with and without the corrections:

    below_target_change_by_corrections_t = h_with · b_with − h_without · b_without

(an added address has h_without = 0). The gap table sums it per kommune, fylke and nation
(:func:`with_corrections`), beside ``corrections_applied``.

The corrections' own table (``tables/corrections.csv``, :func:`published_uses`) lists each
correction in force with its outcome and its address's change; a kommune preview keeps its
kommune's (:func:`kommune_uses`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Final

import numpy as np
import pandas as pd

from layers.corrections import CLAIMS, LAYER
from pipeline.classify import classify_stage
from pipeline.config import Config, Target
from pipeline.corrections import CHANGE_PREFIX, GAP_PREFIX, USE_COLUMNS, Applied
from pipeline.coverage import coverage_per_address
from pipeline.exact import level_sums
from pipeline.ingest import Ingested


def _classes_before(
    config: Config, inputs: Ingested, reach: pd.DataFrame, applied: Applied
) -> tuple[pd.DataFrame, pd.Series]:
    """The classes and households, without the corrections, of the existing addresses they
    changed (rows of ``inputs.addresses`` where :attr:`Applied.touched`)."""
    rows = inputs.addresses["address_id"].isin(applied.touched).to_numpy()
    addresses = inputs.addresses.loc[rows]
    ids = addresses["address_id"]
    before = applied.households_before
    households = ids.map(before).fillna(addresses["households"]).astype("int64")
    changed = applied.offers_before["address_id"].unique()
    offers = inputs.offers
    kept = offers.loc[offers["address_id"].isin(ids) & ~offers["address_id"].isin(changed)]
    offers = pd.concat([kept, applied.offers_before], ignore_index=True)
    covered = coverage_per_address(offers, inputs.lacking, inputs.areas, addresses, config.classify)
    classes = classify_stage(config, addresses, covered, reach.loc[rows]).classes
    return classes, households


def effect_columns(
    config: Config, inputs: Ingested, classes: pd.DataFrame, reach: pd.DataFrame, applied: Applied
) -> pd.DataFrame:
    """Per address: ``corrections_applied`` (how many corrections applied to it) and, per
    target, :data:`CHANGE_PREFIX` ``<t>``: the households below the target with the
    corrections minus those without (module docstring); aligned to ``inputs.addresses``."""
    ids = inputs.addresses["address_id"]
    used = applied.uses.loc[applied.uses["applied"], "address_id"].dropna().astype("int64")
    count = ids.map(used.value_counts()).fillna(0).astype("int64")
    households = inputs.addresses["households"].to_numpy("int64")
    changed = ids.isin(np.concatenate([applied.touched, applied.added])).to_numpy()
    columns: dict[str, object] = {"corrections_applied": count.to_numpy()}
    before, households_before = (
        _classes_before(config, inputs, reach, applied) if applied.touched.size else (None, None)
    )
    for target in config.targets:
        below = (classes[f"class_{target.name}"] != "served").to_numpy()
        change = np.where(changed, households * below, 0)
        if before is not None and households_before is not None:
            was = (before[f"class_{target.name}"] != "served").to_numpy()
            change[np.flatnonzero(ids.isin(applied.touched).to_numpy())] -= (
                households_before.to_numpy() * was
            )
        columns[f"{CHANGE_PREFIX}{target.name}"] = change.astype("int64")
    return pd.DataFrame(columns, index=inputs.addresses.index)


def with_corrections(
    gap_table: pd.DataFrame, results: pd.DataFrame, targets: Sequence[Target]
) -> pd.DataFrame:
    """The gap table with ``corrections_applied`` and, per target,
    :data:`GAP_PREFIX` ``<t>`` (the households below the target that the corrections added,
    negative where they removed some) per kommune, fylke and the total; 0 without
    corrections."""
    columns = ["corrections_applied", *(f"{CHANGE_PREFIX}{t.name}" for t in targets)]
    present = [c for c in columns if c in results.columns]
    sums = level_sums(results[["kommunenummer", "fylkesnummer", *present]], present, gap_table)
    added = {
        column.replace(CHANGE_PREFIX, GAP_PREFIX): (
            sums[column] if column in sums else np.zeros(len(gap_table))
        ).astype("int64")
        for column in columns
    }
    return gap_table.assign(**added)


USE_ADDRESS_COLUMNS: Final = ("kommunenummer", "kommunenavn", "address_text", "households")


def uses_with_results(uses: pd.DataFrame, results: pd.DataFrame) -> pd.DataFrame:
    """``uses`` with the address's kommune, text and households and its change per target
    (:data:`CHANGE_PREFIX`; of the address, from all corrections applied to it) from
    ``results``; empty where the correction named no address of the run."""
    changes = [c for c in results.columns if c.startswith(CHANGE_PREFIX)]
    wanted = ["address_id", *USE_ADDRESS_COLUMNS, *changes]
    where = results[wanted].drop_duplicates("address_id")
    where = where.astype({"address_id": "Int64"})
    joined = uses.astype({"address_id": "Int64"}).merge(where, on="address_id", how="left")
    return joined.astype({c: "Int64" for c in [*changes, "households"]})  # NA: no address


def kommune_uses(
    inputs: Ingested, uses: pd.DataFrame, kommunenummer: str
) -> tuple[Ingested, pd.DataFrame]:
    """A kommune preview's uses: those of the kommune's addresses; the neighbours' corrections
    (which served the preview's stages) are counted outside it and leave its quarantine."""
    mine = uses["kommunenummer"].eq(kommunenummer).fillna(False).to_numpy(bool)
    if mine.all():
        return inputs, uses
    others = uses.loc[~mine]
    keys = "korreksjon " + others["correction_id"].astype(str)
    quarantine = inputs.quarantine
    dropped = (quarantine["layer"] == LAYER) & quarantine["key"].isin(keys)
    counts = inputs.counts.copy()
    row = counts["layer"] == LAYER
    counts.loc[row, "rows_accepted"] -= int(others["applied"].sum())
    counts.loc[row, "rows_quarantined"] -= int(dropped.sum())
    counts.loc[row, "rows_outside"] += len(others)
    kept = quarantine.loc[~dropped.to_numpy()].reset_index(drop=True)
    changed = dataclasses.replace(inputs, counts=counts, quarantine=kept)
    return changed, uses.loc[mine].reset_index(drop=True)


def published_uses(uses: pd.DataFrame | None, targets: Sequence[Target]) -> pd.DataFrame:
    """``tables/corrections.csv``: every correction in force when the run started, what it
    says (``claim_nb``), the address it named, whether it applied and why not, and the
    address's change in households below each target (from all corrections applied to it)."""
    changes = [f"{CHANGE_PREFIX}{t.name}" for t in targets]
    columns = ["correction_id", "claim", "claim_nb", "address_id", *USE_ADDRESS_COLUMNS]
    columns += [c for c in USE_COLUMNS if c not in columns] + changes
    if uses is None or uses.empty:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in columns})
    table = uses.assign(claim_nb=uses["claim"].map(CLAIMS))
    for column in changes:
        if column not in table.columns:
            table[column] = pd.array([pd.NA] * len(table), dtype="Int64")
    return table[columns].sort_values("correction_id", ignore_index=True)
