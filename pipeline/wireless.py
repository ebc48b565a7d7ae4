"""Stage 4, wireless: predicted throughput per address from its best site, its distance and
the terrain between them (the line of sight itself is :mod:`pipeline.radio`'s).

The speeds come from a link budget (:mod:`pipeline.radio.throughput`): free-space loss, the
knife-edge loss of the path's main obstacle, rain and trees; received power and SINR give a
spectral efficiency, the sector's capacity is shared among the households it serves in the
busy hour, and the result is capped by the site's advertised speeds. Fixed wireless and
mobile use the same model (without a clear path the diffraction loss says how much is left).
With ``[inputs] dom`` or ``forest`` the line of sight and the trees are judged over them
(:mod:`pipeline.radio.clutter`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from maps.worker_pool import Pool
from pipeline.config import Config, LinkSettings, WirelessSettings
from pipeline.ingest import Ingested
from pipeline.progress import NO_PROGRESS, Progress
from pipeline.radio.claims import (
    CLAIM_STATUS_NB,
    DOUBTFUL_STATUSES,
    decisive_claim_per_address,
    judge_fwa_claims,
)
from pipeline.radio.clutter import NO_CLUTTER, Clutter, clutter_of_inputs
from pipeline.radio.kommune_reach import wireless_reach_per_address
from pipeline.radio.reach import LosSettings
from pipeline.radio.reach_cache import ReachCache
from pipeline.radio.throughput import (
    active_households,
    household_speeds_mbps,
    path_loss_db,
    radio_of,
    sector_capacity_mbps,
)

SITE_COLUMNS = ("technology", "frequency_mhz", "down_mbps", "up_mbps")
LOS = LosSettings()


def predicted_speeds_mbps(
    best_site: pd.DataFrame,
    reach: pd.DataFrame,
    households: np.ndarray,
    link: LinkSettings,
    take_up: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Predicted (down, up) Mbit/s per address (:mod:`pipeline.radio.throughput`); 0 without
    a site or where the terrain is unknown.

    ``best_site`` holds :data:`SITE_COLUMNS` of each address's best site (NaN where none),
    ``reach`` its ``los_site_id``, ``los_distance_m``, ``worst_clearance_ratio`` and
    ``los_forest_depth_m`` (NaN or absent: the fixed foliage depth), both aligned with
    ``households``; ``take_up`` is the share of the households a site covers that take its
    service.
    """
    frequency_mhz = best_site["frequency_mhz"].to_numpy(dtype="float64")
    radio = radio_of(best_site["technology"].to_numpy(dtype=object), frequency_mhz)
    loss_db = path_loss_db(
        reach["los_distance_m"].to_numpy(dtype="float64"),
        frequency_mhz,
        reach["worst_clearance_ratio"].to_numpy(dtype="float64"),
        link,
        reach["los_forest_depth_m"].to_numpy("float64") if "los_forest_depth_m" in reach else None,
    )
    down_capacity, up_capacity = sector_capacity_mbps(radio, loss_db, link)
    active = active_households(
        reach["los_site_id"].to_numpy(dtype=object),
        households,
        down_capacity > 0,
        np.full(len(households), take_up),
        link,
    )
    return household_speeds_mbps(
        down_capacity,
        up_capacity,
        active,
        best_site["down_mbps"].to_numpy(dtype="float64"),
        best_site["up_mbps"].to_numpy(dtype="float64"),
    )


def wireless_per_address(
    addresses: pd.DataFrame,
    sites: pd.DataFrame | None,
    dtm: Path | None,
    settings: WirelessSettings,
    progress: Progress = NO_PROGRESS,
    pool: Pool | None = None,
    cache: ReachCache | None = None,
    clutter: Clutter = NO_CLUTTER,
) -> pd.DataFrame:
    """Line of sight to the best site of the configured technologies, and predicted speeds.

    Columns of :data:`pipeline.radio.reach.BEST_SITE_COLUMNS` plus ``wireless_technology``,
    ``wireless_down_mbps`` and ``wireless_up_mbps`` (0 without a site), aligned to the index.
    The pass over the kommuner runs on ``pool`` (default: this process), reads back the
    kommuner ``cache`` holds (:mod:`pipeline.radio.reach_cache`) and reports to ``progress``.
    ``clutter``: the DOM or forest polygons to judge the paths over (none: bare earth).
    """
    chosen = None
    if sites is not None:
        chosen = sites.loc[sites["technology"].isin(settings.technologies)]
    los_settings = LosSettings.from_wireless(settings, clutter)
    with progress.track("wireless", _kommuner_to_check(addresses, chosen, dtm)) as advance:
        reach = wireless_reach_per_address(
            addresses, chosen, dtm, los_settings, advance, pool, cache
        )
    if chosen is None or chosen.empty:
        site = pd.DataFrame(index=reach.index, columns=SITE_COLUMNS)
    else:
        site = chosen.set_index("site_id")[list(SITE_COLUMNS)].reindex(reach["los_site_id"])
    down, up = predicted_speeds_mbps(
        site,
        reach,
        households_of(addresses),
        settings.link,
        settings.link.take_up_share,
    )
    reach["wireless_technology"] = site["technology"].to_numpy(dtype=object)
    reach["wireless_down_mbps"] = np.nan_to_num(down)
    reach["wireless_up_mbps"] = np.nan_to_num(up)
    return reach


def households_of(addresses: pd.DataFrame) -> np.ndarray:
    """Households per address (the ``households`` column; 1 each without one)."""
    if "households" not in addresses.columns:
        return np.ones(len(addresses))
    households: np.ndarray = np.nan_to_num(addresses["households"].to_numpy(dtype="float64"))
    return households


def _kommuner_to_check(
    addresses: pd.DataFrame, sites: pd.DataFrame | None, dtm: Path | None
) -> int:
    """How many kommuner a pass of :func:`wireless_reach_per_address` loops over (0 when it
    has no DTM or no site)."""
    if dtm is None or sites is None or sites.empty:
        return 0
    return int(addresses["kommunenummer"].nunique())


def clutter_of(config: Config) -> Clutter:
    """The run's clutter inputs (``[inputs]`` dom, forest and the forest's options) and the
    rules that judge them (``[wireless.clutter]``)."""
    return clutter_of_inputs(config.inputs, config.wireless.clutter)


def fwa_claims_stage(
    config: Config, inputs: Ingested, pool: Pool | None = None, cache: ReachCache | None = None
) -> pd.DataFrame:
    """Every FWA claim judged against the claimant's own FWA sites
    (:func:`pipeline.radio.claims.judge_fwa_claims`); no rows unless the run checks FWA sites
    over a DTM (sites given, ``fwa`` among ``[wireless].technologies``)."""
    dtm = config.inputs.dtm
    if inputs.sites is None or "fwa" not in config.wireless.technologies or dtm is None:
        return judge_fwa_claims(inputs.offers.iloc[:0], inputs.addresses, None, Path(), LOS, {})
    los = LosSettings.from_wireless(config.wireless, clutter_of(config))
    aliases = config.operators.aliases
    return judge_fwa_claims(
        inputs.offers, inputs.addresses, inputs.sites, dtm, los, aliases, pool, cache
    )


def wireless_stage(
    config: Config,
    inputs: Ingested,
    progress: Progress = NO_PROGRESS,
    pool: Pool | None = None,
    cache: ReachCache | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The wireless stage: :func:`wireless_per_address` over the located addresses, the
    decisive FWA claim of each address (:func:`fwa_claims_stage`,
    :func:`pipeline.radio.claims.decisive_claim_per_address`) and ``fwa_doubtful`` (a claim
    there is blocked, out of its own sites' range, or by an operator without a site); and
    every claim judged (published as the challenge list, so they are judged once a run).
    The kommuner are checked on ``pool`` (default: this process), those ``cache`` holds
    read back."""
    addresses = inputs.addresses
    reach = wireless_per_address(
        addresses,
        inputs.sites,
        config.inputs.dtm,
        config.wireless,
        progress,
        pool,
        cache,
        clutter_of(config),
    )
    claims = fwa_claims_stage(config, inputs, pool, cache)
    decisive = decisive_claim_per_address(claims, addresses["address_id"])
    reach = pd.concat([reach, decisive.set_axis(reach.index)], axis=1)
    reach["fwa_doubtful"] = decisive["fwa_claim_status"].isin(DOUBTFUL_STATUSES).to_numpy()
    return reach, claims


def wireless_counts(reach: pd.DataFrame) -> dict[str, int]:
    """Line of sight, sites in range and doubtful FWA claims (for the manifest)."""
    return {
        "with_los": int(reach["has_los"].sum()),
        "without_site_in_range": int((reach["sites_in_range"] == 0).sum()),
        "los_terrain_unknown": int((~reach["los_terrain_ok"].astype(bool)).sum()),
        "fwa_doubtful": int(reach["fwa_doubtful"].sum()),
        # addresses by their decisive FWA claim (pipeline.radio.claims)
        **{
            f"fwa_claim_addresses_{status}": int((reach["fwa_claim_status"] == status).sum())
            for status in CLAIM_STATUS_NB
        },
    }
