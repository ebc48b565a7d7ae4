"""The figures of a kommune brief, as rows of Norwegian text (not yet HTML-escaped).

Every function takes published tables (the gap table's rows, ``changes_summary.csv``,
``gap_reasons.csv``, ``trend.csv``, the project areas, the manifest) and returns rows of
strings formatted by :mod:`layers.numbers_nb`; :mod:`maps.brief` escapes and lays them out.
Households are whole numbers; shares are of households:

.. math:: \\text{andel dekket}_t = \\text{served\\_households}_t / \\text{households}
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Final

import numpy as np
import pandas as pd

from layers.numbers_nb import (
    MONTHS_NB,
    OSLO,
    TEXT_MISSING,
    format_int_nb,
    format_mnok,
    format_nok,
    format_percent_nb,
    format_timestamp_nb,
    is_missing,
)
from maps.style import CLASS_BY_CODE, CLASS_ORDER, TargetSpec

Row = Mapping[str, Any]
MINUS: Final = "\u2212"  # the typographic minus of a negative change
INPUT_LABELS_NB: Final[dict[str, str]] = {
    "kommuner": "Kommunegrenser",
    "fylker": "Fylkesnavn",
    "addresses": "Adresser (Matrikkelen)",
    "offers": "Bredbåndstilbud per adresse",
    "dtm": "Terrengmodell (DTM)",
    "sites": "Master",
    "fibre": "Eksisterende fiber",
    "roads": "Veger",
    "speed_squares": "Nkom-ruter (100 m)",
    "lacking_30": "Nkom: adresser som mangler 30 Mbit/s",
    "lacking_100": "Nkom: adresser som mangler 100 Mbit/s",
    "planned_areas": "Planlagte utbygginger",
    "funded_areas": "Områder med tildelt støtte",
    "kommune_cost_factors": "Kostnadsfaktor per kommune",
}


def format_date_nb(value: object) -> str:
    """An ISO time as a Norwegian date, in Norwegian time: ``"2025-01-02T05:31:12"`` →
    ``"2. januar 2025"``; a text that is not an ISO time is returned unchanged."""
    if is_missing(value):
        return TEXT_MISSING
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    local = moment.astimezone(OSLO)
    return f"{local.day}. {MONTHS_NB[local.month - 1]} {local.year}"


def format_change_nb(value: object) -> str:
    """A change in whole households with its sign: ``+12``, ``−5``, ``0``."""
    if is_missing(value):
        return TEXT_MISSING
    number = round(float(str(value)))
    sign = "+" if number > 0 else MINUS if number < 0 else ""
    return sign + format_int_nb(abs(number))


def served_share(row: Row | None, target: str) -> float | None:
    """Served households over households of a gap-table row (None without households)."""
    if row is None:
        return None
    households, served = row.get("households"), row.get(f"served_households_{target}")
    if is_missing(households) or is_missing(served) or not float(str(households)) > 0:
        return None
    return float(str(served)) / float(str(households))


def _cells(rows: Sequence[Row | None], column: str, form: Any) -> list[str]:
    return [TEXT_MISSING if row is None else form(row.get(column)) for row in rows]


def _mill_kr(value: object) -> str:
    return TEXT_MISSING if is_missing(value) else f"{format_mnok(float(str(value)))} mill. kr"


def key_figure_rows(
    rows: Sequence[Row | None], targets: Sequence[TargetSpec], headline: Sequence[TargetSpec]
) -> list[list[str]]:
    """The key figures, one list per line: a label, then one cell per gap-table row (kommune,
    fylke, total; None where the publication has no such row).

    Lines: households; the share served for each target; unserved and underserved households
    for each ``headline`` target (the map target and the cost target); households below the
    cost target, the cost of reaching them, per household, and the subsidy need.
    """
    lines = [["Husstander", *_cells(rows, "households", format_int_nb)]]
    for target in targets:
        shares = [format_percent_nb(served_share(row, target.name)) for row in rows]
        lines.append([f"Andel dekket, {target.label_nb}", *shares])
    for target in headline:
        for code in ("unserved", "underserved"):
            label = f"{CLASS_BY_CODE[code].label_nb}, {target.label_nb}"
            column = f"{code}_households_{target.name}"
            lines.append([label, *_cells(rows, column, format_int_nb)])
    lines += [
        [
            "Husstander under kostnadsmålet",
            *_cells(rows, "households_below_cost_target", format_int_nb),
        ],
        ["Kostnad for å nå dem", *_cells(rows, "cost_nok", _mill_kr)],
        ["Kostnad per husstand", *_cells(rows, "cost_per_household_nok", format_nok)],
        ["Støttebehov (prosjektområder)", *_cells(rows, "subsidy_need_nok", _mill_kr)],
    ]
    return lines


def change_rows(
    changes: pd.DataFrame | None, kommunenummer: str, headline: Sequence[TargetSpec]
) -> tuple[list[list[str]], str | None]:
    """The kommune's change per class since the previous run, one line per (target, class):
    target label, class, households before, after and the change; and the previous run named
    (``"kjøring r1 (1. november 2026)"``). No lines without a previous run."""
    if changes is None or changes.empty:
        return [], None
    mine = changes[(changes["level"] == "kommune") & (changes["kommunenummer"] == kommunenummer)]
    lines = []
    for target in headline:
        of_target = mine[mine["target"] == target.name].set_index("class")
        for code in CLASS_ORDER:
            if code not in of_target.index:
                continue
            row = of_target.loc[code].to_dict()
            lines.append(
                [
                    target.label_nb,
                    CLASS_BY_CODE[code].label_nb,
                    format_int_nb(float(row["households_before"])),
                    format_int_nb(float(row["households_after"])),
                    format_change_nb(row["households_change"]),
                ]
            )
    if not lines:
        return [], None
    first = mine.iloc[0]
    previous = (
        f"kjøring {first['previous_run_id']} ({format_date_nb(first['previous_started_at'])})"
    )
    return lines, previous


def _kommune_columns(
    table: pd.DataFrame, kommunenummer: str, columns: Sequence[str], **equal: str
) -> list[np.ndarray]:
    """``columns`` of ``table``'s kommune-level rows of ``kommunenummer`` (and where each
    column named in ``equal`` has that value), in row order, as arrays: a brief reads a few
    rows of one kommune, where a pandas filter's fixed cost is most of the work."""
    keep = (table["level"].to_numpy() == "kommune") & (
        table["kommunenummer"].to_numpy() == kommunenummer
    )
    for column, value in equal.items():
        keep &= table[column].to_numpy() == value
    return [table[column].to_numpy()[keep] for column in columns]


def top_reason_rows(
    reasons: pd.DataFrame | None, kommunenummer: str, target: str, top: int = 5
) -> list[list[str]]:
    """The reasons with the most households below ``target`` in the kommune, largest first
    (ties by reason; missing counts last): the reason in bokmål, its households and their
    share of the kommune's households below."""
    if reasons is None or reasons.empty:
        return []
    columns = ("households", "reason", "reason_nb")
    households, reason, reason_nb = _kommune_columns(reasons, kommunenummer, columns, target=target)
    counts = households.astype("float64")
    total = float(np.nansum(counts))
    order = sorted(
        range(len(counts)),
        key=lambda i: (bool(np.isnan(counts[i])), -counts[i], pd.isna(reason[i]), str(reason[i])),
    )
    return [
        [
            str(reason_nb[i]),
            format_int_nb(households[i]),
            format_percent_nb(float(households[i]) / total if total > 0 else None),
        ]
        for i in order[:top]
    ]


def trend_rows(
    trend: pd.DataFrame | None, kommunenummer: str, headline: Sequence[TargetSpec], last: int = 6
) -> list[list[str]]:
    """The kommune's share served per headline target over its ``last`` runs, oldest first:
    the run's date (with its time when two runs shown share a date), then one share per
    target (a dash where the run lacks the target).

    A run is a (``started_at``, ``run_id``) pair with at least one share; a target's share is
    its first non-missing one in that run (as ``pivot_table(aggfunc="first")`` would give, at
    a fraction of its cost on a kommune's few rows)."""
    if trend is None or trend.empty:
        return []
    columns = ("started_at", "run_id", "target", "served_share")
    runs: dict[tuple[str, str], dict[str, float]] = {}
    for started_at, run_id, target, share in zip(
        *_kommune_columns(trend, kommunenummer, columns), strict=True
    ):
        if not any(pd.isna(value) for value in (started_at, run_id, target, share)):
            runs.setdefault((started_at, run_id), {}).setdefault(target, share)
    shown = sorted(runs)[-last:]
    labels = [format_date_nb(started_at) for started_at, _ in shown]
    if len(set(labels)) < len(labels):  # runs of one day: told apart by their time
        labels = [format_timestamp_nb(str(started_at)) for started_at, _ in shown]
    return [
        [label, *[format_percent_nb(runs[key].get(t.name)) for t in headline]]
        for label, key in zip(labels, shown, strict=True)
    ]


def subsidy_figures(areas: pd.DataFrame | None, kommunenummer: str) -> list[list[str]]:
    """What the run says of subsidy today, from the kommune's project areas: the areas, their
    households, the households in areas with a subsidy need (> 0 kr), the need and the need
    per household there.

    .. math:: \\text{støttebehov} = \\sum_a \\max(0, \\text{cost}_a - n_a \\cdot v)
    """
    if areas is None:
        return []
    mine = areas[areas["kommunenummer"] == kommunenummer]
    needing = mine[mine["subsidy_need_nok"] > 0]
    need_nok = float(needing["subsidy_need_nok"].sum())
    households_needing = float(needing["households"].sum())
    per_household = need_nok / households_needing if households_needing > 0 else None
    return [
        ["Prosjektområder", format_int_nb(len(mine))],
        ["Husstander i prosjektområdene", format_int_nb(mine["households"].sum())],
        ["Husstander i områder med støttebehov", format_int_nb(households_needing)],
        ["Støttebehov", _mill_kr(need_nok)],
        ["Støttebehov per husstand (der det er behov)", format_nok(per_household)],
    ]


def source_rows(manifest: Mapping[str, Any]) -> list[list[str]]:
    """Each input of the run: its label in bokmål, its file name and its data date (the file's
    time, and for the addresses the register's latest update and extract date)."""
    lines = []
    metadata = manifest.get("input_metadata") or {}
    for key, record in (manifest.get("inputs") or {}).items():
        path = str(record.get("path", "")) if isinstance(record, Mapping) else str(record)
        name = path.replace("\\", "/").rsplit("/", 1)[-1]
        date = (
            f"fil datert {format_date_nb(record.get('modified'))}"
            if isinstance(record, Mapping)
            else ""
        )
        extra = metadata.get(key) if isinstance(metadata, Mapping) else None
        if isinstance(extra, Mapping) and extra.get("latest_oppdateringsdato"):
            date = (
                f"oppdatert til {format_date_nb(extra.get('latest_oppdateringsdato'))},"
                f" uttak {format_date_nb(extra.get('datauttaksdato'))}"
            )
        lines.append([INPUT_LABELS_NB.get(str(key), str(key)), name, date])
    return lines


def scenario_rows(
    scenarios: pd.DataFrame | None, kommunenummer: str, target: str
) -> list[list[str]]:
    """The kommune's "what if" rows (``tables/scenarios.csv``), the run first: the scenario in
    words, its households below ``target``, the change against the run, and the cost of
    reaching the cost target (mill. kr); a budget's row says what it reaches."""
    if scenarios is None or scenarios.empty:
        return []
    columns = (
        "scenario_label_nb",
        f"below_target_households_{target}",
        f"below_target_change_{target}",
        "cost_nok",
        "budget_households_reached",
    )
    present = [c if c in scenarios.columns else "scenario" for c in columns]
    label, below, change, cost, reached = _kommune_columns(scenarios, kommunenummer, present)
    rows = []
    for i in range(len(label)):
        text = str(label[i])
        if "budget_households_reached" in scenarios.columns and not is_missing(reached[i]):
            text += f" (når {format_int_nb(float(str(reached[i])))} husstander)"
        rows.append(
            [
                text,
                format_int_nb(below[i]),
                format_change_nb(change[i]) if i else "",
                _mill_kr(cost[i]),
            ]
        )
    return rows
