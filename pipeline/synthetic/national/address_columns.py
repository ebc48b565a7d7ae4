"""The 46 Matrikkelen Adresse columns of the national addresses, built column-wise with Arrow.

A vegadresse reads "Skolevegen 12B": streets are bands of up to 30 addresses in each 1 km
block, numbered west to east. A matrikkeladresse reads "97/90" (gnr/bnr), or "Nordgard, 97/90"
with an adressetilleggsnavn; sparse cells hold 30 % of them, medium 5 %, dense none. Places
(grunnkrets, postnummer, sokn, valgkrets, tettsted) are blocks of 2 km and groups of them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from layers.addresses import KARTVERKET_COLUMNS
from pipeline.synthetic.national.addresses import Addresses
from pipeline.synthetic.national.grid import BLOCK_M, block_key, group_cumsum, rank_within
from pipeline.synthetic.national.kommuner import Kommuner
from pipeline.synthetic.national.names import (
    FARM_NAMES,
    place_name_pool,
    postnummer_bases,
    street_name_index,
    street_name_pool,
)
from pipeline.synthetic.writers import update_times, uuids

STREET_BLOCK_M = 1_000.0  # streets are bands of addresses inside 1 km blocks
ADDRESSES_PER_STREET = 30
MATRIKKEL_SHARE = {"sparse": 0.30, "medium": 0.05, "dense": 0.0}
EXTRACT_TIME = "02.01.2025 05:31:12"
LETTERS = ("", *"ABCDEFGHIJKLMNOPQRSTUVWXYZ")


def take(pool: list[str] | tuple[str, ...], index: np.ndarray) -> pa.Array:
    """``pool[index]`` as an Arrow string array."""
    return pc.take(pa.array(list(pool), pa.string()), pa.array(index, pa.int64()))


def as_text(values: np.ndarray) -> pa.Array:
    """Numbers as Arrow strings in their shortest form ("6466460.67", "12")."""
    return pc.cast(pa.array(values), pa.string())


def padded(values: np.ndarray, width: int) -> pa.Array:
    """Integers as zero-padded Arrow strings ("0042")."""
    return pc.utf8_lpad(as_text(values), width, "0")


def join(*parts: pa.Array | str) -> pa.Array:
    """Element-wise concatenation of Arrow string arrays and literal strings."""
    return pc.binary_join_element_wise(*parts, "")


def street_numbers(
    x_m: np.ndarray, y_m: np.ndarray, kommune: np.ndarray, rng: np.random.Generator
) -> dict[str, np.ndarray]:
    """Street index (within the kommune), house number and letter index (-1: none) per address.

    Streets are bands of up to 30 addresses, south to north, in each 1 km block; numbers rise
    west to east in steps of 1–2, and an address repeating the previous number gets letters
    A, B, … together with it.
    """
    n = x_m.size
    block = block_key(x_m, y_m, STREET_BLOCK_M)
    order = np.lexsort((y_m, block, kommune))
    block_s, kommune_s = block[order], kommune[order]
    new_block = np.r_[True, (block_s[1:] != block_s[:-1]) | (kommune_s[1:] != kommune_s[:-1])]
    position = group_cumsum(np.ones(n, dtype="int64"), np.cumsum(new_block)) - 1
    street_id = np.empty(n, dtype="int64")
    street_id[order] = np.cumsum(new_block | (position % ADDRESSES_PER_STREET == 0))
    along = np.lexsort((x_m, street_id))
    street_s = street_id[along]
    first = np.r_[True, street_s[1:] != street_s[:-1]]
    step = np.where(first, 1, rng.choice([0, 1, 2], size=n, p=[0.04, 0.66, 0.30]))
    run_id = np.cumsum(step > 0)
    letter_s = group_cumsum(np.ones(n, dtype="int64"), run_id) - 1
    letter_s = np.where(np.bincount(run_id)[run_id] > 1, letter_s, -1)
    number, letter = np.empty(n, dtype="int64"), np.empty(n, dtype="int64")
    number[along] = group_cumsum(step, street_s)
    letter[along] = np.minimum(letter_s, 25)
    return {"street": rank_within(kommune, street_id), "number": number, "letter": letter}


def address_columns(
    address: Addresses,
    kommuner: Kommuner,
    setting: np.ndarray,
    address_id: np.ndarray,
    rng: np.random.Generator,
) -> dict[str, pa.Array]:
    """The 46 Matrikkelen Adresse columns plus ``households``, as Arrow string arrays."""
    n = address.x_m.size
    knr_all = kommuner.frame["kommunenummer"].to_numpy(str)
    matrikkel = rng.random(n) < pd.Series(setting).map(MATRIKKEL_SHARE).to_numpy()
    streets = street_numbers(address.x_m, address.y_m, address.kommune * 2 + matrikkel, rng)
    gnr = rank_within(address.kommune, block_key(address.x_m, address.y_m, BLOCK_M)) + 1
    bnr = rank_within(address.kommune * 100_000 + gnr, np.arange(n)) + 1
    pool = street_name_pool()
    adressenavn = take(pool, street_name_index(address.kommune, streets["street"], len(pool)))
    nummer, bokstav = as_text(streets["number"]), take(LETTERS, streets["letter"] + 1)
    farm = rng.random(n) < 0.5
    tillegg = take(["", *FARM_NAMES], np.where(farm, rng.integers(1, len(FARM_NAMES) + 1, n), 0))
    veg_text = join(adressenavn, " ", nummer, bokstav)
    matrikkel_text = join(as_text(gnr), "/", as_text(bnr))
    matrikkel_full = pc.if_else(pa.array(farm), join(tillegg, ", ", matrikkel_text), matrikkel_text)
    is_matrikkel = pa.array(matrikkel)
    empty = pa.array(np.full(n, ""), pa.string())
    columns = {
        "lokalid": as_text(address_id),
        "kommunenummer": take(list(knr_all), address.kommune),
        "kommunenavn": take([kommuner.display_name[k].upper() for k in knr_all], address.kommune),
        "adressetype": pc.if_else(is_matrikkel, "matrikkeladresse", "vegadresse"),
        "adressetilleggsnavn": pc.if_else(is_matrikkel, tillegg, empty),
        "adressekode": pc.if_else(is_matrikkel, empty, as_text(1_000 + 5 * streets["street"])),
        "adressenavn": pc.if_else(is_matrikkel, empty, adressenavn),
        "nummer": pc.if_else(is_matrikkel, empty, nummer),
        "bokstav": pc.if_else(is_matrikkel, empty, bokstav),
        "gardsnummer": as_text(gnr),
        "bruksnummer": as_text(bnr),
        "adresseTekst": pc.if_else(is_matrikkel, matrikkel_full, veg_text),
        "adresseTekstUtenAdressetilleggsnavn": pc.if_else(is_matrikkel, matrikkel_text, veg_text),
        "EPSG-kode": pa.array(np.full(n, "25833"), pa.string()),
        "Nord": as_text(address.y_m),
        "Øst": as_text(address.x_m),
        **place_columns(address, kommuner, setting, gnr),
        "oppdateringsdato": update_times(n, rng),
        "datauttaksdato": pa.array(np.full(n, EXTRACT_TIME), pa.string()),
        "adresseId": as_text(address_id),
        "uuidAdresse": pa.array(uuids(n, rng), pa.string()),
    }
    table = {column: columns.get(column, empty) for column in KARTVERKET_COLUMNS}
    table["households"] = as_text(address.households)
    return table


def place_columns(
    address: Addresses, kommuner: Kommuner, setting: np.ndarray, gnr: np.ndarray
) -> dict[str, pa.Array]:
    """Postnummer/poststed, grunnkrets, sokn, organisasjonsnummer, tettsted and valgkrets.

    A grunnkrets is a 2 km block (its ``gnr``); a postal zone, valgkrets and sokn group 4, 8
    and 12 of them; a tettsted is a 6 km block of the dense and medium cells.
    """
    frame = kommuner.frame
    knr = frame["kommunenummer"].to_numpy(str)
    kommune = address.kommune
    places = place_name_pool()
    places_upper = [name.upper() for name in places]
    salt = (kommune * 37) % len(places)

    def place(number: np.ndarray, factor: int, upper: bool = False) -> pa.Array:
        return take(places_upper if upper else places, (number * factor + salt) % len(places))

    zone = (gnr - 1) // 4
    base, span = postnummer_bases(frame)
    knr_text = take(list(knr), kommune)
    in_town = pa.array(setting != "sparse")
    town = rank_within(kommune, block_key(address.x_m, address.y_m, 6_000.0))
    empty = pa.array(np.full(kommune.size, ""), pa.string())
    return {
        "postnummer": padded(base[kommune] + np.minimum(zone, span[kommune] - 1), 4),
        "poststed": pc.if_else(
            pa.array(zone == 0),
            take([kommuner.display_name[k].upper() for k in knr], kommune),
            place(zone, 7, upper=True),
        ),
        "grunnkretsnummer": join(knr_text, padded(gnr, 4)),
        "grunnkretsnavn": place(gnr, 11),
        "soknenummer": join(knr_text, padded((gnr - 1) // 12 + 1, 2), "01"),
        "soknenavn": place((gnr - 1) // 12, 13),
        "organisasjonsnummer": join("9", knr_text, "0012"),
        "tettstednummer": pc.if_else(in_town, padded(1 + town + 100 * (kommune % 90), 4), empty),
        "tettstednavn": pc.if_else(in_town, place(town, 17), empty),
        "valgkretsnummer": as_text((gnr - 1) // 8 + 1),
        "valgkretsnavn": place((gnr - 1) // 8, 19, upper=True),
    }
