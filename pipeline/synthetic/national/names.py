"""Plausible Norwegian names for the national set: streets, places, farms and postnummer ranges.

The pools are fixed; which name an address gets is a function of its kommune and street (or
block) number, so names are unique per kommune while the pool lasts and need no draws.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

STREET_STEMS = (
    "Skole", "Kirke", "Stasjons", "Bakke", "Havne", "Mølle", "Sjø", "Elve", "Bjørke", "Furu",
    "Rogn", "Løvås", "Gran", "Prest", "Smie", "Torg", "Lensmann", "Meieri", "Sag", "Kvern",
    "Nyland", "Solbakke", "Tufte", "Eng", "Myr", "Lyng", "Hegg", "Fjell", "Fjord", "Strand",
    "Skog", "Åker", "Bråten", "Hage", "Bekke", "Tjern", "Nes", "Vik", "Dal", "Berg", "Kløver",
    "Blåbær", "Tyttebær", "Einer", "Ospe", "Selje", "Alm", "Lind", "Eike", "Lønne", "Kastanje",
    "Rosen", "Tulipan", "Syrin", "Fiol", "Prestegårds", "Kongs", "Industri", "Park",
    "Sentrum", "Nord", "Sør", "Øst", "Vest", "Sol", "Måne", "Stjerne", "Fugle", "Reve", "Ørne",
    "Falke", "Ugle", "Elg", "Hjorte", "Bever", "Oter", "Laks", "Ørret", "Sild", "Torske",
)  # fmt: skip
STREET_SUFFIXES = (
    "vegen", "veien", "gata", "gate", "bakken", "lia", "stien", "svingen", "tunet", "kroken",
    "haugen", "åsen",
)  # fmt: skip
STREET_PREFIXES = ("", "Øvre ", "Nedre ", "Søndre ", "Nordre ", "Store ", "Lille ", "Gamle ")
PLACE_STEMS = (
    "Berg", "Dal", "Haug", "Li", "Mo", "Nes", "Vik", "Bø", "Hov", "Sand", "Stein", "Ås", "Lund",
    "Rud", "Holm", "Eid", "Fjell", "Skog", "Strand", "Bakke", "Myr", "Tveit", "Voll", "Gjerde",
    "Sel", "Ring", "Hamre", "Brekke", "Flat", "Hol",
)  # fmt: skip
PLACE_SUFFIXES = (
    "", "vik", "dal", "nes", "stad", "heim", "by", "set", "moen", "sletta", "bygda", "åsen",
    "haugen", "li", "vollen",
)  # fmt: skip
FARM_NAMES = (
    "Nordgard", "Sørgard", "Øvergard", "Nergard", "Bakken", "Haugen", "Moen", "Lia", "Berget",
    "Tunet", "Vollen", "Rud", "Sletta", "Myra", "Nyheim", "Solheim", "Fjellheim", "Utsikten",
)  # fmt: skip
FYLKE_POSTNUMMER = {  # first and last postnummer used per fylke (real ranges, simplified)
    "03": (150, 1299), "31": (1500, 1899), "32": (1300, 2199), "33": (3000, 3699),
    "34": (2200, 2999), "39": (3100, 3299), "40": (3600, 3999), "42": (4400, 4999),
    "11": (4000, 4399), "46": (5000, 5999), "15": (6000, 6699), "50": (7000, 7999),
    "18": (8000, 8999), "55": (9000, 9499), "56": (9500, 9999),
}  # fmt: skip


def street_name_pool() -> list[str]:
    """Plausible Norwegian street names: stem + suffix, then with Øvre/Nedre/… prefixes."""
    plain = [
        (stem + suffix).replace("lll", "ll") for stem in STREET_STEMS for suffix in STREET_SUFFIXES
    ]
    return [prefix + name for prefix in STREET_PREFIXES for name in plain]


def street_name_index(kommune: np.ndarray, street: np.ndarray, pool_size: int) -> np.ndarray:
    """Index into the street-name pool, one-to-one per kommune while streets < pool size.

    .. math:: i = (7919 s + 104729 k) \\bmod P

    7919 is prime and does not divide ``P``, so street ``s`` ↦ name is a bijection mod ``P``.
    """
    return np.asarray((street * 7_919 + kommune.astype("int64") * 104_729) % pool_size)


def place_name_pool() -> list[str]:
    """Plausible place names (grunnkrets, tettsted, sokn, valgkrets, poststed)."""
    return [stem + suffix for suffix in PLACE_SUFFIXES for stem in PLACE_STEMS]


def postnummer_bases(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """First postnummer and the number reserved, per kommune, inside its fylke's range."""
    fylke = frame["fylkesnummer"].to_numpy(str)
    knr = frame["kommunenummer"].to_numpy(str)
    base, span = np.zeros(len(frame), "int64"), np.ones(len(frame), "int64")
    for code in np.unique(fylke):  # a loop over the 15 fylker
        rows = np.flatnonzero(fylke == code)
        rows = rows[np.argsort(knr[rows])]
        low, high = FYLKE_POSTNUMMER.get(code, (1000, 9999))
        step = max(1, (high - low + 1) // rows.size)
        base[rows] = low + step * np.arange(rows.size)
        span[rows] = step
    return base, span
