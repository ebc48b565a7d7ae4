"""maps/address_data.py: the address columns, packed and read back as the page reads them."""

from __future__ import annotations

import base64
import gzip
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from maps.address_data import (
    HOUSE_NUMBER,
    address_columns,
    address_rows,
    households_by_class,
    pack_columns,
    scaled_ints,
    smallest_uint,
    split_house_number,
    unpack_columns,
    wireless_texts,
)
from maps.publish import write_maps
from maps.style import TargetSpec
from tests.browser import OfflineBrowser, screenshot
from tests.maps.address_pages import open_ready
from tests.maps.map_inputs import EVIL_ESCAPED, EVIL_TEXT, MapInputs

ONE = (TargetSpec("no2025", 100.0, 10.0, "100/10 Mbit/s (mål 2025)"),)


def _three() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "address_id": [7, 8, 9],
            "address_text": ["Storgata 12B", "Storgata 3", "Ærfuglveien 1"],
            "households": [2, 1, 0],
            "lat": [59.91234, 59.91230, 59.90000],
            "lon": [10.75001, 10.75010, 10.70000],
            "best_technology": ["fiber", "xdsl", None],
            "best_operator": ["Telenor", "Telenor", None],
            "best_down_mbps": [1000.0, 40.0, np.nan],
            "best_up_mbps": [1000.0, 8.0, np.nan],
            "class_no2025": ["served", "underserved", "unserved"],
            "cost_nok": [np.nan, 12_345.6, 250_000.0],
        }
    )


def _decoded(frame: pd.DataFrame) -> dict[str, object]:
    encoded = address_rows(frame, ONE, ONE[0])
    blob = gzip.decompress(base64.b64decode(encoded.payload_b64))
    return unpack_columns(blob, encoded.columns)


def test_three_addresses_by_hand() -> None:
    # Order: 0.01° latitude band, then longitude: Ærfuglveien (band 5990), then Storgata 12B
    # (lon 10.75001) and Storgata 3 (10.75010), both in band 5991.
    columns, texts = address_columns(_three(), ONE)
    assert columns["lat"].tolist() == [5_990_000, 1_234, -4]  # deltas of 1e-5°
    assert columns["lon"].tolist() == [1_070_000, 5_001, 9]
    assert columns["id"].tolist() == [9, 7, 8]
    assert texts["streets"] == ["Ærfuglveien", "Storgata"]
    assert texts["numbers"] == [" 1", " 12B", " 3"]
    assert columns["street"].tolist() == [0, 1, 1] and columns["number"].tolist() == [0, 1, 2]
    assert columns["hh"].tolist() == [0, 2, 1]
    assert texts["tech"] == ["Fiber", "DSL"] and columns["tech"].tolist() == [0, 1, 2]
    assert texts["operators"] == ["Telenor"] and columns["operator"].tolist() == [0, 1, 1]
    assert columns["down"].tolist() == [-1, 10_000, 400]  # 0.1 Mbit/s
    assert columns["up"].tolist() == [-1, 10_000, 80]
    assert columns["class0"].tolist() == [2, 0, 1]
    assert columns["cost"].tolist() == [250_000, -1, 12_346]
    assert columns["hh"].dtype == np.uint8 and columns["lat"].dtype == np.int32


def test_round_trip_gives_back_the_columns() -> None:
    frame = _three()
    decoded = _decoded(frame)
    lat = np.asarray(decoded["lat"]) / 1e5
    order = [2, 0, 1]
    assert np.allclose(lat, frame["lat"].to_numpy()[order], atol=5e-6)
    assert np.allclose(np.asarray(decoded["lon"]) / 1e5, frame["lon"].to_numpy()[order])
    texts = decoded["texts"]
    assert isinstance(texts, dict)
    street, number = np.asarray(decoded["street"]), np.asarray(decoded["number"])
    rebuilt = [
        texts["streets"][s] + texts["numbers"][n] for s, n in zip(street, number, strict=True)
    ]
    assert rebuilt == frame["address_text"].to_numpy()[order].tolist()
    assert np.asarray(decoded["id"]).tolist() == [9, 7, 8]


def test_pack_aligns_every_column_to_eight_bytes() -> None:
    columns: dict[str, np.ndarray] = {
        "a": np.array([1, 2, 3], np.uint8),
        "lat": np.array([-5, 6], np.int32),
    }
    blob, header = pack_columns(columns, {"x": ["å"]})
    assert header["a"] == ["uint8", 0, 3] and header["lat"] == ["int32", 8, 2]
    assert header["texts"] == ["uint8", 16, len('{"x":["å"]}'.encode())]
    assert len(blob) % 8 == 0
    back = unpack_columns(blob, header)
    assert back["texts"] == {"x": ["å"]}
    assert np.asarray(back["lat"]).tolist() == [-5, 1]  # summed: -5, -5 + 6


def test_texts_are_escaped_and_odd_ids_travel_as_text(inputs: MapInputs) -> None:
    own = inputs.addresses[inputs.addresses["kommunenummer"] == "5001"].copy()
    own["address_id"] = [f"<{i}>" for i in range(len(own))]
    _, texts = address_columns(own, inputs.targets)
    assert EVIL_ESCAPED in texts["streets"]
    assert "Lyse &lt;Fiber&gt;" in texts["operators"]
    assert sorted(texts["ids"]) == sorted(f"&lt;{i}&gt;" for i in range(len(own)))
    assert "id" not in address_columns(own, inputs.targets)[0]


def test_households_per_class_per_target_add_up_to_the_gap_row(inputs: MapInputs) -> None:
    own = inputs.addresses[inputs.addresses["kommunenummer"] == "5001"]
    counts = households_by_class(own, inputs.targets)
    gap = inputs.gap_table.set_index("kommunenummer").loc["5001"]
    for target in inputs.targets:
        for code, households in counts[target.name].items():
            assert households == gap[f"{code}_households_{target.name}"]
        assert sum(counts[target.name].values()) == gap["households"]
    assert counts["no2025"] == {"served": 11, "underserved": 9, "unserved": 10}  # by hand


def test_unlocated_and_unclassified_are_counted_not_encoded(inputs: MapInputs) -> None:
    own = inputs.addresses[inputs.addresses["kommunenummer"] == "5001"].copy()
    own.loc[own.index[0], "lat"] = np.nan
    own.loc[own.index[1], "class_no2025"] = None
    encoded = address_rows(own, inputs.targets, inputs.targets[0])
    assert (encoded.count, encoded.unlocated, encoded.unclassified) == (14, 1, 1)


def test_small_helpers() -> None:
    assert smallest_uint(np.array([0, 255])).dtype == np.uint8
    assert smallest_uint(np.array([0, 256])).dtype == np.uint16
    assert smallest_uint(np.array([70_000])).dtype == np.uint32
    with pytest.raises(ValueError, match="expected at most"):
        smallest_uint(np.array([2**33]))
    assert scaled_ints(pd.Series([0.05, 2.25, None]), 10).tolist() == [1, 23, -1]


def test_wireless_line_is_escaped_and_says_what_was_found() -> None:
    frame = pd.DataFrame(
        {
            "los_site_id": ["<b>M1</b>", "M2", None],
            "los_distance_m": [3240.0, 900.0, np.nan],
            "has_los": [True, False, False],
            "sites_in_range": [1, 2, 0],
            "fwa_doubtful": [False, True, False],
        }
    )
    assert wireless_texts(frame).tolist() == [
        "Sikt til mast &lt;b&gt;M1&lt;/b&gt; (3,2 km)",
        "Ingen sikt til mast (nærmeste: M2) – oppgitt FWA-dekning er tvilsom",
        "",
    ]


def test_reasons_are_one_escaped_list_with_a_code_column_per_target() -> None:
    two = (*ONE, TargetSpec("gigabit2030", 1000.0, None, "1 Gbit/s (mål 2030)"))
    frame = _three().assign(
        class_gigabit2030=["underserved", "underserved", "unserved"],
        reason_evidence_no2025=[None, "Beste tilbud er kobber (xDSL) 40/8 Mbit/s", "Ingen <b>"],
        reason_evidence_gigabit2030=[
            "Nærmeste fiber 1 240 m unna",
            "Beste tilbud er kobber (xDSL) 40/8 Mbit/s",
            "Ingen <b>",
        ],
    )
    columns, texts = address_columns(frame, two)
    # spatial order: Ærfuglveien 1, Storgata 12B, Storgata 3
    assert texts["reasons"] == [  # the first target's texts first
        "Ingen &lt;b&gt;",
        "Beste tilbud er kobber (xDSL) 40/8 Mbit/s",
        "Nærmeste fiber 1 240 m unna",
    ]
    assert columns["reason0"].tolist() == [1, 0, 2]  # Storgata 12B is served for no2025
    assert columns["reason1"].tolist() == [1, 3, 2]
    assert columns["reason0"].dtype == np.uint8


def test_a_run_without_reasons_has_no_reason_columns() -> None:
    columns, texts = address_columns(_three(), ONE)
    assert "reason0" not in columns and texts["reasons"] == []


@pytest.mark.browser
def test_the_popup_says_the_reason_for_the_chosen_target(
    browser: OfflineBrowser, inputs: MapInputs, tmp_path: Path
) -> None:
    addresses = inputs.addresses.copy()
    for target in inputs.targets:
        below = addresses[f"class_{target.name}"] != "served"
        text = f"Årsak for {target.name}: " + addresses["address_text"]
        addresses[f"reason_evidence_{target.name}"] = text.where(below, None)
    paths = write_maps(
        tmp_path,
        inputs.gap_table,
        inputs.kommuner,
        addresses,
        inputs.targets,
        inputs.map_target,
        inputs.run_info,
    )
    page, report, _ = open_ready(
        browser,
        paths.kommuner["5001"].as_uri(),
        init_script="window.__alerts = []; window.alert = m => window.__alerts.push(m);",
    )
    # the hostile address (FWA 150/20) is served for 100/10, below 1 Gbit/s: click its point
    classes = addresses.loc[3, [f"class_{t.name}" for t in inputs.targets]].tolist()
    assert classes == ["served", "underserved"] and inputs.map_target == "no2025"
    point = page.evaluate(CLICK_POINT_JS, "alert(1)")
    page.mouse.click(point[0], point[1])
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for(timeout=5_000)
    assert EVIL_TEXT in (popup.text_content() or "") and "Årsak" not in popup.inner_text()
    page.locator('input[name="gapmap-target"][value="gigabit2030"]').check()  # closes it
    page.wait_for_function("() => !document.querySelector('.leaflet-popup-content')")
    point = page.evaluate(CLICK_POINT_JS, "alert(1)")
    page.mouse.click(point[0], point[1])
    popup.wait_for(timeout=5_000)
    rows = [" ".join(r.split()) for r in popup.locator("tr").all_inner_texts()]
    assert f"Årsak Årsak for gigabit2030: {EVIL_TEXT}" in rows
    assert popup.locator("script").count() == 0
    screenshot(page, "addr-5001-reason-popup.png")
    below_2025 = page.evaluate(  # an address below 100/10 says its reason for 100/10
        """() => {
            const G = window.gapmapAddresses;
            G.setTarget(0);
            for (let i = 0; i < G.n; i++) {
                if (G.data.cls[0][i] === 2) { return [G.text(i), G.popupHtml(i)]; }
            }
            return null;
        }"""
    )
    assert below_2025 is not None
    assert f"<td>Årsak</td><td>Årsak for no2025: {below_2025[0]}</td>" in below_2025[1]
    assert page.evaluate("() => window.__alerts") == []
    assert report.problems() == []
    page.context.close()


CLICK_POINT_JS = """needle => {
    const G = window.gapmapAddresses, map = G.layer._map;
    for (let i = 0; i < G.n; i++) {
        if (G.text(i).includes(needle)) {
            map.setView(G.latLng(i), 18, {animate: false});
            const p = map.latLngToContainerPoint(G.latLng(i));
            const box = map.getContainer().getBoundingClientRect();
            return [box.left + p.x, box.top + p.y];
        }
    }
    return null;
}"""


# Characters where Python's and RE2's ideas of \s, \d and $ part ways: Unicode spaces and
# digits, newlines, and ordinary letters and digits around them.
_TRICKY = " \t\n\r\x0b\x0c\x1c\x85\xa0\u1680\u2003\u2028\u202f\u3000\u200b" + "aØé12٣९-/"


@given(st.lists(st.text(alphabet=_TRICKY, max_size=12) | st.none(), max_size=30))
@settings(max_examples=300, deadline=None)
def test_house_numbers_split_as_python_re_splits_them(texts: list[str | None]) -> None:
    values = pd.Series(texts, dtype=object)
    street, number = split_house_number(values)
    text = values.fillna("").astype("str")
    expected = text.str.extract(HOUSE_NUMBER)
    assert street.tolist() == expected[0].fillna(text).tolist()
    assert number.tolist() == expected[1].fillna("").tolist()


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.one_of(st.integers(0, 40).map(float), st.just(float("nan")), st.just(0.5)),
            st.sampled_from(["served", "underserved", "unserved", "unknown", None]),
        ),
        max_size=30,
    )
)
def test_households_per_class_are_the_pandas_group_sums(rows: list[tuple[float, str]]) -> None:
    """Whole households (summed with numpy) and halves (summed by pandas) alike: the counts a
    groupby over the class column gives, the missing and unknown classes left out."""
    addresses = pd.DataFrame(
        {"households": [h for h, _ in rows], "class_a": [c for _, c in rows]},
        dtype=object,
    ).astype({"class_a": "str"} if rows else {})
    households = pd.to_numeric(addresses["households"], errors="coerce").fillna(0)
    expected = households.groupby(addresses["class_a"]).sum()
    counts = households_by_class(addresses, [TargetSpec("a", 1, 1, "a")])
    assert counts == {
        "a": {c: int(expected.get(c, 0)) for c in ("served", "underserved", "unserved")}
    }


def test_a_scenario_travels_as_its_changed_rows_only() -> None:
    """Rows in the columns' order (Ærfuglveien 9, Storgata 7, Storgata 3): scenario 0 makes
    Storgata 3 (row 2) unserved and leaves the others; scenario 1 changes nothing."""
    frame = _three().assign(
        scenario0_class_no2025=["served", "unserved", "unserved"],
        scenario1_class_no2025=["served", "underserved", "unserved"],
    )
    columns, _ = address_columns(frame, ONE)
    assert columns["scn0_row"].tolist() == [2] and columns["scn0_val"].tolist() == [4 * 0 + 2]
    assert columns["scn1_row"].tolist() == [] and columns["scn1_val"].tolist() == []
    encoded = address_rows(frame, ONE, ONE[0], scenarios=("Kobber av", "Ingen endring"))
    assert encoded.scenarios == ("Kobber av", "Ingen endring")
    assert "scn1_val" in encoded.columns
    plain = address_rows(frame, ONE, ONE[0])  # no labels: the scenario columns are not read
    assert "scn0_row" not in plain.columns
