"""pipeline/radio/link_budget.py: free space, knife edges (one and Deygout's), rain, trees,
noise and spectral efficiency, against values computed by hand."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.radio.link_budget import (
    deygout_loss_db,
    foliage_loss_db,
    free_space_loss_db,
    fresnel_parameter,
    knife_edge_loss_db,
    noise_dbm,
    rain_attenuation_db,
    rain_coefficients,
    spectral_efficiency_bps_per_hz,
    wavelength_m,
)


def test_free_space_loss_at_known_distances() -> None:
    # 20 log10(1) + 20 log10(2400) + 32.45 = 0 + 67.604 + 32.45
    assert free_space_loss_db(1000.0, 2400.0) == pytest.approx(100.054, abs=1e-3)
    # 10 km at 800 MHz: 20 + 58.062 + 32.45; 1.5 km at 26 GHz: 3.522 + 88.299 + 32.45
    loss = free_space_loss_db(np.array([10_000.0, 1500.0]), np.array([800.0, 26_000.0]))
    assert loss.tolist() == pytest.approx([110.512, 124.271], abs=1e-3)


def test_knife_edge_loss_at_p526_values() -> None:
    # J(0) = 6.9 + 20 log10(sqrt(1.01) - 0.1) = 6.9 - 0.867; J(1) = 6.9 + 20 log10(2.2454);
    # J(2.4) = 6.9 + 20 log10(4.8080); no loss at or below -0.78, nor without an obstacle
    loss = knife_edge_loss_db(np.array([0.0, 1.0, 2.4, -0.78, -2.0, -np.inf]))
    assert loss.tolist() == pytest.approx([6.033, 13.926, 20.539, 0.0, 0.0, 0.0], abs=1e-3)
    # just above -0.78 the formula itself is near 0 (continuity at the cut)
    assert knife_edge_loss_db(-0.7799) == pytest.approx(0.0, abs=0.01)


def test_fresnel_parameter_hand_checked() -> None:
    # h = 10 m, d1 = d2 = 1000 m, lambda = 0.1 m: v = 10 sqrt(2 · 2000 / (0.1 · 1e6)) = 2
    assert fresnel_parameter(10.0, 1000.0, 1000.0, 0.1) == pytest.approx(2.0)
    assert wavelength_m(3000.0) == pytest.approx(0.0999308, abs=1e-6)


def _profile(heights: list[float], spacing_m: float = 100.0) -> tuple[np.ndarray, np.ndarray]:
    """One profile as samples × 1 pair, samples at spacing, 1 … n."""
    distance = spacing_m * np.arange(1, len(heights) + 1, dtype="float64")
    return distance[:, None], np.array(heights, dtype="float64")[:, None]


def test_deygout_of_a_single_knife_edge_is_its_j_of_v() -> None:
    # 2 km path at 3000 MHz between 50 m antennas, a 60 m edge halfway (10 m above the line)
    heights = [0.0] * 19
    heights[9] = 60.0
    distance, height = _profile(heights)
    loss = deygout_loss_db(distance, height, 50.0, 50.0, 2000.0, 3000.0)
    v = fresnel_parameter(10.0, 1000.0, 1000.0, wavelength_m(3000.0))
    assert loss[0] == pytest.approx(knife_edge_loss_db(v))
    # λ = 0.0999308 m: v = 10 sqrt(4000 / 99930.8) = 2.00069; J = 6.9 + 20 log10(4.04839)
    assert v == pytest.approx(2.00069, abs=1e-5) and loss[0] == pytest.approx(19.046, abs=1e-3)


def test_deygout_of_two_edges_adds_the_secondary_edge() -> None:
    # 3 km path at 3000 MHz, antennas at 0 m; edges of 20 m at 1 km and 30 m at 2 km
    heights = [0.0] * 29
    heights[9], heights[19] = 20.0, 30.0
    distance, height = _profile(heights)
    loss = deygout_loss_db(distance, height, 0.0, 0.0, 3000.0, 3000.0)
    lam = wavelength_m(3000.0)
    # v(20 m at 1 km | 2 km) = 20 sqrt(2 · 3000 / (λ · 2e6)); v(30 m at 2 km | 1 km) is larger
    v_first = fresnel_parameter(20.0, 1000.0, 2000.0, lam)
    v_second = fresnel_parameter(30.0, 2000.0, 1000.0, lam)
    assert v_second > v_first  # the 30 m edge is the main edge
    # the 20 m edge seen from the line between the transmitter (0 m) and the main edge's top
    # (30 m at 2 km): 15 m of that line at 1 km, so 5 m above it, d1 = d2 = 1 km
    v_secondary = fresnel_parameter(5.0, 1000.0, 1000.0, lam)
    expected = knife_edge_loss_db(v_second) + knife_edge_loss_db(v_secondary)
    assert loss[0] == pytest.approx(expected)
    # v = 5.19795 -> J = 6.9 + 20 log10(10.29305) = 27.151; v = 1.00035 -> J = 13.928
    assert loss[0] == pytest.approx(27.151 + 13.928, abs=0.01)


def test_deygout_works_on_many_profiles_of_different_lengths() -> None:
    distance = np.array([[100.0, 100.0], [200.0, np.nan], [300.0, np.nan]])
    height = np.array([[0.0, 0.0], [60.0, np.nan], [0.0, np.nan]])
    loss = deygout_loss_db(distance, height, 50.0, [50.0, 50.0], [400.0, 200.0], 3000.0)
    v = fresnel_parameter(10.0, 200.0, 200.0, wavelength_m(3000.0))
    assert loss.tolist() == pytest.approx([float(knife_edge_loss_db(v)), 0.0])


def test_rain_at_26_ghz_against_p838_coefficients() -> None:
    # P.838-3's table at 25 and 30 GHz: kH 0.1571 / 0.2403, alphaH 0.9991 / 0.9485,
    # kV 0.1533 / 0.2291, alphaV 0.9491 / 0.9129; k = (kH + kV) / 2 for 45° tilt
    k, alpha = rain_coefficients(np.array([25_000.0, 30_000.0]))
    assert k.tolist() == pytest.approx([(0.1571 + 0.1533) / 2, (0.2403 + 0.2291) / 2], abs=1e-4)
    alpha_25 = (0.1571 * 0.9991 + 0.1533 * 0.9491) / (0.1571 + 0.1533)
    assert alpha[0] == pytest.approx(alpha_25, abs=1e-4)
    # 26 GHz, 25 mm/h over 1.5 km: kH 0.1724, aH 0.9884, kV 0.1669, aV 0.9421 ->
    # k = 0.16964, alpha = 0.96563, gamma = 0.16964 · 25^0.96563 = 3.797 dB/km
    assert rain_attenuation_db(1500.0, 26_000.0, 25.0) == pytest.approx(1.5 * 3.797, abs=0.01)
    assert rain_attenuation_db(1500.0, 26_000.0, 0.0) == pytest.approx(0.0)


def test_foliage_by_weissberger() -> None:
    # 5 m at 26 GHz: 0.45 · 26^0.284 · 5; 20 m at 3.5 GHz: 1.33 · 3.5^0.284 · 20^0.588
    loss = foliage_loss_db(np.array([26_000.0, 3500.0, 800.0]), np.array([5.0, 20.0, 0.0]))
    assert loss.tolist() == pytest.approx(
        [0.45 * 26**0.284 * 5, 1.33 * 3.5**0.284 * 20**0.588, 0.0]
    )
    assert loss[0] == pytest.approx(5.676, abs=1e-3)


def test_noise_and_spectral_efficiency() -> None:
    # -174 + 10 log10(400e6) + 10 = -77.98 dBm
    assert noise_dbm(400.0, 10.0) == pytest.approx(-77.979, abs=1e-3)
    # 0.6 log2(1 + 10) at 10 dB; capped at 7.4063; 0 below -10 dB and for NaN
    efficiency = spectral_efficiency_bps_per_hz(np.array([10.0, 60.0, -10.5, np.nan]), 0.6, 7.4063)
    assert efficiency.tolist() == pytest.approx([0.6 * np.log2(11.0), 7.4063, 0.0, 0.0])
