"""maps/overview.py: the overview map links each kommune to its map."""

from __future__ import annotations

from maps.publish import MapPaths


def test_overview_links_to_kommune_maps_relatively(written: MapPaths) -> None:
    text = written.overview.read_text(encoding="utf-8")
    for knr in written.kommuner:
        # GeoJSON is embedded with folium's escaped JSON: `=` and quotes survive as \u0022 etc.
        assert f"kommune/{knr}.html" in text
        assert (written.overview.parent / f"kommune/{knr}.html").is_file()
    assert "Andel husstander under 100/10 Mbit/s (%)" in text
