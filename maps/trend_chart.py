"""A small inline SVG chart: a kommune's served share per run, toward 100 %, per target.

Drawn from the kommune's rows of ``tables/trend.csv`` (one per run and target): runs evenly
spaced left to right (oldest first), the share of households served on the y axis from the
nearest 10 % below the lowest share to 100 %. Each run is a dot whose tooltip says its date and
share; a line joins a target's dots. No script, no external assets: it prints and opens
anywhere. Texts are escaped.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Final

import pandas as pd

from layers.numbers_nb import format_percent_nb
from maps.changes_layer import SWATCH_CSS
from maps.style import TargetSpec, escape

TREND_TITLE_NB: Final = "Utvikling over tid"
WIDTH_PX: Final = 260
HEIGHT_PX: Final = 130
MARGIN_LEFT_PX, MARGIN_RIGHT_PX, MARGIN_TOP_PX, MARGIN_BOTTOM_PX = 38, 10, 8, 22
# Okabe-Ito blue and black: apart from the class colours
LINE_COLORS: Final = ("#0072B2", "#000000")


def date_nb(started_at: object) -> str:
    """``"2026-12-06T22:03:00+00:00"`` → ``"06.12.2026"`` (the date part as Norwegians
    write it)."""
    text = str(started_at)[:10]
    parts = text.split("-")
    return ".".join(reversed(parts)) if len(parts) == 3 else text


def share_floor(shares: pd.Series) -> float:
    """The bottom of the y axis: the nearest 10 % at or below the lowest share, and at most
    90 % (so a run at 100 % still shows a scale)."""
    lowest = pd.to_numeric(shares, errors="coerce").min()
    if pd.isna(lowest):
        return 0.0
    return min(0.9, math.floor(float(lowest) * 10.0 + 1e-9) / 10.0)


def _point(index: int, runs: int, share: float, bottom: float) -> tuple[float, float]:
    plot_w = WIDTH_PX - MARGIN_LEFT_PX - MARGIN_RIGHT_PX
    plot_h = HEIGHT_PX - MARGIN_TOP_PX - MARGIN_BOTTOM_PX
    x = MARGIN_LEFT_PX + (plot_w * index / (runs - 1) if runs > 1 else plot_w / 2)
    y = MARGIN_TOP_PX + plot_h * (1.0 - (share - bottom) / (1.0 - bottom))
    return round(x, 1), round(y, 1)


def _axes(bottom: float, first: str, last: str) -> str:
    top_y, low_y = MARGIN_TOP_PX, HEIGHT_PX - MARGIN_BOTTOM_PX
    right = WIDTH_PX - MARGIN_RIGHT_PX
    parts = []
    for share, y in ((1.0, top_y), (bottom, low_y)):
        parts.append(
            f'<line x1="{MARGIN_LEFT_PX}" y1="{y}" x2="{right}" y2="{y}" stroke="#ccc"/>'
            f'<text x="{MARGIN_LEFT_PX - 4}" y="{y + 4}" text-anchor="end">'
            f"{escape(format_percent_nb(share, 0))}</text>"
        )
    parts.append(f'<text x="{MARGIN_LEFT_PX}" y="{HEIGHT_PX - 6}">{escape(first)}</text>')
    if last != first:
        parts.append(
            f'<text x="{right}" y="{HEIGHT_PX - 6}" text-anchor="end">{escape(last)}</text>'
        )
    return "".join(parts)


# A run: its id and start; a point: (run index, share, start) of one target's row.
_Runs = list[tuple[str, str]]
_Points = dict[str, list[tuple[int, float, str]]]


def _runs_and_points(rows: pd.DataFrame, shown: Sequence[str]) -> tuple[_Runs, _Points]:
    """The runs in the order of their start and each shown target's points in run order:
    :func:`_plain_runs_and_points` when it can say, else :func:`_pandas_runs_and_points`."""
    plain = _plain_runs_and_points(rows, shown)
    return plain if plain is not None else _pandas_runs_and_points(rows, shown)


def _pandas_runs_and_points(rows: pd.DataFrame, shown: Sequence[str]) -> tuple[_Runs, _Points]:
    """:func:`_runs_and_points` for any rows: the first row of each run, sorted by start; a
    target's rows with a share, sorted by their run's place."""
    runs = rows[["run_id", "started_at"]].drop_duplicates("run_id").sort_values("started_at")
    position = {run: i for i, run in enumerate(runs["run_id"])}
    points: _Points = {}
    for name in shown:
        own = rows.loc[rows["target"] == name].dropna(subset=["served_share"])
        own = own.assign(_i=own["run_id"].map(position)).sort_values("_i")
        points[name] = [
            (int(i), float(s), at)
            for i, s, at in zip(own["_i"], own["served_share"], own["started_at"], strict=True)
        ]
    return list(zip(runs["run_id"], runs["started_at"], strict=True)), points


def _plain_runs_and_points(
    rows: pd.DataFrame, shown: Sequence[str]
) -> tuple[_Runs, _Points] | None:
    """:func:`_runs_and_points` on plain lists, for the usual rows: text run ids and starts
    (one start per run, no two runs at the same start), float shares, at most one row per run
    and target; then every order is fixed by distinct keys and equals the pandas one. None for
    any other rows (:func:`_pandas_runs_and_points` decides ties and gaps)."""
    run_ids, starts = rows["run_id"].tolist(), rows["started_at"].tolist()
    targets, shares = rows["target"].tolist(), rows["served_share"].tolist()
    if not all(isinstance(v, str) for v in (*run_ids, *starts, *targets)):
        return None
    if not all(isinstance(v, float) for v in shares):
        return None
    start_of: dict[str, str] = {}
    for run, at in zip(run_ids, starts, strict=True):
        if start_of.setdefault(run, at) != at:
            return None
    if len(set(start_of.values())) != len(start_of):
        return None
    runs = sorted(start_of.items(), key=lambda run: run[1])
    position = {run: i for i, (run, _) in enumerate(runs)}
    points: _Points = {}
    for name in shown:
        own = [
            (position[run], share, at)
            for run, at, target, share in zip(run_ids, starts, targets, shares, strict=True)
            if target == name and not math.isnan(share)
        ]
        if len({i for i, _, _ in own}) != len(own):
            return None
        points[name] = sorted(own)
    return runs, points


def trend_svg(trend: pd.DataFrame, targets: Sequence[TargetSpec], shown: Sequence[str]) -> str:
    """The chart of ``trend`` (one kommune's rows: ``run_id``, ``started_at``, ``target``,
    ``served_share``) for the targets named in ``shown``, as an ``<svg>`` element."""
    rows = trend.loc[trend["target"].isin(shown)]
    runs, points_of = _runs_and_points(rows, shown)
    bottom = share_floor(rows["served_share"])
    labels = {t.name: t.label_nb or t.name for t in targets}
    dates = [date_nb(at) for _, at in runs]
    body = [_axes(bottom, dates[0], dates[-1])]
    for color, name in zip(LINE_COLORS, shown, strict=False):
        points = [(_point(i, len(runs), s, bottom), s, date_nb(at)) for i, s, at in points_of[name]]
        line = " ".join(f"{x},{y}" for (x, y), _, _ in points)
        dots = "".join(
            f'<circle cx="{x}" cy="{y}" r="3" fill="{color}" data-share="{share:.6f}">'
            f"<title>{escape(labels.get(name, name))}, {escape(at)}: "
            f"{escape(format_percent_nb(share))}</title></circle>"
            for (x, y), share, at in points
        )
        body.append(
            f'<g data-gapmap-trend-target="{escape(name)}">'
            f'<polyline points="{line}" fill="none" stroke="{color}" stroke-width="2"/>{dots}</g>'
        )
    return (
        f'<svg class="gapmap-trend-chart" xmlns="http://www.w3.org/2000/svg" width="{WIDTH_PX}"'
        f' height="{HEIGHT_PX}" viewBox="0 0 {WIDTH_PX} {HEIGHT_PX}" role="img"'
        f' aria-label="{escape(TREND_TITLE_NB)}" font-size="10" font-family="sans-serif">'
        f"{''.join(body)}</svg>"
    )


def trend_box_html(trend: pd.DataFrame, targets: Sequence[TargetSpec], shown: Sequence[str]) -> str:
    """A foldable box (``<details>``) with the trend chart and its legend: "Andel husstander
    med dekning per kjøring"; a note instead when the kommune has no trend rows."""
    rows = trend.loc[trend["target"].isin(shown)] if len(trend) else trend
    if not len(rows):
        inner = "<div>Ingen kjøringer å vise.</div>"
    else:
        labels = {t.name: t.label_nb or t.name for t in targets}
        legend = "".join(
            f'<div><span class="swatch" style="{SWATCH_CSS}background:{color}"></span>'
            f"{escape(labels.get(name, name))}</div>"
            for color, name in zip(LINE_COLORS, shown, strict=False)
        )
        runs = rows["run_id"].nunique()
        inner = (
            f"<div>Andel husstander med dekning, {escape(str(runs))} "
            f"{'kjøring' if runs == 1 else 'kjøringer'}:</div>{trend_svg(rows, targets, shown)}"
            f"{legend}"
        )
    return (
        f'<details class="gapmap-trend" open><summary>{escape(TREND_TITLE_NB)}</summary>'
        f"{inner}</details>"
    )
