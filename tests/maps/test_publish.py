"""maps/publish.py: write_maps puts every page at its contracted path."""

from __future__ import annotations

from maps.publish import MapPaths


def test_files_exist_at_contracted_paths(written: MapPaths) -> None:
    out_dir = written.index.parent
    assert written.index == out_dir / "index.html"
    assert written.overview == out_dir / "maps" / "oversikt.html"
    assert written.kommuner == {
        knr: out_dir / "maps" / "kommune" / f"{knr}.html" for knr in ("5001", "5099")
    }
    for path in [written.index, written.overview, *written.kommuner.values()]:
        assert path.is_file() and path.stat().st_size > 0
