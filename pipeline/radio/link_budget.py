"""Radio link budget: path loss over the terrain, received power, SINR and spectral efficiency.

Every function works on numpy arrays of pairs (one value per (site, receiver) pair); the
profile functions take profiles as 2-D arrays, samples × pairs (NaN where a shorter profile
has no sample). Sources of the formulas:

- free space: ITU-R P.525, :math:`L_{fs} = 20\\log_{10} d_{km} + 20\\log_{10} f_{MHz} + 32.45`;
- knife edge: ITU-R P.526 eq. (31), :math:`J(v) = 6.9 + 20\\log_{10}(\\sqrt{(v-0.1)^2+1}+v-0.1)`
  for :math:`v > -0.78`, else 0; :math:`v = h\\sqrt{2 (d_1+d_2) / (\\lambda d_1 d_2)}`;
- several edges: Deygout (IEEE Trans. AP-14, 1966): the main edge (largest :math:`v` over the
  whole path), then the largest :math:`v` on each side of it, measured from the line between
  the path's end and the main edge's top; :math:`L = J(v_m) + J(v_t) + J(v_r)`, the secondary
  edges only where the main edge diffracts (:math:`v_m > -0.78`);
- rain: ITU-R P.838-3, :math:`\\gamma_R = k R^\\alpha` dB/km, :math:`k` and :math:`\\alpha`
  from the recommendation's regressions (its Tables 1-4) for a horizontal path and 45°
  polarisation tilt (the mean of horizontal and vertical, as a dual-polarised link sees);
- foliage: Weissberger's modified exponential decay (1982), valid 230 MHz-95 GHz:
  :math:`L = 0.45 f^{0.284} d` for :math:`d < 14` m, :math:`1.33 f^{0.284} d^{0.588}` for
  14-400 m (f in GHz, d the depth of trees in the path in m);
- noise: :math:`N = -174 + 10\\log_{10} B_{Hz} + NF` dBm (thermal noise at 290 K);
- spectral efficiency: 3GPP TR 36.942 Annex A.2, the attenuated Shannon bound
  :math:`\\eta = \\min(a \\log_2(1 + SINR), \\eta_{max})`, 0 below :math:`SINR_{min}` = -10 dB
  (:math:`a` = 0.6 down, 0.4 up), capped at the top of the CQI tables of 3GPP TS 38.214.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from pipeline.radio.dem_window import FloatArray
from pipeline.radio.los import SPEED_OF_LIGHT_M_PER_S

KNIFE_EDGE_MIN_V = -0.78  # ITU-R P.526: J(v) = 0 at and below
THERMAL_NOISE_DBM_PER_HZ = -174.0  # kT at 290 K
SHANNON_MIN_SINR_DB = -10.0  # 3GPP TR 36.942 A.2: no throughput below

# ITU-R P.838-3 Tables 1-4: (a_j, b_j, c_j) per term, then m and c, of
# log10 k (or alpha) = sum_j a_j exp(-((log10 f - b_j) / c_j)^2) + m log10 f + c
_P838Table = tuple[tuple[tuple[float, float, float], ...], float, float]
_P838_K_H_TABLE: _P838Table = (
    (
        (-5.33980, -0.10008, 1.13098),
        (-0.35351, 1.26970, 0.45400),
        (-0.23789, 0.86036, 0.15354),
        (-0.94158, 0.64552, 0.16817),
    ),
    -0.18961,
    0.71147,
)
_P838_K_V_TABLE: _P838Table = (
    (
        (-3.80595, 0.56934, 0.81061),
        (-3.44965, -0.22911, 0.51059),
        (-0.39902, 0.73042, 0.11899),
        (0.50167, 1.07319, 0.27195),
    ),
    -0.16398,
    0.63297,
)
_P838_ALPHA_H_TABLE: _P838Table = (
    (
        (-0.14318, 1.82442, -0.55187),
        (0.29591, 0.77564, 0.19822),
        (0.32177, 0.63773, 0.13164),
        (-5.37610, -0.96230, 1.47828),
        (16.1721, -3.29980, 3.43990),
    ),
    0.67849,
    -1.95537,
)
_P838_ALPHA_V_TABLE: _P838Table = (
    (
        (-0.07771, 2.33840, -0.76284),
        (0.56727, 0.95545, 0.54039),
        (-0.20238, 1.14520, 0.26809),
        (-48.2991, 0.791669, 0.116226),
        (48.5833, 0.791459, 0.116479),
    ),
    -0.053739,
    0.83433,
)


def free_space_loss_db(distance_m: ArrayLike, frequency_mhz: ArrayLike) -> FloatArray:
    """Free-space path loss (ITU-R P.525).

    .. math:: L_{fs} = 20 \\log_{10} d_{km} + 20 \\log_{10} f_{MHz} + 32.45 \\text{ dB}
    """
    distance_km = np.asarray(distance_m, "float64") / 1000.0
    with np.errstate(divide="ignore"):
        loss: FloatArray = (
            20.0 * np.log10(distance_km)
            + 20.0 * np.log10(np.asarray(frequency_mhz, "float64"))
            + 32.45
        )
    return loss


def knife_edge_loss_db(v: ArrayLike) -> FloatArray:
    """Diffraction loss of one knife edge, ITU-R P.526 eq. (31).

    .. math:: J(v) = 6.9 + 20 \\log_{10}\\left(\\sqrt{(v - 0.1)^2 + 1} + v - 0.1\\right)

    for :math:`v > -0.78`, 0 below (and for ``-inf``: no obstacle); NaN stays NaN.
    """
    v_arr = np.asarray(v, "float64")
    finite = np.where(np.isfinite(v_arr), v_arr, 0.0) - 0.1
    loss = 6.9 + 20.0 * np.log10(np.sqrt(finite**2 + 1.0) + finite)
    loss = np.where(v_arr > KNIFE_EDGE_MIN_V, loss, 0.0)
    return np.where(np.isnan(v_arr), np.nan, loss)


def fresnel_parameter(
    height_m: ArrayLike, d1_m: ArrayLike, d2_m: ArrayLike, wavelength_m: ArrayLike
) -> FloatArray:
    """Fresnel-Kirchhoff diffraction parameter of an edge ``height_m`` above the line between
    the ends (negative below it), ``d1_m`` and ``d2_m`` from them (ITU-R P.526 eq. (26)).

    .. math:: v = h \\sqrt{\\frac{2 (d_1 + d_2)}{\\lambda d_1 d_2}}
    """
    d1, d2 = np.asarray(d1_m, "float64"), np.asarray(d2_m, "float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.sqrt(2.0 * (d1 + d2) / (np.asarray(wavelength_m, "float64") * d1 * d2))
    v: FloatArray = np.asarray(height_m, "float64") * scale
    return v


def wavelength_m(frequency_mhz: ArrayLike) -> FloatArray:
    """:math:`\\lambda = c / f`."""
    result: FloatArray = SPEED_OF_LIGHT_M_PER_S / (np.asarray(frequency_mhz, "float64") * 1e6)
    return result


def _edges_v(
    distance_m: FloatArray,
    height_m: FloatArray,
    start: tuple[FloatArray, FloatArray],
    end: tuple[FloatArray, FloatArray],
    wavelength: FloatArray,
) -> FloatArray:
    """:math:`v` of every sample (samples × pairs) against the line from ``start`` to ``end``
    ((distance, height) per pair); -inf outside the open span or where there is no sample."""
    (start_m, start_height_m), (end_m, end_height_m) = start, end
    d1, d2 = distance_m - start_m, end_m - distance_m
    inside = (d1 > 0) & (d2 > 0) & np.isfinite(height_m)
    with np.errstate(divide="ignore", invalid="ignore"):
        line_m = start_height_m + (end_height_m - start_height_m) * d1 / (end_m - start_m)
        v = fresnel_parameter(height_m - line_m, d1, d2, wavelength)
    return np.where(inside, v, -np.inf)


def _strongest(v: FloatArray) -> tuple[FloatArray, np.ndarray]:
    """Largest ``v`` per pair (column) and its sample row."""
    row = np.argmax(v, axis=0)
    return np.take_along_axis(v, row[None, :], axis=0)[0], row


def deygout_loss_db(
    distance_m: ArrayLike,
    height_m: ArrayLike,
    tx_height_m: ArrayLike,
    rx_height_m: ArrayLike,
    path_length_m: ArrayLike,
    frequency_mhz: ArrayLike,
) -> FloatArray:
    """Diffraction loss over each profile by Deygout's method, main edge plus up to two
    secondary edges (module docstring).

    Parameters
    ----------
    distance_m, height_m
        Samples × pairs: each sample's distance from the transmitter and its terrain height
        above sea level *including* the earth bulge (:func:`pipeline.radio.los.earth_bulge_m`);
        NaN where a profile has fewer samples.
    tx_height_m, rx_height_m
        Per pair: the antennas' heights above sea level (ground + mast or CPE).
    path_length_m, frequency_mhz
        Per pair: the distance between the antennas and the frequency.

    On a sampled DTM a rounded crest is many edges: the sample next to the main edge can sit
    above the line to it, where the Fresnel zone is only ~1 m wide, and count as a secondary
    edge of several dB. The run therefore takes the main edge alone
    (:func:`pipeline.radio.throughput.path_loss_db`); this function serves profiles whose
    edges are distinct obstacles.
    """
    distance = np.atleast_2d(np.asarray(distance_m, "float64"))
    height = np.atleast_2d(np.asarray(height_m, "float64"))
    n_pairs = distance.shape[1]
    tx_h, rx_h, length, wavelength = (
        np.broadcast_to(np.asarray(a, "float64"), (n_pairs,))
        for a in (tx_height_m, rx_height_m, path_length_m, wavelength_m(frequency_mhz))
    )
    tx, rx = (np.zeros(n_pairs), tx_h), (length, rx_h)
    v_main, row = _strongest(_edges_v(distance, height, tx, rx, wavelength))
    main = (distance[row, np.arange(n_pairs)], height[row, np.arange(n_pairs)])
    v_tx, _ = _strongest(_edges_v(distance, height, tx, main, wavelength))
    v_rx, _ = _strongest(_edges_v(distance, height, main, rx, wavelength))
    secondary = knife_edge_loss_db(v_tx) + knife_edge_loss_db(v_rx)
    main_loss = knife_edge_loss_db(v_main)
    return main_loss + np.where(v_main > KNIFE_EDGE_MIN_V, secondary, 0.0)


def _p838_regression(table: _P838Table, log_f: FloatArray) -> FloatArray:
    """:math:`\\sum_j a_j e^{-((\\log f - b_j)/c_j)^2} + m \\log f + c` (P.838-3 eq. 2-3)."""
    terms, m, c = table
    total: FloatArray = m * log_f + c
    for a_j, b_j, c_j in terms:
        total = total + a_j * np.exp(-(((log_f - b_j) / c_j) ** 2))
    return total


def rain_coefficients(frequency_mhz: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """:math:`k` and :math:`\\alpha` of ITU-R P.838-3 for a horizontal path with 45°
    polarisation tilt: :math:`k = (k_H + k_V)/2`,
    :math:`\\alpha = (k_H \\alpha_H + k_V \\alpha_V) / 2k` (its eq. 4-5)."""
    log_f = np.log10(np.asarray(frequency_mhz, "float64") / 1000.0)
    k_h = 10.0 ** _p838_regression(_P838_K_H_TABLE, log_f)
    k_v = 10.0 ** _p838_regression(_P838_K_V_TABLE, log_f)
    alpha_h = _p838_regression(_P838_ALPHA_H_TABLE, log_f)
    alpha_v = _p838_regression(_P838_ALPHA_V_TABLE, log_f)
    k = (k_h + k_v) / 2.0
    return k, (k_h * alpha_h + k_v * alpha_v) / (2.0 * k)


def rain_attenuation_db(
    distance_m: ArrayLike, frequency_mhz: ArrayLike, rain_rate_mm_per_h: float
) -> FloatArray:
    """Rain fade over the whole path: :math:`A = k R^\\alpha d_{km}` (ITU-R P.838-3), with
    rain on every metre of it (P.530's distance factor is left out: above 1 below ~5 km)."""
    k, alpha = rain_coefficients(frequency_mhz)
    specific_db_per_km = k * float(rain_rate_mm_per_h) ** alpha
    result: FloatArray = specific_db_per_km * np.asarray(distance_m, "float64") / 1000.0
    return result


def foliage_loss_db(frequency_mhz: ArrayLike, foliage_depth_m: ArrayLike) -> FloatArray:
    """Weissberger's loss through ``foliage_depth_m`` of trees (module docstring); 0 m: 0 dB,
    beyond 400 m held at the 400 m value."""
    f_ghz = np.asarray(frequency_mhz, "float64") / 1000.0
    depth = np.clip(np.asarray(foliage_depth_m, "float64"), 0.0, 400.0)
    short = 0.45 * f_ghz**0.284 * depth
    long = 1.33 * f_ghz**0.284 * depth**0.588
    result: FloatArray = np.where(depth < 14.0, short, long)
    return result


def noise_dbm(bandwidth_mhz: ArrayLike, noise_figure_db: ArrayLike) -> FloatArray:
    """Receiver noise: :math:`N = -174 + 10 \\log_{10} B_{Hz} + NF` dBm."""
    bandwidth_hz = np.asarray(bandwidth_mhz, "float64") * 1e6
    result: FloatArray = (
        THERMAL_NOISE_DBM_PER_HZ + 10.0 * np.log10(bandwidth_hz) + np.asarray(noise_figure_db)
    )
    return result


def spectral_efficiency_bps_per_hz(
    sinr_db: ArrayLike, attenuation: float, max_bps_per_hz: ArrayLike
) -> FloatArray:
    """3GPP TR 36.942 A.2: :math:`\\min(a \\log_2(1 + 10^{SINR/10}), \\eta_{max})`, 0 below
    -10 dB and where the SINR is NaN."""
    sinr = np.asarray(sinr_db, "float64")
    known = np.where(np.isnan(sinr), -np.inf, sinr)
    shannon = attenuation * np.log2(1.0 + 10.0 ** (known / 10.0))
    efficiency = np.minimum(shannon, np.asarray(max_bps_per_hz, "float64"))
    result: FloatArray = np.where(known >= SHANNON_MIN_SINR_DB, efficiency, 0.0)
    return result
