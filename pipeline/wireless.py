"""Stage 4, wireless: predicted throughput per address from its best site, distance and line of
sight (the line of sight itself is :mod:`pipeline.radio`'s).

A documented, deliberately simple model (no path-loss simulation): the site's advertised
speeds, scaled down with distance, and with a penalty when the path is not clear.

.. math::

    g(d) = \\begin{cases}
        1 & d \\le d_{full} = f_{full} R \\\\
        1 - (1 - g_{edge}) \\frac{d - d_{full}}{R - d_{full}} & d_{full} < d \\le R \\\\
        0 & d > R
    \\end{cases}

    v_{down} = v_{site,down} \\cdot g(d) \\cdot p, \\quad
    v_{up} = v_{site,up} \\cdot g(d) \\cdot p

with :math:`R` the site's ``max_range_m`` and :math:`p = 1` with line of sight, otherwise
:math:`p` = ``nlos_share`` for mobile (4G/5G diffract and reflect around obstacles) and 0 for
fixed wireless (an FWA link needs a clear path to its CPE).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from maps.worker_pool import Pool
from pipeline.config import Config, WirelessSettings
from pipeline.ingest import Ingested
from pipeline.progress import NO_PROGRESS, Progress
from pipeline.radio.claims import (
    CLAIM_STATUS_NB,
    DOUBTFUL_STATUSES,
    decisive_claim_per_address,
    judge_fwa_claims,
)
from pipeline.radio.kommune_reach import wireless_reach_per_address
from pipeline.radio.reach import LosSettings
from pipeline.radio.reach_cache import ReachCache

# Share of the site's speeds kept at the edge of its range, and the share of the range over
# which the full speed holds (assumptions, see the README).
EDGE_SHARE = 0.3
FULL_SHARE = 0.5
NLOS_SHARE = {"fwa": 0.0, "mobile_4g": 0.25, "mobile_5g": 0.15}
SITE_COLUMNS = ("technology", "down_mbps", "up_mbps", "max_range_m")
LOS = LosSettings()


def distance_scale(distance_m: np.ndarray, max_range_m: np.ndarray) -> np.ndarray:
    """:math:`g(d)` of the module docstring: 1 near the site, ``EDGE_SHARE`` at its range."""
    full_m = FULL_SHARE * max_range_m
    falling = 1.0 - (1.0 - EDGE_SHARE) * (distance_m - full_m) / (max_range_m - full_m)
    return np.select([distance_m <= full_m, distance_m <= max_range_m], [1.0, falling], default=0.0)


def predicted_speeds_mbps(
    technology: np.ndarray,
    site_down_mbps: np.ndarray,
    site_up_mbps: np.ndarray,
    distance_m: np.ndarray,
    max_range_m: np.ndarray,
    has_los: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Predicted (down, up) Mbit/s per address (module docstring); 0 without a site."""
    nlos_share = pd.Series(technology).map(NLOS_SHARE).fillna(0.0).to_numpy(dtype="float64")
    penalty = np.where(has_los, 1.0, nlos_share)
    scale = distance_scale(distance_m, max_range_m) * penalty
    return site_down_mbps * scale, site_up_mbps * scale


def wireless_per_address(
    addresses: pd.DataFrame,
    sites: pd.DataFrame | None,
    dtm: Path | None,
    settings: WirelessSettings,
    progress: Progress = NO_PROGRESS,
    pool: Pool | None = None,
    cache: ReachCache | None = None,
) -> pd.DataFrame:
    """Line of sight to the best site of the configured technologies, and predicted speeds.

    Columns of :data:`pipeline.radio.reach.BEST_SITE_COLUMNS` plus ``wireless_technology``,
    ``wireless_down_mbps`` and ``wireless_up_mbps`` (0 without a site), aligned to the index.
    The pass over the kommuner runs on ``pool`` (default: this process), reads back the
    kommuner ``cache`` holds (:mod:`pipeline.radio.reach_cache`) and reports to ``progress``.
    """
    chosen = None
    if sites is not None:
        chosen = sites.loc[sites["technology"].isin(settings.technologies)]
    los_settings = LosSettings.from_wireless(settings)
    with progress.track("wireless", _kommuner_to_check(addresses, chosen, dtm)) as advance:
        reach = wireless_reach_per_address(
            addresses, chosen, dtm, los_settings, advance, pool, cache
        )
    if chosen is None or chosen.empty:
        site = pd.DataFrame(index=reach.index, columns=SITE_COLUMNS)
    else:
        site = chosen.set_index("site_id")[list(SITE_COLUMNS)].reindex(reach["los_site_id"])
    down, up = predicted_speeds_mbps(
        site["technology"].to_numpy(dtype=object),
        site["down_mbps"].to_numpy(dtype="float64"),
        site["up_mbps"].to_numpy(dtype="float64"),
        reach["los_distance_m"].to_numpy(dtype="float64"),
        site["max_range_m"].to_numpy(dtype="float64"),
        reach["has_los"].to_numpy(dtype=bool),
    )
    reach["wireless_technology"] = site["technology"].to_numpy(dtype=object)
    reach["wireless_down_mbps"] = np.nan_to_num(down)
    reach["wireless_up_mbps"] = np.nan_to_num(up)
    return reach


def _kommuner_to_check(
    addresses: pd.DataFrame, sites: pd.DataFrame | None, dtm: Path | None
) -> int:
    """How many kommuner a pass of :func:`wireless_reach_per_address` loops over (0 when it
    has no DTM or no site)."""
    if dtm is None or sites is None or sites.empty:
        return 0
    return int(addresses["kommunenummer"].nunique())


def fwa_claims_stage(
    config: Config, inputs: Ingested, pool: Pool | None = None, cache: ReachCache | None = None
) -> pd.DataFrame:
    """Every FWA claim judged against the claimant's own FWA sites
    (:func:`pipeline.radio.claims.judge_fwa_claims`); no rows unless the run checks FWA sites
    over a DTM (sites given, ``fwa`` among ``[wireless].technologies``)."""
    dtm = config.inputs.dtm
    if inputs.sites is None or "fwa" not in config.wireless.technologies or dtm is None:
        return judge_fwa_claims(inputs.offers.iloc[:0], inputs.addresses, None, Path(), LOS, {})
    los = LosSettings.from_wireless(config.wireless)
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
        addresses, inputs.sites, config.inputs.dtm, config.wireless, progress, pool, cache
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
