"""The cost-curve section of a kommune map's info panel: the curve and what the costliest cost.

:class:`CostCurvePanel` carries one kommune's figures and curve rows (cut by
:class:`maps.sources.KommuneSlices` from the published cost curves); :func:`panel_png` draws the
curve (in the process that builds the page, on one reused figure per thread, or read back from
the pieces: :mod:`maps.piece_cache`) and :func:`cost_curve_html` turns both into escaped HTML.
"""

from __future__ import annotations

import base64
import threading
from dataclasses import dataclass
from typing import Final

import pandas as pd

from layers.numbers_nb import format_nok, format_number_nb, format_percent_nb
from maps.cost_curve_png import CostCurveImage
from maps.piece_cache import NO_PIECES, PieceCache, frame_digest
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


@dataclass(frozen=True, eq=False)
class CostCurvePanel:
    """A kommune's cost curve as its map's info panel shows it.

    ``curve`` (the kommune's rows of the published cost curve) is None when the kommune has no
    costed household (a short text is shown instead); ``title`` is drawn over it.
    ``median_cost_per_household_nok`` is the household-weighted median of cost per household.
    """

    curve: pd.DataFrame | None
    title: str = ""
    households: float = 0.0
    cost_nok: float = 0.0
    last_shares: tuple[LastShareCost, ...] = ()
    median_cost_per_household_nok: float | None = None


_IMAGES = threading.local()  # a CostCurveImage per thread (a Dask worker renders on several)


def _image() -> CostCurveImage:
    """This thread's reused figure (made on first use: ~0.1 s)."""
    image: CostCurveImage | None = getattr(_IMAGES, "image", None)
    if image is None:
        image = CostCurveImage()
        _IMAGES.image = image
    return image


def panel_png(panel: CostCurvePanel, pieces: PieceCache = NO_PIECES) -> bytes | None:
    """The panel's curve as PNG bytes (:meth:`maps.cost_curve_png.CostCurveImage.png`), read
    back from ``pieces`` when these rows and title were drawn before; None without a curve."""
    curve = panel.curve
    if curve is None:
        return None
    parts = (frame_digest(curve), panel.title)
    return pieces.piece("map-curve", parts, lambda: _image().png(curve, panel.title))


def cost_curve_html(panel: CostCurvePanel, kommunenavn: str, png: bytes | None) -> str:
    """The cost curve section of a kommune's info panel: ``png`` (:func:`panel_png`) as a data
    URI (the page stays self-contained), what the costliest 1 / 5 / 10 % cost and the median,
    all escaped; a collapsible ``<details>`` so the panel can give the map its room back."""
    if png is None:
        return f'<div class="gapmap-curve"><b>Kostnadskurve:</b> {escape(TEXT_NO_COSTED)}</div>'
    households = households_nb(round(panel.households))
    alt = (
        f"Kostnadskurve for {kommunenavn}: kumulativ kostnad i millioner kroner mot kumulativt"
        f" antall husstander, fra billigste til dyreste per husstand; {households} under"
        f" kostnadsmålet, til sammen {format_nok(panel.cost_nok)}."
    )
    data_uri = "data:image/png;base64," + base64.b64encode(png).decode("ascii")
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
