"""The changes on a kommune map: the counts per kommune, the panel lines, the point rows
(escaped) and the overlay, and each kommune's share of the run's changes."""

from __future__ import annotations

import folium
import pandas as pd

from maps.changes_layer import (
    ChangesLayer,
    ChangeSources,
    KommuneChanges,
    change_households,
    change_rows,
    changes_panel_html,
    previous_run_nb,
    shown_targets,
)

ROWS = pd.DataFrame(
    {
        "kommunenummer": ["9901", "9901", "9901", "9902", "9902"],
        "address_text": ["Gate <b>1</b>", "Gate 2", "Gate 3", "Vei 1", "Vei 2"],
        "target": ["no2025", "no2025", "gigabit2030", "no2025", "no2025"],
        "change": [
            "newly_served",
            "newly_below_target",
            "newly_served",
            "newly_served",
            "households_changed",
        ],
        "class_before": ["unserved", "served", "unserved", "underserved", "unserved"],
        "class_after": ["served", "unserved", "served", "served", "unserved"],
        "households_before": [1, 2, 1, 3, 1],
        "households_after": [1, 2, 1, 4, 2],
        "cause_nb": ["Nytt tilbud: <Fjordnett>", "Tilbud borte", "Nytt tilbud", "x", "y"],
        "lon": [10.5, 10.6, 10.5, 10.7, 10.8],
        "lat": [59.9, 59.9, 59.9, 59.8, 59.8],
    }
)
TREND = pd.DataFrame(
    {
        "run_id": ["r1", "r1", "r2", "r2"],
        "started_at": ["2026-11-01T03:00:00+00:00"] * 2 + ["2026-12-01T03:00:00+00:00"] * 2,
        "level": ["kommune", "total", "kommune", "total"],
        "kommunenummer": ["9901", None, "9901", None],
        "target": ["no2025"] * 4,
        "served_share": [0.5, 0.6, 0.75, 0.8],
    }
)
PREVIOUS = "2026-11-01T03:00:00+00:00"


def test_households_newly_served_and_below_per_kommune() -> None:
    assert change_households(ROWS, "no2025") == {
        "9901": {"newly_served": 1, "newly_below_target": 2},
        "9902": {"newly_served": 4, "newly_below_target": 0},
    }


def test_panel_names_the_previous_run_and_escapes() -> None:
    own = KommuneChanges(ROWS[ROWS["kommunenummer"] == "9901"], TREND, PREVIOUS)
    html = changes_panel_html(own, "no2025", "100 Mbit/s <mål>")
    assert "Fikk dekning: <b>1 husstand</b>" in html
    assert "Falt under målet: <b>2 husstander</b>" in html
    assert "100 Mbit/s &lt;mål&gt;, siden forrige kjøring 1. november 2026 kl. 04.00" in html
    first = changes_panel_html(KommuneChanges(ROWS.iloc[0:0], TREND, None), "no2025", "x")
    assert "Ingen tidligere kjøring." in first
    assert previous_run_nb(None) == "ingen tidligere kjøring"


def test_point_rows_are_the_map_targets_shown_changes_escaped() -> None:
    rows, texts, causes = change_rows(ROWS, "no2025")
    assert rows == [[59.9, 10.5, 0, 0, 0, 1], [59.9, 10.6, 1, 1, 1, 2], [59.8, 10.7, 0, 2, 2, 4]]
    assert texts == ["Gate &lt;b&gt;1&lt;/b&gt;", "Gate 2", "Vei 1"]
    assert causes[0] == "Nytt tilbud: &lt;Fjordnett&gt;"


def test_layer_is_named_with_its_count_and_its_script_cannot_end_early() -> None:
    fmap = folium.Map(tiles=None, max_zoom=18)
    layer = ChangesLayer(ROWS, "no2025")
    layer.add_to(fmap)
    assert layer.layer_name == "Endringer siden forrige kjøring (3)"
    html = fmap.get_root().render()
    assert "L.circleMarker" in html and "<b>1" not in html and "<Fjordnett>" not in html


def test_each_kommune_gets_its_rows_and_trend() -> None:
    sources = ChangeSources(ROWS, TREND, "r1", PREVIOUS)
    own = sources.for_kommune("9901")
    assert own.rows["address_text"].tolist() == ["Gate <b>1</b>", "Gate 2", "Gate 3"]
    assert own.trend["served_share"].tolist() == [0.5, 0.75]
    assert own.previous_started_at == PREVIOUS
    none = sources.for_kommune("0301")
    assert none.rows.empty and none.trend.empty


def test_trend_follows_the_2025_and_2030_targets_or_the_map_target() -> None:
    assert shown_targets(["eu_vhcn", "gigabit2030", "no2025"], "no2025") == [
        "no2025",
        "gigabit2030",
    ]
    assert shown_targets(["t100"], "t100") == ["t100"]
