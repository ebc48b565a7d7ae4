"""Self-contained map pages: the web assets gapmap uses, vendored and written into the page.

Folium 0.20 writes ``<script src>`` / ``<link href>`` tags to public CDNs for every page, also
for libraries gapmap never uses. This module

- drops the tags of the unused ones (:data:`UNUSED_ASSET_URLS`: jQuery, Bootstrap 5, Bootstrap 3
  glyphicons, Leaflet.awesome-markers and its rotate rule, Font Awesome): no gapmap element
  needs them (the masts are an inline SVG, the panels are plain HTML);
- replaces the tags of the used ones by their text (:data:`VENDORED_ASSETS`), read from the
  copies shipped in the package (``maps/vendor/``, with their licences), so one ``.html`` file
  works alone, offline, mailed or copied to a USB stick. Images a stylesheet refers to become
  ``data:`` URIs.

A tag of an ``http(s)`` asset that is neither vendored nor known unused raises
:class:`maps.assets.AssetError` naming the URL: a new asset is noticed, not silently fetched.
"""

from __future__ import annotations

import base64
import functools
import re
from pathlib import Path
from typing import Final

from maps.assets import AssetError

VENDOR_DIR: Final = Path(__file__).resolve().parent / "vendor"

# CDN URL Folium writes -> the vendored file (below VENDOR_DIR) that replaces it.
VENDORED_ASSETS: Final[dict[str, str]] = {
    "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js": "leaflet-1.9.3/leaflet.js",
    "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.css": "leaflet-1.9.3/leaflet.css",
}

# Folium's default assets no gapmap page uses.
UNUSED_ASSET_URLS: Final[frozenset[str]] = frozenset(
    {
        "https://code.jquery.com/jquery-3.7.1.min.js",
        "https://cdn.jsdelivr.net/npm/bootstrap@5.2.2/dist/js/bootstrap.bundle.min.js",
        "https://cdn.jsdelivr.net/npm/bootstrap@5.2.2/dist/css/bootstrap.min.css",
        "https://netdna.bootstrapcdn.com/bootstrap/3.0.0/css/bootstrap-glyphicons.css",
        "https://cdn.jsdelivr.net/npm/@fortawesome/fontawesome-free@6.2.0/css/all.min.css",
        "https://cdnjs.cloudflare.com/ajax/libs/Leaflet.awesome-markers/2.0.2/"
        "leaflet.awesome-markers.js",
        "https://cdnjs.cloudflare.com/ajax/libs/Leaflet.awesome-markers/2.0.2/"
        "leaflet.awesome-markers.css",
        "https://cdn.jsdelivr.net/gh/python-visualization/folium/folium/templates/"
        "leaflet.awesome.rotate.min.css",
    }
)

# A whole external script or stylesheet tag as Folium writes it.
_ASSET_TAG = re.compile(
    r"""<script\b[^>]*?\bsrc=(["'])(?P<js>https?://[^"']+)\1[^>]*>\s*</script>"""
    r"""|<link\b[^>]*?\bhref=(["'])(?P<css>https?://[^"']+)\3[^>]*>""",
    re.IGNORECASE,
)
_CSS_URL = re.compile(r"""url\(\s*(['"]?)([^'")]+)\1\s*\)""")
_SOURCE_MAP = re.compile(r"^\s*//# sourceMappingURL=\S+\s*$", re.MULTILINE)
_IMAGE_TYPES: Final[dict[str, str]] = {".png": "image/png", ".svg": "image/svg+xml"}


def vendored_text(relpath: str) -> str:
    """The text of a vendored file (``leaflet-1.9.3/leaflet.js``)."""
    return (VENDOR_DIR / relpath).read_text(encoding="utf-8")


def asset_urls(page_html: str) -> list[str]:
    """The ``http(s)`` URLs of the page's external script and stylesheet tags, in order."""
    return [m.group("js") or m.group("css") for m in _ASSET_TAG.finditer(page_html)]


def _data_uri(path: Path) -> str:
    media_type = _IMAGE_TYPES.get(path.suffix.lower())
    if media_type is None:
        msg = f"stylesheet image {path.name}: got type {path.suffix!r}, expected .png or .svg"
        raise AssetError(msg)
    return f"data:{media_type};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"


def _css_with_data_uris(css_text: str, folder: Path) -> str:
    """Relative ``url(images/x.png)`` of a vendored stylesheet as ``data:`` URIs."""

    def replace(match: re.Match[str]) -> str:
        ref = match.group(2).strip()
        if ref.startswith(("data:", "#", "http:", "https:", "//", "/")):
            return match.group(0)
        return f'url("{_data_uri(folder / ref)}")'

    return _CSS_URL.sub(replace, css_text)


def script_safe(js_text: str) -> str:
    """JavaScript that cannot end or confuse its ``<script>`` element (``</script``, ``<!--``)."""
    js_text = re.sub(r"</(script)", r"<\\/\1", js_text, flags=re.IGNORECASE)
    return js_text.replace("<!--", "<\\!--")


def style_safe(css_text: str) -> str:
    """CSS that cannot end its ``<style>`` element."""
    return re.sub(r"</(style)", r"<\\/\1", css_text, flags=re.IGNORECASE)


@functools.cache
def inline_tag(url: str) -> str:
    """The ``<script>`` / ``<style>`` element replacing the tag of a vendored URL (made once per
    process: the vendored files are part of the package)."""
    relpath = VENDORED_ASSETS[url]
    text = vendored_text(relpath)
    if relpath.endswith(".css"):
        css = _css_with_data_uris(text, (VENDOR_DIR / relpath).parent)
        return f"<style>/* {relpath} */\n{style_safe(css)}</style>"
    js = _SOURCE_MAP.sub("", text)
    return f"<script>/* {relpath} */\n{script_safe(js)}</script>"


def _rewrite(page_html: str, inline: bool) -> str:
    def replace(match: re.Match[str]) -> str:
        url = match.group("js") or match.group("css")
        if url in UNUSED_ASSET_URLS:
            return ""
        if not inline:
            return match.group(0)
        if url not in VENDORED_ASSETS:
            msg = f"asset {url}: got a URL with no vendored copy, expected one of maps/vendor/"
            raise AssetError(msg)
        return inline_tag(url)

    return _ASSET_TAG.sub(replace, page_html)


def prune_unused(page_html: str) -> str:
    """The page without the tags of :data:`UNUSED_ASSET_URLS` (every asset mode)."""
    return _rewrite(page_html, inline=False)


def inline_assets(page_html: str) -> str:
    """The page with every external script and stylesheet written into it (one file).

    Raises :class:`maps.assets.AssetError` for an ``http(s)`` asset with no vendored copy.
    """
    return _rewrite(page_html, inline=True)
