"""The "Scenarier" sheet of ``tables/gap_table.xlsx``: the run against its ``[scenarios]``.

The rows of ``tables/scenarios.csv`` (:func:`pipeline.scenario_tables.comparison`) in bokmål: per
scenario (the run itself first, "Dagens data") and level, the households below each target and
the change against the run, the cost of reaching the cost target, the subsidy need and, for a
budget, what it reaches.
"""

from __future__ import annotations

from typing import Final

import pandas as pd

from pipeline.config import Config
from pipeline.products.columns_nb import ColumnNb, Kind, target_label
from pipeline.products.sheets_nb import Sheet

LEVELS_NB: Final = {"kommune": "Kommune", "fylke": "Fylke", "total": "Nasjonalt"}
FIXED: Final[dict[str, tuple[str, Kind, str]]] = {
    "scenario": (
        "Scenario (kode)",
        "text",
        "Scenarioets navn i konfigurasjonen; base = dagens data.",
    ),
    "scenario_label_nb": ("Scenario", "text", "Hva scenarioet endrer."),
    "level": ("Nivå", "text", "Kommune, Fylke eller Nasjonalt."),
    "fylkesnummer": ("Fylkesnr.", "code", "Fylkesnummeret."),
    "kommunenummer": ("Kommunenr.", "code", "Kommunenummeret."),
    "kommunenavn": ("Navn", "text", "Kommunens eller fylkets navn."),
    "households": ("Husstander (antall)", "count", "Husstander i området."),
    "households_below_cost_target": (
        "Husstander under kostnadsmålet (antall)",
        "count",
        "Husstander som er kostnadsberegnet i scenarioet.",
    ),
    "cost_nok": ("Kostnad (kr)", "nok", "Kostnaden for å nå kostnadsmålet i scenarioet."),
    "cost_change_nok": ("Endring i kostnad (kr)", "nok", "Kostnaden minus dagens."),
    "subsidy_need_nok": ("Støttebehov (kr)", "nok", "Prosjektområdenes støttebehov."),
    "subsidy_need_change_nok": ("Endring i støttebehov (kr)", "nok", "Støttebehovet minus dagens."),
    "budget_nok": ("Budsjett (kr)", "nok", "Budsjettet scenarioet bruker."),
    "budget_households_reached": (
        "Husstander nådd med budsjettet (antall)",
        "count",
        "Husstander i de billigste prosjektområdene per husstand som budsjettet dekker.",
    ),
    "budget_cost_nok": ("Brukt av budsjettet (kr)", "nok", "Kostnaden for de områdene."),
}
PER_TARGET: Final[dict[str, tuple[str, Kind, str]]] = {
    "below_target_households": (
        "Husstander under mål ({t})",
        "count",
        "Husstander under målet {t} i scenarioet.",
    ),
    "below_target_change": (
        "Endring under mål mot dagens data ({t})",
        "count",
        "Husstander under målet {t} i scenarioet minus i dagens data.",
    ),
}


def _column(name: str, config: Config) -> ColumnNb:
    if name in FIXED:
        return ColumnNb(name, *FIXED[name])
    for target in config.targets:
        stem = name.removesuffix(f"_{target.name}")
        if stem != name and stem in PER_TARGET:
            header, kind, definition = PER_TARGET[stem]
            label = target_label(target)
            return ColumnNb(name, header.format(t=label), kind, definition.format(t=label))
    msg = f"scenarios: column {name!r} has no Norwegian header in {__name__}"
    raise ValueError(msg)


def scenarios_sheet(scenarios: pd.DataFrame, config: Config, title: str) -> Sheet:
    """The sheet of ``scenarios`` (every column named in bokmål)."""
    columns = [_column(str(c), config) for c in scenarios.columns]
    return Sheet("Scenarier", scenarios, columns, {"level": LEVELS_NB}, title=title)
