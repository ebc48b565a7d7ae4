"""A hand-made region that exercises every rule of issue 15 at once
(:mod:`tests.e2e.test_run_every_rule`).

One kommune 9901 "Øyane" (3 × 1 km from ``X0, Y0``): the two islands of
:func:`tests.pipeline.rollout.test_ground.two_islands_dtm` (5 m, sea = nodata on [280, 830) m
east), a fibre trunk north–south at 5 m east on the west island, the hand cost model
(:data:`tests.fixtures.HAND_COST`) with the default ``[cost.sea]``. Offers dated 2026-10-01, the
list lacking 100 Mbit/s dated 2026-03-01. Nkom's register (``adr.parquet``) gives every address's
households and holiday homes; Matrikkelen's building points (3 m off each address, linked by the
nearest address) give the businesses and the building types.

========  ===================  =========  ==================================  ===============
 id        where (m from X0,Y0) register   offers / lists / areas              building
========  ===================  =========  ==================================  ===============
 3001      (25, 105)  west      hus 1      in a planned area (2027-06-30)      111 enebolig
 3002      (25, 205)  west      hus 1      in a funded area (2024)             111
 3003      (25, 305)  west      hus 1      hfc 50/5 (upgradable)               111
 3004      (25, 705)  west      hus 1      on the 5G obligation list           111
 3005      (25, 805)  west      hus 1      fwa 50/10 by "Luft Nett" (no site)  111
 3006      (25, 905)  west      hus 1      xdsl 100/10 (copper)                111
 2001      (235, 505) west      hus 1      none (the sea crossing's west end)  111
 2002      (1385, 505) east     hus 1      none (over 550 m of sea)            111
 4001      (2500, 105) east     fritid 1   none                                161 hytte
 4002      (2500, 205) east     0          none                                241 driftsbygning
 4003      (2500, 305) east     0          none                                311 kontor
 4004      (150, 105) west      hus 12     fiber 1000/1000                     142 block, 12
 4005      (150, 155) west      hus 3      fiber 1000/1000                     111 (1 by type)
 4006      (150, 205) west      hus 1      fiber 1000/1000; lacking-100 row    111
========  ===================  =========  ==================================  ===============

One FWA site on file, of another operator ("Fjordnett", at (2900, 905), 100 m range): the claim
of "Luft Nett" must not be judged against it. An address with a fibre offer is a point of the
network that the cost stage may connect to, so the served addresses sit on the west island more
than 230 m from 2001: the sea crossing 2001 → 2002 stays the cheapest way to 2002.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

from pipeline.synthetic.nkom_tables import ADR_SCHEMA, write_parquet
from tests.fixtures import (
    HAND_COST,
    OFFERS_HEADER,
    SITES_HEADER,
    address_row,
    cost_toml,
    polygon_feature,
    region_config_toml,
    write_feature_collection,
    write_fibre_line,
    write_matrikkel_csv,
)
from tests.pipeline.rollout.test_ground import X0, Y0, two_islands_dtm

# address id → (east m, north m from X0, Y0, register households, register holiday homes,
# bygningstype, bruksenheter)
ADDRESSES: dict[int, tuple[float, float, int, int, str, str]] = {
    3001: (25.0, 105.0, 1, 0, "111", ""),
    3002: (25.0, 205.0, 1, 0, "111", ""),
    3003: (25.0, 305.0, 1, 0, "111", ""),
    3004: (25.0, 705.0, 1, 0, "111", ""),
    3005: (25.0, 805.0, 1, 0, "111", ""),
    3006: (25.0, 905.0, 1, 0, "111", ""),
    2001: (235.0, 505.0, 1, 0, "111", ""),
    2002: (1_385.0, 505.0, 1, 0, "111", ""),
    4001: (2_500.0, 105.0, 0, 1, "161", ""),
    4002: (2_500.0, 205.0, 0, 0, "241", ""),
    4003: (2_500.0, 305.0, 0, 0, "311", ""),
    4004: (150.0, 105.0, 12, 0, "142", "12"),
    4005: (150.0, 155.0, 3, 0, "111", ""),
    4006: (150.0, 205.0, 1, 0, "111", ""),
}
OFFERS = [
    "3003,Kabel-TV,hfc,50,5",
    "3005,Luft Nett,fwa,50,10",
    "3006,Kobber,xdsl,100,10",
    "4004,Fjordnett,fiber,1000,1000",
    "4005,Fjordnett,fiber,1000,1000",
    "4006,Fjordnett,fiber,1000,1000",
]
SITES = ["F1,Fjordnett,fwa,{x},{y},25833,30,3500,100,100,20"]
AREA_HALF_SIDE_M = 30.0
CONFIG_EXTRA = """\
sites = "master.csv"
lacking_100 = "mangler100.csv"
planned_areas = "planlagt.geojson"
funded_areas = "tilskudd.geojson"
obligation_5g = "5g_forpliktelse.csv"
nkom_addresses = "adr.parquet"
buildings = "bygninger.gpkg"
offers_date = "2026-10-01"
lacking_100_date = "2026-03-01"
[checks]
min_addresses_with_offer_share = 0.0
[eligibility]
reference_date = "2026-12-01"
[wireless]
technologies = ["fwa"]
"""


def _at(address_id: int) -> tuple[float, float]:
    east, north = ADDRESSES[address_id][:2]
    return X0 + east, Y0 + north


def _write_register(path: Path) -> None:
    ids = list(ADDRESSES)
    households = [ADDRESSES[a][2] for a in ids]
    register = pd.DataFrame(
        {
            "adrid": ids,
            "fylke": "ØYFYLKE",
            "komnavn": "ØYANE",
            "ertett": False,
            "hus": households,
            "pers": [round(h * 2.1) for h in households],
            "fritid": [ADDRESSES[a][3] for a in ids],
        }
    )
    write_parquet(path, register, ADR_SCHEMA)


def _write_buildings(path: Path) -> None:
    ids = list(ADDRESSES)
    frame = pd.DataFrame(
        {
            "bygningsnummer": [str(300_000_000 + i) for i in range(len(ids))],
            "bygningstype": [ADDRESSES[a][4] for a in ids],
            "bygningsstatus": "TB",
            "kommunenummer": "9901",
            "gardsnummer": "",
            "bruksnummer": "",
            "festenummer": "",
            "seksjonsnummer": "",
            "bruksenheter": [ADDRESSES[a][5] for a in ids],
        }
    )
    points = [shapely.Point(x + 3.0, y + 1.5) for x, y in map(_at, ids)]
    gpd.GeoDataFrame(frame, geometry=points, crs=25833).to_file(
        path, driver="GPKG", layer="bygning"
    )


def _square_around(address_id: int) -> tuple[float, float, float, float]:
    x, y = _at(address_id)
    half = AREA_HALF_SIDE_M
    return (x - half, y - half, x + half, y + half)


def _write_lists_and_areas(folder: Path) -> None:
    (folder / "mangler100.csv").write_text(
        "adresseid;adresse\n4006;Øyvegen 4006\n", encoding="utf-8"
    )
    planned = {"navn": "Fiber Sør", "utbygger": "Fjordnett", "build_date": "2027-06-30"}
    write_feature_collection(
        folder / "planlagt.geojson", [polygon_feature(planned, _square_around(3001))]
    )
    funded = {"navn": "Støtteprosjekt Nord", "year": 2024}
    write_feature_collection(
        folder / "tilskudd.geojson", [polygon_feature(funded, _square_around(3002))]
    )
    x, y = _at(3004)
    (folder / "5g_forpliktelse.csv").write_text(
        f"adresseid;adressetekst;kommunenummer;nord;øst;klasse\n3004;Øyvegen 3004;9901;{y};{x};1\n",
        encoding="utf-8",
    )


def write_every_rule_region(folder: Path) -> Path:
    """Write the region of the module docstring into ``folder``; returns the config's path."""
    folder.mkdir(parents=True, exist_ok=True)
    kommune = {"kommunenummer": "9901", "kommunenavn": "Øyane"}
    write_feature_collection(
        folder / "kommuner.geojson", [polygon_feature(kommune, (X0, Y0, X0 + 3_000, Y0 + 1_000))]
    )
    rows = [address_row(a, "9901", f"Øyvegen {a}", *_at(a)) for a in ADDRESSES]
    write_matrikkel_csv(folder / "adresser.csv", rows)
    (folder / "dekning.csv").write_text(
        "\n".join([OFFERS_HEADER, *OFFERS]) + "\n", encoding="utf-8"
    )
    sites = [line.format(x=X0 + 2_900.0, y=Y0 + 905.0) for line in SITES]
    (folder / "master.csv").write_text("\n".join([SITES_HEADER, *sites]) + "\n", encoding="utf-8")
    two_islands_dtm(folder / "terreng.tif")
    write_fibre_line(folder / "fiber.geojson", [(X0 + 5.0, Y0), (X0 + 5.0, Y0 + 1_000)])
    _write_register(folder / "adr.parquet")
    _write_buildings(folder / "bygninger.gpkg")
    _write_lists_and_areas(folder)
    config = folder / "gapmap.toml"
    extra_inputs, rest = CONFIG_EXTRA.split("[checks]", 1)
    config.write_text(
        region_config_toml(extra_inputs + cost_toml(HAND_COST) + "[checks]" + rest),
        encoding="utf-8",
    )
    return config
