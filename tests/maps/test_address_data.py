"""maps/address_data.py: the address columns, packed and read back as the page reads them."""

from __future__ import annotations

import base64
import gzip

import numpy as np
import pandas as pd
import pytest

from maps.address_data import (
    address_columns,
    address_rows,
    households_by_class,
    pack_columns,
    scaled_ints,
    smallest_uint,
    unpack_columns,
    wireless_texts,
)
from maps.style import TargetSpec
from tests.maps.map_inputs import EVIL_ESCAPED, MapInputs

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
