"""The challenge export: per operator, the claims of its coverage that a kommune disputes.

Two kinds of evidence, one row per claim:

- ``terreng`` (terrain): the operator's FWA offers that its own FWA sites cannot back (the
  FWA challenge list, :func:`pipeline.products.tables.fwa_challenge_list`: blocked by the
  terrain, out of range, or no site registered), with the site, the obstruction and the rule;
- ``korreksjon`` (correction): the kommune's corrections against the operator's data that the
  run applied (:mod:`pipeline.corrections`: no service in reality, the offer is not available,
  an offer is missing), with the correction's number, submitter, date and evidence.

Written to ``tables/challenges.csv`` (every operator, English column names, for tools) and, per
operator, ``tables/utfordringer/<operator>.csv`` (Norwegian Excel: ``;``, BOM, decimal comma)
and ``.xlsx`` (the claims, then "Om listen": the run, what each claim means): what a kommune
sends to the operator and to Nkom. An operator is one name as the FWA claims match them (case
and spaces ignored, ``[operators] aliases`` followed); its file is named from its first name.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from pathlib import Path
from typing import Final

import pandas as pd

from layers.corrections import CLAIMS, OPERATOR_CLAIMS
from pipeline.changes import TECHNOLOGY_NB
from pipeline.config_operators import operator_keys
from pipeline.products.columns_nb import ColumnNb, Kind
from pipeline.products.sheets_nb import Sheet, write_csv_nb, write_workbook
from pipeline.products.tables import write_csv

FOLDER: Final = "utfordringer"  # tables/utfordringer/<operator>.csv, .xlsx
COLUMNS: Final[dict[str, tuple[str, Kind]]] = {
    "address_id": ("Adresse-ID", "id"),
    "kommunenummer": ("Kommunenr.", "code"),
    "kommunenavn": ("Kommune", "text"),
    "address_text": ("Adresse", "text"),
    "households": ("Husstander", "households"),
    "north_m": ("Nord (EPSG:25833, m)", "mbps"),
    "east_m": ("Øst (EPSG:25833, m)", "mbps"),
    "operator": ("Tilbyder", "text"),
    "technology": ("Teknologi", "text"),
    "down_mbps": ("Oppgitt ned (Mbit/s)", "mbps"),
    "up_mbps": ("Oppgitt opp (Mbit/s)", "mbps"),
    "claim": ("Påstand", "text"),
    "evidence_kind": ("Grunnlag", "text"),
    "evidence": ("Begrunnelse", "text"),
    "correction_id": ("Korreksjon nr.", "id"),
    "submitter": ("Innsendt av", "text"),
    "submitted_on": ("Dato", "text"),
}
TERRAIN_CLAIM_NB: Final = "FWA-tilbudet kan ikke nås fra tilbyderens egne master"
EVIDENCE_NB: Final = {"terrain": "terreng", "correction": "korreksjon"}
ABOUT: Final = (
    ("Påstand", "Hva kommunen mener er feil i tilbyderens dekningsdata for adressen."),
    (
        "Grunnlag: terreng",
        "Tilbyderens FWA-tilbud, prøvd mot tilbyderens egne FWA-master i mastelisten: terrenget"
        " skjærer siktlinjen, ingen mast er innen rekkevidde, eller ingen mast er registrert."
        " Begrunnelsen nevner masten, hindringen og regelen for fri sikt.",
    ),
    (
        "Grunnlag: korreksjon",
        "Kommunens egen korreksjon (befaring, henvendelse, kontrakt), med nummer, innsender og"
        " dato; gapmap har brukt den i denne kjøringen.",
    ),
    ("Posisjon", "Nord og øst i EUREF89 UTM sone 33 (EPSG:25833), meter."),
)


def _terrain_rows(fwa_challenge: pd.DataFrame) -> pd.DataFrame:
    """The FWA challenge list's rows as challenge rows (evidence: terrain)."""
    site = fwa_challenge["fwa_site_id"].astype("string").fillna("ingen")
    evidence = (
        fwa_challenge["claim_status_nb"].astype("string")
        + "; nærmeste egne FWA-mast: "
        + site
        + "; "
        + fwa_challenge["clearance_rule"].astype("string")
    )
    return pd.DataFrame(
        {
            "address_id": fwa_challenge["address_id"].astype("Int64"),
            "operator": fwa_challenge["claimed_operator"].astype("string"),
            "technology": "fwa",
            "down_mbps": fwa_challenge["claimed_down_mbps"],
            "up_mbps": fwa_challenge["claimed_up_mbps"],
            "claim": TERRAIN_CLAIM_NB,
            "evidence_kind": "terrain",
            "evidence": evidence,
            "correction_id": pd.array([pd.NA] * len(fwa_challenge), dtype="Int64"),
            "submitter": pd.NA,
            "submitted_on": pd.NA,
        }
    )


def _correction_rows(uses: pd.DataFrame) -> pd.DataFrame:
    """The applied corrections against an operator's data as challenge rows."""
    chosen = uses.loc[
        uses["applied"].astype(bool)
        & uses["claim"].isin(OPERATOR_CLAIMS)
        & uses["operator"].notna()
    ]
    return pd.DataFrame(
        {
            "address_id": chosen["address_id"].astype("Int64"),
            "operator": chosen["operator"].astype("string"),
            "technology": chosen["technology"].astype("string"),
            "down_mbps": chosen.get("down_mbps", pd.Series(index=chosen.index, dtype=float)),
            "up_mbps": chosen.get("up_mbps", pd.Series(index=chosen.index, dtype=float)),
            "claim": chosen["claim"].map(CLAIMS),
            "evidence_kind": "correction",
            "evidence": chosen["evidence"].astype("string"),
            "correction_id": chosen["correction_id"].astype("Int64"),
            "submitter": chosen["submitter"].astype("string"),
            "submitted_on": pd.to_datetime(chosen["submitted_on"]).dt.strftime("%d.%m.%Y"),
        }
    )


def challenge_rows(
    fwa_challenge: pd.DataFrame, uses: pd.DataFrame | None, results: pd.DataFrame
) -> pd.DataFrame:
    """Every challenge of the run (:data:`COLUMNS`), by kommune, address and operator."""
    parts = [_terrain_rows(fwa_challenge)]
    if uses is not None and len(uses):
        parts.append(_correction_rows(uses))
    filled = [p for p in parts if len(p)]
    rows = pd.concat(filled, ignore_index=True) if filled else parts[0]
    where = results[["address_id", "kommunenummer", "kommunenavn", "address_text", "households"]]
    where = where.assign(north_m=results["y_m"], east_m=results["x_m"])
    where = where.drop_duplicates("address_id").astype({"address_id": "Int64"})
    table = rows.merge(where, on="address_id", how="left")
    return table[list(COLUMNS)].sort_values(
        ["operator", "kommunenummer", "address_id", "evidence_kind"],
        kind="stable",
        ignore_index=True,
    )


def file_stem(operator: str) -> str:
    """A file name for an operator: ASCII letters, digits and ``-`` ("Telenor Norge AS" →
    ``telenor-norge-as``; "Ørsta Kabel-TV" → ``orsta-kabel-tv``)."""
    text = operator.lower().replace("æ", "ae").replace("ø", "o").replace("å", "a")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-") or "tilbyder"


def _by_operator(rows: pd.DataFrame, aliases: Mapping[str, str]) -> dict[str, pd.DataFrame]:
    """The rows per operator, keyed by a unique file stem."""
    keys = operator_keys(rows["operator"].astype("object"), aliases)
    groups: dict[str, pd.DataFrame] = {}
    for key in sorted(keys.unique()):
        group = rows.loc[(keys == key).to_numpy()].reset_index(drop=True)
        stem = file_stem(str(group["operator"].iloc[0]))
        unique, n = stem, 2
        while unique in groups:
            unique, n = f"{stem}-{n}", n + 1
        groups[unique] = group
    return groups


def _about(operator: str, run_id: str) -> pd.DataFrame:
    rows = [("Tilbyder", operator), ("Kjøring", run_id), *ABOUT]
    return pd.DataFrame(rows, columns=["Felt", "Verdi"])


def write_challenges(
    folder: Path, rows: pd.DataFrame, aliases: Mapping[str, str], run_id: str
) -> dict[str, object]:
    """``tables/challenges.csv`` and one CSV and XLSX per operator in
    ``tables/utfordringer/``; returns the files written (relative to ``folder``)."""
    tables = folder / "tables"
    target = tables / FOLDER
    target.mkdir(parents=True, exist_ok=True)
    machine = write_csv(rows, tables / "challenges.csv")
    columns = [ColumnNb(name, header, kind, "") for name, (header, kind) in COLUMNS.items()]
    values = {"evidence_kind": EVIDENCE_NB, "technology": TECHNOLOGY_NB}
    per_operator = {}
    for stem, group in _by_operator(rows, aliases).items():
        operator = str(group["operator"].iloc[0])
        title = f"Utfordring av dekningsdata: {operator} (gapmap, kjøring {run_id})"
        csv = write_csv_nb(target / f"{stem}.csv", group, columns, values)
        about = _about(operator, run_id)
        about_columns = [ColumnNb(c, c, "text", "") for c in about.columns]
        sheets = [
            Sheet("Utfordringer", group, columns, values, title=title),
            Sheet("Om listen", about, about_columns, wrap=True, widths={"Verdi": 90.0}),
        ]
        xlsx = write_workbook(target / f"{stem}.xlsx", sheets)
        per_operator[operator] = {
            "csv": str(csv.relative_to(folder)),
            "xlsx": str(xlsx.relative_to(folder)),
            "rows": len(group),
        }
    return {"challenges": str(machine.relative_to(folder)), "challenges_per_operator": per_operator}
