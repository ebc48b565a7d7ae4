"""Small generated fixtures in the real input formats."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

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
