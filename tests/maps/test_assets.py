"""maps/assets.py: the CDN URLs the pages use map to files of the npm cache."""

from __future__ import annotations

from pathlib import Path

from maps.assets import is_tile_url, resolve_asset


def test_cdn_urls_map_to_npm_files(tmp_path: Path) -> None:
    modules = tmp_path / "node_modules"
    for relpath in (
        "leaflet/dist/leaflet.js",
        "d3/d3.min.js",
        "jquery/dist/jquery.min.js",
        "leaflet.awesome-markers/dist/leaflet.awesome-markers.css",
        "@fortawesome/fontawesome-free/css/all.min.css",
    ):
        (modules / relpath).parent.mkdir(parents=True, exist_ok=True)
        (modules / relpath).write_text("/* */")
    cases = {
        "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js": "leaflet/dist/leaflet.js",
        "https://cdnjs.cloudflare.com/ajax/libs/d3/3.5.5/d3.min.js": "d3/d3.min.js",
        "https://code.jquery.com/jquery-3.7.1.min.js": "jquery/dist/jquery.min.js",
        "https://cdnjs.cloudflare.com/ajax/libs/Leaflet.awesome-markers/2.0.2/"
        "leaflet.awesome-markers.css": "leaflet.awesome-markers/dist/leaflet.awesome-markers.css",
        "https://cdn.jsdelivr.net/npm/@fortawesome/fontawesome-free@6.2.0/css/all.min.css": (
            "@fortawesome/fontawesome-free/css/all.min.css"
        ),
    }
    for url, relpath in cases.items():
        asset = resolve_asset(url, tmp_path)
        assert asset is not None and asset.path == modules / relpath, url
    assert resolve_asset("https://cdn.example.org/evil.js", tmp_path) is None
    assert resolve_asset("https://cdn.jsdelivr.net/npm/vega@5/vega.js", tmp_path) is None
    assert is_tile_url("https://tile.openstreetmap.org/5/16/8.png")
    assert not is_tile_url("https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/images/layers.png")
