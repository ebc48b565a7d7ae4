"""layers/coordinates.py: a position outside Norway goes to quarantine with the reason named:
degrees in metre columns, metres in degree columns, swapped axes, Svalbard/Jan Mayen, or just
outside."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from pyproj import Transformer

from layers.coordinates import MAINLAND_LONLAT, box_in, in_norway, position_checks, problems
from layers.quarantine import first_reason


@pytest.mark.parametrize("epsg", [25832, 25833, 25835, 4258, 4326])
def test_the_box_in_each_epsg_holds_the_corners_of_the_lon_lat_box(epsg: int) -> None:
    x_min, y_min, x_max, y_max = box_in(epsg)
    to_epsg = Transformer.from_crs(4258, epsg, always_xy=True)
    west, south, east, north = MAINLAND_LONLAT
    for lon, lat in ((west, south), (east, south), (west, north), (east, north)):
        x, y = to_epsg.transform(lon, lat)
        assert x_min <= x <= x_max and y_min <= y <= y_max


def test_the_utm33_box_is_generous_around_the_mainland() -> None:
    x_min, y_min, x_max, y_max = box_in(25833)
    assert x_min < -100_000 and x_max > 1_150_000
    assert 6_350_000 < y_min < 6_450_000 and 7_950_000 < y_max < 8_100_000


# (north, east, epsg) as the file gives them -> the problem named
CASES = [
    (6650000.0, 262000.0, 25833, None),  # Oslo
    (6466460.67, 92406.38, 25833, None),  # Kristiansand (east < 12° E: small easting)
    (7735000.0, 1000000.0, 25833, None),  # Finnmark
    (59.91, 10.75, 4258, None),
    (262000.0, 6650000.0, 25833, "swapped"),
    (10.75, 59.91, 4326, "swapped"),
    (59.91, 10.75, 25833, "degrees"),
    (59.91, 10.75, 25832, "degrees"),
    (6650000.0, 262000.0, 4258, "metres"),
    (78.22, 15.65, 4258, "arctic"),  # Longyearbyen
    (8690000.0, 515000.0, 25833, "arctic"),
    (71.0, -8.5, 4326, "arctic"),  # Jan Mayen
    (5_000_000.0, 500_000.0, 25833, "outside"),
    (48.85, 2.35, 4258, "outside"),  # Paris
]


def test_each_problem_is_named_for_its_row() -> None:
    north = np.array([c[0] for c in CASES])
    east = np.array([c[1] for c in CASES])
    epsg = np.array([float(c[2]) for c in CASES])
    masks = problems(east, north, epsg, allow_svalbard_jan_mayen=False)
    for i, (_, _, _, expected) in enumerate(CASES):
        named = [k for k in ("degrees", "metres", "swapped", "arctic", "outside") if masks[k][i]]
        assert named == ([expected] if expected else []), CASES[i]


def test_svalbard_and_jan_mayen_are_inside_only_when_allowed() -> None:
    east, north, epsg = np.array([15.65, -8.5]), np.array([78.22, 71.0]), np.array([4258.0] * 2)
    assert in_norway(east, north, epsg, allow_svalbard_jan_mayen=False).tolist() == [False] * 2
    assert in_norway(east, north, epsg, allow_svalbard_jan_mayen=True).tolist() == [True] * 2


def test_reasons_name_the_columns_the_values_and_the_problem() -> None:
    frame = pd.DataFrame(
        {
            "Nord": ["6650000", "262000", "59.91", "78.22", "5000000", "inf"],
            "Øst": ["262000", "6650000", "10.75", "15.65", "500000", "262000"],
            "EPSG-kode": ["25833", "25833", "25833", "4258", "25833", "25833"],
        },
        index=[2, 4, 5, 6, 7, 9],  # physical lines
    )
    numbers = {c: pd.to_numeric(frame[c]) for c in frame.columns}
    checks = position_checks(
        numbers["Øst"],
        numbers["Nord"],
        numbers["EPSG-kode"],
        (frame["Nord"], frame["Øst"]),
        ("Nord", "Øst", "EPSG-kode"),
        allow_svalbard_jan_mayen=False,
    )
    reasons = first_reason(checks, frame.index)
    assert pd.isna(reasons[2]) and pd.isna(reasons[9])  # inf is the caller's check
    assert reasons[4] == (
        "Nord/Øst: got 262000/6650000 with EPSG-kode 25833, outside Norway; swapped they lie"
        " inside: Nord and Øst look exchanged"
    )
    assert reasons[5].startswith("Nord/Øst: got 59.91/10.75 with EPSG-kode 25833, which look")
    assert "like degrees" in reasons[5] and "EPSG-kode 4258 for degrees" in reasons[5]
    assert "Svalbard or Jan Mayen" in reasons[6] and "allow_svalbard_jan_mayen" in reasons[6]
    assert reasons[7] == (
        "Nord/Øst: got 5000000/500000 with EPSG-kode 25833, outside Norway; expected east"
        " -152,069 to 1,474,729, north 6,406,444 to 8,012,731"
    )
