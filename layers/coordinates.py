"""Is a point row's position plausible for Norway? Per row, vectorised, with a reason per problem.

A row's coordinates are checked in the CRS it names (Kartverket's ``EPSG-kode``): against a
generous box around mainland Norway and its coastal waters (4.0-31.5 °E, 57.8-71.5 °N,
transformed into each supported EPSG), and, when the run allows it, boxes around Svalbard and
Jan Mayen. A position outside is explained when the explanation is certain enough to say:

* degrees in metre columns (59.91/10.75 with a UTM code);
* metres in degree columns (6 650 000/262 000 with EPSG:4258 or 4326);
* north and east exchanged (the swapped pair lies inside Norway);
* Svalbard or Jan Mayen when the run does not allow them;
* else: outside Norway, with the box it was checked against.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd
from pyproj import Transformer

from layers.vocabulary import SUPPORTED_EPSG

GEOGRAPHIC_EPSG = (4258, 4326)
# (west, south, east, north) in degrees
MAINLAND_LONLAT = (4.0, 57.8, 31.5, 71.5)
SVALBARD_LONLAT = (9.0, 74.0, 35.0, 81.0)
JAN_MAYEN_LONLAT = (-9.5, 70.6, -7.5, 71.4)
Box = tuple[float, float, float, float]


@cache
def box_in(epsg: int, lonlat: Box = MAINLAND_LONLAT) -> Box:
    """``lonlat`` as (x_min, y_min, x_max, y_max) in ``epsg``: the bounds of its densified
    outline transformed (a UTM box is wider than the lon/lat one: generous on purpose)."""
    west, south, east, north = lonlat
    if epsg in GEOGRAPHIC_EPSG:
        return lonlat
    steps = np.linspace(0.0, 1.0, 201)
    lon = np.concatenate(
        [west + (east - west) * steps, np.full(201, east), east - (east - west) * steps]
    )
    lon = np.concatenate([lon, np.full(201, west)])
    lat = np.concatenate(
        [np.full(201, south), south + (north - south) * steps, np.full(201, north)]
    )
    lat = np.concatenate([lat, north - (north - south) * steps])
    x, y = Transformer.from_crs(4258, epsg, always_xy=True).transform(lon, lat)
    return (float(np.min(x)), float(np.min(y)), float(np.max(x)), float(np.max(y)))


def _inside(x: np.ndarray, y: np.ndarray, epsg: np.ndarray, lonlat: Box) -> np.ndarray:
    """Whether each (x, y) lies in ``lonlat``'s box in its row's EPSG (False for other codes)."""
    inside = np.zeros(len(x), dtype=bool)
    for code in SUPPORTED_EPSG:
        rows = epsg == code
        x_min, y_min, x_max, y_max = box_in(code, lonlat)
        inside |= rows & (x >= x_min) & (x <= x_max) & (y >= y_min) & (y <= y_max)
    return inside


def in_norway(
    east: np.ndarray, north: np.ndarray, epsg: np.ndarray, allow_svalbard_jan_mayen: bool
) -> np.ndarray:
    """Whether each row lies in Norway (with Svalbard and Jan Mayen when allowed)."""
    inside = _inside(east, north, epsg, MAINLAND_LONLAT)
    if allow_svalbard_jan_mayen:
        inside |= _inside(east, north, epsg, SVALBARD_LONLAT)
        inside |= _inside(east, north, epsg, JAN_MAYEN_LONLAT)
    return inside


def _box_text(code: float) -> str:
    """The mainland box in ``code``, for a message."""
    x_min, y_min, x_max, y_max = box_in(int(code))
    if int(code) in GEOGRAPHIC_EPSG:
        return f"longitude {x_min:g} to {x_max:g}, latitude {y_min:g} to {y_max:g}"
    return f"east {x_min:,.0f} to {x_max:,.0f}, north {y_min:,.0f} to {y_max:,.0f}"


def _looks_like(e: np.ndarray, n: np.ndarray, epsg: float) -> np.ndarray:
    """Whether each pair lies in mainland Norway when read in ``epsg`` instead, either way
    round."""
    in_crs = np.full(len(e), epsg)
    either: np.ndarray = _inside(e, n, in_crs, MAINLAND_LONLAT)
    either |= _inside(n, e, in_crs, MAINLAND_LONLAT)
    return either


def problems(
    east: np.ndarray, north: np.ndarray, epsg: np.ndarray, allow_svalbard_jan_mayen: bool
) -> dict[str, np.ndarray]:
    """Masks of the rows outside Norway by their problem, each such row in exactly one, in this
    order of precedence: ``degrees`` (in a UTM code), ``metres`` (in a lon/lat code),
    ``swapped``, ``arctic`` (Svalbard or Jan Mayen, not allowed), else ``outside``. Rows with
    a non-finite number or an unknown code are in none."""
    given = np.isfinite(east) & np.isfinite(north) & np.isin(epsg, SUPPORTED_EPSG)
    outside = given & ~in_norway(east, north, epsg, allow_svalbard_jan_mayen)
    geographic = np.isin(epsg, GEOGRAPHIC_EPSG)
    arctic = np.zeros(len(epsg), dtype=bool)
    if not allow_svalbard_jan_mayen:
        arctic = outside & in_norway(east, north, epsg, allow_svalbard_jan_mayen=True)
    degrees = outside & ~geographic & _looks_like(east, north, 4258.0)
    metres = outside & geographic & _looks_like(east, north, 25833.0)
    swapped = outside & ~degrees & ~metres & in_norway(north, east, epsg, allow_svalbard_jan_mayen)
    arctic &= ~degrees & ~metres & ~swapped
    # each row in one mask: its reason is built once (a whole file may be swapped)
    named = degrees | metres | swapped | arctic
    return {
        "degrees": degrees,
        "metres": metres,
        "swapped": swapped,
        "arctic": arctic,
        "outside": outside & ~named,
    }


def position_checks(
    east: pd.Series,
    north: pd.Series,
    epsg: pd.Series,
    text: tuple[pd.Series, pd.Series],
    names: tuple[str, str, str],
    allow_svalbard_jan_mayen: bool,
) -> list[tuple[pd.Series, str | pd.Series]]:
    """The ``(failed, reason)`` checks of a position, for :func:`layers.quarantine.first_reason`.

    ``east``/``north``/``epsg`` are the parsed numbers (NaN where unusable: those rows are left
    to the caller's "expected numbers" check); ``text`` is north and east as the file gives
    them (for the message); ``names`` are the north, east and EPSG column names. Reasons are
    built only for the failing rows (2.6 M addresses nationally).
    """
    north_name, east_name, epsg_name = names
    e, n, code = (s.to_numpy(dtype="float64") for s in (east, north, epsg))
    masks = problems(e, n, code, allow_svalbard_jan_mayen)
    pair = f"{north_name}/{east_name}: got "

    def reason(kind: str, tail: str | pd.Series) -> tuple[pd.Series, pd.Series]:
        mask = masks[kind]
        codes = epsg[mask].map({c: f"{c:.0f}" for c in set(code[mask])}).astype("str")
        given = text[0][mask].str.strip() + "/" + text[1][mask].str.strip()
        return pd.Series(
            mask, index=east.index
        ), pair + given + f" with {epsg_name} " + codes + tail

    outside = masks["outside"]
    return [
        reason(
            "degrees",
            ", which look like degrees (latitude/longitude) in metre columns; expected metres"
            f" in that EPSG, or {epsg_name} 4258 for degrees",
        ),
        reason(
            "metres",
            ", which look like metres (UTM) in degree columns; expected degrees, or the"
            f" UTM {epsg_name} (25832/25833/25835) the metres are in",
        ),
        reason(
            "swapped",
            f", outside Norway; swapped they lie inside: {north_name} and {east_name} look"
            " exchanged",
        ),
        reason(
            "arctic",
            ", in Svalbard or Jan Mayen; expected mainland Norway (set [checks]"
            " allow_svalbard_jan_mayen = true to keep them)",
        ),
        reason(
            "outside",
            ", outside Norway; expected "
            + epsg[outside].map({c: _box_text(c) for c in set(code[outside])}).astype("str"),
        ),
    ]
