"""Render a Folium page without compiling its pieces of text as templates.

branca (under Folium) renders a page in two passes: each element's macros produce their
HTML or JavaScript, and each produced piece is wrapped in a new ``branca.element.Element``,
whose constructor compiles the piece as a jinja template (``jinja2.Template(text)``) that the
page then renders. Most pieces are plain text (a layer's script with its data, a stylesheet),
and compiling them is a fixed cost per element: about a tenth of a kommune map's build time
on the 2-core machine (cProfile of publish, 321 kommuner: 10,929 compilations).

:func:`render_page` renders with every produced piece kept as text and given back as jinja
would render a piece without template syntax (:func:`as_jinja_renders`: newlines made ``\\n``,
one trailing newline dropped), so the page is the same string. A piece is never compiled
again: it is finished HTML or JavaScript, and any ``{{``, ``{%`` or ``{#`` in it came from the
data (a kommune or street name), which jinja would otherwise run as a template (49 for
``{{ 7*7 }}``, or worse).

Folium also compiles a real template each time it renders some elements: the style sheet of
every GeoJSON popup and tooltip (``folium.features.GeoJsonDetail.render``: ~6 ms each, two per
kommune map with project areas). While rendering, such a template is compiled once per process
and source (:func:`compiled_template`); a compiled template renders the same text every time.
"""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Final

import branca.element
import folium
import folium.features
import folium.template
import jinja2

_NEWLINE: Final = re.compile(r"\r\n|\r|\n")
_LOCK = threading.Lock()  # a Dask worker may render pages on several threads
_RENDERING = [0]  # renders under way in this process


def as_jinja_renders(text: str) -> str:
    """``text`` (without template syntax) as ``jinja2.Template(text).render()`` gives it:
    ``\\r\\n`` and ``\\r`` as ``\\n``, a single trailing newline dropped
    (jinja's ``keep_trailing_newline=False``)."""
    lines = _NEWLINE.split(text)
    if lines[-1] == "":
        del lines[-1]
    return "\n".join(lines)


class PlainText:
    """A piece of text standing in for its jinja template: renders to
    :func:`as_jinja_renders` of it, whatever the arguments."""

    def __init__(self, text: str) -> None:
        self.text = as_jinja_renders(text)

    def render(self, *args: Any, **kwargs: Any) -> str:
        return self.text


class TextElement(branca.element.Element):
    """An element of finished HTML: renders to its text (as :class:`PlainText`), never
    compiled as a template."""

    def __init__(self, text: str) -> None:
        super().__init__("")
        self.text = PlainText(text).text

    def render(self, **kwargs: Any) -> str:
        return self.text


def template_of(source: str) -> PlainText:
    """``source`` as :class:`PlainText`: a produced piece is not compiled again (module
    docstring)."""
    return PlainText(source)


@functools.lru_cache(maxsize=64)
def compiled_template(source: str) -> folium.template.Template:
    """Folium's template of ``source``, compiled on first use in this process (module
    docstring)."""
    template: folium.template.Template = folium.template.Template(source)
    return template


@contextmanager
def plain_text_elements() -> Iterator[None]:
    """Within the block, ``branca.element.Element(text)`` keeps plain text uncompiled
    (:func:`template_of`) and folium's render-time templates are compiled once
    (:func:`compiled_template`); branca's and folium's own ``Template`` are back after the
    last block of this process ends."""
    with _LOCK:
        if _RENDERING[0] == 0:
            setattr(branca.element, "Template", template_of)  # noqa: B010
            setattr(folium.features, "Template", compiled_template)  # noqa: B010
        _RENDERING[0] += 1
    try:
        yield
    finally:
        with _LOCK:
            _RENDERING[0] -= 1
            if _RENDERING[0] == 0:
                setattr(branca.element, "Template", jinja2.Template)  # noqa: B010
                setattr(folium.features, "Template", folium.template.Template)  # noqa: B010


def render_page(fmap: folium.Map) -> str:
    """The map's whole HTML page, as ``fmap.get_root().render()`` gives it (module
    docstring)."""
    with plain_text_elements():
        page_html: str = fmap.get_root().render()
    return page_html
