"""What changed since the previous run, on a kommune map: a layer of points and the panel lines.

The publish stage passes the run's changes (``tables/changes.csv`` with ``lon``/``lat``, and
``tables/trend.csv``) as a :class:`ChangeSources`; each kommune map gets its share
(:meth:`ChangeSources.for_kommune`). The layer "Endringer siden forrige kjøring" shows, for the
map target, the addresses **newly served** (green) and **newly below the target** (red), each
with a popup giving the address, the class before → after and the cause in bokmål. The points
travel as compact rows (``[lat, lon, kind, text index, cause index, households]``, texts
escaped and factorised) and are drawn as circle markers, so a month with many changes
(a policy change touches every address) stays light: up to :data:`SVG_MAX_POINTS` as SVG
circles, more on the map's canvas.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, cast

import pandas as pd
from folium.map import Layer
from folium.template import Template

from layers.numbers_nb import format_int_nb, format_timestamp_nb
from layers.tables import require_columns
from maps.script_data import COORD_DECIMALS, dumps_for_script, escaped_codes, nullable_floats
from maps.style import CLASS_BY_CODE, escape, households_nb

CHANGES_LAYER_NAME_NB: Final = "Endringer siden forrige kjøring"
NO_PREVIOUS_NB: Final = "ingen tidligere kjøring"
SHOWN_CHANGES: Final = ("newly_served", "newly_below_target")
CHANGE_LABELS_NB: Final[dict[str, str]] = {
    "newly_served": "Fikk dekning",
    "newly_below_target": "Falt under målet",
}
# Okabe-Ito bluish green and vermillion, as the served / unserved classes
CHANGE_COLORS: Final[dict[str, str]] = {
    "newly_served": CLASS_BY_CODE["served"].color,
    "newly_below_target": CLASS_BY_CODE["unserved"].color,
}
# up to this many points are drawn as SVG (one element each, easy to click and inspect); more
# (a policy change can touch every address) go to the map's canvas
SVG_MAX_POINTS: Final = 2000
# a coloured dot before a label (the map pages have no .swatch rule of their own)
SWATCH_CSS: Final = (
    "display:inline-block;width:10px;height:10px;border-radius:5px;border:1px solid #222;"
    "margin-right:4px;vertical-align:-1px;"
)
CHANGE_ROW_COLUMNS: Final = (
    "kommunenummer",
    "address_text",
    "target",
    "change",
    "class_before",
    "class_after",
    "households_before",
    "households_after",
    "cause_nb",
    "lon",
    "lat",
)


@dataclass(frozen=True, eq=False)
class KommuneChanges:
    """One kommune's changes (rows of ``tables/changes.csv`` with ``lon``/``lat``) and trend
    (its rows of ``tables/trend.csv``), and the previous run's start (None: no previous run)."""

    rows: pd.DataFrame
    trend: pd.DataFrame
    previous_started_at: str | None


@dataclass(frozen=True, eq=False)
class ChangeSources:
    """The run's changes for the map products.

    Parameters
    ----------
    rows : DataFrame
        ``tables/changes.csv`` with ``lon``/``lat`` (EPSG:4326): :data:`CHANGE_ROW_COLUMNS`.
    trend : DataFrame
        ``tables/trend.csv`` (``run_id``, ``started_at``, ``level``, ``kommunenummer``,
        ``target``, ``served_share``, …).
    previous_run_id, previous_started_at : str or None
        The run compared with; None for the first run ("ingen tidligere kjøring").
    """

    rows: pd.DataFrame
    trend: pd.DataFrame
    previous_run_id: str | None = None
    previous_started_at: str | None = None
    _kommune_trend: pd.DataFrame = field(init=False, repr=False)
    _groups: dict[str, Mapping[Hashable, Any]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        require_columns(self.rows, CHANGE_ROW_COLUMNS, "changes")
        require_columns(self.trend, ("run_id", "started_at", "level", "kommunenummer"), "trend")
        trend = self.trend.loc[self.trend["level"] == "kommune"].reset_index(drop=True)
        groups = {
            "rows": self.rows.groupby(self.rows["kommunenummer"].astype(str), sort=False).indices,
            "trend": trend.groupby(trend["kommunenummer"].astype(str), sort=False).indices,
        }
        object.__setattr__(self, "_kommune_trend", trend)
        object.__setattr__(self, "_groups", groups)

    def for_kommune(self, kommunenummer: str) -> KommuneChanges:
        """The changes and trend of one kommune."""
        rows = self._groups["rows"].get(kommunenummer)
        trend = self._groups["trend"].get(kommunenummer)
        return KommuneChanges(
            self.rows.iloc[list(rows)] if rows is not None else self.rows.iloc[0:0],
            self._kommune_trend.iloc[list(trend) if trend is not None else []],
            self.previous_started_at,
        )


def change_households(rows: pd.DataFrame, target: str) -> dict[str, dict[str, int]]:
    """Per kommune the households newly served and newly below ``target``:
    ``{"9901": {"newly_served": 3, "newly_below_target": 1}}`` (households after the run)."""
    shown = rows.loc[(rows["target"] == target) & rows["change"].isin(SHOWN_CHANGES)]
    households = pd.to_numeric(shown["households_after"], errors="coerce").fillna(0)
    sums = households.groupby([shown["kommunenummer"].astype(str), shown["change"]]).sum()
    counts: dict[str, dict[str, int]] = {}
    for key, value in sums.items():
        knr, change = cast(tuple[str, str], key)
        counts.setdefault(str(knr), {c: 0 for c in SHOWN_CHANGES})[str(change)] = int(value)
    return counts


def previous_run_nb(previous_started_at: str | None) -> str:
    """``"forrige kjøring 6. desember 2026 kl. 22.03"`` or ``"ingen tidligere kjøring"``."""
    if not previous_started_at:
        return NO_PREVIOUS_NB
    return f"forrige kjøring {format_timestamp_nb(previous_started_at)}"


def changes_panel_html(changes: KommuneChanges, target: str, target_label_nb: str) -> str:
    """The info panel's lines: households newly served / newly below the map target since the
    previous run (its date), or that there was none."""
    heading = f"<h4>{escape(CHANGES_LAYER_NAME_NB)}</h4>"
    if not changes.previous_started_at:
        return f'<div class="gapmap-changes">{heading}<div>Ingen tidligere kjøring.</div></div>'
    counts = change_households(changes.rows, target)
    own = next(iter(counts.values()), {c: 0 for c in SHOWN_CHANGES})
    lines = "".join(
        f'<div><span class="swatch" style="{SWATCH_CSS}background:{CHANGE_COLORS[c]}"></span>'
        f"{escape(CHANGE_LABELS_NB[c])}: <b>{escape(households_nb(own[c]))}</b></div>"
        for c in SHOWN_CHANGES
    )
    since = escape(previous_run_nb(changes.previous_started_at))
    return (
        f'<div class="gapmap-changes">{heading}<div>{escape(target_label_nb)}, siden {since}:'
        f"</div>{lines}</div>"
    )


def change_rows(rows: pd.DataFrame, target: str) -> tuple[list[list[Any]], list[str], list[str]]:
    """The newly served / newly below target points for ``target``, located, as
    ``[lat, lon, kind (0 served, 1 below), text index, cause index, households]`` rows with
    the escaped texts and causes they index."""
    shown = rows.loc[
        (rows["target"] == target)
        & rows["change"].isin(SHOWN_CHANGES)
        & rows["lat"].notna()
        & rows["lon"].notna()
    ]
    texts_codes, texts = escaped_codes(shown["address_text"].fillna(""), None)
    causes_codes, causes = escaped_codes(shown["cause_nb"].fillna(""), None)
    kinds = (shown["change"] == "newly_below_target").astype(int).tolist()
    households = pd.to_numeric(shown["households_after"], errors="coerce").fillna(0).astype(int)
    out = [
        list(values)
        for values in zip(
            nullable_floats(shown["lat"], COORD_DECIMALS),
            nullable_floats(shown["lon"], COORD_DECIMALS),
            kinds,
            texts_codes,
            causes_codes,
            households.tolist(),
            strict=True,
        )
    ]
    return out, texts, causes


def changes_layer_name(count: int) -> str:
    """``"Endringer siden forrige kjøring (3)"``."""
    return f"{CHANGES_LAYER_NAME_NB} ({format_int_nb(count)})"


class ChangesLayer(Layer):
    """The newly served (green) and newly below target (red) addresses as one overlay of canvas
    circle markers, each with a popup built when it opens (texts escaped in Python)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = (function () {
            var S = {{ this.config_json }};
            var rows = {{ this.rows_json }};
            var group = L.featureGroup();
            var renderer = rows.length <= S.svgMax ? L.svg() : undefined;
            var popup = function (layer) {
                var r = layer.gapmapRow;
                return '<div class="gapmap-popup gapmap-change-popup"><b>' + S.labels[r[2]]
                    + '</b><div>' + S.texts[r[3]] + '</div><div>' + S.households + ': '
                    + r[5] + '</div><div>' + S.causeLabel + ': ' + S.causes[r[4]]
                    + '</div></div>';
            };
            for (var i = 0; i < rows.length; i++) {
                var marker = L.circleMarker([rows[i][0], rows[i][1]], {
                    radius: 7, weight: 2, color: '#222', fillOpacity: 0.9,
                    fillColor: S.colors[rows[i][2]], className: 'gapmap-change',
                    renderer: renderer
                });
                marker.gapmapRow = rows[i];
                marker.bindPopup(popup, {maxWidth: 360});
                group.addLayer(marker);
            }
            return group;
        })();
        {% endmacro %}
        """
    )

    def __init__(self, rows: pd.DataFrame, target: str, show: bool = True) -> None:
        points, texts, causes = change_rows(rows, target)
        super().__init__(
            name=changes_layer_name(len(points)), overlay=True, control=True, show=show
        )
        self._name = "ChangesLayer"
        self.rows_json = dumps_for_script(points)
        self.config_json = dumps_for_script(
            {
                "labels": [escape(CHANGE_LABELS_NB[c]) for c in SHOWN_CHANGES],
                "colors": [CHANGE_COLORS[c] for c in SHOWN_CHANGES],
                "texts": texts,
                "causes": causes,
                "households": escape("Husstander"),
                "causeLabel": escape("Årsak"),
                "svgMax": SVG_MAX_POINTS,
            }
        )


def shown_targets(names: Sequence[str], map_target: str) -> list[str]:
    """The targets a trend chart follows: the 2025 and 2030 targets when the run has them,
    else the map target."""
    chosen = [n for n in ("no2025", "gigabit2030") if n in names]
    return chosen or [map_target]
