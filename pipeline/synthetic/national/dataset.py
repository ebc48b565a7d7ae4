"""The files of a national set: their names in the set's folder, and what a build reports."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

ADDRESS_ZIP = "Basisdata_0000_Norge_25833_MatrikkelenAdresse_CSV.zip"
ADDRESS_MEMBER = "Basisdata_0000_Norge_25833_MatrikkelenAdresse_CSV/matrikkelen.csv"
ZIP_DATE_TIME = (2025, 1, 2, 5, 31, 12)  # fixed, so the zip is byte-identical per seed
ROADS_FILE = "veger.gpkg"


@dataclass
class NationalDataset:
    """Paths of the files written, rows per layer and build figures."""

    root: Path
    config: Path
    kommuner: Path
    addresses: Path
    offers: Path
    sites: Path
    fibre: Path
    dtm: Path
    roads: Path | None = None
    rows: dict[str, int] = field(default_factory=dict)
    figures: dict[str, float] = field(default_factory=dict)
    step_seconds: dict[str, float] = field(default_factory=dict)


def dataset_paths(root: Path, roads: bool) -> NationalDataset:
    """The paths of a set's files in ``root`` (``veger.gpkg`` only with ``roads``)."""
    return NationalDataset(
        root=root,
        config=root / "gapmap.toml",
        kommuner=root / "kommuner.geojson",
        addresses=root / ADDRESS_ZIP,
        offers=root / "dekning.csv",
        sites=root / "master.csv",
        fibre=root / "fiber.geojson",
        dtm=root / "terreng.tif",
        roads=root / ROADS_FILE if roads else None,
    )
