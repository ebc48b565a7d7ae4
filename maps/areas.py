"""The subsidy project areas on a kommune map: one overlay of dashed outlines with a popup each.

The areas are those of :func:`pipeline.planning.areas.project_areas`; only escaped popup and tooltip
text is embedded in the page. The layer's GeoJSON is a piece kept between runs
(:mod:`maps.piece_cache`): reprojecting, simplifying and writing it is most of its cost.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Final

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from layers.numbers_nb import format_int_nb, format_nok
from maps.piece_cache import NO_PIECES, PieceCache, frame_digest, geometry_digest
from maps.script_data import COORD_DECIMALS
from maps.style import escape, technology_label_nb

AREA_SIMPLIFY_M = 5.0  # project area outlines (buffered hulls, 100 m margin)

# Okabe-Ito blue (apart from the class colours), dashed outline.
AREAS_LABEL_NB: Final = "Prosjektområder"
AREA_STYLE: Final[dict[str, Any]] = {
    "color": "#0072B2",
    "weight": 2,
    "dashArray": "6 4",
    "fill": True,
    "fillColor": "#0072B2",
    "fillOpacity": 0.08,
}


def areas_layer_name(count: int) -> str:
    """Name of the project-area overlay in the layer control: ``"Prosjektområder (12)"``."""
    return f"{AREAS_LABEL_NB} ({format_int_nb(count)})"


def area_popup_html(area: Mapping[Any, Any]) -> str:
    """Escaped popup of one subsidy project area (a row of the published project areas)."""
    rows = [
        ("Område", escape(area.get("area_id"))),
        ("Husstander", escape(format_int_nb(area.get("households")))),
        ("Estimert kostnad", escape(format_nok(area.get("cost_nok")))),
        ("Kostnad per husstand", escape(format_nok(area.get("cost_per_household_nok")))),
        ("Støttebehov", escape(format_nok(area.get("subsidy_need_nok")))),
        ("Teknologi", escape(technology_label_nb(area.get("technology")))),
    ]
    cells = "".join(
        f'<tr><td>{escape(label)}</td><td class="num">{value}</td></tr>' for label, value in rows
    )
    return f'<div class="gapmap-popup"><b>Prosjektområde</b><table>{cells}</table></div>'


def _features_json(areas: gpd.GeoDataFrame) -> bytes:
    """The usable areas as GeoJSON text: simplified outlines in EPSG:4326 (rounded), each
    with its escaped popup and tooltip."""
    usable = areas[areas.geometry.notna() & ~areas.geometry.is_empty]
    metric = usable.to_crs("EPSG:25833") if usable.crs.is_geographic else usable
    geometry = metric.geometry.simplify(AREA_SIMPLIFY_M, preserve_topology=True).to_crs("EPSG:4326")
    geometry = gpd.GeoSeries(
        shapely.transform(np.asarray(geometry.values), lambda xy: np.round(xy, COORD_DECIMALS)),
        crs="EPSG:4326",
    )
    records = usable.drop(columns=usable.geometry.name).to_dict("records")
    features = gpd.GeoDataFrame(
        {
            "popup": [area_popup_html(r) for r in records],
            "tooltip": [f"Prosjektområde {escape(r.get('area_id'))}" for r in records],
        },
        geometry=geometry.values,
        crs="EPSG:4326",
    )
    return json.dumps(features.__geo_interface__).encode()


def areas_layer(areas: gpd.GeoDataFrame, pieces: PieceCache = NO_PIECES) -> folium.GeoJson:
    """The project areas as one GeoJSON overlay; only escaped popup/tooltip text is embedded.
    The features are read back from ``pieces`` when these areas were drawn before (their
    columns and shapes are the key: :mod:`maps.piece_cache`)."""
    if areas.crs is None:
        msg = "areas has no CRS; expected EPSG:25833 (as pipeline.planning.areas.project_areas)"
        raise ValueError(msg)
    columns = pd.DataFrame(areas).drop(columns=areas.geometry.name)
    parts = (frame_digest(columns), geometry_digest(areas.geometry))
    data = json.loads(pieces.piece("areas", parts, lambda: _features_json(areas)))
    count = len(data["features"])
    extra: dict[str, Any] = {}
    if count:  # folium checks the fields against the first feature
        extra = {
            "popup": folium.GeoJsonPopup(fields=["popup"], labels=False, max_width=360),
            "tooltip": folium.GeoJsonTooltip(fields=["tooltip"], labels=False),
        }
    return folium.GeoJson(
        data,
        name=areas_layer_name(count),
        style_function=lambda _: dict(AREA_STYLE),
        highlight_function=lambda _: {"weight": 3, "fillOpacity": 0.18},
        overlay=True,
        control=True,
        show=True,
        **extra,
    )
