"""maps/areas.py: project areas on the kommune maps, escaped."""

from __future__ import annotations

import html
import json
from pathlib import Path

import pytest

from layers.errors import InputError
from maps.areas import area_popup_html, areas_layer_name
from maps.kommune import KommuneMapInputs, kommune_map
from tests.maps.map_inputs import (
    EVIL_AREA_ID,
    MapInputs,
    two_areas,
    write_inputs,
)


def test_kommune_map_shows_project_areas_escaped(inputs: MapInputs) -> None:
    knr = "5001"
    target = next(t for t in inputs.targets if t.name == inputs.map_target)
    fmap = kommune_map(
        KommuneMapInputs(
            knr,
            "Prøvekommune",
            None,
            inputs.kommuner[inputs.kommuner["kommunenummer"] == knr],
            inputs.addresses[inputs.addresses["kommunenummer"] == knr],
            inputs.targets,
            target,
            inputs.run_info,
            areas=two_areas(),
        )
    )
    page = fmap.get_root().render()
    assert areas_layer_name(2) == "Prosjektområder (2)"
    names = [
        child.layer_name
        for child in fmap._children.values()
        if getattr(child, "control", False)
        and getattr(child, "overlay", False)
        and hasattr(child, "layer_name")
    ]  # the overlays; the basemaps are base layers
    assert names[0] == "Prosjektområder (2)"  # under the addresses
    assert names[1:] == ["Adresser"]
    assert EVIL_AREA_ID not in page
    assert "<b>9901" not in page
    # the GeoJSON travels as script JSON (Jinja tojson writes & as \\u0026): escaped once
    in_script = html.escape(EVIL_AREA_ID).replace("&", "\\u0026")
    assert in_script in page
    assert "\\u0026amp;lt;b" not in page  # not escaped twice
    popup = area_popup_html(two_areas().iloc[0].to_dict())
    assert "1 234 567 kr" in popup and "308 642 kr" in popup and "1 154 567 kr" in popup
    assert "Fiber" in popup and "4</td>" in popup
    assert "Fast trådløst (FWA)" in area_popup_html(two_areas().iloc[1].to_dict())
    assert 'dashArray": "6 4"' in page


def test_write_maps_gives_every_kommune_its_areas(inputs: MapInputs, tmp_path: Path) -> None:
    paths = write_inputs(
        inputs,
        tmp_path,
        areas=two_areas(),
    )
    own = paths.kommuner["5001"].read_text(encoding="utf-8")
    other = paths.kommuner["5099"].read_text(encoding="utf-8")
    assert json.dumps(areas_layer_name(2)) in own and "5001-0002" in own
    assert json.dumps(areas_layer_name(0)) in other and "5001-0002" not in other
    with pytest.raises(InputError, match="areas: missing columns"):
        write_inputs(
            inputs,
            tmp_path / "bad",
            areas=two_areas().drop(columns="subsidy_need_nok"),
        )
