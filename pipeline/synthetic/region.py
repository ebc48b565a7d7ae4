"""Deterministic demo region: five fictional kommuner written as real-format input files.

The region covers x 260 000–300 000 m, y 7 000 000–7 030 000 m in EPSG:25833 (mid-Norway-like),
in the fictional fylke "99"; :mod:`pipeline.synthetic.terrain` builds its landscape,
:mod:`pipeline.synthetic.settlements` places its addresses and :mod:`pipeline.synthetic.offers`
draws its sites and offers; this module writes them as files. Positions below are local kilometres
``((x_m - 260 000) / 1000, (y_m - 7 000 000) / 1000)``.

- 9901 Fjordvik: the fjord mouth and its shores; town Fjordvik sentrum (7.6, 16.8), village Lian.
- 9902 Nordheim: the northern valley; town Nordheim (12.0, 25.4), village Nordre Bø.
- 9903 Storlia: the fjord head, the ridge and Bakdalen; town Storlia (25.2, 15.5) with the FWA mast
  ``LL-STORLIA-FWA`` (25.5, 15.3), 30 m, claimed range 10 km.
- 9904 Øyvær: the south-west coast, villages Sørvik and Vågen, and the island Ytterøya
  (MultiPolygon).
- 9905 Dalsbygd: the southern valley; town Dalsbygd (24.0, 4.9), village Elvheim.

Offers (``dekning.csv``) follow the rules of :mod:`pipeline.synthetic.offers`, with two bad rows:
technology "dsl-ish" and a negative down speed.

The address file (Kartverket Matrikkelen-Adresse: UTF-8 with BOM, CRLF, ``;``, 46 columns) holds:

- three valid pier addresses over the sea (DTM nodata): "Kaia 1" and "Kaia 3" on the fjord in
  Fjordvik, "Dampskipskaia 2" on the open sea in Vågen;
- "Smith & Sønner <Brygge> 3" (Fjordvik) and "Skipper'ns veg 4" (Storlia), to exercise escaping;
- ten bad rows for quarantine: empty Nord and Øst (adresseId 390000001), empty Øst (390000002),
  Nord "7012x45.5" (390000003), Nord "ukjent" (390000004), EPSG-kode 9999 (390000005, 390000006),
  empty kommunenummer (390000007; 390000008 also without kommunenavn), and two rows repeating
  the adresseId of an earlier good row;
- five good rows whose kommunenummer is a neighbour's (the addresses nearest a boundary).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import shapely

from layers.addresses import KARTVERKET_COLUMNS
from pipeline.synthetic import settlements as demo_settlements
from pipeline.synthetic import terrain as demo_terrain
from pipeline.synthetic.eligibility_inputs import write_eligibility_inputs
from pipeline.synthetic.offers import offer_table, site_table
from pipeline.synthetic.roads import write_demo_roads
from pipeline.synthetic.settlements import SETTLEMENTS, TOWNS
from pipeline.synthetic.terrain import on_land, to_m
from pipeline.synthetic.writers import (
    from_lonlat_geometry,
    lonlat_geometry,
    string_table,
    update_times,
    uuids,
    write_address_csv,
    write_feature_collection,
    write_line_features,
    write_sites,
)
from pipeline.synthetic.writers import write_offers as write_offer_table

KOMMUNENAVN = {
    "9901": "Fjordvik",
    "9902": "Nordheim",
    "9903": "Storlia",
    "9904": "Øyvær",
    "9905": "Dalsbygd",
}
ADDRESS_FILE = "Basisdata_9900_Demoregion_25833_MatrikkelenAdresse_CSV.csv"
BAD_ADDRESS_IDS = tuple(range(390_000_001, 390_000_009))
PIER_TEXTS = ("Kaia 1", "Kaia 3", "Dampskipskaia 2")
ADDRESS_HEADER = list(KARTVERKET_COLUMNS)
SPECIAL_STREETS = {
    demo_settlements.STREET_BRYGGE: "Smith & Sønner <Brygge>",
    demo_settlements.STREET_SKIPPER: "Skipper'ns veg",
    demo_settlements.STREET_KAIA: "Kaia",
    demo_settlements.STREET_DAMPSKIPSKAIA: "Dampskipskaia",
}
FIXED_STREETS = ("Fjordgata", "Kirkevegen", "Strandgata", "Øvre Lian", "Nedre Lian")
STREET_STEMS = (
    "Skole", "Stasjons", "Bakke", "Havne", "Mølle", "Sjø", "Elve", "Bjørke", "Furu", "Rogn",
    "Løvås", "Gran", "Prest", "Smie", "Torg", "Lensmann", "Meieri", "Sag", "Kvern", "Nyland",
    "Solbakke", "Haug", "Eng", "Myr", "Lyng", "Hegg",
)  # fmt: skip
STREET_SUFFIXES = ("gata", "vegen", "veien", "bakken", "lia", "stien", "svingen", "tunet")
# (new adresseId, or None to repeat the copied row's id; {column: value})
BAD_EDITS: tuple[tuple[int | None, dict[str, str]], ...] = (
    (390_000_001, {"Nord": "", "Øst": ""}),
    (390_000_007, {"kommunenummer": ""}),
    (390_000_003, {"Nord": "7012x45.5"}),
    (None, {}),
    (390_000_005, {"EPSG-kode": "9999"}),
    (390_000_002, {"Øst": ""}),
    (390_000_004, {"Nord": "ukjent"}),
    (390_000_008, {"kommunenummer": "", "kommunenavn": ""}),
    (390_000_006, {"EPSG-kode": "9999"}),
    (None, {}),
)


@dataclass(frozen=True)
class DemoRegion:
    """Paths of the demo region's input files and the number of address rows written."""

    root: Path
    kommuner: Path
    addresses: Path
    dtm: Path
    offers: Path
    sites: Path
    fibre: Path
    roads: Path
    cost_factors: Path
    n_addresses: int
    # the support scheme's inputs (pipeline/synthetic/eligibility_inputs.py)
    planned_areas: Path | None = None
    funded_areas: Path | None = None
    obligation_5g: Path | None = None


def build_demo_region(out_dir: Path, seed: int = 2025) -> DemoRegion:
    """Write the demo region's input files into ``out_dir`` (created if missing).

    Parameters
    ----------
    out_dir
        Folder for the files; files of the same names are overwritten.
    seed
        Seed of every random draw: the same seed gives byte-identical files.

    Returns
    -------
    DemoRegion
        The paths of the files and the number of data rows in the address file (bad rows
        included).
    """
    root = Path(out_dir)
    root.mkdir(parents=True, exist_ok=True)
    region = DemoRegion(
        root=root,
        kommuner=root / "kommuner.geojson",
        addresses=root / ADDRESS_FILE,
        dtm=root / "terreng.tif",
        offers=root / "dekning.csv",
        sites=root / "master.csv",
        fibre=root / "fiber.geojson",
        roads=root / "veger.gpkg",
        cost_factors=root / "kostnadsfaktorer.csv",
        n_addresses=0,
    )
    flatten_km = [(*town.centre_km, 3.0 * town.spread_km) for town in TOWNS]
    elevation_m = demo_terrain.build_elevation_m(np.random.default_rng([seed, 1]), flatten_km)
    demo_terrain.write_dtm(region.dtm, elevation_m)
    kommuner = write_kommuner(region.kommuner, np.random.default_rng([seed, 2]))
    addresses = demo_settlements.place_addresses(elevation_m, np.random.default_rng([seed, 3]))
    addresses = demo_settlements.locate_addresses(addresses, kommuner)
    id_rng = np.random.default_rng([seed, 4])
    addresses["address_id"] = 300_000_000 + id_rng.choice(9_000_000, len(addresses), replace=False)
    sites = site_table(elevation_m)
    write_offers(region.offers, offer_table(addresses, sites, np.random.default_rng([seed, 5])))
    write_sites(region.sites, _site_table(sites))
    write_fibre(region.fibre, elevation_m)
    write_demo_roads(region.roads)
    # the island kommune builds on rock and by boat: dearer trenching (an example factor)
    region.cost_factors.write_text("kommunenummer,cost_factor\n9904,1.4\n", encoding="utf-8")
    n_rows = write_addresses(region.addresses, addresses, np.random.default_rng([seed, 6]))
    scheme = write_eligibility_inputs(root, region.addresses, region.offers, region.fibre)
    return replace(region, n_addresses=n_rows, **vars(scheme))


def write_kommuner(path: Path, rng: np.random.Generator) -> dict[str, shapely.Geometry]:
    """Write ``kommuner.geojson``; return the polygons as written, back in EPSG:25833."""
    features: list[dict[str, Any]] = [
        {
            "type": "Feature",
            "properties": {
                "id": knr,
                "kommunenummer": knr,
                "name": KOMMUNENAVN[knr],
                "kommunenavn": KOMMUNENAVN[knr],
            },
            "geometry": lonlat_geometry(geometry),
        }
        for knr, geometry in demo_terrain.kommune_partition(rng).items()
    ]
    write_feature_collection(path, features)
    return {f["properties"]["id"]: from_lonlat_geometry(f["geometry"]) for f in features}


def write_fibre(path: Path, elevation_m: np.ndarray) -> None:
    """Write ``fiber.geojson``: trunks between the towns, radial distribution inside each town."""
    north_shore_km = demo_terrain.shore(0.3, 8.0).knots_km
    trunks_km = [
        [(7.6, 16.8), (7.4, 18.5), (7.6, 21.0), (9.5, 23.8), (12.0, 25.4)],
        [(7.6, 16.8), *north_shore_km, (24.4, 16.1), (25.2, 15.5)],
        [(25.2, 15.5), (25.8, 13.0), (25.0, 9.0), (24.0, 4.9)],
    ]
    lines_km = [("trunk", np.array(trunk)) for trunk in trunks_km]
    for town in TOWNS[:4]:
        for angle in np.linspace(0.0, 2.0 * np.pi, max(3, round(town.n / 90)), endpoint=False):
            step_km = np.arange(0.0, 1.8 * town.spread_km, 0.02)
            ray_km = np.array(town.centre_km) + step_km[:, None] * [np.cos(angle), np.sin(angle)]
            land = on_land(elevation_m, *to_m(ray_km[:, 0], ray_km[:, 1]))
            end = step_km.size if land.all() else int(np.argmin(land))
            if end > 5:
                lines_km.append(("distribution", ray_km[[0, end - 1]]))
    geometries = [shapely.LineString(np.column_stack(to_m(*line_km.T))) for _, line_km in lines_km]
    write_line_features(path, geometries, [kind for kind, _ in lines_km])


def write_offers(path: Path, offers: pd.DataFrame) -> None:
    """Write ``dekning.csv`` with two bad rows (unknown technology, negative speed) inserted."""
    text = {c: _as_text(offers[c]) for c in ("address_id", "operator", "technology")}
    text |= {c: _format_number(offers[c]) for c in ("down_mbps", "up_mbps")}
    third = len(offers) // 3
    bad = (
        (f"{offers['address_id'][third]}", "Kobber AS", "dsl-ish", "20", "2"),
        (f"{offers['address_id'][2 * third]}", "Fjordnett", "fiber", "-1000", "1000"),
    )
    columns = {
        column: np.insert(values.astype(object), [third, 2 * third], [row[i] for row in bad])
        for i, (column, values) in enumerate(text.items())
    }
    write_offer_table(path, string_table(columns))


def _site_table(sites: pd.DataFrame) -> Any:
    """The site list as an Arrow table of text: names as they are, numbers as the demo writes
    them."""
    names = ("site_id", "operator", "technology")
    return string_table(
        {c: _as_text(sites[c]) if c in names else _format_number(sites[c]) for c in sites.columns}
    )


def write_addresses(path: Path, addresses: pd.DataFrame, rng: np.random.Generator) -> int:
    """Write the Matrikkelen-Adresse CSV with the bad rows spread in it; return its data rows.

    Rows are grouped by kommunenummer as in a fylke extract; UTF-8 with BOM, CRLF, ``;``.
    """
    addresses = addresses.sort_values("kommunenummer", kind="stable", ignore_index=True)
    table = _address_table(addresses, rng)
    positions = (np.arange(1, len(BAD_EDITS) + 1) * len(addresses)) // (len(BAD_EDITS) + 1)
    bad = _bad_rows(table, positions, rng)
    write_address_csv(
        path, {c: np.insert(table[c].astype(object), positions, bad[c]) for c in ADDRESS_HEADER}
    )
    return len(addresses) + len(BAD_EDITS)


def _address_table(a: pd.DataFrame, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """The 46 columns of the address file, as string arrays aligned to ``a``."""
    n = len(a)
    index = a["settlement"].to_numpy()
    knr = a["kommunenummer"].to_numpy(str)
    kommunenavn = pd.Series(knr).map(KOMMUNENAVN).to_numpy(str)
    name = np.array([s.name for s in SETTLEMENTS])[index]
    is_place = np.isin(a["kind"].to_numpy(), ["town", "village"])
    address_id = a["address_id"].to_numpy().astype(str)
    columns = {
        **_address_names(a, kommunenavn, rng),
        "lokalid": address_id,
        "kommunenummer": knr,
        "kommunenavn": np.char.upper(kommunenavn),
        "EPSG-kode": np.full(n, "25833"),
        "Nord": _format_number(a["y_m"]),
        "Øst": _format_number(a["x_m"]),
        "postnummer": np.array([s.postnummer for s in SETTLEMENTS])[index],
        "poststed": np.array([s.poststed for s in SETTLEMENTS])[index],
        "grunnkretsnummer": np.char.add(knr, np.char.zfill((index + 101).astype(str), 4)),
        "grunnkretsnavn": name,
        "soknenummer": np.char.add(np.char.add("09", np.char.lstrip(knr, "9")), "0101"),
        "soknenavn": kommunenavn,
        "organisasjonsnummer": np.char.add("96400", knr),
        "tettstednummer": np.where(is_place, (7001 + index).astype(str), ""),
        "tettstednavn": np.where(is_place, np.char.replace(name, " sentrum", ""), ""),
        "valgkretsnummer": (index % 3 + 1).astype(str),
        "valgkretsnavn": np.char.upper(name),
        "oppdateringsdato": update_times(n, rng).to_numpy(zero_copy_only=False).astype(str),
        "datauttaksdato": np.full(n, "02.01.2025 05:31:12"),
        "adresseId": address_id,
        "uuidAdresse": uuids(n, rng),
    }
    return {column: columns.get(column, np.full(n, "")) for column in ADDRESS_HEADER}


def _address_names(
    a: pd.DataFrame, kommunenavn: np.ndarray, rng: np.random.Generator
) -> dict[str, np.ndarray]:
    """adressetype, street, number, gardsnummer/bruksnummer and adresseTekst columns.

    A vegadresse reads "Fjordgata 12B"; a matrikkeladresse "Storlia 12/3" (kommune gnr/bnr).
    """
    index = a["settlement"].to_numpy()
    veg = a["street"].to_numpy() >= 0
    street_key = index * 1000 + a["street"].to_numpy()
    keys = np.unique(street_key[veg])
    street_index = np.searchsorted(keys, street_key).clip(0, keys.size - 1)
    adressenavn = np.where(veg, _street_names(keys, rng)[street_index], "")
    gnr = (np.unique(index * 1000 + a["farm"].to_numpy(), return_inverse=True)[1] + 1).astype(str)
    bnr = a["bnr"].to_numpy().astype(str)
    nummer = np.where(veg, a["nummer"].to_numpy().astype(str), "")
    bokstav = np.where(veg, a["bokstav"].to_numpy(str), "")
    tekst = np.where(veg, adressenavn + " " + nummer + bokstav, kommunenavn + " " + gnr + "/" + bnr)
    return {
        "adressetype": np.where(veg, "vegadresse", "matrikkeladresse"),
        "adressekode": np.where(veg, (1000 + street_index).astype(str), ""),
        "adressenavn": adressenavn,
        "nummer": nummer,
        "bokstav": bokstav,
        "gardsnummer": gnr,
        "bruksnummer": bnr,
        "adresseTekst": tekst,
        "adresseTekstUtenAdressetilleggsnavn": tekst,
    }


def _street_names(keys: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A name per street key (settlement * 1000 + street): special, the road, or from a pool."""
    combos = [stem + suffix for stem in STREET_STEMS for suffix in STREET_SUFFIXES]
    pool = iter([*FIXED_STREETS, *rng.permutation(combos).tolist()])
    names = []
    for key in keys.tolist():  # one per street, not per address
        settlement, street = divmod(key, 1000)
        names.append(SPECIAL_STREETS.get(street) or SETTLEMENTS[settlement].road or next(pool))
    return np.array(names)


def _bad_rows(
    table: dict[str, np.ndarray], positions: np.ndarray, rng: np.random.Generator
) -> dict[str, np.ndarray]:
    """Copies of the good rows 7 before each position, broken as ``BAD_EDITS`` says."""
    bad = {column: values[positions - 7].astype(object) for column, values in table.items()}
    bad["uuidAdresse"] = uuids(len(positions), rng).astype(object)
    for row, (address_id, edits) in enumerate(BAD_EDITS):
        if address_id is not None:
            bad["lokalid"][row] = bad["adresseId"][row] = str(address_id)
        for column, value in edits.items():
            bad[column][row] = value
    return bad


def _format_number(values: pd.Series | np.ndarray) -> np.ndarray:
    """Numbers with at most 2 decimals and no trailing zeros: 7012345.6, 1000, 0.5."""
    text = np.char.mod("%.2f", np.asarray(values, dtype=float))
    return np.strings.rstrip(np.strings.rstrip(text, "0"), ".")


def _as_text(values: pd.Series) -> np.ndarray:
    """Values as a NumPy string array."""
    return np.asarray(values.astype(str), dtype=str)
