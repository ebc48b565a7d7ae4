"""maps/inline.py: pages carry their vendored assets, drop Folium's unused ones, refuse others."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from maps.assets import AssetError
from maps.inline import (
    UNUSED_ASSET_URLS,
    VENDOR_DIR,
    VENDORED_ASSETS,
    asset_urls,
    inline_assets,
    prune_unused,
    script_safe,
    style_safe,
)
from maps.publish import MapPaths
from tests.browser import OfflineBrowser, map_variable
from tests.maps.address_pages import READY
from tests.maps.map_inputs import MapInputs, write_inputs

LEAFLET_JS = "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js"
LEAFLET_CSS = "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.css"
JQUERY = "https://code.jquery.com/jquery-3.7.1.min.js"


def _page(*tags: str) -> str:
    return "<html><head>" + "".join(tags) + "</head><body><p>map</p></body></html>"


def test_every_vendored_file_and_its_licence_is_in_the_package() -> None:
    for relpath in VENDORED_ASSETS.values():
        assert (VENDOR_DIR / relpath).is_file(), relpath
    for folder in {relpath.split("/")[0] for relpath in VENDORED_ASSETS.values()}:
        licences = list((VENDOR_DIR / folder).glob("*LICEN*"))
        assert licences, f"{folder} has no licence file"
    assert "1.9.3" in (VENDOR_DIR / "leaflet-1.9.3/leaflet.js").read_text()[:200]


def test_inlining_writes_scripts_and_styles_with_images_as_data_uris() -> None:
    page = _page(
        f'<script src="{LEAFLET_JS}"></script>',
        f'<link rel="stylesheet" href="{LEAFLET_CSS}"/>',
        f'<script src="{JQUERY}"></script>',
    )
    inlined = inline_assets(page)
    assert asset_urls(inlined) == []
    assert "<script src=" not in inlined and "<link" not in inlined
    assert "jquery" not in inlined.lower()
    assert inlined.count("<script>") == 1 and inlined.count("<style>") == 1
    assert "/* leaflet-1.9.3/leaflet.js */" in inlined
    # Leaflet's layer icons: data: URIs, no relative url() left (it would not resolve).
    assert re.search(r'url\("data:image/png;base64,[A-Za-z0-9+/=]{100,}"\)', inlined)
    assert "url(images/" not in inlined
    assert "sourceMappingURL" not in inlined
    assert inlined.endswith("<body><p>map</p></body></html>")


def test_unknown_asset_is_refused_by_name_and_unused_ones_are_dropped() -> None:
    page = _page('<script src="https://cdn.example.org/evil.js"></script>')
    with pytest.raises(AssetError, match=r"cdn\.example\.org/evil\.js: got a URL with no"):
        inline_assets(page)
    # cdn mode keeps what it does not know and drops what gapmap never uses
    kept = prune_unused(page + "".join(f'<script src="{u}"></script>' for u in UNUSED_ASSET_URLS))
    assert asset_urls(kept) == ["https://cdn.example.org/evil.js"]


def test_inlined_text_cannot_end_its_element() -> None:
    assert script_safe('x = "</script><script>alert(1)</SCRIPT>";') == (
        'x = "<\\/script><script>alert(1)<\\/SCRIPT>";'
    )
    assert script_safe("a <!-- b") == "a <\\!-- b"
    assert style_safe("a{} </style><script>") == "a{} <\\/style><script>"
    for relpath in VENDORED_ASSETS.values():
        text = (VENDOR_DIR / relpath).read_text(encoding="utf-8")
        safe = script_safe(text) if relpath.endswith(".js") else style_safe(text)
        assert not re.search(r"</(script|style)", safe, re.IGNORECASE), relpath


def test_published_pages_load_nothing_from_the_network(written: MapPaths) -> None:
    for path in [written.overview, *written.kommuner.values()]:
        text = path.read_text(encoding="utf-8")
        assert asset_urls(text) == [], path
        assert not re.search(r"""<(script|img|link)\b[^>]*(src|href)=["']https?:""", text), path
        assert "bootstrap" not in text and "font-awesome" not in text.lower(), path
        assert path.stat().st_size < 450_000, path  # Leaflet and the data


@pytest.mark.browser
def test_cdn_mode_loads_only_leaflet_and_its_plugins_and_draws(
    browser: OfflineBrowser, inputs: MapInputs, tmp_path: Path
) -> None:
    paths = write_inputs(inputs, tmp_path, assets="cdn")
    for path, selector in [
        (paths.kommuner["5001"], READY),
        (paths.overview, "path.leaflet-interactive"),
    ]:
        page, report = browser.open(path.as_uri(), wait_for=selector)
        map_variable(page)
        hosts = {url.split("/")[2] for url in report.assets_served}
        assert hosts <= {"cdn.jsdelivr.net", "cdnjs.cloudflare.com"}, report.assets_served
        assert not [u for u in report.assets_served if u in UNUSED_ASSET_URLS]
        assert any("leaflet.js" in url for url in report.assets_served)
        assert report.problems() == []
        page.context.close()
