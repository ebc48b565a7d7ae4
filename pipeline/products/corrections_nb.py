"""The "Korreksjoner" sheet of ``tables/gap_table.xlsx``: the kommune's corrections a run read.

One row per correction in force when the run started (``tables/corrections.csv``'s rows), in
bokmål: what it says, the address, who submitted it and when, on what evidence, whether the run
applied it (and why not), and its address's change in households below the map target.
"""

from __future__ import annotations

from typing import Final

import pandas as pd

from pipeline.config import Config
from pipeline.corrections import CHANGE_PREFIX, OUTCOME_NB
from pipeline.products.columns_nb import ColumnNb, Kind, target_label
from pipeline.products.sheets_nb import Sheet

COLUMNS: Final[dict[str, tuple[str, Kind, str]]] = {
    "correction_id": ("Nr.", "id", "Korreksjonens nummer i registeret."),
    "claim_nb": ("Korreksjon", "text", "Hva kommunen sier er feil."),
    "address_id": ("Adresse-ID", "id", "Adressen korreksjonen gjelder (negativ: ny adresse)."),
    "kommunenummer": ("Kommunenr.", "code", "Kommunen adressen ligger i."),
    "kommunenavn": ("Kommune", "text", "Kommunens navn."),
    "address_text": ("Adresse", "text", "Adressen."),
    "households": ("Husstander", "households", "Husstander på adressen med korreksjonen."),
    "operator": ("Tilbyder", "text", "Tilbyderen korreksjonen gjelder."),
    "submitter": ("Innsendt av", "text", "Hvem som sendte inn korreksjonen."),
    "submitted_on": ("Dato", "text", "Datoen korreksjonen ble sendt inn."),
    "evidence": ("Begrunnelse", "text", "Kommunens begrunnelse."),
    "outcome_nb": ("Brukt", "text", "Om kjøringen brukte korreksjonen, og hvorfor ikke."),
}


def corrections_sheet(corrections: pd.DataFrame, config: Config, title: str) -> Sheet:
    """The sheet of ``corrections`` (:func:`pipeline.corrections_effects.published_uses`), with the
    change in households below the map target last."""
    target = next(t for t in config.targets if t.name == config.classify.map_target)
    change = f"{CHANGE_PREFIX}{target.name}"
    frame = corrections.assign(
        outcome_nb=corrections["outcome"].map(OUTCOME_NB).fillna(corrections["outcome"]),
        submitted_on=pd.to_datetime(corrections["submitted_on"]).dt.strftime("%d.%m.%Y"),
    )
    columns = [ColumnNb(name, *spec) for name, spec in COLUMNS.items()]
    columns.append(
        ColumnNb(
            change,
            f"Endring under mål ({target_label(target)})",
            "count",
            "Husstander under målet på adressen med alle korreksjonene minus uten dem.",
        )
    )
    return Sheet("Korreksjoner", frame, columns, title=title)
