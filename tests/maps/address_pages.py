"""What the address layer's browser tests read from a page: readiness, the layer's state and
the class colours on its canvas."""

from __future__ import annotations

import base64
import gzip
import json
import re
import time
from typing import Any

from maps import style
from maps.address_data import unpack_columns
from tests.browser import OfflineBrowser, PageReport

READY = "body[data-gapmap-ready='true']"

_CLASS_PIXELS_JS = """colors => {
    const canvas = document.querySelector('canvas.gapmap-addr-canvas');
    const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    const wanted = {}, counts = {};
    for (const [code, hex] of Object.entries(colors)) {
        wanted[parseInt(hex.slice(1), 16)] = code; counts[code] = 0;
    }
    for (let i = 0; i < data.length; i += 4) {
        if (data[i + 3] !== 255) { continue; }
        const code = wanted[(data[i] << 16) | (data[i + 1] << 8) | data[i + 2]];
        if (code !== undefined) { counts[code] += 1; }
    }
    return counts;
}"""


def open_ready(browser: OfflineBrowser, url: str, **options: Any) -> tuple[Any, PageReport, float]:
    """Open a kommune map and wait until its addresses are decoded and drawn; the seconds
    from navigation to ready."""
    started = time.perf_counter()
    page, report = browser.open(url, wait_for=READY, **options)
    return page, report, time.perf_counter() - started


def class_pixels(page: Any) -> dict[str, int]:
    """Pixels of the address canvas in each class's exact colour (fills, not edges)."""
    colors = {c.code: c.color for c in style.CLASS_STYLES}
    return dict(page.evaluate(_CLASS_PIXELS_JS, colors))


def layer_state(page: Any) -> dict[str, Any]:
    """``window.gapmapAddresses.state()``: mode, target, zoom, points drawn, bins."""
    return dict(page.evaluate("() => window.gapmapAddresses.state()"))


def set_view(page: Any, lat: float, lon: float, zoom: int) -> None:
    """Move the map and wait until the layer has drawn the new view."""
    page.evaluate(
        """([lat, lon, zoom]) => new Promise(resolve => {
            const map = window.gapmapAddresses.layer._map;
            map.once('moveend', () => setTimeout(resolve, 50));
            map.setView([lat, lon], zoom, {animate: false});
        })""",
        [lat, lon, zoom],
    )


def page_addresses(page_html: str) -> dict[str, Any]:
    """The address columns a kommune map page carries, decoded in Python as its script decodes
    them (the layer's config ``C`` and its base64 ``payload``)."""
    config = json.loads(re.search(r"var C = (\{.*?\});\n", page_html).group(1))  # type: ignore[union-attr]
    payload = json.loads(re.search(r"var payload = (\".*?\");", page_html).group(1))  # type: ignore[union-attr]
    return unpack_columns(gzip.decompress(base64.b64decode(payload)), config["columns"])
