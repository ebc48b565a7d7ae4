"""pipeline/synthetic/national/names.py: fixed name pools and names chosen by number, unique per
kommune while the pool lasts, with no random draw."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.synthetic.national.names import (
    PLACE_STEMS,
    PLACE_SUFFIXES,
    STREET_PREFIXES,
    STREET_STEMS,
    STREET_SUFFIXES,
    place_name_pool,
    postnummer_bases,
    street_name_index,
    street_name_pool,
)


def test_the_pools_hold_every_combination_once() -> None:
    streets = street_name_pool()
    assert len(streets) == len(STREET_PREFIXES) * len(STREET_STEMS) * len(STREET_SUFFIXES) == 7680
    assert len(set(streets)) == len(streets)
    assert streets[:2] == ["Skolevegen", "Skoleveien"]
    assert "Øvre Kirkegata" in streets and "Lille Fjordstien" in streets
    places = place_name_pool()
    assert len(places) == len(set(places)) == len(PLACE_STEMS) * len(PLACE_SUFFIXES) == 450


def test_street_numbers_map_one_to_one_onto_the_pool_per_kommune() -> None:
    pool = len(street_name_pool())
    streets = np.arange(pool)
    for kommune in (0, 1144, 5001):
        index = street_name_index(np.full(pool, kommune), streets, pool)
        assert sorted(index.tolist()) == list(range(pool))
    # i = (7919 s + 104729 k) mod P: street 1 of kommune 0 is 7919 - 7680 = 239
    assert street_name_index(np.array([0, 0]), np.array([1, 2]), pool).tolist() == [239, 478]
    assert street_name_index(np.array([1]), np.array([0]), pool).tolist() == [104_729 % pool]


def test_postnummer_ranges_split_the_fylkes_range_in_kommune_order() -> None:
    frame = pd.DataFrame(
        {
            "fylkesnummer": ["11", "11", "03", "99"],
            "kommunenummer": ["1145", "1144", "0301", "9901"],
        }
    )
    base, span = postnummer_bases(frame)
    # Rogaland 4000-4399: 400 numbers for two kommuner, 1144 first; Oslo 0150-1299 alone;
    # an unknown fylke gets 1000-9999
    assert base.tolist() == [4200, 4000, 150, 1000]
    assert span.tolist() == [200, 200, 1150, 9000]
