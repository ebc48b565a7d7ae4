"""The target switch of a kommune map: the legend with a radio list of the run's targets, and
the info panel's figures, one block per target of which only the chosen one shows.

Every block carries ``data-gapmap-target="<name>"``; the address layer's ``setTarget``
(:mod:`maps.address_script`) shows the chosen target's blocks, hides the others and recolours
the addresses. Every number is formatted here in Python (:mod:`layers.numbers_nb`), so a
figure always sits under a heading that names its target ("Dekning mot …").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from layers.numbers_nb import format_int_nb, format_nok, format_percent_nb
from maps import style
from maps.style import TargetSpec

COST_TARGET_KEY = "cost_target"  # run_info key naming the target the costs are computed for


def cost_target_label(targets: Sequence[TargetSpec], run_info: Mapping[str, str]) -> str | None:
    """The label of the run's cost target (``run_info["cost_target"]``, a target name), or None
    when the run does not say. A name that is no target of the run is returned as it is."""
    name = run_info.get(COST_TARGET_KEY)
    if not name:
        return None
    return next((t.label_nb for t in targets if t.name == name), str(name))


def _block(target: TargetSpec, map_target: TargetSpec, inner: str, tag: str = "div") -> str:
    hidden = "" if target.name == map_target.name else " hidden"
    name = style.escape(target.name)
    return f'<{tag} data-gapmap-target="{name}"{hidden}>{inner}</{tag}>'


def class_meaning_nb(target: TargetSpec) -> str:
    """What the classes mean for ``target`` (the legend's note; unescaped)."""
    return (
        f"Dekket: tilbud på minst {target.speed_label_nb}. Underdekket: bredbånd, men under "
        f"{target.speed_label_nb}. Udekket: under grunnivået eller uten tilbud. Derfor er "
        "tallene ulike fra mål til mål."
    )


def _switch_html(targets: Sequence[TargetSpec], map_target: TargetSpec) -> str:
    radios = "".join(
        f'<label><input type="radio" name="gapmap-target" value="{style.escape(t.name)}"'
        f"{' checked' if t.name == map_target.name else ''}> {style.escape(t.label_nb)}</label>"
        for t in targets
    )
    legend = "<legend>Vis dekning mot</legend>"
    return f'<fieldset class="gapmap-legend-target">{legend}{radios}</fieldset>'


def target_legend_html(
    targets: Sequence[TargetSpec],
    map_target: TargetSpec,
    households_by_target: Mapping[str, Mapping[str, int]],
) -> str:
    """The legend: the target switch (radio list; none with one target), then per target a
    block "Dekning mot …" with each class's colour and households, and what the classes mean
    for that target; the bins' symbol explained."""
    parts = [_switch_html(targets, map_target)] if len(targets) > 1 else []
    for target in targets:
        counts = households_by_target.get(target.name, {})
        rows = "".join(
            f'<div><span class="gapmap-swatch" style="background:{c.color}"></span>'
            f"<b>{style.escape(c.label_nb)}</b>: "
            f'<span data-gapmap-class="{c.code}">'
            f"{style.escape(style.households_nb(counts.get(c.code, 0)))}</span></div>"
            for c in style.CLASS_STYLES
        )
        note = f'<div class="gapmap-legend-note">{style.escape(class_meaning_nb(target))}</div>'
        heading = f"<h4>Dekning mot {style.escape(target.label_nb)}</h4>"
        parts.append(_block(target, map_target, heading + rows + note))
    parts.append(
        '<div class="gapmap-legend-note">Ringene: husstander i området, fargene viser '
        "fordelingen på klassene. Klikk for å zoome inn; enkeltadresser vises nær.</div>"
    )
    return "".join(parts)


def target_heading_html(targets: Sequence[TargetSpec], map_target: TargetSpec) -> str:
    """The info panel's line that says which target its figures are for, per target."""
    return "".join(
        _block(t, map_target, f"Bredbåndsdekning mot {style.escape(t.label_nb)}") for t in targets
    )


def _figure_rows(
    row: Mapping[Any, Any], target: TargetSpec, cost_label: str | None
) -> list[tuple[str, str, str]]:
    """(label, value, swatch colour) of the kommune's figures for ``target``."""
    t = target.name
    rows = [("Husstander", format_int_nb(row.get("households")), "")]
    for class_style in style.CLASS_STYLES:
        value = row.get(f"{class_style.code}_households_{t}")
        rows.append((class_style.label_nb, format_int_nb(value), class_style.color))
    rows.append(
        (
            f"Andel under {target.speed_label_nb}",
            format_percent_nb(row.get(f"below_target_share_{t}")),
            "",
        )
    )
    cost_for = f"til {cost_label}" if cost_label else "(til kostnadsmålet)"
    rows.append((f"Estimert kostnad {cost_for}", format_nok(row.get("cost_nok")), ""))
    return rows


def target_figures_html(
    row: Mapping[Any, Any],
    targets: Sequence[TargetSpec],
    map_target: TargetSpec,
    cost_label: str | None,
) -> str:
    """The info panel's figures table per target (only the chosen one shown), escaped; each
    ends with the other targets' shares below target."""
    blocks = []
    for target in targets:
        figures = _figure_rows(row, target, cost_label) + [
            (f"Under {t.label_nb}", format_percent_nb(row.get(f"below_target_share_{t.name}")), "")
            for t in targets
            if t.name != target.name
        ]
        cells = "".join(
            f"<tr><td>{_swatch(color)}{style.escape(label)}</td>"
            f'<td class="num">{style.escape(value)}</td></tr>'
            for label, value, color in figures
        )
        blocks.append(_block(target, map_target, f"<table>{cells}</table>"))
    return "".join(blocks)


def _swatch(color: str) -> str:
    return f'<span class="gapmap-swatch" style="background:{color}"></span>' if color else ""


SCENARIO_NOTE_NB = (
    "Et scenario farger adressene og popupene etter hva om; tallene i panelet og over gjelder "
    "dagens data."
)


def scenario_switch_html(labels: Sequence[str]) -> str:
    """The legend's scenario picker: the run's own data ("Dagens data", value -1) and each
    scenario (value = its index); none without scenarios. Labels come escaped from here."""
    if not labels:
        return ""
    options = [("-1", "Dagens data", True)] + [
        (str(i), label, False) for i, label in enumerate(labels)
    ]
    radios = "".join(
        f'<label><input type="radio" name="gapmap-scenario" value="{value}"'
        f"{' checked' if checked else ''}> {style.escape(label)}</label>"
        for value, label, checked in options
    )
    note = f'<div class="gapmap-legend-note">{style.escape(SCENARIO_NOTE_NB)}</div>'
    return (
        f'<fieldset class="gapmap-legend-target gapmap-legend-scenario"><legend>Hva om'
        f"</legend>{radios}</fieldset>{note}"
    )
