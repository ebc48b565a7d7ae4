"""maps/masts.py: proposed new masts on the kommune maps, shown where taken, escaped."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import Any

import folium
import pandas as pd
import pytest

from layers.errors import InputError
from maps import style
from maps.areas import AREA_STYLE
from maps.kommune import KommuneMapInputs, kommune_map
from maps.masts import (
    NEW_SITE_COLOR,
    NEW_SITE_POPUP_LABELS_NB,
    NewSiteLayer,
    new_site_popup_values,
    new_sites_layer_name,
)
from maps.script_data import dumps_for_script
from tests.maps.map_inputs import (
    EVIL_SITE_ID,
    NEW_SITE_LAYER_NAME,
    TAKEN_MAST_VALUES,
    MapInputs,
    make_new_sites,
    with_new_site_choices,
    write_inputs,
)


def _control_layers(fmap: folium.Map) -> list[Any]:
    return [
        child
        for child in fmap._children.values()
        if getattr(child, "control", False)
        and getattr(child, "overlay", False)
        and hasattr(child, "layer_name")
    ]


def _kommune_5001_map(inputs: MapInputs, new_sites: pd.DataFrame | None) -> folium.Map:
    own = inputs.addresses["kommunenummer"] == "5001"
    return kommune_map(
        KommuneMapInputs(
            "5001",
            "Prøvekommune",
            None,
            inputs.kommuner[inputs.kommuner["kommunenummer"] == "5001"],
            with_new_site_choices(inputs.addresses)[own],
            inputs.targets,
            inputs.targets[0],
            inputs.run_info,
            new_sites=new_sites,
        )
    )


def _legend_html(page: str) -> str:
    panels = [json.loads(m) for m in re.findall(r'div\.innerHTML = ("(?:[^"\\]|\\.)*");', page)]
    legend = [panel for panel in panels if "Ringene:" in panel]
    assert len(legend) == 1
    return str(legend[0])


def test_kommune_map_shows_only_the_taken_mast_escaped(inputs: MapInputs) -> None:
    fmap = _kommune_5001_map(inputs, make_new_sites())
    page = fmap.get_root().render()
    layers = [layer for layer in _control_layers(fmap) if isinstance(layer, NewSiteLayer)]
    assert len(layers) == 1
    assert layers[0].layer_name == f"{NEW_SITE_LAYER_NAME} (1)"
    assert _control_layers(fmap)[-1] is layers[0]  # listed (and drawn) above the addresses
    taken = make_new_sites().iloc[0]
    assert layers[0].rows == [
        [
            round(float(taken["lat"]), 5),
            round(float(taken["lon"]), 5),
            html.escape(EVIL_SITE_ID),
            *TAKEN_MAST_VALUES,
        ]
    ]
    assert dumps_for_script(layers[0].rows) in page  # one marker row, as the browser gets it
    assert "ny-5001-8" not in page  # nobody takes it: not shown
    assert EVIL_SITE_ID not in page and "<script>alert(" not in page
    assert "\\u0026amp;lt;script" not in page and "&amp;lt;script" not in page  # escaped once
    used = {*(c.color for c in style.CLASS_STYLES), AREA_STYLE["color"]}
    assert NEW_SITE_COLOR not in used
    legend = _legend_html(page)
    assert "Ny mast (forslag)" in legend and NEW_SITE_COLOR in legend


def test_mast_popup_values_are_formatted_and_escaped() -> None:
    taken, untaken = make_new_sites().to_dict("records")
    assert new_site_popup_values(taken) == [html.escape(EVIL_SITE_ID), *TAKEN_MAST_VALUES]
    assert new_site_popup_values(untaken)[-1] == "–"  # nobody shares it
    assert new_site_popup_values({"site_id": None})[:2] == ["–", "–"]
    assert len(NEW_SITE_POPUP_LABELS_NB) == len(new_site_popup_values(taken))


def test_map_without_new_sites_renders_without_the_mast_layer(inputs: MapInputs) -> None:
    fmap = _kommune_5001_map(inputs, None)
    page = fmap.get_root().render()
    assert not any(isinstance(layer, NewSiteLayer) for layer in _control_layers(fmap))
    assert NEW_SITE_LAYER_NAME not in page and json.dumps(NEW_SITE_LAYER_NAME) not in page
    assert "Ny mast (forslag)" not in _legend_html(page)
    assert [layer.layer_name for layer in _control_layers(fmap)] == ["Adresser"]


def test_write_maps_gives_every_kommune_its_masts(inputs: MapInputs, tmp_path: Path) -> None:
    paths = write_inputs(
        inputs,
        tmp_path,
        new_sites=make_new_sites(),
    )
    own = paths.kommuner["5001"].read_text(encoding="utf-8")
    other = paths.kommuner["5099"].read_text(encoding="utf-8")
    assert json.dumps(new_sites_layer_name(1)) in own and "159 615 kr" in own
    assert json.dumps(new_sites_layer_name(0)) in other and "159 615 kr" not in other
    with pytest.raises(InputError, match=r"new_sites: missing columns \['lat'\]"):
        write_inputs(
            inputs,
            tmp_path / "bad",
            new_sites=make_new_sites().drop(columns="lat"),
        )
