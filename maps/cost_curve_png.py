"""The cost curve as a picture: the run's PNG and each kommune map's small PNG.

Drawn from the published cost curve table (``tables/cost_curve.csv``: per group, addresses
from cheapest to costliest per household with ``cumulative_households`` and
``cumulative_cost_nok``), with matplotlib's Agg canvas (no display, no global pyplot state).
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np
import pandas as pd

from layers.errors import InputError
from layers.numbers_nb import format_number_nb

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.backend_bases import RendererBase
    from matplotlib.figure import Figure
    from matplotlib.transforms import BboxBase


class AggCanvas(Protocol):
    """The methods of matplotlib's ``FigureCanvasAgg`` that :class:`CostCurveImage` uses.

    ``matplotlib.backends.backend_agg`` is not annotated; this states what we rely on (an
    Agg canvas satisfies it as it is). A saved region is opaque: only handed back.
    """

    def draw(self) -> None: ...
    def copy_from_bbox(self, bbox: BboxBase) -> object: ...
    def restore_region(self, region: object) -> None: ...
    def buffer_rgba(self) -> memoryview: ...
    def get_renderer(self) -> RendererBase: ...


def _agg_canvas(figure: Figure) -> AggCanvas:
    """An Agg canvas for ``figure`` (no display), seen through :class:`AggCanvas`."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    return FigureCanvasAgg(figure)


def format_tick_nb(value: float, _position: object = None) -> str:
    """An axis tick in Norwegian (:func:`layers.numbers_nb.format_number_nb`, up to six
    decimals): ``12000`` → ``"12 000"``, ``2.5`` → ``"2,5"``."""
    return format_number_nb(value, max_decimals=6)


def _style_cost_axes(axes: Axes, title: str) -> None:
    """Labels (bokmål), Norwegian tick numbers, grid and the title of a cost curve plot."""
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    axes.set_xlabel("Husstander (kumulativt)")
    axes.set_ylabel("Kostnad (mill. kr, kumulativt)")
    axes.set_title(title, parse_math=False)  # a "$" in a kommune name is text, not math
    axes.grid(True, alpha=0.3)
    axes.xaxis.set_major_locator(MaxNLocator(nbins=5, integer=True))
    axes.yaxis.set_major_locator(MaxNLocator(nbins=5))
    for axis in (axes.xaxis, axes.yaxis):
        axis.set_major_formatter(FuncFormatter(format_tick_nb))


def _curve_xy(curve: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Cumulative households and cumulative cost in MNOK, from the origin."""
    households = np.concatenate([[0], curve["cumulative_households"].to_numpy(dtype="float64")])
    cost_mnok = np.concatenate([[0.0], curve["cumulative_cost_nok"].to_numpy(dtype="float64")])
    return households, cost_mnok / 1e6


def plot_cost_curve(curve: pd.DataFrame, path: Path, title: str, by: str = "kommunenummer") -> Path:
    """A PNG of cumulative cost (MNOK) against cumulative households, one line per group.

    Drawn with matplotlib's Agg canvas (no display, no global pyplot state). A legend is shown
    for up to 12 groups. One kommune's small curve for its map: :class:`CostCurveImage`.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(8, 5), dpi=120)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    groups = list(curve.groupby(by, sort=True))
    for name, group in groups:
        axes.plot(*_curve_xy(group), label=str(name), linewidth=1.5)
    _style_cost_axes(axes, title)
    axes.set_xlim(left=0)
    axes.set_ylim(bottom=0)
    if 0 < len(groups) <= 12:
        axes.legend(title=by if by != "kommunenummer" else "Kommune", fontsize="small")
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, format="png")
    return path


class CostCurveImage:
    """One small figure, reused, that draws a single group's cost curve as PNG bytes.

    Made for one image per kommune (357 in a national run: ~12 ms each on the 2-core machine,
    4 s in all, against ~60 ms for a fresh figure per image): the figure, the axis labels and
    the margins are drawn once into a background; each :meth:`png` replaces the line's data,
    the limits and the title, draws only the axes and the title over the background and writes
    a 64-colour PNG (~7 KiB). Fonts are sized for the image shown at about two thirds of its
    size (the kommune map's info panel).
    """

    WIDTH_PX = 480
    HEIGHT_PX = 300
    DPI = 100
    PALETTE_COLORS = 64
    TITLE_PT = 13.0
    TITLE_MIN_PT = 8.0
    AXES_CENTER_X = 0.57  # (left + right) / 2 of the axes, in figure coordinates

    def __init__(self) -> None:
        from matplotlib.figure import Figure

        figure = Figure(figsize=(self.WIDTH_PX / self.DPI, self.HEIGHT_PX / self.DPI), dpi=self.DPI)
        self._canvas = _agg_canvas(figure)
        figure.subplots_adjust(left=0.18, right=0.96, bottom=0.16, top=0.89)
        self._figure = figure
        self._axes = figure.add_subplot()
        (self._line,) = self._axes.plot([], [], color="#0072B2", linewidth=2.0)
        _style_cost_axes(self._axes, "")
        self._axes.tick_params(labelsize=10)
        # The title is a figure text, so a long kommune name can use the figure's full width.
        self._title = figure.text(
            0.5, 0.985, "", ha="center", va="top", fontsize=self.TITLE_PT, parse_math=False
        )
        self._title.set_visible(False)
        # The axis labels never change: figure texts, drawn once into the background.
        x_label, y_label = self._axes.get_xlabel(), self._axes.get_ylabel()
        self._axes.set_xlabel("")
        self._axes.set_ylabel("")
        figure.text(self.AXES_CENTER_X, 0.015, x_label, ha="center", va="bottom", fontsize=11)
        figure.text(0.005, 0.53, y_label, ha="left", va="center", rotation=90, fontsize=11)
        self._axes.set_visible(False)
        self._canvas.draw()
        self._background = self._canvas.copy_from_bbox(figure.bbox)
        self._axes.set_visible(True)
        self._title.set_visible(True)

    def png(self, curve: pd.DataFrame, title: str) -> bytes:
        """PNG (``WIDTH_PX`` × ``HEIGHT_PX``) of one group's rows of :func:`cost_curve`."""
        from PIL import Image

        if curve.empty:
            msg = "cost curve image: no costed households; expected at least one curve row"
            raise InputError(msg)
        households, cost_mnok = _curve_xy(curve)
        self._line.set_data(households, cost_mnok)
        self._axes.set_xlim(0, max(float(households[-1]), 1.0))
        self._axes.set_ylim(0, max(float(cost_mnok[-1]), 1e-3) * 1.05)
        self._canvas.restore_region(self._background)
        self._figure.draw_artist(self._axes)
        self._draw_title(title)
        rgb = np.asarray(self._canvas.buffer_rgba())[..., :3]
        image = Image.fromarray(np.ascontiguousarray(rgb)).quantize(
            self.PALETTE_COLORS, method=Image.Quantize.FASTOCTREE
        )
        buffer = io.BytesIO()
        image.save(buffer, format="png")
        return buffer.getvalue()

    def _draw_title(self, title: str) -> None:
        """Draw the title centred over the axes; a long one is centred on the figure and its
        font shrunk (down to :attr:`TITLE_MIN_PT`) until it fits the width."""
        renderer = self._canvas.get_renderer()
        self._title.set_text(title)  # parse_math=False: a "$" in a name is text
        self._title.set_fontsize(self.TITLE_PT)
        self._title.set_x(self.AXES_CENTER_X)
        width_px = self._title.get_window_extent(renderer).width
        if width_px > 2 * (1 - self.AXES_CENTER_X) * self.WIDTH_PX:
            self._title.set_x(0.5)
            room_px = 0.97 * self.WIDTH_PX
            if width_px > room_px:
                shrunk_pt = self.TITLE_PT * room_px / width_px
                self._title.set_fontsize(max(self.TITLE_MIN_PT, shrunk_pt))
        self._figure.draw_artist(self._title)
