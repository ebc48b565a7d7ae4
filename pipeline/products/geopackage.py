"""The run's GeoPackage ``gapmap.gpkg``: the layers a QGIS user opens coloured and labelled.

One file per run (EPSG:25833) with the layers

- ``adresser_under_mal``: addresses below the map target (class per target, best offer, cost,
  households); always present, empty when every address meets the target;
- ``kommuner``: kommune polygons with their gap-table row; always present;
- ``prosjektomrader``, ``nye_master``, ``fiber``, ``master``: project areas, proposed masts,
  existing fibre and existing wireless sites, each **omitted** when the run has none.

Field names stay the machine names other tools read; each field gets a Norwegian alias in
``gpkg_data_columns`` (GDAL ≥ 3.7 reads it as the field's alternative name, which QGIS shows)
and in the QML ``<aliases>`` (which every QGIS 3 reads). Each layer gets one default QGIS
style in the ``layer_styles`` table (:mod:`pipeline.products.gpkg_styles`), so QGIS opens it
styled.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import geopandas as gpd
import pandas as pd

from layers.vocabulary import CRS_EPSG
from maps.style import TargetSpec
from pipeline.products import gpkg_styles
from pipeline.products.columns_nb import Table, UnknownColumnError, describe
from pipeline.products.gpkg_metadata import write_metadata
from pipeline.products.qgis_styles import LayerStyle

GEOPACKAGE = "gapmap.gpkg"
ADDRESSES_LAYER = "adresser_under_mal"
KOMMUNER_LAYER = "kommuner"
AREAS_LAYER = "prosjektomrader"
NEW_SITES_LAYER = "nye_master"
FIBRE_LAYER = "fiber"
SITES_LAYER = "master"
# Each layer's human-readable name (``{speed}``: the map target's speeds), unique in the file.
LAYER_TITLES_NB: dict[str, str] = {
    ADDRESSES_LAYER: "Adresser under {speed}",
    KOMMUNER_LAYER: "Kommuner: andel husstander under {speed}",
    AREAS_LAYER: "Prosjektområder",
    NEW_SITES_LAYER: "Foreslåtte nye master",
    FIBRE_LAYER: "Eksisterende fiber",
    SITES_LAYER: "Eksisterende master (FWA og mobil)",
}
GPKG_VERSION = "1.2"  # QGIS on GDAL < 3.7 warns on 1.4, GDAL's default

# The address fields the layer keeps (those the run has), the class columns go after the text.
ADDRESS_FIELDS = (
    "address_id",
    "kommunenummer",
    "kommunenavn",
    "address_text",
    "households",
    "best_technology",
    "best_operator",
    "best_down_mbps",
    "best_up_mbps",
    "cost_option",
    "cost_nok",
    "lifetime_cost_nok",
    "new_site_id",
    "area_status",
    "fwa_doubtful",
    "x_m",
    "y_m",
)
NEW_SITE_FIELDS = (
    "site_id",
    "kommunenummer",
    "area_id",  # the project area (stable: pipeline/rollout/area_ids.py), not the cluster
    "antenna_height_m",
    "fixed_cost_nok",
    "households_reached",
    "households_taking",
    "x_m",
    "y_m",
)

# The fields' Norwegian aliases (what QGIS shows), by machine name. To be joined at merge with
# pipeline/products/columns_nb.py (column -> Norwegian header), which should then win.
# The layers whose fields are published columns, named as in the tables (columns_nb).
ALIAS_TABLES: dict[str, Table] = {ADDRESSES_LAYER: "address", KOMMUNER_LAYER: "gap"}
# The aliases of the other layers' fields (sites, masts, fibre, areas) and of address fields
# the downloads do not carry.
FIELD_ALIASES_NB: dict[str, str] = {
    "fid": "Objekt-ID",
    "address_id": "Adresse-ID",
    "kommunenummer": "Kommunenummer",
    "kommunenavn": "Kommune",
    "fylkesnummer": "Fylkesnummer",
    "fylkesnavn": "Fylke",
    "address_text": "Adresse",
    "addresses": "Adresser",
    "households": "Husstander",
    "best_technology": "Beste tilbud, teknologi",
    "best_operator": "Beste tilbud, tilbyder",
    "best_down_mbps": "Beste tilbud, ned (Mbit/s)",
    "best_up_mbps": "Beste tilbud, opp (Mbit/s)",
    "cost_option": "Billigste utbygging",
    "cost_nok": "Kostnad (kr)",
    "lifetime_cost_nok": "Livsløpskostnad (kr)",
    "cost_per_household_nok": "Kostnad per husstand (kr)",
    "median_cost_per_household_nok": "Median kostnad per husstand (kr)",
    "households_below_cost_target": "Husstander under kostnadsmålet",
    "subsidy_need_nok": "Tilskuddsbehov (kr)",
    "subsidy_need_per_household_nok": "Tilskuddsbehov per husstand (kr)",
    "routes_capped": "Avkortede traséer",
    "fwa_doubtful": "Tvilsomt FWA-tilbud",
    "fwa_doubtful_households": "Husstander med tvilsomt FWA-tilbud",
    "area_status": "Utbyggingsområde (planlagt/finansiert)",
    "area_id": "Område-ID",
    "cluster_id": "Klynge-ID",
    "new_site_id": "Ny mast",
    "site_id": "Mast-ID",
    "operator": "Tilbyder",
    "technology": "Teknologi",
    "kind": "Type",
    "antenna_height_m": "Antennehøyde (m)",
    "frequency_mhz": "Frekvens (MHz)",
    "max_range_m": "Rekkevidde (m)",
    "down_mbps": "Ned (Mbit/s)",
    "up_mbps": "Opp (Mbit/s)",
    "fixed_cost_nok": "Fast kostnad (kr)",
    "households_reached": "Husstander innen rekkevidde",
    "households_taking": "Husstander som bruker masten",
    "x_m": "Øst (m, UTM 33)",
    "y_m": "Nord (m, UTM 33)",
}


def field_aliases(
    fields: Sequence[str], targets: Sequence[TargetSpec], table: Table | None = None
) -> dict[str, str]:
    """The Norwegian alias of ``fid`` and each of ``fields`` that has one: the published
    header (:func:`pipeline.products.columns_nb.describe`) for a column of the gap table or the
    address downloads (``table``), else :data:`FIELD_ALIASES_NB` (the map layers' own fields)."""
    aliases = {"fid": FIELD_ALIASES_NB["fid"]}
    for name in fields:
        try:
            if table is None:
                raise UnknownColumnError(name)
            aliases[name] = describe(name, targets, table).header
        except UnknownColumnError:
            if name in FIELD_ALIASES_NB:
                aliases[name] = FIELD_ALIASES_NB[name]
    return aliases


@dataclass(frozen=True)
class GeoPackageInputs:
    """What the GeoPackage is made of: the run's address rows (a point ``geometry`` in
    EPSG:25833), its targets and map target, the gap table and kommune polygons, and the
    optional project areas, proposed masts (``x_m``/``y_m``), fibre lines and wireless sites."""

    results: pd.DataFrame
    targets: Sequence[TargetSpec]
    map_target: str
    gap_table: pd.DataFrame
    kommuner: gpd.GeoDataFrame
    areas: gpd.GeoDataFrame | None = None
    new_sites: pd.DataFrame | None = None
    fibre: gpd.GeoDataFrame | None = None
    sites: gpd.GeoDataFrame | None = None


@dataclass(frozen=True)
class GpkgLayer:
    """One layer as written: its name, features, QGIS style and Norwegian title."""

    name: str
    frame: gpd.GeoDataFrame
    style: LayerStyle
    title_nb: str = ""  # gpkg_contents.identifier: the layer's human-readable name


def geopackage_layers(inputs: GeoPackageInputs) -> list[GpkgLayer]:
    """The layers of :data:`GEOPACKAGE`, in drawing order from the top; the optional ones
    only when they hold a feature."""
    target = _map_target(inputs)
    addresses = address_layer(inputs.results, inputs.targets, target.name)
    kommuner = kommune_layer(inputs.kommuner, inputs.gap_table)
    layers = [
        GpkgLayer(ADDRESSES_LAYER, addresses, gpkg_styles.address_style(target)),
    ]
    masts = new_site_layer(inputs.new_sites)
    if len(masts):
        layers.append(GpkgLayer(NEW_SITES_LAYER, masts, gpkg_styles.new_site_style()))
    if inputs.sites is not None and len(inputs.sites):
        sites = _in_crs(inputs.sites.drop(columns=["row_number"], errors="ignore"))
        layers.append(GpkgLayer(SITES_LAYER, sites, gpkg_styles.site_style()))
    if inputs.fibre is not None and len(inputs.fibre):
        layers.append(GpkgLayer(FIBRE_LAYER, _in_crs(inputs.fibre), gpkg_styles.fibre_style()))
    if inputs.areas is not None and len(inputs.areas):
        layers.append(GpkgLayer(AREAS_LAYER, _in_crs(inputs.areas), gpkg_styles.area_style()))
    layers.append(GpkgLayer(KOMMUNER_LAYER, kommuner, gpkg_styles.kommune_style(kommuner, target)))
    return [
        replace(
            layer,
            style=replace(
                layer.style,
                aliases=field_aliases(
                    _fields(layer.frame), inputs.targets, ALIAS_TABLES.get(layer.name)
                ),
            ),
            title_nb=LAYER_TITLES_NB[layer.name].format(speed=target.speed_label_nb),
        )
        for layer in layers
    ]


def write_geopackage(folder: Path, layers: Sequence[GpkgLayer]) -> str:
    """Write ``layers`` into ``folder/gapmap.gpkg`` (replacing it), then their aliases and
    default styles; returns the path relative to ``folder``."""
    path = folder / GEOPACKAGE
    path.unlink(missing_ok=True)
    for index, layer in enumerate(layers):
        options = {"dataset_options": {"VERSION": GPKG_VERSION}} if index == 0 else {}
        layer.frame.to_file(
            path,
            layer=layer.name,
            driver="GPKG",
            engine="pyogrio",
            geometry_type=_geometry_type(layer),
            promote_to_multi=layer.style.geometry != "Point",
            layer_options={"IDENTIFIER": layer.title_nb or layer.name},
            **options,
        )
    write_metadata(
        path, [(layer.name, list(_fields(layer.frame)), layer.style) for layer in layers]
    )
    return str(path.relative_to(folder))


def address_layer(
    results: pd.DataFrame, targets: Sequence[TargetSpec], map_target: str
) -> gpd.GeoDataFrame:
    """The addresses whose class for ``map_target`` is not ``served``, with the fields of
    :data:`ADDRESS_FIELDS` the run has, ``class_<target>`` for every target and, when the run
    has them, the reason for the gap and its evidence per target (:mod:`pipeline.reasons`)."""
    classes = [f"class_{t.name}" for t in targets]
    reasons = [f"{stem}_{t.name}" for t in targets for stem in ("reason", "reason_evidence")]
    wanted = [*ADDRESS_FIELDS[:5], *classes, *reasons, *ADDRESS_FIELDS[5:]]
    below = results[f"class_{map_target}"] != "served"
    columns = [c for c in wanted if c in results.columns]
    rows = results.loc[below, [*columns, "geometry"]].reset_index(drop=True)
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=CRS_EPSG)


def kommune_layer(kommuner: gpd.GeoDataFrame, gap_table: pd.DataFrame) -> gpd.GeoDataFrame:
    """Each kommune polygon with its gap-table row (``level == "kommune"``; the name from the
    polygon layer), ``kommunenummer`` order; a kommune without a row keeps empty figures."""
    rows = gap_table.loc[gap_table["level"] == "kommune"].drop(
        columns=["level", "kommunenavn"], errors="ignore"
    )
    shapes = _in_crs(kommuner[["kommunenummer", "kommunenavn", "geometry"]])
    merged = shapes.merge(rows, on="kommunenummer", how="left", validate="one_to_one")
    merged = merged.sort_values("kommunenummer", kind="stable").reset_index(drop=True)
    return gpd.GeoDataFrame(merged, geometry="geometry", crs=CRS_EPSG)


def new_site_layer(new_sites: pd.DataFrame | None) -> gpd.GeoDataFrame:
    """The proposed masts as points at ``x_m``/``y_m`` (none: an empty layer)."""
    sites = new_sites if new_sites is not None else pd.DataFrame(columns=list(NEW_SITE_FIELDS))
    columns = [c for c in NEW_SITE_FIELDS if c in sites.columns]
    points = gpd.points_from_xy(sites["x_m"].astype(float), sites["y_m"].astype(float))
    return gpd.GeoDataFrame(sites[columns].reset_index(drop=True), geometry=points, crs=CRS_EPSG)


def _map_target(inputs: GeoPackageInputs) -> TargetSpec:
    for target in inputs.targets:
        if target.name == inputs.map_target:
            return target
    msg = (
        f"map target got {inputs.map_target!r}, expected one of {[t.name for t in inputs.targets]}"
    )
    raise ValueError(msg)


def _in_crs(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """``frame`` in EPSG:25833 (a frame without a CRS is taken to be in it already)."""
    if frame.crs is None:
        return frame.set_crs(CRS_EPSG)
    return frame.to_crs(CRS_EPSG)


def _fields(frame: gpd.GeoDataFrame) -> list[str]:
    return [str(c) for c in frame.columns if c != frame.geometry.name]


def _geometry_type(layer: GpkgLayer) -> str:
    return {"Point": "Point", "LineString": "MultiLineString", "Polygon": "MultiPolygon"}[
        layer.style.geometry
    ]
