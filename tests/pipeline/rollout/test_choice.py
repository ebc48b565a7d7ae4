"""pipeline/rollout/choice.py: the technology choice per household; hand-computed cases, the
re-planning rounds and the invariants."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.config import replace_nested
from pipeline.rollout.choice import OPTIONS, RolloutInputs, annuity_factor, plan
from pipeline.rollout.masts import NewSites, fixed_cost_nok, mast_table
from tests.fixtures import HAND_COST as HAND
from tests.fixtures import HAND_FIBRE_PER_HOUSEHOLD_NOK as PER_HOUSEHOLD_NOK
from tests.fixtures import addresses_at, fibre_presence


def _inputs(addresses, presence, wireless=None, sites=None, costed=None) -> RolloutInputs:
    n = len(addresses)
    return RolloutInputs(
        addresses,
        np.ones(n, bool) if costed is None else np.asarray(costed),
        presence,
        np.zeros(n, bool) if wireless is None else np.asarray(wireless),
        sites,
    )


def _one_mast(x_m: float, reaches: np.ndarray, backhaul_fibre_m: float = np.inf) -> NewSites:
    masts = mast_table([0], ["9901"], [x_m], [0.0], [backhaul_fibre_m], HAND.new_site)
    return NewSites(masts, np.where(reaches, 0, -1).astype(np.int64))


def test_annuity_factor_hand_checked() -> None:
    # (1 - 1.04^-20) / 0.04 = 13.5903; no discounting: the number of years
    assert annuity_factor(0.04, 20) == pytest.approx(13.590326, abs=1e-6)
    assert annuity_factor(0.0, 10) == 10.0


def test_a_cluster_cheaper_by_a_new_mast_takes_it() -> None:
    # ten houses 50 m apart, the nearest 5 km from the fibre end; a new mast reaches all.
    # fibre: (5,000 + 9 × 50) × 650 = 3,542,500 for the trees + 10 × 20,000 = 3,742,500
    # mast: 2,500,000 + radio link 400,000 (the fibre backhaul would cost 3.25 M) + 10 × 6,500
    addresses = addresses_at(5_000.0 + 50.0 * np.arange(10))
    presence = fibre_presence(points=[(0.0, 0.0)])
    sites = _one_mast(5_200.0, np.ones(10, bool), backhaul_fibre_m=5_200.0)
    result = plan(_inputs(addresses, presence, sites=sites), HAND)
    assert result["fiber_cost_nok"].sum() == pytest.approx(3_742_500.0)
    assert result["cost_option"].tolist() == ["fwa_new_site"] * 10
    assert result["cost_nok"].sum() == pytest.approx(2_900_000.0 + 10 * 6_500.0)
    assert result["new_site_id"].tolist() == ["ny-9901-0"] * 10


def test_a_mast_too_dear_for_a_small_cluster_is_not_taken() -> None:
    # two houses 100 m from the fibre: 65,000 + 2 × 20,000 for fibre, 1.45 M each by mast
    addresses = addresses_at([100.0, 100.0], [0.0, 10.0])
    sites = _one_mast(100.0, np.ones(2, bool))
    result = plan(_inputs(addresses, fibre_presence(points=[(0.0, 0.0)]), sites=sites), HAND)
    assert result["cost_option"].tolist() == ["fiber", "fiber"]


def test_the_tree_is_replanned_when_a_neighbour_takes_fixed_wireless() -> None:
    # fibre — A (100 m) — B (100 m further). Together: A pays 65,000 / 2, B 32,500 + 65,000.
    # B has an existing FWA site in sight (6,500) and takes it; A then pays its edge alone.
    addresses = addresses_at([100.0, 200.0])
    result = plan(
        _inputs(addresses, fibre_presence(points=[(0.0, 0.0)]), wireless=[False, True]), HAND
    )
    assert result["fiber_cost_nok"].tolist() == pytest.approx(
        [32_500.0 + PER_HOUSEHOLD_NOK, 97_500.0 + PER_HOUSEHOLD_NOK]
    )
    assert result["cost_option"].tolist() == ["fiber", "fwa"]
    assert result["cost_nok"].tolist() == pytest.approx([65_000.0 + PER_HOUSEHOLD_NOK, 6_500.0])
    assert result.attrs["replan_rounds"] == 2


def test_a_satellite_only_island() -> None:
    # an island 30 km from any fibre, no site in sight: fibre is capped at 20 km of route
    # (10 M NOK); satellite is 4,000 + 12 × 10 × 700 = 88,000 per household when it counts
    addresses = addresses_at([30_000.0, 30_100.0], households=np.array([1, 2]))
    presence = fibre_presence(points=[(0.0, 0.0)])
    policy = replace_nested(HAND, {"satellite.meets_target": True})
    counted = plan(_inputs(addresses, presence), policy)
    assert counted["cost_option"].tolist() == ["satellite", "satellite"]
    assert counted["cost_nok"].tolist() == pytest.approx([88_000.0, 176_000.0])
    not_counted = plan(_inputs(addresses, presence), HAND)
    assert not_counted["cost_option"].tolist() == ["fiber", "fiber"]
    assert bool(not_counted["route_capped"].iloc[0])


def test_the_lifetime_view_can_turn_the_choice() -> None:
    # fibre 100 m × 650 + 20,000 = 85,000 capex; satellite 88,000 over 10 years undiscounted.
    # At 4 % over 30 years (A = 17.292): fibre 85,000 × (1 + 0.015 A) = 107,047;
    # satellite 4,000 + 8,400 A = 149,254. With a dearer trench (520 NOK/m) fibre's capex is
    # 130 × 570 + 20,000 = 94,100 > 88,000: satellite by capex, fibre (118,508) by lifetime
    addresses = addresses_at([100.0])
    presence = fibre_presence(points=[(0.0, 0.0)])
    base = replace_nested(
        HAND,
        {
            "satellite.meets_target": True,
            "lifetime.discount_rate": 0.04,
            "lifetime.years": 30.0,
            "lifetime.fiber_opex_share_per_year": 0.015,
        },
    )
    lifetime = plan(_inputs(addresses, presence), replace_nested(base, {"choose_by": "lifetime"}))
    a = annuity_factor(0.04, 30.0)
    assert lifetime["cost_option"].tolist() == ["fiber"]
    assert lifetime["lifetime_cost_nok"].iloc[0] == pytest.approx(85_000.0 * (1 + 0.015 * a))
    dear = replace_nested(base, {"fibre.trench_nok_per_m": 520.0})
    assert plan(_inputs(addresses, presence), dear)["cost_option"].tolist() == ["satellite"]
    dear_lifetime = replace_nested(dear, {"choose_by": "lifetime"})
    assert plan(_inputs(addresses, presence), dear_lifetime)["cost_option"].tolist() == ["fiber"]


def test_the_kommune_factor_scales_the_trench_only() -> None:
    from pipeline.rollout.fibre import CostContext

    addresses = addresses_at([100.0, 100.0], [0.0, 5_000.0])
    addresses["kommunenummer"] = ["9901", "9902"]
    inputs = dataclasses.replace(
        _inputs(addresses, fibre_presence(points=[(0.0, 0.0), (0.0, 5_000.0)])),
        context=CostContext(kommune_factor=np.array([1.0, 2.0])),
    )
    result = plan(inputs, HAND)
    # 130 m × (450 × f + 50) + 20,000: 85,000 at f = 1, 143,500 at f = 2
    assert result["cost_nok"].tolist() == pytest.approx([85_000.0, 143_500.0])


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.tuples(st.floats(0, 8_000), st.floats(0, 8_000)), min_size=1, max_size=40),
    st.lists(st.integers(1, 4), min_size=40, max_size=40),
    st.lists(st.booleans(), min_size=40, max_size=40),
    st.lists(st.integers(-1, 2), min_size=40, max_size=40),
    st.booleans(),
)
def test_every_household_below_target_gets_exactly_one_option_and_totals_reconcile(
    points, households, wireless, mast_of, satellite
) -> None:
    n = len(points)
    addresses = addresses_at([p[0] for p in points], [p[1] for p in points], households[:n])
    costed = np.array([i % 5 != 4 for i in range(n)])
    x_m = [0.0, 4_000.0, 8_000.0]
    masts = mast_table([0, 1, 2], ["9901"] * 3, x_m, [0.0] * 3, [np.inf] * 3, HAND.new_site)
    sites = NewSites(masts, np.where(costed, np.array(mast_of[:n]), -1).astype(np.int64))
    s = replace_nested(HAND, {"fibre.splitter_nok": 5_000.0, "satellite.meets_target": satellite})
    inputs = _inputs(addresses, fibre_presence(points=[(0.0, 0.0)]), wireless[:n], sites, costed)
    result = plan(inputs, s)
    option = result["cost_option"]
    assert option[costed].isin(OPTIONS).all() and option[~costed].isna().all()
    cost_nok = result["cost_nok"]
    assert np.isfinite(cost_nok[costed]).all() and cost_nok[~costed].isna().all()
    # the masts' cost is shared by their takers to the krone
    takers = (option == "fwa_new_site").to_numpy()
    h = addresses["households"].to_numpy(dtype="float64")
    used = np.unique(sites.mast_of[takers])
    expected = fixed_cost_nok(masts, s)[used].sum() + (h[takers] * s.wireless.cpe_nok).sum()
    assert result["cost_nok"][takers].sum() == pytest.approx(expected)
    # fibre households pay exactly their trees: re-planning leaves no share unpaid
    on_fibre = (option == "fiber").to_numpy()
    if on_fibre.any():
        from pipeline.rollout.fibre import cost_per_address

        trees = cost_per_address(addresses, on_fibre, inputs.presence, s)
        assert result["cost_nok"][on_fibre].sum() == pytest.approx(trees["cost_nok"].sum())
    assert (result["cost_nok"][costed] > 0).all()
