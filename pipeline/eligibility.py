"""Eligibility (after classify, before cost): which premises the support scheme can fund.

Kommuner and fylkeskommuner apply for support under the General Block Exemption Regulation
(GBER art. 52, as amended in 2023; in Norway through Nkom's yearly consultation and
Kommunal- og distriktsdepartementet's scheme). Support goes only to premises that lack a
network of the scheme's speed today and will not get one from the market within three years.
Every address is tried against the rules below **in this order**; it is ``eligible`` when it
fails none, else ``ineligible_reason`` names the FIRST rule it fails:

==================  ===========================================================================
``has_network``     its best counted offer (coverage stage) gives at least
                    ``[eligibility].scheme_down_mbps`` down (default 100 Mbit/s: Nkom's
                    consultation for 2024 maps premises lacking 100 and 30 Mbit/s, and support
                    goes only where they are lacking); an address that Nkom's trusted lacking
                    list says lacks that speed has no such network whatever the offers say
``planned``         it lies in a planned-area polygon (an operator's or kommune's announced
                    build) whose build date is at most ``plan_horizon_years`` after the
                    reference date (default 3 years: the consultation asks for plans "de neste
                    tre årene"). The date is the area's ``build_date``, else 31 December of its
                    ``year``; an area with neither counts when ``undated_plans_count``
``funded``          it lies in an area already granted support (no double funding)
``upgradable``      an existing fibre or HFC (cable-TV) network is at the address: an offer row
                    of technology ``fiber`` or ``hfc`` at any speed (a fibre that only passes
                    the home is an offer row too), or, with ``fibre_passes_within_m`` > 0, a
                    line of the existing fibre layer that close. Such a network is upgraded
                    commercially; the scheme does not fund overbuilding it
``obligation_5g``   it is on Nkom's list of buildings under the 5G auction's coverage
                    obligation (:mod:`layers.obligation_5g`): an operator has committed to
                    offer 100/10 Mbit/s there
==================  ===========================================================================

``[eligibility].rules`` switches rules off; the order stays. Counting is by households (the
``households`` column): an address with none is marked like any other and counts 0. The stage
only marks; the cost stage still costs every household below the cost target (the plain cost,
comparable to Nkom's ~128,000 NOK per household), and the subsidy-case figures (subsidy need,
the subsidy cost curve, ``gapmap areas``) keep only eligible addresses.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from pipeline.config import Config
from pipeline.config_eligibility import RULES, EligibilitySettings
from pipeline.coverage import Coverage
from pipeline.ingest import Ingested

UPGRADABLE_TECHNOLOGIES = ("fiber", "hfc")
ELIGIBILITY_COLUMNS = ("eligible", "ineligible_reason")


def has_network(
    best_down_mbps: np.ndarray, lacking_mbps: np.ndarray | None, scheme_down_mbps: float
) -> np.ndarray:
    """True where the best counted offer meets the scheme's speed, unless a trusted Nkom list
    says the address lacks it (``lacking_mbps`` ≤ the scheme's speed; NaN = not listed)."""
    down_mbps = np.nan_to_num(np.asarray(best_down_mbps, dtype="float64"), nan=-1.0)
    meets: np.ndarray = down_mbps >= scheme_down_mbps
    if lacking_mbps is not None:
        meets &= ~(np.asarray(lacking_mbps, dtype="float64") <= scheme_down_mbps)
    return meets


def in_polygons(polygons: np.ndarray, x_m: np.ndarray, y_m: np.ndarray) -> np.ndarray:
    """True where a point lies in (or on the boundary of) any of ``polygons``.

    Areas are few and the points many (2.6 M nationally), so no point geometry is built: the
    points are sorted by x once; per polygon the points within its bounding box are found by
    binary search on x and a filter on y, and only those are tested
    (``shapely.intersects_xy``). A loop over polygons, never over points.
    """
    inside = np.zeros(len(x_m), dtype=bool)
    finite = np.flatnonzero(np.isfinite(x_m) & np.isfinite(y_m))
    if not len(polygons) or not len(finite):
        return inside
    order = finite[np.argsort(x_m[finite], kind="stable")]
    x_sorted = x_m[order]
    bounds = shapely.bounds(polygons)
    starts = np.searchsorted(x_sorted, bounds[:, 0], side="left")
    stops = np.searchsorted(x_sorted, bounds[:, 2], side="right")
    for polygon, start, stop, (_, y_min, _, y_max) in zip(
        polygons, starts, stops, bounds, strict=True
    ):  # one step per area
        near = order[start:stop]
        near = near[(y_m[near] >= y_min) & (y_m[near] <= y_max)]
        inside[near[shapely.intersects_xy(polygon, x_m[near], y_m[near])]] = True
    return inside


def plan_dates(areas: pd.DataFrame) -> pd.Series:
    """Each area's build date: ``build_date``, else 31 December of ``year``, else NaT."""
    index = areas.index
    given = (
        pd.to_datetime(areas["build_date"])
        if "build_date" in areas
        else pd.Series(pd.NaT, index=index, dtype="datetime64[ns]")
    )
    year = areas["year"] if "year" in areas else pd.Series(pd.NA, index=index, dtype="Int64")
    end_of_year = pd.to_datetime(year.astype("string") + "-12-31", errors="coerce")
    return given.fillna(end_of_year)


def plans_within_horizon(
    areas: pd.DataFrame, reference: date, settings: EligibilitySettings
) -> np.ndarray:
    """True for the planned areas that count: dated at most ``plan_horizon_years`` after
    ``reference`` (whole months: :math:`\\lfloor 12 y \\rceil`), or undated when
    ``undated_plans_count``. A date already past counts (a build under way)."""
    months = round(settings.plan_horizon_years * 12)
    limit = pd.Timestamp(reference) + pd.DateOffset(months=months)
    dates = plan_dates(areas)
    counted = (dates <= limit).to_numpy(dtype=bool)
    if settings.undated_plans_count:
        counted = counted | dates.isna().to_numpy(dtype=bool)
    return counted


def has_upgradable_network(offers: pd.DataFrame, address_ids: pd.Series) -> np.ndarray:
    """True where the address has an offer row of fibre or HFC at any speed."""
    upgradable = offers.loc[offers["technology"].isin(UPGRADABLE_TECHNOLOGIES), "address_id"]
    return np.isin(address_ids.to_numpy(), upgradable.unique())


def passed_by_fibre(
    fibre: gpd.GeoDataFrame | None, x_m: np.ndarray, y_m: np.ndarray, within_m: float
) -> np.ndarray:
    """True where a point lies within ``within_m`` of the existing fibre layer's geometry
    (lines or points); all False when ``within_m`` is 0 or there is no layer."""
    passed = np.zeros(len(x_m), dtype=bool)
    finite = np.flatnonzero(np.isfinite(x_m) & np.isfinite(y_m))
    if fibre is None or not len(fibre) or not within_m > 0 or not len(finite):
        return passed
    tree = shapely.STRtree(np.asarray(shapely.points(x_m[finite], y_m[finite])))
    _, point_idx = tree.query(fibre.geometry.to_numpy(), predicate="dwithin", distance=within_m)
    passed[finite[point_idx]] = True
    return passed


def first_failed_rule(failed: dict[str, np.ndarray], rules: Sequence[str]) -> np.ndarray:
    """Per address the first rule of :data:`RULES` (among ``rules``) it fails, ``None`` where
    it fails none."""
    size = len(next(iter(failed.values()))) if failed else 0
    reason = np.full(size, None, dtype=object)
    for rule in reversed([rule for rule in RULES if rule in rules]):  # earlier rules overwrite
        reason[failed[rule]] = rule
    return reason


def rule_failures(
    addresses: pd.DataFrame,
    offers: pd.DataFrame,
    coverage_columns: pd.DataFrame,
    areas: gpd.GeoDataFrame | None,
    obligation_ids: pd.Series | None,
    settings: EligibilitySettings,
    reference: date,
    trust_lacking_lists: bool = True,
    fibre: gpd.GeoDataFrame | None = None,
) -> dict[str, np.ndarray]:
    """Per rule of :data:`RULES` whether each address fails it (aligned to ``addresses``)."""
    x_m = addresses["x_m"].to_numpy(dtype="float64")
    y_m = addresses["y_m"].to_numpy(dtype="float64")
    if areas is None:
        areas = gpd.GeoDataFrame({"status": []}, geometry=[], crs=25833)
    planned = areas.loc[areas["status"] == "planned"]
    funded = areas.loc[areas["status"] == "funded"]
    counted_plans = planned.geometry.to_numpy()[plans_within_horizon(planned, reference, settings)]
    lacking = coverage_columns["nkom_lacking_mbps"].to_numpy() if trust_lacking_lists else None
    obligated = obligation_ids if obligation_ids is not None else pd.Series([], dtype="int64")
    return {
        "has_network": has_network(
            coverage_columns["best_down_mbps"].to_numpy(), lacking, settings.scheme_down_mbps
        ),
        "planned": in_polygons(counted_plans, x_m, y_m),
        "funded": in_polygons(funded.geometry.to_numpy(), x_m, y_m),
        "upgradable": has_upgradable_network(offers, addresses["address_id"])
        | passed_by_fibre(fibre, x_m, y_m, settings.fibre_passes_within_m),
        "obligation_5g": addresses["address_id"].isin(obligated).to_numpy(),
    }


def eligibility_columns(failed: dict[str, np.ndarray], rules: Sequence[str]) -> pd.DataFrame:
    """``eligible`` (bool) and ``ineligible_reason`` (the first rule failed, None if eligible)."""
    reason = first_failed_rule(failed, rules)
    return pd.DataFrame({"eligible": pd.isna(reason), "ineligible_reason": reason})


@dataclass(frozen=True)
class Eligibility:
    """The stage's per-address columns (aligned to the addresses) and its counts."""

    columns: pd.DataFrame  # eligible, ineligible_reason
    counts: dict[str, int]

    def detail(self) -> dict[str, str]:
        """The stage's line on the console: eligible addresses."""
        return {"eligible": f"{int(self.columns['eligible'].sum()):,}"}


def eligibility_counts(columns: pd.DataFrame, households: pd.Series) -> dict[str, int]:
    """Households eligible and ineligible per reason (for the manifest)."""
    weights = households.to_numpy(dtype="float64")
    counts = {"eligible_households": int(weights[columns["eligible"].to_numpy()].sum())}
    for rule in RULES:
        failed = (columns["ineligible_reason"] == rule).to_numpy()
        counts[f"ineligible_{rule}_households"] = int(weights[failed].sum())
    return counts


def eligibility_stage(
    config: Config, inputs: Ingested, covered: Coverage, today: date | None = None
) -> Eligibility:
    """The eligibility stage over the located addresses (``today``: the run's date)."""
    settings = config.eligibility
    reference = settings.reference(today or datetime.now(UTC).date())
    obligation = inputs.obligation_5g
    failed = rule_failures(
        inputs.addresses,
        inputs.offers,
        covered.columns,
        inputs.areas,
        None if obligation is None else obligation["address_id"],
        settings,
        reference,
        config.coverage.trust_lacking_lists,
        inputs.fibre,
    )
    columns = eligibility_columns(failed, settings.rules).set_axis(inputs.addresses.index)
    return Eligibility(columns, eligibility_counts(columns, inputs.addresses["households"]))
