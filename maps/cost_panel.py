"""The cost-curve section of a kommune map's info panel: the curve and what the costliest cost.

:class:`CostCurvePanel` carries one kommune's figures and PNG (built by :mod:`maps.publish` from
the published cost curves); :func:`cost_curve_html` turns it into escaped HTML.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Final

from layers.numbers_nb import format_nok, format_number_nb, format_percent_nb
from maps.style import escape, households_nb

TEXT_NO_COSTED: Final = "Ingen husstander under kostnadsmålet"


@dataclass(frozen=True)
class LastShareCost:
    """What the costliest ``share`` of a kommune's costed households cost (whole households,
    the share rounded up: :func:`pipeline.planning.cost_curve.last_share_costs`)."""

    share: float
    households: float
    cost_nok: float
    cost_per_household_nok: float


@dataclass(frozen=True)
class CostCurvePanel:
    """A kommune's cost curve as its map's info panel shows it.

    ``png`` is None when the kommune has no costed household (a short text is shown instead).
    ``median_cost_per_household_nok`` is the household-weighted median of cost per household.
    """

    png: bytes | None
    households: float = 0.0
    cost_nok: float = 0.0
    last_shares: tuple[LastShareCost, ...] = ()
    median_cost_per_household_nok: float | None = None


def cost_curve_html(panel: CostCurvePanel, kommunenavn: str) -> str:
    """The cost curve section of a kommune's info panel: the PNG as a data URI (the page stays
    self-contained), what the costliest 1 / 5 / 10 % cost and the median, all escaped; a
    collapsible ``<details>`` so the panel can give the map its room back."""
    if panel.png is None:
        return f'<div class="gapmap-curve"><b>Kostnadskurve:</b> {escape(TEXT_NO_COSTED)}</div>'
    households = households_nb(round(panel.households))
    alt = (
        f"Kostnadskurve for {kommunenavn}: kumulativ kostnad i millioner kroner mot kumulativt"
        f" antall husstander, fra billigste til dyreste per husstand; {households} under"
        f" kostnadsmålet, til sammen {format_nok(panel.cost_nok)}."
    )
    data_uri = "data:image/png;base64," + base64.b64encode(panel.png).decode("ascii")
    rows = ["<tr><th>Dyreste</th><th>Husstander</th><th>Kostnad</th><th>Per husstand</th></tr>"]
    for last in panel.last_shares:
        cells = (
            format_percent_nb(last.share, 0),
            format_number_nb(last.households),
            format_nok(last.cost_nok),
            format_nok(last.cost_per_household_nok),
        )
        rows.append(
            f"<tr><td>{escape(cells[0])}</td>"
            + "".join(f'<td class="num">{escape(cell)}</td>' for cell in cells[1:])
            + "</tr>"
        )
    rows.append(
        '<tr class="gapmap-curve-median"><td colspan="3">Median per husstand</td>'
        f'<td class="num">{escape(format_nok(panel.median_cost_per_household_nok))}</td></tr>'
    )
    return (
        '<details class="gapmap-curve" open><summary>Kostnadskurve</summary>'
        f'<img class="gapmap-curve-img" src="{escape(data_uri)}" width="480" height="300"'
        f' alt="{escape(alt)}"><table>{"".join(rows)}</table></details>'
    )
