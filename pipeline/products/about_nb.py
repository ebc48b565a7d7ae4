"""The "Om tabellen" and "Kolonnenavn" sheets: what a reader must know to cite the tables.

"Om tabellen": the run and code version, the targets with where each comes from, the floor, the
cost target, how figures are rounded, and one row per input file: the layer's name, the file's
name (never a server path), the data's date (the vintage the layer records; else the file's
modification date, said so) and its licence with the attribution it asks for.

Licences, as their owners state them (checked December 2026):

- Kartverket: "Kartverkets gratisprodukter lisensieres etter Creative Commons Navngivelse 4.0
  international (CC BY 4.0)", attribution "© Kartverket"
  (https://www.kartverket.no/api-og-data/vilkar-for-bruk);
- Nkom: "Ved offentlig bruk av informasjon som er hentet fra dette nettstedet skal alltid Nkom
  oppgis som kilde" (https://nkom.no/statistikk/om-statistikken);
- SSB (the population grid): free reuse naming the source, "Kilde: Statistisk sentralbyrå"
  (https://www.ssb.no/a/include/copyright.html), published as open data (CC BY 4.0);
- the operators' own data (sites, fibre, offers delivered directly): "etter avtale".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Final

import pandas as pd

from pipeline.config import Config
from pipeline.products.columns_nb import ColumnNb, target_label

KARTVERKET: Final = (
    "Kartverket, CC BY 4.0; oppgi «© Kartverket» (kartverket.no/api-og-data/vilkar-for-bruk)"
)
NKOM: Final = "Nkom; ved offentlig bruk skal Nkom oppgis som kilde (nkom.no/statistikk)"
SSB: Final = "Statistisk sentralbyrå, CC BY 4.0; oppgi «Kilde: Statistisk sentralbyrå»"
BY_AGREEMENT: Final = "Tilbyderne; bruk etter avtale med eieren av dataene"
OWN: Final = "Oppsettet for kjøringen (egne forutsetninger)"

# input key (config [inputs]) → (the layer's name, licence and attribution)
LAYERS: Final[dict[str, tuple[str, str]]] = {
    "kommuner": ("Kommunegrenser", KARTVERKET),
    "fylker": ("Fylkesnavn", KARTVERKET),
    "addresses": ("Adresser (Matrikkelen)", KARTVERKET),
    "dtm": ("Terrengmodell (DTM)", KARTVERKET),
    "roads": ("Vegnett", KARTVERKET),
    "population": ("Befolkning på rutenett", SSB),
    "offers": ("Bredbåndstilbud per adresse", f"{NKOM}; tilbydernes egne leveranser etter avtale"),
    "speed_squares": ("Nkoms hastighetsruter (100 m)", NKOM),
    "lacking_30": ("Nkoms liste: adresser uten 30 Mbit/s", NKOM),
    "lacking_100": ("Nkoms liste: adresser uten 100 Mbit/s", NKOM),
    "sites": ("Master", BY_AGREEMENT),
    "fibre": ("Fibernett", BY_AGREEMENT),
    "planned_areas": ("Planlagte utbyggingsområder", "Fylkeskommunen/tilbyderne, etter avtale"),
    "funded_areas": ("Områder med tilskudd", "Fylkeskommunen/Nkom, etter avtale"),
    "kommune_cost_factors": ("Kostnadsfaktorer per kommune", OWN),
}

# Targets, floor, upload and copper (issue 15): each target carries its wording and source
# (pipeline/config_schema.py DEFAULT_TARGETS); the floor's, the upload policy's and the copper
# switch's texts are here.
FLOOR_DOWN_SOURCE: Final = (
    "{down} Mbit/s ned er første klasse i de nasjonale retningslinjene for bredbåndsstøtten "
    "(«mangler tilbud om 30 Mbit/s»)"
)
ASSUMPTION: Final = "en forutsetning i oppsettet for kjøringen, uten kilde"
UNKNOWN_UPLOAD_NB: Final = {
    "fails": "regnes som under kravet (et tilbud må oppgi opplasting for å nå et opplastingskrav)",
    "meets": "regnes som over kravet (som Nkoms hastighetsklasser, som gjelder nedlasting)",
}

ROUNDING: Final = (
    "Kroner og husstander vises som hele tall med tusenskille, andeler i prosent med én "
    "desimal; cellene har full presisjon. Husstander er alltid hele tall; i «dyreste %»-"
    "kolonnene er andelen av husstandene avrundet opp til hele husstander."
)

COLUMNS_NOTE: Final = (
    "Hver kolonnes norske overskrift, maskinnavn (som i gap_table.csv) og definisjon står på "
    "arket «Kolonnenavn». Nivå: Kommune, Fylke (summen av fylkets kommuner) eller Nasjonalt."
)


def _data_date(layer: str, source: Mapping[str, Any], metadata: Mapping[str, Any]) -> str:
    """The layer's own vintage when it records one, else the file's modification date."""
    vintages = metadata.get(layer.split("/")[0], {})
    taken, updated = vintages.get("datauttaksdato"), vintages.get("latest_oppdateringsdato")
    if taken or updated:
        parts = [f"datauttak {str(taken)[:10]}" if taken else ""]
        parts.append(f"sist oppdatert {str(updated)[:10]}" if updated else "")
        return ", ".join(p for p in parts if p)
    modified = str(source.get("modified", ""))[:10]
    return f"filens endringsdato {modified} (dataene har ingen dato)" if modified else "ukjent"


def source_rows(
    checksums: Mapping[str, Mapping[str, Any]], metadata: Mapping[str, Any]
) -> list[tuple[str, str]]:
    """One row per input file: "Kilde: <layer>" → "file; date; licence; sha256"."""
    rows = []
    for key, source in checksums.items():
        name, licence = LAYERS.get(key.split("/")[0], (key, BY_AGREEMENT))
        file_name = Path(str(source.get("path", "?"))).name
        date = _data_date(key, source, metadata)
        digest = str(source.get("sha256", ""))
        rows.append(
            (f"Kilde: {name}", f"Fil {file_name}; data: {date}; {licence}; SHA-256 {digest}")
        )
    if not rows:
        rows.append(("Kilder", "Kildefilene er ikke registrert for denne kjøringen"))
    return rows


def about_rows(
    config: Config,
    run_id: str,
    code_version: str,
    checksums: Mapping[str, Mapping[str, Any]],
    metadata: Mapping[str, Any],
) -> pd.DataFrame:
    """The "Om tabellen" sheet: field and value, one row each."""
    rows = [
        ("Tabell", "Dekningsgap for bredbånd per kommune, fylke og nasjonalt (gapmap)"),
        ("Kjøring", run_id),
        ("Kodeversjon", code_version),
    ]
    for t in config.targets:
        up = f", opp ≥ {t.up_mbps:g} Mbit/s" if t.up_mbps is not None else ""
        quoted = f"«{t.wording_nb}» " if t.wording_nb else ""
        origin = f"{quoted}({t.source})" if t.source else "Mål satt i oppsettet for kjøringen"
        rows.append((f"Mål: {target_label(t)}", f"ned ≥ {t.down_mbps:g} Mbit/s{up}. {origin}"))
    rows += floor_rows(config)
    cost_target = next((t for t in config.targets if t.name == config.cost.target), None)
    rows.append(
        (
            "Kostnadsmål",
            f"{target_label(cost_target) if cost_target else config.cost.target}: kostnadene "
            "gjelder husstander under dette målet",
        )
    )
    rows.append(("Husstander", households_basis_nb(config)))  # pipeline/premises.py
    rows.append(("Avrunding", ROUNDING))
    rows.append(("Kolonner", COLUMNS_NOTE))
    rows += source_rows(checksums, metadata)
    return pd.DataFrame(rows, columns=["Felt", "Verdi"])


def floor_rows(config: Config) -> list[tuple[str, str]]:
    """The floor with its source or "assumption", how an unknown upload is judged and
    whether copper counts."""
    settings = config.classify
    floor = f"{settings.floor_down_mbps:g}/{settings.floor_up_mbps:g} Mbit/s"
    down = (
        FLOOR_DOWN_SOURCE.format(down=f"{settings.floor_down_mbps:g}")
        if settings.floor_down_mbps == 30.0
        else f"{settings.floor_down_mbps:g} Mbit/s ned er {ASSUMPTION}"
    )
    up = f"; opp ≥ {settings.floor_up_mbps:g} Mbit/s er {ASSUMPTION}"
    up = up if settings.floor_up_mbps > 0 else "; ingen krav til opplasting"
    copper = "telles som dekning" if settings.count_copper else "telles ikke som dekning"
    return [
        ("Grunnkrav", f"{floor}: under dette er en husstand udekket. {down}{up}"),
        (
            "Ukjent opplasting",
            "Tilbud uten oppgitt opplasting (Nkoms hastighetsruter) "
            + UNKNOWN_UPLOAD_NB[settings.unknown_upload],
        ),
        (
            "Kobber (xDSL)",
            f"Kobbernettet {copper}; kolonnene «uten kobber» viser husstander under målet "
            "om kobbernettet er slått av (Telenor legger ned kobbernettet)",
        ),
    ]


def households_basis_nb(config: Config) -> str:
    """Where the households come from, in the words of :data:`pipeline.premises.BASIS_NB`."""
    if config.inputs.buildings is None:
        return "husstander = adresser: hver adresse er talt som husstand(er) uten bygningsdata"
    return (
        "husstander fra bygningspunkter (Matrikkelen): hytter, garasjer og næringsbygg er skilt ut"
    )


def column_rows(columns: Sequence[ColumnNb]) -> pd.DataFrame:
    """The "Kolonnenavn" sheet: Norwegian header → machine name (CSV) → definition."""
    return pd.DataFrame(
        {
            "Kolonne": [c.header for c in columns],
            "Maskinnavn (CSV)": [c.name for c in columns],
            "Definisjon": [c.definition for c in columns],
        }
    )
