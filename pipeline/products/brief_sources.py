"""What the kommune briefs (:mod:`pipeline.products.briefs`) are made of: a publication's
tables, manifest and map layers read from its folder (:func:`read_publication`), and the
publication cut by kommune once (:class:`KommuneShares`).

Each brief reads the publication's tables filtered to its kommune; filtering the national
tables (cost curve, project areas, reasons, changes, trend, the GeoPackage's layers) once per
brief was a fixed cost of every brief. :class:`KommuneShares` groups each table's rows by
``kommunenummer`` once per worker and hands each brief the publication with its kommune's rows
only: the same rows in the same order, so the same brief.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from layers.errors import InputError
from maps.style import TargetSpec

KEYS = {"kommunenummer": str, "fylkesnummer": str, "previous_run_id": str, "run_id": str}
OPTIONAL_TABLES = ("gap_reasons", "changes_summary", "trend", "scenarios")
GPKG_LAYERS = {"outlines": "kommuner", "below": "adresser_under_mal", "shapes": "prosjektomrader"}


@dataclass(frozen=True)
class Publication:
    """What a brief is made of: a publication's tables, its manifest and its map layers
    (None where the publication lacks them)."""

    folder: Path
    manifest: Mapping[str, Any]
    gap_table: pd.DataFrame
    cost_curve: pd.DataFrame
    areas: pd.DataFrame | None
    optional: Mapping[str, pd.DataFrame | None]
    layers: Mapping[str, gpd.GeoDataFrame | None]
    kommune_numbers: tuple[str, ...] = ()  # the gap table's kommuner, sorted (read once)

    @property
    def targets(self) -> list[TargetSpec]:
        return [
            TargetSpec(name, float(t["down_mbps"]), t.get("up_mbps"), str(t["label_nb"]))
            for name, t in self.manifest.get("targets", {}).items()
        ]

    def target(self, name: str) -> TargetSpec:
        known = {t.name: t for t in self.targets}
        if name not in known:
            msg = f"{self.folder / 'manifest.json'}: target {name!r} not in targets {sorted(known)}"
            raise InputError(msg)
        return known[name]

    @property
    def map_target(self) -> TargetSpec:
        return self.target(self.manifest["config"]["classify"]["map_target"])

    @property
    def cost_target(self) -> TargetSpec:
        return self.target(self.manifest["config"]["cost"]["target"])

    def kommunenummer(self) -> list[str]:
        """The kommuner of the gap table, sorted."""
        return list(self.kommune_numbers) or gap_kommuner(self.gap_table)


def gap_kommuner(gap_table: pd.DataFrame) -> list[str]:
    """The kommunenummer of a gap table's kommune rows, sorted."""
    rows = gap_table[gap_table["level"] == "kommune"]
    return sorted(rows["kommunenummer"].dropna().astype(str))


def _read_csv(path: Path) -> pd.DataFrame:
    try:
        return pd.read_csv(path, dtype=KEYS, keep_default_na=True)
    except (OSError, ValueError) as exc:
        msg = f"{path}: cannot read the published table ({exc}); expected a CSV written by gapmap"
        raise InputError(msg) from exc


def _read_layer(gpkg: Path, layer: str) -> gpd.GeoDataFrame | None:
    import pyogrio

    if not gpkg.is_file() or layer not in pyogrio.list_layers(gpkg)[:, 0]:
        return None
    return gpd.read_file(gpkg, layer=layer)


def read_publication(folder: Path) -> Publication:
    """Read what the briefs need from a published run folder; :class:`InputError` names the
    file missing when the folder is no publication."""
    manifest_path, gap_path = folder / "manifest.json", folder / "tables" / "gap_table.csv"
    for required in (manifest_path, gap_path):
        if not required.is_file():
            msg = f"{required}: not found; expected a gapmap publication (a run's folder)"
            raise InputError(msg)
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    tables = folder / "tables"
    curve = tables / "cost_curve.csv"
    areas = tables / "project_areas.csv"
    optional = {
        name: _read_csv(tables / f"{name}.csv") if (tables / f"{name}.csv").is_file() else None
        for name in OPTIONAL_TABLES
    }
    gap_table = _read_csv(gap_path)
    return Publication(
        folder=folder,
        manifest=manifest,
        gap_table=gap_table,
        cost_curve=_read_csv(curve) if curve.is_file() else pd.DataFrame(),
        areas=_read_csv(areas) if areas.is_file() else None,
        optional=optional,
        layers={k: _read_layer(folder / "gapmap.gpkg", v) for k, v in GPKG_LAYERS.items()},
        kommune_numbers=tuple(gap_kommuner(gap_table)),
    )


def _rows_by_kommune(frame: pd.DataFrame | None) -> Mapping[Any, Any] | None:
    """The positions of each kommune's rows of ``frame`` (None: no such table)."""
    if frame is None or "kommunenummer" not in frame.columns:
        return None
    return frame.groupby(frame["kommunenummer"], sort=False).indices


def _kommune_rows(frame: Any, groups: Mapping[Any, Any] | None, knr: str) -> Any:
    """The rows of one kommune, in their order (all of ``frame`` when it was not grouped)."""
    if frame is None or groups is None:
        return frame
    return frame.iloc[groups.get(knr, [])]


class KommuneShares:
    """A publication cut by kommune once: :meth:`of` is the publication with every table but
    the gap table narrowed to one kommune's rows (the gap table stays whole: the brief shows
    the fylke and the total too). Every brief reads its tables filtered to its kommune, so the
    brief is the same, at a fraction of the cost of filtering the national tables per brief."""

    def __init__(self, publication: Publication) -> None:
        self.publication = publication
        self.curve_groups = _rows_by_kommune(publication.cost_curve)
        self.area_groups = _rows_by_kommune(publication.areas)
        self.optional_groups = {k: _rows_by_kommune(v) for k, v in publication.optional.items()}
        self.layer_groups = {k: _rows_by_kommune(v) for k, v in publication.layers.items()}

    def of(self, knr: str) -> Publication:
        """The publication as :func:`brief_content` of ``knr`` reads it."""
        publication = self.publication
        return replace(
            publication,
            cost_curve=_kommune_rows(publication.cost_curve, self.curve_groups, knr),
            areas=_kommune_rows(publication.areas, self.area_groups, knr),
            optional={
                k: _kommune_rows(v, self.optional_groups[k], knr)
                for k, v in publication.optional.items()
            },
            layers={
                k: _kommune_rows(v, self.layer_groups[k], knr)
                for k, v in publication.layers.items()
            },
        )
