"""Small generated fixtures in the real input formats."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import rasterio
from rasterio.transform import from_origin

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
