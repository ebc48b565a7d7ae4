"""FWA claims judged against the claiming operator's own FWA sites.

A claim is one offer of technology ``fwa`` (an operator says it delivers fixed wireless at an
address). It is judged against the FWA sites whose operator is the claimant
(:func:`pipeline.config_operators.operator_keys`: case- and space-insensitive, with the
config's aliases), never against another operator's site nor a mobile mast:

==================  ===============================  ==========================================
 status             label (bokmål)                   holds when
==================  ===============================  ==========================================
 ``no_site``        ingen mast registrert            the claimant has no FWA site on file
 ``out_of_range``   ingen egen mast innen rekkevidde  none of its FWA sites has the address
                                                     within ``max_range_m``
 ``terrain_unknown`` terreng ukjent                  the path of its best site leaves the DTM
 ``blocked``        blokkert av terrenget            every own site in range fails the
                                                     clearance rule (below)
 ``clear``          fri sikt                         some own site in range passes it
==================  ===============================  ==========================================

The clearance rule is :func:`pipeline.radio.los.line_of_sight`'s: the terrain profile with
earth curvature (effective radius :math:`k R_E`) must stay below the straight line from the
antenna (ground + ``antenna_height_m``) to the CPE (ground + ``cpe_height_m``) by at least
``fresnel_clearance`` × the first Fresnel radius :math:`F_1 = \\sqrt{\\lambda d_1 d_2 / d}`.
Only the claimed addresses and their claimant's own sites are checked: one
:func:`pipeline.radio.reach.wireless_reach_per_address` per operator (vectorised over its
claims), so the cost grows with the claims, not with every address × site.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Final

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from maps.worker_pool import Pool
from pipeline.config_operators import operator_keys
from pipeline.radio.kommune_reach import wireless_reach_per_address
from pipeline.radio.reach import LosSettings
from pipeline.radio.reach_cache import ReachCache

CLAIM_STATUS_NB: Final[dict[str, str]] = {
    "blocked": "blokkert av terrenget",
    "out_of_range": "ingen egen mast innen rekkevidde",
    "no_site": "ingen mast registrert",
    "terrain_unknown": "terreng ukjent",
    "clear": "fri sikt",
}
# statuses that put a claim on the challenge list (a claim the terrain or the site list
# cannot back), in the order one address's claims are ranked
DOUBTFUL_STATUSES: Final = ("blocked", "out_of_range", "no_site")
CLAIM_COLUMNS: Final = (
    "address_id",
    "claimed_operator",
    "claimed_down_mbps",
    "claimed_up_mbps",
    "claim_status",
    "site_id",
    "site_distance_m",
    "site_antenna_height_m",
    "site_frequency_mhz",
    "sites_in_range",
    "worst_clearance_ratio",
    "obstruction_x_m",
    "obstruction_y_m",
)


def fwa_claims(offers: pd.DataFrame) -> pd.DataFrame:
    """The FWA offers as claims: ``address_id``, ``claimed_operator``, ``claimed_down_mbps``,
    ``claimed_up_mbps`` (one row per address and operator; the fastest where repeated)."""
    claims = offers.loc[
        offers["technology"] == "fwa", ["address_id", "operator", "down_mbps", "up_mbps"]
    ].sort_values(["address_id", "operator", "down_mbps"], ascending=[True, True, False])
    claims = claims.drop_duplicates(["address_id", "operator"]).reset_index(drop=True)
    return claims.rename(
        columns={
            "operator": "claimed_operator",
            "down_mbps": "claimed_down_mbps",
            "up_mbps": "claimed_up_mbps",
        }
    )


def _unjudged(claims: pd.DataFrame, status: str) -> pd.DataFrame:
    """``claims`` with ``status`` and no site."""
    table = claims.assign(claim_status=status, site_id=None, sites_in_range=0)
    for column in CLAIM_COLUMNS:
        if column not in table.columns:
            table[column] = np.nan
    return table[list(CLAIM_COLUMNS)]


def _nearest_own_site(
    sites: pd.DataFrame, x_m: np.ndarray, y_m: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Per point the nearest of ``sites`` (id, distance in m): the site an out-of-range claim
    cites."""
    tree = cKDTree(sites[["x_m", "y_m"]].to_numpy("float64"))
    distance_m, index = tree.query(np.column_stack([x_m, y_m]))
    return sites["site_id"].to_numpy(dtype=object)[index], distance_m


def _judged_by_own_sites(
    claims: pd.DataFrame,
    located: pd.DataFrame,
    sites: pd.DataFrame,
    dtm: Path,
    work: tuple[LosSettings, Pool | None, ReachCache | None],
) -> pd.DataFrame:
    """One operator's claims (``located``: their addresses' ``x_m``, ``y_m`` and
    ``kommunenummer``, aligned) judged against that operator's FWA ``sites``."""
    los, pool, cache = work
    located = located.reset_index(drop=True)
    reach = wireless_reach_per_address(located, sites, dtm, los, pool=pool, cache=cache)
    in_range = reach["sites_in_range"].to_numpy()
    status = np.select(
        [
            in_range == 0,
            ~reach["los_terrain_ok"].to_numpy(dtype=bool),
            reach["has_los"].to_numpy(dtype=bool),
        ],
        ["out_of_range", "terrain_unknown", "clear"],
        default="blocked",
    )
    site_id = reach["los_site_id"].to_numpy(dtype=object).copy()
    distance_m = reach["los_distance_m"].to_numpy("float64").copy()
    far = in_range == 0
    if far.any():
        x_m, y_m = located["x_m"].to_numpy("float64"), located["y_m"].to_numpy("float64")
        site_id[far], distance_m[far] = _nearest_own_site(sites, x_m[far], y_m[far])
    by_id = sites.set_index("site_id")
    table = claims.reset_index(drop=True).assign(
        claim_status=status,
        site_id=site_id,
        site_distance_m=distance_m,
        site_antenna_height_m=by_id["antenna_height_m"].reindex(site_id).to_numpy("float64"),
        site_frequency_mhz=by_id["frequency_mhz"].reindex(site_id).to_numpy("float64"),
        sites_in_range=in_range,
        worst_clearance_ratio=reach["worst_clearance_ratio"].to_numpy("float64"),
        obstruction_x_m=reach["obstruction_x_m"].to_numpy("float64"),
        obstruction_y_m=reach["obstruction_y_m"].to_numpy("float64"),
    )
    return table[list(CLAIM_COLUMNS)]


def judge_fwa_claims(
    offers: pd.DataFrame,
    addresses: pd.DataFrame,
    sites: pd.DataFrame | None,
    dtm: Path,
    los: LosSettings,
    aliases: Mapping[str, str],
    pool: Pool | None = None,
    cache: ReachCache | None = None,
) -> pd.DataFrame:
    """Every FWA claim of ``offers`` at a located address, judged (module docstring).

    Returns :data:`CLAIM_COLUMNS`, one row per (address, claiming operator), sorted by address
    and operator: the status, the own site that decided (the nearest with line of sight, else
    the nearest in range with where the terrain cuts its line, else the nearest own site out
    of range; None without one), that site's heights and frequency and the clearance found.
    """
    claims = fwa_claims(offers)
    claims = claims.loc[claims["address_id"].isin(addresses["address_id"])]
    if sites is None:
        sites = pd.DataFrame({"operator": [], "technology": []})
    own = sites.loc[sites["technology"] == "fwa"]
    site_keys = operator_keys(own["operator"], aliases)
    claim_keys = operator_keys(claims["claimed_operator"], aliases)
    located = addresses.drop_duplicates("address_id").set_index("address_id")
    parts = [_unjudged(claims.loc[~claim_keys.isin(site_keys)], "no_site")]
    for key in sorted(set(claim_keys) & set(site_keys)):
        mine = claims.loc[claim_keys == key]
        where = located.loc[mine["address_id"], ["x_m", "y_m", "kommunenummer"]]
        mine_sites = own.loc[site_keys == key]
        parts.append(_judged_by_own_sites(mine, where, mine_sites, dtm, (los, pool, cache)))
    table = pd.concat([p for p in parts if len(p)] or parts[:1], ignore_index=True)
    return table.sort_values(["address_id", "claimed_operator"], kind="stable").reset_index(
        drop=True
    )


def decisive_claim_per_address(claims: pd.DataFrame, address_ids: pd.Series) -> pd.DataFrame:
    """Per address (aligned to ``address_ids``' index) the claim that speaks loudest against
    it: the first of :data:`DOUBTFUL_STATUSES` (blocked, then out of range, then no site),
    else any other; by operator name within a status. Columns ``fwa_claim_status``,
    ``fwa_claim_operator``, ``fwa_claim_site_id``, ``fwa_claim_obstruction_x_m``/``_y_m``
    (None / "" / NaN where the address has no claim)."""
    rank = {s: i for i, s in enumerate((*DOUBTFUL_STATUSES, "terrain_unknown", "clear"))}
    order = claims.assign(_rank=claims["claim_status"].map(rank)).sort_values(
        ["address_id", "_rank", "claimed_operator"], kind="stable"
    )
    first = order.drop_duplicates("address_id").set_index("address_id")
    aligned = first.reindex(address_ids.to_numpy())
    return pd.DataFrame(
        {
            "fwa_claim_status": aligned["claim_status"].fillna("").to_numpy(dtype=object),
            "fwa_claim_operator": aligned["claimed_operator"].fillna("").to_numpy(dtype=object),
            "fwa_claim_site_id": aligned["site_id"].to_numpy(dtype=object),
            "fwa_claim_obstruction_x_m": aligned["obstruction_x_m"].to_numpy("float64"),
            "fwa_claim_obstruction_y_m": aligned["obstruction_y_m"].to_numpy("float64"),
        },
        index=address_ids.index,
    )
