"""QGIS styles of the GeoPackage's layers as QML (what QGIS reads) and SLD (what others read).

A :class:`LayerStyle` says how one layer is drawn: one symbol, categories of a text column or
ranges of a number column, an optional label column and the fields' Norwegian aliases.
:func:`qml` writes it as the QML document QGIS stores in a GeoPackage's ``layer_styles`` table
("Save style to database"); :func:`sld` writes the same rules as an OGC SLD 1.1 document.
Colours come in as ``#rrggbb`` (the map products' colours, :mod:`maps.style`).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

GeometryType = Literal["Point", "LineString", "Polygon"]
# QML <layerGeometryType>, QgsWkbTypes::GeometryType: point 0, line 1, polygon 2
QML_GEOMETRY_CODE: dict[str, int] = {"Point": 0, "LineString": 1, "Polygon": 2}
SYMBOL_TYPE: dict[str, str] = {"Point": "marker", "LineString": "line", "Polygon": "fill"}
QGIS_VERSION = "3.22.16-Białowieża"  # the oldest QGIS checked to open these styles (Debian 12)
LABEL_FONT = "Sans Serif"


@dataclass(frozen=True)
class SymbolLayer:
    """One QGIS symbol layer: its class (``SimpleMarker``, ``SimpleLine``, ``SimpleFill``)
    and its properties as QGIS names them (colours as ``#rrggbb``, sizes in mm)."""

    kind: str
    props: Mapping[str, str]


@dataclass(frozen=True)
class Rule:
    """A category (``value``), a range (``lower`` ≤ value ≤ ``upper``) or, with neither, the
    single symbol of a layer; ``label`` is what the legend shows."""

    label: str
    symbol: tuple[SymbolLayer, ...]
    value: str | None = None
    lower: float | None = None
    upper: float | None = None


@dataclass(frozen=True)
class LayerStyle:
    """How a layer is drawn: ``rules`` of one kind on ``attribute`` (none for one symbol),
    ``label_field`` written on each feature, and the Norwegian ``aliases`` of its fields."""

    geometry: GeometryType
    rules: tuple[Rule, ...]
    attribute: str | None = None
    label_field: str | None = None
    label_size_pt: float = 9.0
    label_bold: bool = False
    aliases: Mapping[str, str] = field(default_factory=dict)

    @property
    def renderer(self) -> str:
        if self.attribute is None:
            return "singleSymbol"
        return "graduatedSymbol" if self.rules[0].value is None else "categorizedSymbol"


def rgba(color: str) -> str:
    """``#rrggbb`` or ``#rrggbbaa`` as QGIS's ``r,g,b,a``."""
    if len(color) not in (7, 9) or not color.startswith("#"):
        msg = f"colour got {color!r}, expected #rrggbb or #rrggbbaa"
        raise ValueError(msg)
    alpha = color[7:9] or "ff"
    return ",".join(str(int(part, 16)) for part in (color[1:3], color[3:5], color[5:7], alpha))


def _opacity(color: str) -> str:
    return f"{int(color[7:9], 16) / 255:.2f}" if len(color) == 9 else "1"


def marker(
    color: str, outline: str, shape: str = "circle", size_mm: float = 2.4, offset: str = "0,0"
) -> SymbolLayer:
    props = {"name": shape, "color": color, "outline_color": outline, "outline_width": "0.25"}
    return SymbolLayer("SimpleMarker", props | {"size": f"{size_mm:g}", "offset": offset})


def line(color: str, width_mm: float = 0.6, style: str = "solid") -> SymbolLayer:
    props = {"line_color": color, "line_width": f"{width_mm:g}", "line_style": style}
    return SymbolLayer("SimpleLine", props)


def fill(
    color: str | None, outline: str, outline_style: str = "solid", width_mm: float = 0.3
) -> SymbolLayer:
    """A polygon fill (``color`` None: outline only)."""
    props = {
        "color": color or "#ffffff",
        "style": "solid" if color else "no",
        "outline_color": outline,
        "outline_style": outline_style,
        "outline_width": f"{width_mm:g}",
    }
    return SymbolLayer("SimpleFill", props)


# --------------------------------------------------------------------------------------------
# QML
# --------------------------------------------------------------------------------------------

_UNITS = {
    "size": "size_unit",
    "outline_width": "outline_width_unit",
    "line_width": "line_width_unit",
}


def qml(style: LayerStyle, fields: Sequence[str]) -> str:
    """The QML document of ``style`` for a layer with ``fields`` (in order, after ``fid``)."""
    root = ET.Element(
        "qgis",
        version=QGIS_VERSION,
        styleCategories="AllStyleCategories",
        labelsEnabled="1" if style.label_field else "0",
    )
    root.append(_renderer(style))
    if style.label_field:
        root.append(_labeling(style))
    aliases = ET.SubElement(root, "aliases")
    for index, name in enumerate(["fid", *fields]):
        ET.SubElement(
            aliases, "alias", field=name, index=str(index), name=style.aliases.get(name, "")
        )
    ET.SubElement(root, "layerGeometryType").text = str(QML_GEOMETRY_CODE[style.geometry])
    ET.indent(root)
    return "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n" + ET.tostring(
        root, encoding="unicode"
    )


def _renderer(style: LayerStyle) -> ET.Element:
    renderer = ET.Element(
        "renderer-v2", type=style.renderer, symbollevels="0", forceraster="0", enableorderby="0"
    )
    if style.attribute:
        renderer.set("attr", style.attribute)
    if style.renderer == "categorizedSymbol":
        rules = ET.SubElement(renderer, "categories")
        for i, rule in enumerate(style.rules):
            ET.SubElement(
                rules, "category", symbol=str(i), value=str(rule.value), label=rule.label
            ).set("render", "true")
    elif style.renderer == "graduatedSymbol":
        renderer.set("graduatedMethod", "GraduatedColor")
        rules = ET.SubElement(renderer, "ranges")
        for i, rule in enumerate(style.rules):
            attributes = {"symbol": str(i), "label": rule.label, "render": "true"}
            bounds = {"lower": f"{rule.lower:.6f}", "upper": f"{rule.upper:.6f}"}
            ET.SubElement(rules, "range", attributes | bounds)
    symbols = ET.SubElement(renderer, "symbols")
    for i, rule in enumerate(style.rules):
        symbols.append(_symbol(str(i), SYMBOL_TYPE[style.geometry], rule.symbol))
    return renderer


def _symbol(name: str, symbol_type: str, layers: Sequence[SymbolLayer]) -> ET.Element:
    symbol = ET.Element(
        "symbol", name=name, type=symbol_type, alpha="1", clip_to_extent="1", force_rhr="0"
    )
    for layer in layers:
        element = ET.SubElement(
            symbol, "layer", {"class": layer.kind, "enabled": "1", "pass": "0", "locked": "0"}
        )
        options = ET.SubElement(element, "Option", type="Map")
        for key, value in _qml_props(layer.props).items():
            ET.SubElement(options, "Option", type="QString", name=key, value=value)
    return symbol


def _qml_props(props: Mapping[str, str]) -> dict[str, str]:
    """QGIS's property values: colours as ``r,g,b,a``, every size in millimetres."""
    out = {k: rgba(v) if v.startswith("#") else v for k, v in props.items()}
    out |= {unit: "MM" for key, unit in _UNITS.items() if key in props}
    return out


def _labeling(style: LayerStyle) -> ET.Element:
    """Simple labels from ``label_field``: dark text with a white halo, centred on polygons."""
    labeling = ET.Element("labeling", type="simple")
    settings = ET.SubElement(labeling, "settings", calloutType="simple")
    text = ET.SubElement(
        settings,
        "text-style",
        fieldName=str(style.label_field),
        isExpression="0",
        fontFamily=LABEL_FONT,
        fontSize=f"{style.label_size_pt:g}",
        fontSizeUnit="Point",
        textColor="20,20,20,255",
        textOpacity="1",
        fontWeight="75" if style.label_bold else "50",
        fontBold="1" if style.label_bold else "0",
    )
    ET.SubElement(
        text,
        "text-buffer",
        bufferDraw="1",
        bufferSize="0.8",
        bufferSizeUnits="MM",
        bufferColor="255,255,255,255",
        bufferOpacity="1",
    )
    placement = "1" if style.geometry == "Polygon" else "0"  # over the centroid / around a point
    ET.SubElement(settings, "placement", placement=placement, dist="1", distUnits="MM")
    # every label drawn, even over another or an obstacle (names and ids are the point)
    ET.SubElement(settings, "rendering", obstacle="0", drawLabels="1", displayAll="1")
    return labeling


# --------------------------------------------------------------------------------------------
# SLD
# --------------------------------------------------------------------------------------------

SLD = "http://www.opengis.net/sld"
SE = "http://www.opengis.net/se"
OGC = "http://www.opengis.net/ogc"
for _prefix, _uri in (("", SLD), ("se", SE), ("ogc", OGC)):
    ET.register_namespace(_prefix, _uri)
_SYMBOLIZER = {
    "Point": "PointSymbolizer",
    "LineString": "LineSymbolizer",
    "Polygon": "PolygonSymbolizer",
}
MM_TO_PX = 3.78  # SLD sizes are pixels (0.28 mm)


def sld(layer: str, style: LayerStyle) -> str:
    """The rules of ``style`` as an SLD 1.1 document (first symbol layer of each rule)."""
    root = ET.Element(f"{{{SLD}}}StyledLayerDescriptor", version="1.1.0")
    named = ET.SubElement(root, f"{{{SLD}}}NamedLayer")
    ET.SubElement(named, f"{{{SE}}}Name").text = layer
    user = ET.SubElement(named, f"{{{SLD}}}UserStyle")
    ET.SubElement(user, f"{{{SE}}}Name").text = layer
    feature_style = ET.SubElement(user, f"{{{SE}}}FeatureTypeStyle")
    for rule in style.rules:
        element = ET.SubElement(feature_style, f"{{{SE}}}Rule")
        ET.SubElement(element, f"{{{SE}}}Name").text = rule.label
        title = ET.SubElement(ET.SubElement(element, f"{{{SE}}}Description"), f"{{{SE}}}Title")
        title.text = rule.label
        if style.attribute:
            element.append(_filter(style.attribute, rule))
        element.append(_symbolizer(style.geometry, rule.symbol[0]))
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True)


def _filter(attribute: str, rule: Rule) -> ET.Element:
    where = ET.Element(f"{{{OGC}}}Filter")
    if rule.value is not None:
        tests = [("PropertyIsEqualTo", rule.value)]
    else:
        tests = [
            ("PropertyIsGreaterThanOrEqualTo", f"{rule.lower:g}"),
            ("PropertyIsLessThanOrEqualTo", f"{rule.upper:g}"),
        ]
    parent = ET.SubElement(where, f"{{{OGC}}}And") if len(tests) > 1 else where
    for operator, literal in tests:
        test = ET.SubElement(parent, f"{{{OGC}}}{operator}")
        ET.SubElement(test, f"{{{OGC}}}PropertyName").text = attribute
        ET.SubElement(test, f"{{{OGC}}}Literal").text = literal
    return where


def _symbolizer(geometry: str, layer: SymbolLayer) -> ET.Element:
    symbolizer = ET.Element(f"{{{SE}}}{_SYMBOLIZER[geometry]}")
    props = layer.props
    if geometry == "Point":
        graphic = ET.SubElement(symbolizer, f"{{{SE}}}Graphic")
        mark = ET.SubElement(graphic, f"{{{SE}}}Mark")
        ET.SubElement(mark, f"{{{SE}}}WellKnownName").text = props["name"]
        _svg_parameters(mark, "Fill", {"fill": props["color"]})
        _svg_parameters(mark, "Stroke", {"stroke": props["outline_color"]})
        ET.SubElement(graphic, f"{{{SE}}}Size").text = f"{float(props['size']) * MM_TO_PX:.0f}"
    elif geometry == "LineString":
        _svg_parameters(symbolizer, "Stroke", _stroke(props["line_color"], props["line_width"]))
    else:
        if props["style"] != "no":
            color = props["color"]
            _svg_parameters(
                symbolizer, "Fill", {"fill": color[:7], "fill-opacity": _opacity(color)}
            )
        stroke = _stroke(props["outline_color"], props["outline_width"])
        if props["outline_style"] == "dash":
            stroke["stroke-dasharray"] = "6 3"
        _svg_parameters(symbolizer, "Stroke", stroke)
    return symbolizer


def _stroke(color: str, width_mm: str) -> dict[str, str]:
    return {"stroke": color[:7], "stroke-width": f"{float(width_mm) * MM_TO_PX:.1f}"}


def _svg_parameters(parent: ET.Element, tag: str, values: Mapping[str, str]) -> None:
    element = ET.SubElement(parent, f"{{{SE}}}{tag}")
    for name, value in values.items():
        ET.SubElement(element, f"{{{SE}}}SvgParameter", name=name).text = value
