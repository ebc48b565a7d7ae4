"""pipeline/products/qgis_styles.py: layer styles as QML (QGIS) and SLD 1.1 documents."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from pipeline.products.qgis_styles import (
    OGC,
    SE,
    LayerStyle,
    Rule,
    fill,
    line,
    marker,
    qml,
    rgba,
    sld,
)

POINTS = LayerStyle(
    "Point",
    (
        Rule("Underdekket", (marker("#E69F00", "#222222"),), "underserved"),
        Rule("Udekket", (marker("#D55E00", "#222222"),), "unserved"),
    ),
    attribute="class_no2025",
    aliases={"fid": "Objekt-ID", "households": "Husstander"},
)
RANGES = LayerStyle(
    "Polygon",
    (
        Rule("0–10 %", (fill("#ffffb2cc", "#555555"),), lower=0.0, upper=0.1),
        Rule("10–20 %", (fill("#b10026cc", "#555555"),), lower=0.1, upper=0.2),
    ),
    attribute="below_target_share_no2025",
    label_field="kommunenavn",
)


def _parse(document: str) -> ET.Element:
    doctype, body = document.split("\n", 1)
    assert doctype == "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>"
    return ET.fromstring(body)


def test_colours_become_qgis_rgba() -> None:
    assert rgba("#D55E00") == "213,94,0,255"
    assert rgba("#ffffb2cc") == "255,255,178,204"
    with pytest.raises(ValueError, match=r"colour got 'red', expected #rrggbb or #rrggbbaa"):
        rgba("red")


def test_categories_name_their_symbol_colour_and_the_fields_aliases() -> None:
    root = _parse(qml(POINTS, ["households", "class_no2025"]))
    renderer = root.find("renderer-v2")
    assert renderer is not None
    assert (renderer.get("type"), renderer.get("attr")) == ("categorizedSymbol", "class_no2025")
    categories = [
        (c.get("value"), c.get("label"), c.get("symbol")) for c in renderer.iter("category")
    ]
    assert categories == [("underserved", "Underdekket", "0"), ("unserved", "Udekket", "1")]
    symbol = renderer.find("symbols/symbol[@name='1']")
    assert symbol is not None and symbol.get("type") == "marker"
    options = {o.get("name"): o.get("value") for o in symbol.iter("Option") if o.get("name")}
    assert options["color"] == "213,94,0,255" and options["name"] == "circle"
    assert options["size_unit"] == "MM" and options["outline_color"] == "34,34,34,255"
    aliases = [(a.get("field"), a.get("index"), a.get("name")) for a in root.iter("alias")]
    assert aliases == [
        ("fid", "0", "Objekt-ID"),
        ("households", "1", "Husstander"),
        ("class_no2025", "2", ""),
    ]
    assert root.findtext("layerGeometryType") == "0" and root.get("labelsEnabled") == "0"


def test_ranges_and_labels_of_a_graduated_polygon_style() -> None:
    root = _parse(qml(RANGES, ["kommunenavn", "below_target_share_no2025"]))
    renderer = root.find("renderer-v2")
    assert renderer is not None and renderer.get("type") == "graduatedSymbol"
    ranges = [(r.get("lower"), r.get("upper"), r.get("label")) for r in renderer.iter("range")]
    assert ranges == [("0.000000", "0.100000", "0–10 %"), ("0.100000", "0.200000", "10–20 %")]
    colours = [o.get("value") for o in renderer.iter("Option") if o.get("name") == "color"]
    assert colours == ["255,255,178,204", "177,0,38,204"]
    assert root.findtext("layerGeometryType") == "2" and root.get("labelsEnabled") == "1"
    text = root.find("labeling/settings/text-style")
    assert text is not None and text.get("fieldName") == "kommunenavn"


def test_a_single_symbol_line_style() -> None:
    style = LayerStyle("LineString", (Rule("Fiber", (line("#6A3D9A", 0.5, "dash"),)),))
    root = _parse(qml(style, ["kind"]))
    renderer = root.find("renderer-v2")
    assert renderer is not None and renderer.get("type") == "singleSymbol"
    assert renderer.get("attr") is None and root.findtext("layerGeometryType") == "1"
    options = {o.get("name"): o.get("value") for o in renderer.iter("Option") if o.get("name")}
    assert options == {
        "line_color": "106,61,154,255",
        "line_width": "0.5",
        "line_style": "dash",
        "line_width_unit": "MM",
    }


def test_sld_rules_filter_like_the_qml() -> None:
    root = ET.fromstring(sld("adresser_under_mal", POINTS).encode())
    rules = root.findall(f".//{{{SE}}}Rule")
    assert [r.findtext(f"{{{SE}}}Name") for r in rules] == ["Underdekket", "Udekket"]
    equal = rules[1].find(f".//{{{OGC}}}PropertyIsEqualTo")
    assert equal is not None
    assert equal.findtext(f"{{{OGC}}}PropertyName") == "class_no2025"
    assert equal.findtext(f"{{{OGC}}}Literal") == "unserved"
    fills = [p.text for p in rules[1].iter(f"{{{SE}}}SvgParameter") if p.get("name") == "fill"]
    assert fills == ["#D55E00"]
    ranged = ET.fromstring(sld("kommuner", RANGES).encode()).findall(f".//{{{SE}}}Rule")[1]
    bounds = [lit.text for lit in ranged.iter(f"{{{OGC}}}Literal")]
    assert bounds == ["0.1", "0.2"]
    opacity = [
        p.text for p in ranged.iter(f"{{{SE}}}SvgParameter") if p.get("name") == "fill-opacity"
    ]
    assert opacity == ["0.80"]


def test_an_outline_only_fill_has_no_sld_fill_and_a_dashed_stroke() -> None:
    style = LayerStyle("Polygon", (Rule("Prosjektområde", (fill(None, "#0072B2", "dash"),)),))
    root = ET.fromstring(sld("prosjektomrader", style).encode())
    assert root.find(f".//{{{SE}}}Fill") is None
    parameters = {p.get("name"): p.text for p in root.iter(f"{{{SE}}}SvgParameter")}
    assert parameters["stroke"] == "#0072B2" and parameters["stroke-dasharray"] == "6 3"
