"""Stage 5, coverage: which offers count, and the best one per address.

Counted offers follow Nkom: fixed technologies (fibre, HFC, xDSL, fixed wireless) count;
xDSL (copper) unless ``classify.count_copper`` is off; mobile counts only when
``classify.count_mobile`` is set; satellite only when ``classify.count_satellite`` is. An
address with no counted offer has no coverage.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd

from layers.areas import status_of_addresses
from layers.vocabulary import FIXED_TECHNOLOGIES, MOBILE_TECHNOLOGIES
from pipeline.config import ClassifySettings, Config
from pipeline.ingest import Ingested

# Tie-break when two offers have the same speeds: the more durable technology wins.
TECHNOLOGY_RANK = {
    t: i
    for i, t in enumerate(("fiber", "hfc", "fwa", "xdsl", "mobile_5g", "mobile_4g", "satellite"))
}
BEST_COLUMNS = ("best_technology", "best_operator", "best_down_mbps", "best_up_mbps")


def counted_technologies(settings: ClassifySettings) -> tuple[str, ...]:
    technologies = list(FIXED_TECHNOLOGIES)
    if not settings.count_copper:
        technologies.remove("xdsl")
    if settings.count_mobile:
        technologies += MOBILE_TECHNOLOGIES
    if settings.count_satellite:
        technologies.append("satellite")
    return tuple(technologies)


def counted_offers(offers: pd.DataFrame, settings: ClassifySettings) -> pd.DataFrame:
    """The offers that count as coverage under the policy settings."""
    return offers.loc[offers["technology"].isin(counted_technologies(settings))]


def best_offer_per_address(offers: pd.DataFrame, address_ids: pd.Series) -> pd.DataFrame:
    """The fastest counted offer per address (highest down, then up, then technology rank;
    an unknown (NaN) upload ranks below every stated one of the same download).

    Returns a frame aligned to ``address_ids``' index; NaN / None where an address has no offer.
    """
    address_id = offers["address_id"].to_numpy()
    rank = offers["technology"].map(TECHNOLOGY_RANK).to_numpy()
    operator_code = pd.factorize(offers["operator"], sort=True)[0]
    # np.lexsort sorts by the last key first: address, then fastest down, up, technology, name
    order = np.lexsort(
        (
            operator_code,
            rank,
            -offers["up_mbps"].to_numpy(),
            -offers["down_mbps"].to_numpy(),
            address_id,
        )
    )
    sorted_ids = address_id[order]
    first = np.r_[True, sorted_ids[1:] != sorted_ids[:-1]] if len(order) else order.astype(bool)
    best = offers.iloc[order[first]].set_index("address_id")
    aligned = best.reindex(address_ids.to_numpy())
    return pd.DataFrame(
        {
            "best_technology": aligned["technology"].to_numpy(dtype=object),
            "best_operator": aligned["operator"].to_numpy(dtype=object),
            "best_down_mbps": aligned["down_mbps"].to_numpy(dtype="float64"),
            "best_up_mbps": aligned["up_mbps"].to_numpy(dtype="float64"),
        },
        index=address_ids.index,
    )


def has_technology(offers: pd.DataFrame, address_ids: pd.Series, technology: str) -> np.ndarray:
    """True where the address has at least one offer of ``technology`` (any speed)."""
    with_it = offers.loc[offers["technology"] == technology, "address_id"].unique()
    return np.isin(address_ids.to_numpy(), with_it)


def stale_lacking_rows(lacking: pd.DataFrame, offers: pd.DataFrame) -> np.ndarray:
    """True for each lacking-list row that a newer offer overrides (the dated rule).

    A row saying address :math:`a` lacks :math:`L` Mbit/s, dated :math:`t_L`, is stale when an
    offer for :math:`a` dated :math:`t_O > t_L` gives :math:`v_{down} \\ge L`: the list was
    drawn up before that offer, so the offer is the newer word. An undated row or offer
    (``source_date`` NaT or absent) never makes a row stale; on the same day the list holds.
    """
    stale = np.zeros(len(lacking), dtype=bool)
    if "source_date" not in lacking.columns or "source_date" not in offers.columns:
        return stale
    rows = pd.DataFrame(
        {
            "row": np.arange(len(lacking)),
            "address_id": lacking["address_id"].to_numpy(),
            "lacking_mbps": lacking["lacking_mbps"].to_numpy("float64"),
            "list_date": lacking["source_date"].to_numpy("datetime64[ns]"),
        }
    ).dropna(subset=["list_date"])
    dated = offers.loc[offers["source_date"].notna(), ["address_id", "down_mbps", "source_date"]]
    pairs = rows.merge(dated, on="address_id", how="inner")
    newer = (pairs["source_date"] > pairs["list_date"]) & (
        pairs["down_mbps"] >= pairs["lacking_mbps"]
    )
    stale[pairs.loc[newer, "row"].unique()] = True
    return stale


def lacking_per_address(
    lacking: pd.DataFrame, address_ids: pd.Series, offers: pd.DataFrame | None = None
) -> np.ndarray:
    """The lowest speed Nkom's lists say each address lacks (NaN where not listed), from the
    rows that no newer offer overrides (:func:`stale_lacking_rows`; all rows without
    ``offers``)."""
    if offers is not None and len(lacking):
        lacking = lacking.loc[~stale_lacking_rows(lacking, offers)]
    by_id = lacking.groupby("address_id")["lacking_mbps"].min()
    return by_id.reindex(address_ids.to_numpy()).to_numpy(dtype="float64")


def stale_lacking_counts(lacking: pd.DataFrame, offers: pd.DataFrame) -> dict[str, int]:
    """For the manifest, per list (by the speed it lacks): ``lacking_rows_<L>`` (rows on it)
    and ``stale_lacking_rows_<L>`` (rows a newer offer overrides, :func:`stale_lacking_rows`)."""
    stale = stale_lacking_rows(lacking, offers)
    counts = {}
    for mbps in sorted(set(lacking["lacking_mbps"].dropna())):
        on_list = (lacking["lacking_mbps"] == mbps).to_numpy()
        counts[f"lacking_rows_{mbps:g}"] = int(on_list.sum())
        counts[f"stale_lacking_rows_{mbps:g}"] = int((on_list & stale).sum())
    return counts


def list_conflicts(offers: pd.DataFrame, address_ids: pd.Series, lacking_mbps: np.ndarray) -> int:
    """Addresses whose offers meet a speed that Nkom's lists say they lack."""
    best_down = offers.groupby("address_id")["down_mbps"].max()
    down = best_down.reindex(address_ids.to_numpy()).to_numpy(dtype="float64")
    return int(np.sum(down >= lacking_mbps))


@dataclass(frozen=True)
class Coverage:
    """The coverage stage's result, aligned to the addresses."""

    offers: pd.DataFrame  # the counted offers (input to classify)
    columns: pd.DataFrame  # best offer, nkom_lacking_mbps, area_status per address
    has_fibre: np.ndarray  # any fibre offer (fibre presence for the cost stage)
    counts: dict[str, int]


def coverage_per_address(
    offers: pd.DataFrame,
    lacking: pd.DataFrame,
    areas: gpd.GeoDataFrame | None,
    addresses: pd.DataFrame,
    settings: ClassifySettings,
) -> Coverage:
    """Counted offers, the best offer, the lists' flag and the area status of every address."""
    ids = addresses["address_id"]
    counted = counted_offers(offers, settings)
    columns = best_offer_per_address(counted, ids)
    lacking_mbps = lacking_per_address(lacking, ids, counted)
    columns["nkom_lacking_mbps"] = lacking_mbps
    columns["area_status"] = (
        status_of_addresses(areas, addresses["x_m"].to_numpy(), addresses["y_m"].to_numpy())
        if areas is not None
        else ""
    )
    counts = {
        "without_counted_offer": int(columns["best_down_mbps"].isna().sum()),
        "on_lacking_lists": int(np.isfinite(lacking_mbps).sum()),
        "offers_meet_listed_lacking_speed": list_conflicts(counted, ids, lacking_mbps),
        "in_funded_areas": int((columns["area_status"] == "funded").sum()),
        "in_planned_areas": int((columns["area_status"] == "planned").sum()),
        **stale_lacking_counts(lacking, counted),
    }
    return Coverage(counted, columns, has_technology(offers, ids, "fiber"), counts)


def coverage_stage(config: Config, inputs: Ingested) -> Coverage:
    """The coverage stage: :func:`coverage_per_address` over the located addresses."""
    return coverage_per_address(
        inputs.offers, inputs.lacking, inputs.areas, inputs.addresses, config.classify
    )
