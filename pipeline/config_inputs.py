"""The ``[inputs]`` section: the paths of the input layers and the CRS overrides of vector files.

Part of the configuration schema (:mod:`pipeline.config_schema`; import from
:mod:`pipeline.config`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from layers.errors import ConfigError


@dataclass(frozen=True)
class Inputs:
    """Paths of the input layers (relative paths resolve against the config file's folder)."""

    kommuner: Path
    addresses: Path
    offers: Path
    dtm: Path | None = None
    sites: Path | None = None
    fibre: Path | None = None
    fylker: Path | None = None  # fylke names; default: the 15 fylker of 2024
    speed_squares: tuple[Path, ...] = ()  # Nkom 100 m squares by speed class (one file per class)
    lacking_30: Path | None = None  # Nkom list of addresses lacking 30 Mbit/s
    lacking_100: Path | None = None  # Nkom list of addresses lacking 100 Mbit/s
    planned_areas: Path | None = None  # polygons of planned builds
    funded_areas: Path | None = None  # polygons of areas already granted subsidy
    roads: Path | None = None  # road lines (GeoPackage/GeoJSON): fibre routes follow roads
    roads_layer: str = ""  # the layer of a GeoPackage with several ("" = its only layer)
    # CSV kommunenummer;cost_factor: trench price multiplier per kommune (absent = 1.0)
    kommune_cost_factors: Path | None = None
    # the CRS of a vector input's coordinates ("EPSG:25832"), overriding the file's own: for a
    # file that names none (shapefile without .prj, GeoJSON with "crs": null) or the wrong one
    # (UTM metres in a GeoJSON without a "crs" member); "" = the file's own CRS
    kommuner_crs: str = ""
    fibre_crs: str = ""
    planned_areas_crs: str = ""
    funded_areas_crs: str = ""
    roads_crs: str = ""
    nkom_addresses: Path | None = None  # Nkom's address register adr (.parquet or CSV)
    nkom_fixed: Path | None = None  # Nkom's fixed broadband per address fbb (.parquet or CSV)
    nkom_mobile: Path | None = None  # Nkom's mobile coverage per address mob (.parquet or CSV)
    offers_date: str = ""  # YYYY-MM-DD: the offers file's date where its rows give none
    lacking_30_date: str = ""  # YYYY-MM-DD: the date of the list lacking 30 Mbit/s
    lacking_100_date: str = ""  # YYYY-MM-DD: the date of the list lacking 100 Mbit/s
    # Nkom's list of buildings under the 5G coverage obligation (CSV/KML/Parquet: adresseid or
    # coordinates); those buildings are not eligible for support (pipeline/eligibility.py)
    obligation_5g: Path | None = None
    # Kartverket's Matrikkelen Bygningspunkt (GeoPackage/GeoJSON/FGDB): who lives at an address
    buildings: Path | None = None
    # clutter for wireless line of sight (pipeline/radio/clutter.py), one or the other:
    # a surface model (DOM) as the DTM (a GeoTIFF/VRT or a folder of tiles, any projected CRS)
    dom: Path | None = None
    # forest polygons (GeoPackage/GeoJSON/shapefile): NIBIO AR50, Kartverket N50 Arealdekke
    forest: Path | None = None
    forest_layer: str = ""  # the layer of a file with several ("" = its first)
    forest_crs: str = ""  # as the other *_crs: overrides the file's own CRS
    # the column holding the land-cover class and its values that are forest (AR50: artype,
    # ["30"]; N50 Arealdekke: objtype, ["Skog"]); "" = every polygon of the file is forest
    forest_column: str = ""
    forest_values: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.dom is not None and self.forest is not None:
            msg = (
                "[inputs]: got both dom and forest, expected one: the DOM already holds the"
                " trees (as obstacles); remove forest, or dom to use the forest polygons"
            )
            raise ConfigError(msg)
        if bool(self.forest_column) != bool(self.forest_values):
            msg = (
                f"[inputs].forest_column = {self.forest_column!r}, forest_values ="
                f" {list(self.forest_values)}: expected both (the column and its values that"
                ' are forest, e.g. "artype" and ["30"]) or neither (every polygon is forest)'
            )
            raise ConfigError(msg)
