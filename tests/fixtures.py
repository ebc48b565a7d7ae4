"""Small generated fixtures in the real input formats."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import rasterio
from rasterio.transform import from_origin

from pipeline.config import (
    CostSettings,
    FibreSettings,
    NewSiteSettings,
    SatelliteSettings,
    WirelessCostSettings,
)

KARTVERKET_HEADER = (
    "lokalid;kommunenummer;kommunenavn;adressetype;adressetilleggsnavn;adressetilleggsnavnKilde;"
    "adressekode;adressenavn;nummer;bokstav;gardsnummer;bruksnummer;festenummer;undernummer;"
    "adresseTekst;adresseTekstUtenAdressetilleggsnavn;EPSG-kode;Nord;Øst;postnummer;poststed;"
    "grunnkretsnummer;grunnkretsnavn;soknenummer;soknenavn;organisasjonsnummer;tettstednummer;"
    "tettstednavn;valgkretsnummer;valgkretsnavn;oppdateringsdato;datauttaksdato;adresseId;"
    "uuidAdresse;atkomstId;uuidAtkomst;atkomstNord;atkomstØst;sommeratkomstId;uuidSommeratkomst;"
    "sommeratkomstNord;sommeratkomstØst;vinteratkomstId;uuidVinteratkomst;vinteratkomstNord;"
    "vinteratkomstØst"
).split(";")
REALDATA = Path(__file__).resolve().parents[1].parent / "shared" / "realdata"


def address_row(
    address_id: object, knr: object, text: str, east: object, north: object, epsg: object = 25833
) -> dict[str, object]:
    return {
        "lokalid": address_id,
        "kommunenummer": knr,
        "kommunenavn": "TESTVIK",
        "adressetype": "vegadresse",
        "adresseTekst": text,
        "EPSG-kode": epsg,
        "Nord": north,
        "Øst": east,
        "oppdateringsdato": "15.06.2020 17:37:59.123",
        "adresseId": address_id,
    }


def write_matrikkel_csv(
    path: Path,
    rows: Sequence[Mapping[str, object]],
    bom: bool = True,
    crlf: bool = True,
    encoding: str = "utf-8",
) -> Path:
    """Write rows as a Kartverket Matrikkelen Adresse CSV (46 columns, ';')."""
    newline = "\r\n" if crlf else "\n"
    lines = [";".join(KARTVERKET_HEADER)]
    for row in rows:
        lines.append(
            ";".join("" if row.get(c) is None else str(row.get(c)) for c in KARTVERKET_HEADER)
        )
    text = newline.join(lines) + newline
    data = text.encode(encoding)
    if bom and encoding == "utf-8":
        data = b"\xef\xbb\xbf" + data
    path.write_bytes(data)
    return path


DTM_NODATA = -9999.0


def write_dtm(
    path: Path,
    elevation_m: np.ndarray,
    top_left: tuple[float, float],
    cell_m: float = 10.0,
    epsg: int = 25833,
) -> Path:
    """A float32 GeoTIFF DTM with its top-left corner at ``top_left``; NaN → nodata."""
    height, width = elevation_m.shape
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=width,
        height=height,
        count=1,
        dtype="float32",
        crs=f"EPSG:{epsg}",
        transform=from_origin(top_left[0], top_left[1], cell_m, cell_m),
        nodata=DTM_NODATA,
    ) as dst:
        dst.write(np.where(np.isnan(elevation_m), DTM_NODATA, elevation_m).astype("float32"), 1)
    return path


# The prices of the hand-computed cost cases (test_cost, test_rollout, test_rollout_run),
# spelled out so that the hand numbers hold when the defaults move with new sources:
# trench + cable = 500 NOK/m, route factor 1.3 (650 NOK per straight metre), routes capped at
# 20 km; per household 12,500 drop + 2,500 ONT + 5,000 install, no splitters; 6,500 per CPE;
# a new mast 2.5 M + a 0.4 M radio link, 1000/200 Mbit/s to 3 km, for areas of 5 households;
# satellite 4,000 + 700 a month over 10 years.
HAND_COST = CostSettings(
    fibre=FibreSettings(
        trench_nok_per_m=450.0,
        cable_nok_per_m=50.0,
        route_factor=1.3,
        drop_fixed_nok=8_000.0,
        drop_nok_per_m=150.0,
        drop_length_m=30.0,
        ont_nok=2_500.0,
        install_nok=5_000.0,
        splitter_nok=0.0,
        max_route_m=20_000.0,
    ),
    wireless=WirelessCostSettings(cpe_nok=6_500.0),
    new_site=NewSiteSettings(
        mast_nok=2_500_000.0,
        backhaul_nok=400_000.0,
        antenna_height_m=30.0,
        down_mbps=1_000.0,
        up_mbps=200.0,
        max_range_m=3_000.0,
        min_households=5,
    ),
    satellite=SatelliteSettings(
        terminal_nok=4_000.0, subscription_nok_per_month=700.0, period_years=10.0
    ),
)


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value)  # a TOML basic string
    return repr(value)


def cost_toml(cost: CostSettings) -> str:
    """``cost`` as the ``[cost]`` table of a config file, with its sub-tables."""
    top = ["[cost]"]
    subs = []
    for item in dataclasses.fields(cost):
        value = getattr(cost, item.name)
        if dataclasses.is_dataclass(value):
            subs.append(f"[cost.{item.name}]")
            subs += [
                f"{f.name} = {_toml_value(getattr(value, f.name))}"
                for f in dataclasses.fields(value)
            ]
        else:
            top.append(f"{item.name} = {_toml_value(value)}")
    return "\n".join([*top, *subs]) + "\n"
