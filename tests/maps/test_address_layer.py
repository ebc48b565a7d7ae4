"""maps/address_layer.py: the address rows and popups of a kommune map, compact and escaped."""

from __future__ import annotations

import html

import numpy as np
import pandas as pd

from maps.address_layer import address_rows
from maps.publish import MapPaths
from tests.maps.map_inputs import (
    EVIL_ESCAPED,
    EVIL_SITE_ID,
    EVIL_TEXT,
    TARGETS,
    MapInputs,
    all_html,
    with_new_site_choices,
)


def test_address_text_never_reaches_html_unescaped(written: MapPaths) -> None:
    pages = all_html(written)
    for path, text in pages.items():
        assert EVIL_TEXT not in text, path
        assert "<script>alert(1)" not in text, path
        assert "Lyse <Fiber>" not in text, path
    assert EVIL_ESCAPED in pages[written.kommuner["5001"]]


def test_address_rows_are_compact_and_split_by_class(inputs: MapInputs) -> None:
    own = inputs.addresses[inputs.addresses["kommunenummer"] == "5001"]
    encoded = address_rows(own, inputs.targets, inputs.targets[0])
    assert sum(len(rows) for rows in encoded.rows_by_class.values()) == len(own)
    evil = next(r for rows in encoded.rows_by_class.values() for r in rows if "alert" in r[2])
    assert evil[2] == EVIL_ESCAPED
    no_offer = next(r for rows in encoded.rows_by_class.values() for r in rows if r[5] is None)
    assert no_offer[3] is None and no_offer[4] is None and no_offer[7] == "22"
    assert "Lyse &lt;Fiber&gt;" in encoded.operators


def test_wireless_line_is_escaped_and_says_what_was_found() -> None:
    from maps.address_layer import wireless_texts

    frame = pd.DataFrame(
        {
            "los_site_id": ["<b>M1</b>", "M2", None],
            "los_distance_m": [3240.0, 900.0, np.nan],
            "has_los": [True, False, False],
            "sites_in_range": [1, 2, 0],
            "fwa_doubtful": [False, True, False],
        }
    )
    assert wireless_texts(frame) == [
        "Sikt til mast &lt;b&gt;M1&lt;/b&gt; (3,2 km)",
        "Ingen sikt til mast (nærmeste: M2) – oppgitt FWA-dekning er tvilsom",
        "",
    ]


def test_unlabelled_technology_in_address_popups_is_escaped(inputs: MapInputs) -> None:
    own = inputs.addresses[inputs.addresses["kommunenummer"] == "5001"].copy()
    own["best_technology"] = ["fwa_new_site", "<b>ny</b>", *own["best_technology"].iloc[2:]]
    encoded = address_rows(own, inputs.targets, inputs.targets[0])
    assert "Fast trådløst, ny mast" in encoded.technologies
    assert "&lt;b&gt;ny&lt;/b&gt;" in encoded.technologies
    assert "<b>ny</b>" not in encoded.technologies


def test_address_popup_row_names_the_mast_only_where_the_household_takes_it(
    inputs: MapInputs,
) -> None:
    own = with_new_site_choices(inputs.addresses)
    encoded = address_rows(own[own["kommunenummer"] == "5001"], TARGETS, TARGETS[0])
    rows = {row[2]: row for rows in encoded.rows_by_class.values() for row in rows}
    assert encoded.new_sites == [html.escape(EVIL_SITE_ID)]  # escaped once, listed once
    assert rows["Bygdeveien 1"][11:] == [0]  # takes the mast: its index in that list
    assert len(rows["Bygdeveien 2"]) == 11  # reached by it, but chose fibre
    assert all(len(row) == 11 for text, row in rows.items() if text != "Bygdeveien 1")
    plain = address_rows(inputs.addresses, TARGETS, TARGETS[0])  # no cost columns at all
    assert {len(row) for rows in plain.rows_by_class.values() for row in rows} == {11}
    assert plain.new_sites == []
