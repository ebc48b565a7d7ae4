"""Predicted throughput per household from a link budget, the sector shared among its households.

Per (address, best site) pair, with the formulas of :mod:`pipeline.radio.link_budget`:

.. math::

    L &= L_{fs}(d, f) + J(v_m) + A_{rain}(d, f, R) + L_{foliage}(f, d_{trees}) \\\\
    SINR_{down} &= EIRP_{site} + G_{cpe} - L - N(B, NF_{cpe}) - M_I \\\\
    SINR_{up} &= EIRP_{cpe} + G_{site} - L - N(B, NF_{site}) - M_I \\\\
    C &= \\eta(SINR) \\cdot B \\cdot n_{layers} \\cdot (1 - OH) \\cdot t_{share} \\\\
    v &= \\min\\left(v_{site},\\ C / \\max(1,\\ n_{active})\\right), \\quad
    n_{active} = H_{site} \\cdot u \\cdot a / n_{sectors}

with :math:`v_m = -\\sqrt 2 \\cdot` the pair's worst clearance ratio (its main knife edge,
:mod:`pipeline.radio.los`), :math:`H_{site}` the households whose best site it is and whose
link carries anything, :math:`u` the take-up (1 for a new mast), :math:`a` the busy-hour
active share and :math:`v_{site}` the site's advertised speed. The radios' figures are
:data:`RADIOS`; rain, trees, interference margin and load are ``[wireless.link]``
(:class:`pipeline.config.LinkSettings`).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from pipeline.config import LinkSettings
from pipeline.radio.dem_window import FloatArray
from pipeline.radio.link_budget import (
    foliage_loss_db,
    free_space_loss_db,
    knife_edge_loss_db,
    noise_dbm,
    rain_attenuation_db,
    spectral_efficiency_bps_per_hz,
)

# 3GPP TR 36.942 A.2: the attenuation of the Shannon bound, downlink and uplink
SHANNON_ATTENUATION_DOWN = 0.6
SHANNON_ATTENUATION_UP = 0.4
MMWAVE_FROM_MHZ = 24_250.0  # 3GPP FR2 starts at 24.25 GHz (TS 38.101-2)


@dataclass(frozen=True)
class Radio:
    """One radio's figures, the site's and the CPE's (sources: README, "Predicted speeds")."""

    bandwidth_mhz: float  # MHz of carrier
    downlink_time_share: float  # share of the time the carrier sends down (TDD; FDD: 1)
    uplink_time_share: float  # share of the time it sends up (TDD; FDD: 1, a band of its own)
    downlink_layers: int  # MIMO layers down
    uplink_layers: int  # MIMO layers up
    downlink_overhead: float  # share of resources for control and reference signals
    uplink_overhead: float
    site_eirp_dbm: float  # dBm EIRP of the site's sector
    site_gain_dbi: float  # dBi the site's antenna adds to what it receives
    site_noise_figure_db: float  # dB
    cpe_eirp_dbm: float  # dBm EIRP of the household's terminal
    cpe_gain_dbi: float  # dBi of the household's terminal antenna
    cpe_noise_figure_db: float  # dB
    max_downlink_bps_per_hz: float  # top of the CQI table (TS 38.214) or TR 36.942's cap
    max_uplink_bps_per_hz: float


# TS 38.214 Table 5.2.2.1-3 (256QAM) CQI 15: 7.4063 bit/s/Hz; Table 5.2.2.1-2 (64QAM): 5.5547.
# TS 38.306 4.1.2: overhead 0.14 down / 0.08 up in FR1, 0.18 / 0.10 in FR2.
_NR_MIDBAND = Radio(
    bandwidth_mhz=80.0,  # assumption: one operator's block of the 3.6 GHz band
    downlink_time_share=0.75,  # assumption: a DDDSU-like TDD pattern
    uplink_time_share=0.25,
    downlink_layers=2,
    uplink_layers=1,
    downlink_overhead=0.14,
    uplink_overhead=0.08,
    site_eirp_dbm=75.0,  # assumption: 200 W into an active antenna (53 dBm + 22 dBi)
    site_gain_dbi=22.0,
    site_noise_figure_db=5.0,  # assumption
    cpe_eirp_dbm=23.0,  # a handset: power class 3, 0 dBi
    cpe_gain_dbi=0.0,
    cpe_noise_figure_db=9.0,  # assumption
    max_downlink_bps_per_hz=7.4063,
    max_uplink_bps_per_hz=5.5547,
)
RADIOS: dict[str, Radio] = {
    # 800 MHz LTE (band 20, FDD 2 × 10 MHz); TR 36.942 A.2 caps 4.4 down / 2.0 up
    "mobile_4g": Radio(
        bandwidth_mhz=10.0,
        downlink_time_share=1.0,
        uplink_time_share=1.0,
        downlink_layers=2,
        uplink_layers=1,
        downlink_overhead=0.14,
        uplink_overhead=0.08,
        site_eirp_dbm=61.0,  # assumption: 46 dBm + 15 dBi, a macro sector
        site_gain_dbi=15.0,
        site_noise_figure_db=5.0,
        cpe_eirp_dbm=23.0,
        cpe_gain_dbi=0.0,
        cpe_noise_figure_db=9.0,
        max_downlink_bps_per_hz=4.4,
        max_uplink_bps_per_hz=2.0,
    ),
    "mobile_5g": _NR_MIDBAND,
    # fixed wireless in the mid band: the 5G site with an outdoor CPE; assumption 26 dBm
    # (power class 2) + 5 dBi, 8 dBi receiving, NF 7 dB
    "fwa": dataclasses.replace(
        _NR_MIDBAND, cpe_eirp_dbm=31.0, cpe_gain_dbi=8.0, cpe_noise_figure_db=7.0
    ),
    # fixed wireless at 26 GHz (n258): 400 MHz is FR2's widest carrier (TS 38.101-2); the CPE
    # sends at 40 dBm EIRP, the floor of power class 1 (fixed wireless, TS 38.101-2)
    "fwa_mmwave": Radio(
        bandwidth_mhz=400.0,
        downlink_time_share=0.75,
        uplink_time_share=0.25,
        downlink_layers=2,
        uplink_layers=1,
        downlink_overhead=0.18,
        uplink_overhead=0.10,
        site_eirp_dbm=60.0,  # assumption: an FR2 sector of a rural mast
        site_gain_dbi=25.0,  # assumption
        site_noise_figure_db=7.0,  # assumption
        cpe_eirp_dbm=40.0,
        cpe_gain_dbi=20.0,  # assumption
        cpe_noise_figure_db=10.0,  # assumption
        max_downlink_bps_per_hz=7.4063,
        max_uplink_bps_per_hz=5.5547,
    ),
}
_RADIO_TABLE = pd.DataFrame([dataclasses.asdict(r) for r in RADIOS.values()], index=list(RADIOS))


def radio_of(technology: ArrayLike, frequency_mhz: ArrayLike) -> np.ndarray:
    """The :data:`RADIOS` key per site: its technology, ``fwa_mmwave`` for FWA from 24.25 GHz."""
    tech = np.asarray(technology, dtype=object)
    mmwave = (tech == "fwa") & (np.asarray(frequency_mhz, "float64") >= MMWAVE_FROM_MHZ)
    return np.where(mmwave, "fwa_mmwave", tech).astype(object)


def path_loss_db(
    distance_m: ArrayLike,
    frequency_mhz: ArrayLike,
    worst_clearance_ratio: ArrayLike,
    link: LinkSettings,
    forest_depth_m: ArrayLike | None = None,
) -> FloatArray:
    """:math:`L` of the module docstring; NaN where the clearance is unknown. The trees are
    each pair's ``forest_depth_m`` (metres of forest crossed, :mod:`pipeline.radio.clutter`)
    where known, else the fixed ``link.foliage_depth_m``."""
    distance = np.asarray(distance_m, "float64")
    v_main = -np.sqrt(2.0) * np.asarray(worst_clearance_ratio, "float64")
    trees_m: ArrayLike = link.foliage_depth_m
    if forest_depth_m is not None:
        measured = np.asarray(forest_depth_m, "float64")
        trees_m = np.where(np.isnan(measured), link.foliage_depth_m, measured)
    loss: FloatArray = (
        free_space_loss_db(np.maximum(distance, 1.0), frequency_mhz)
        + knife_edge_loss_db(v_main)
        + rain_attenuation_db(distance, frequency_mhz, link.rain_rate_mm_per_h)
        + foliage_loss_db(frequency_mhz, trees_m)
    )
    return loss


def sector_capacity_mbps(
    radio: np.ndarray, loss_db: ArrayLike, link: LinkSettings
) -> tuple[FloatArray, FloatArray]:
    """Capacity :math:`C` (down, up) of the household's sector at the household's own SINR
    (module docstring); 0 for an unknown radio or an unknown loss."""
    figures = _RADIO_TABLE.reindex(pd.Index(radio, dtype=object))
    loss = np.asarray(loss_db, "float64")

    def column(name: str) -> FloatArray:
        return figures[name].to_numpy(dtype="float64")

    bandwidth = column("bandwidth_mhz")
    sinr_down = (
        column("site_eirp_dbm")
        + column("cpe_gain_dbi")
        - loss
        - noise_dbm(bandwidth, column("cpe_noise_figure_db"))
        - link.interference_margin_db
    )
    sinr_up = (
        column("cpe_eirp_dbm")
        + column("site_gain_dbi")
        - loss
        - noise_dbm(bandwidth, column("site_noise_figure_db"))
        - link.interference_margin_db
    )
    capacity = []
    for sinr, attenuation, way in (
        (sinr_down, SHANNON_ATTENUATION_DOWN, "downlink"),
        (sinr_up, SHANNON_ATTENUATION_UP, "uplink"),
    ):
        efficiency = spectral_efficiency_bps_per_hz(
            sinr, attenuation, column(f"max_{way}_bps_per_hz")
        )
        mbps = (
            efficiency
            * bandwidth
            * column(f"{way}_layers")
            * (1.0 - column(f"{way}_overhead"))
            * column(f"{way}_time_share")
        )
        capacity.append(np.nan_to_num(mbps))
    return capacity[0], capacity[1]


def active_households(
    site_id: ArrayLike,
    households: ArrayLike,
    carries: ArrayLike,
    take_up: ArrayLike,
    link: LinkSettings,
) -> FloatArray:
    """Per address: :math:`n_{active}` of its best site's sector, from the households whose
    best site it is and whose link ``carries`` anything (module docstring); 0 without a site."""
    site = pd.Series(np.asarray(site_id, dtype=object))
    load = pd.Series(
        np.asarray(households, "float64")
        * np.asarray(carries, bool)
        * np.asarray(take_up, "float64")
    )
    per_site = load.groupby(site, dropna=True).transform("sum").fillna(0.0)
    result: FloatArray = (
        per_site.to_numpy(dtype="float64") * link.busy_hour_active_share / link.sectors_per_site
    )
    return result


def household_speeds_mbps(
    capacity_down_mbps: ArrayLike,
    capacity_up_mbps: ArrayLike,
    active: ArrayLike,
    site_down_mbps: ArrayLike,
    site_up_mbps: ArrayLike,
) -> tuple[FloatArray, FloatArray]:
    """:math:`v = \\min(v_{site}, C / \\max(1, n_{active}))`, down and up; 0 where unknown."""
    share = 1.0 / np.maximum(1.0, np.asarray(active, "float64"))
    down = np.minimum(np.asarray(capacity_down_mbps, "float64") * share, site_down_mbps)
    up = np.minimum(np.asarray(capacity_up_mbps, "float64") * share, site_up_mbps)
    return np.nan_to_num(down), np.nan_to_num(up)
