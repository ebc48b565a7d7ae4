"""maps/render.py: a page rendered with its pieces uncompiled is the same string as branca's
own rendering; template syntax from the data stays text (it is never run)."""

from __future__ import annotations

import branca.element
import folium
import folium.features
import folium.template
import jinja2
from hypothesis import given, settings
from hypothesis import strategies as st

from maps import style
from maps.publish import stable_element_ids
from maps.render import (
    PlainText,
    as_jinja_renders,
    compiled_template,
    plain_text_elements,
    render_page,
    template_of,
)

PIECES = st.text(alphabet=st.sampled_from(["a", "æ", " ", "\n", "\r", "\t", "{", "}", "%", "#"]))


@settings(max_examples=400, deadline=None)
@given(PIECES.filter(lambda t: not any(s in t for s in ("{{", "{%", "{#"))))
def test_plain_text_renders_as_jinja_renders_it(text: str) -> None:
    assert as_jinja_renders(text) == jinja2.Template(text).render()
    assert template_of(text).render(this=None, kwargs={}) == jinja2.Template(text).render()


def test_template_syntax_in_a_piece_stays_text() -> None:
    assert template_of("{{ 1 + 1 }}").render() == "{{ 1 + 1 }}"
    assert isinstance(template_of("a { b } c"), PlainText)


def test_template_syntax_in_the_data_is_never_run_on_the_page() -> None:
    """A kommune named like a template (in the page title and in a macro's output)."""
    name = "{{ 7*7 }} {% for x in [1] %}x{% endfor %} {# c #}"
    fmap = folium.Map(location=[60.0, 10.0], zoom_start=6, tiles=None)
    style.add_to_head(fmap, f"<title>{name}</title>", "gapmap_title")
    folium.GeoJson({"type": "Point", "coordinates": [10.0, 60.0]}, name=name).add_to(fmap)
    style.add_layer_control(fmap)
    page = render_page(fmap)
    assert f"<title>{name}</title>" in page
    assert "49 x" not in page  # what jinja would have made of the name (element ids are hex)


def _map() -> folium.Map:
    """A map with a popup and a tooltip on GeoJSON features (folium compiles their style
    sheets' templates as it renders)."""
    fmap = folium.Map(location=[60.0, 10.0], zoom_start=6, tiles=None)
    style.add_base_layer(fmap, opacity=0.7)
    folium.GeoJson(
        {"type": "Point", "coordinates": [10.0, 60.0]}, name="Æ <b>&</b>\r\nline"
    ).add_to(fmap)
    point = {"type": "Point", "coordinates": [10.5, 60.5]}
    feature = {"type": "Feature", "geometry": point, "properties": {"popup": "<b>Å</b> {x}"}}
    folium.GeoJson(
        {"type": "FeatureCollection", "features": [feature]},
        popup=folium.GeoJsonPopup(fields=["popup"], labels=False),
        tooltip=folium.GeoJsonTooltip(fields=["popup"], labels=False),
    ).add_to(fmap)
    style.HtmlControl("<h3>Ås {x}</h3>\n", "topleft", toggle_label="Ås").add_to(fmap)
    style.add_layer_control(fmap)
    return fmap


def test_a_page_renders_to_the_same_string_as_branca_renders_it() -> None:
    """The same map built twice (Folium's random element ids numbered in order)."""
    with plain_text_elements():
        fast = render_page(_map())
    assert stable_element_ids(fast) == stable_element_ids(_map().get_root().render())


def test_branca_and_folium_get_their_templates_back_after_the_last_render() -> None:
    with plain_text_elements():
        with plain_text_elements():
            assert branca.element.Template is template_of
            assert folium.features.Template is compiled_template
        assert branca.element.Template is template_of
    assert branca.element.Template is jinja2.Template
    assert folium.features.Template is folium.template.Template


def test_a_template_folium_compiles_as_it_renders_is_compiled_once() -> None:
    with plain_text_elements():
        render_page(_map())
        before = compiled_template.cache_info()
        render_page(_map())
        after = compiled_template.cache_info()
    assert after.misses == before.misses and after.hits > before.hits
