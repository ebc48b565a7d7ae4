"""Road network of the gapmap demo region (fictional, deterministic: no random draw).

In the local kilometres of :mod:`pipeline.synthetic.terrain`:

- main roads follow the fibre trunks of :func:`pipeline.synthetic.region.write_fibre`: Fjordvik to
  Nordheim, Fjordvik along the fjord's north shore to Storlia, Storlia to Dalsbygd;
- valley roads run along the lines the farms are scattered across (Dalsbygda, Nordheimsdalen,
  the fjord's south shore, the north coast, and Bakdalen, reached from Dalsbygda), and a coast
  road from Sørvik by Vågen to the south shore; farm roads cross each farm line every 300 m,
  two spreads of its farms either side;
- every town and village has a 250 m street grid over the disc its addresses fill
  (2.5 spreads);
- the island Ytterøya has none.

Lines are cut where they would cross the sea and noded where they cross (junctions); a piece
left apart is joined to the network by the shortest link over land, or dropped, so the mainland
network is one connected graph.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely
from scipy.sparse import csgraph
from scipy.spatial import cKDTree

from layers.vocabulary import CRS_EPSG
from pipeline.rollout.road_graph import road_graph
from pipeline.synthetic.settlements import FARMS, NORTH_COAST, TOWNS
from pipeline.synthetic.terrain import (
    BAKDALEN,
    DALSBYGDA,
    NORDHEIMSDALEN,
    X0_M,
    Y0_M,
    Line,
    coast_x_km,
    is_sea,
    shore,
)
from pipeline.synthetic.writers import write_roads

STEP_KM = 0.02  # vertex spacing of every road
STREET_SPACING_KM = 0.25
STREET_REACH_SPREADS = 2.5
FARM_ROAD_EVERY_KM = 0.3
FARM_ROAD_REACH_SPREADS = 2.0  # farm roads reach this many spreads of the farms either side
MAX_LINK_KM = 0.6

# (name, kind, polyline in local km)
Road = tuple[str, str, np.ndarray]


def demo_roads() -> gpd.GeoDataFrame:
    """The demo region's roads: ``road_id``, ``name``, ``kind``, LineStrings in EPSG:25833.

    ``kind`` is ``"main"`` (along the fibre trunks), ``"valley"`` (valley, shore and coast
    roads), ``"farm"`` (farm roads across them), ``"street"`` (town and village grids) or
    ``"link"`` (joins a piece to the rest).
    """
    roads = [*_main_roads(), *_valley_roads(), *_streets()]
    pieces = [(name, kind, run) for name, kind, xy_km in roads for run in _land_runs(xy_km)]
    runs_km = [run for _, _, run in pieces]
    lines = np.asarray(
        shapely.linestrings(
            _to_m(np.vstack(runs_km)),
            indices=np.repeat(np.arange(len(runs_km)), [len(run) for run in runs_km]),
        )
    )
    noded = shapely.get_parts(shapely.node(shapely.multilinestrings(lines)))
    source = shapely.STRtree(lines).query_nearest(
        shapely.line_interpolate_point(noded, 0.5, normalized=True), all_matches=False
    )[1]
    names = np.array([name for name, _, _ in pieces], dtype=object)[source]
    kinds = np.array([kind for _, kind, _ in pieces], dtype=object)[source]
    noded, names, kinds = _connected(noded, names, kinds)
    return gpd.GeoDataFrame(
        {"road_id": np.arange(1, len(noded) + 1), "name": names, "kind": kinds},
        geometry=noded,
        crs=CRS_EPSG,
    )


def write_demo_roads(path: Path) -> None:
    """Write :func:`demo_roads` as a GeoPackage (layer ``roads``), replacing ``path``
    (:func:`pipeline.synthetic.writers.write_roads`: the same region gives the same bytes)."""
    write_roads(path, demo_roads())


def _main_roads() -> list[Road]:
    """The fibre trunks' routes (the knots of :func:`pipeline.synthetic.region.write_fibre`)."""
    north_shore_km = shore(0.3, 8.0).knots_km
    trunks_km = {
        "Nordheimsvegen": [(7.6, 16.8), (7.4, 18.5), (7.6, 21.0), (9.5, 23.8), (12.0, 25.4)],
        "Fjordvegen": [(7.6, 16.8), *north_shore_km, (24.4, 16.1), (25.2, 15.5)],
        "Dalsvegen": [(25.2, 15.5), (25.8, 13.0), (25.0, 9.0), (24.0, 4.9)],
    }
    return [(name, "main", _densified(knots)) for name, knots in trunks_km.items()]


def _valley_roads() -> list[Road]:
    """Roads along the farm lines, each with farm roads across it every ``FARM_ROAD_EVERY_KM``."""
    roads = [
        ("Dalsbygdvegen", "valley", _along(DALSBYGDA, 3.5, 36.0)),
        ("Nordheimsdalsvegen", "valley", _along(NORDHEIMSDALEN, 3.5, 36.0)),
        ("Sørstrandvegen", "valley", _along(shore(-0.5, 8.5), 8.5, 23.0)),
        ("Kystvegen", "valley", _along(NORTH_COAST, 18.6, 23.8)),
        ("Lisvegen", "valley", _coast_road()),
        ("Bakdalsvegen", "valley", _bakdalen_road()),
    ]
    for farms in FARMS:
        if farms.line is None:  # the island: no roads
            continue
        reach_km = FARM_ROAD_REACH_SPREADS * farms.spread_km
        across_km = np.arange(-reach_km, reach_km + 1e-9, STEP_KM)
        for along_km in np.arange(*farms.along_km, FARM_ROAD_EVERY_KM):
            xy_km = farms.line.to_xy_km(np.full(across_km.size, along_km), across_km)
            roads.append((f"{farms.name} gardsveg", "farm", np.column_stack(xy_km)))
    return roads


def _coast_road() -> np.ndarray:
    """Sørvik, north along the coast (0.8 km inland) by Vågen, then east to the south shore."""
    y_km = np.arange(4.0, 13.51, 0.25)
    knots = [(6.6, 3.5), *zip(coast_x_km(y_km) + 0.8, y_km, strict=True)]
    return _densified([*knots, shore(-0.5, 8.5).knots_km[0]])


def _bakdalen_road() -> np.ndarray:
    """From Dalsbygda north to the foot of Bakdalen, then up the valley."""
    foot_y_km, end_y_km = BAKDALEN.along_range_km
    foot_x_km = float(BAKDALEN.across_km(np.array(foot_y_km)))
    valley_y_km = float(DALSBYGDA.across_km(np.array(foot_x_km)))
    access_km = _densified([(foot_x_km, valley_y_km), (foot_x_km, foot_y_km)])
    return np.vstack([access_km, _along(BAKDALEN, foot_y_km, end_y_km)[1:]])


def _streets() -> list[Road]:
    """A street grid per town and village, east-west and north-south, over its disc."""
    streets = []
    for town in TOWNS:
        reach_km = STREET_REACH_SPREADS * town.spread_km
        n_streets = int(reach_km // STREET_SPACING_KM)
        for offset_km in np.arange(-n_streets, n_streets + 1) * STREET_SPACING_KM:
            half_km = np.sqrt(reach_km**2 - offset_km**2)
            along_km = np.arange(-half_km, half_km + 1e-9, STEP_KM)
            across_km = np.full(along_km.size, offset_km)
            for xy_km in (
                np.column_stack([along_km, across_km]),
                np.column_stack([across_km, along_km]),
            ):
                streets.append((town.name, "street", np.asarray(town.centre_km) + xy_km))
    return streets


def _along(line: Line, start_km: float, end_km: float, offset_km: float = 0.0) -> np.ndarray:
    """Points every ``STEP_KM`` along a line between two along positions, ``offset_km`` across."""
    along_km = np.arange(start_km, end_km + 1e-9, STEP_KM)
    return np.column_stack(line.to_xy_km(along_km, np.full(along_km.size, offset_km)))


def _densified(knots_km: Sequence[tuple[float, float]]) -> np.ndarray:
    """A polyline through the knots with a vertex at least every ``STEP_KM``."""
    return shapely.get_coordinates(shapely.segmentize(shapely.LineString(knots_km), STEP_KM))


def _land_runs(xy_km: np.ndarray) -> list[np.ndarray]:
    """The stretches of a polyline whose vertices are all on land (2 vertices or more)."""
    on_land = ~is_sea(xy_km[:, 0], xy_km[:, 1])
    breaks = np.flatnonzero(np.diff(on_land.astype(np.int8))) + 1
    runs = np.split(xy_km, breaks)
    land = np.split(on_land, breaks)
    return [run for run, keep in zip(runs, land, strict=True) if keep[0] and len(run) > 1]


def _to_m(xy_km: np.ndarray) -> np.ndarray:
    return np.round(xy_km * 1000.0 + [X0_M, Y0_M], 2)


def _connected(
    lines: np.ndarray, names: np.ndarray, kinds: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The largest network, with every piece apart from it linked to it (or dropped).

    A piece is linked by a straight road between its vertex and the network's vertex that are
    closest, when that link is at most ``MAX_LINK_KM`` long and over land; else it is dropped.
    """
    road = road_graph(gpd.GeoDataFrame(geometry=lines, crs=CRS_EPSG), snap_tolerance_m=0.0)
    _, component = csgraph.connected_components(road.graph, directed=False)
    main = int(np.argmax(np.bincount(component)))
    main_xy_m = road.node_xy_m[component == main]
    main_tree = cKDTree(main_xy_m)
    start_xy_m = shapely.get_coordinates(shapely.get_point(lines, 0))
    line_component = component[road.nearest_node(start_xy_m[:, 0], start_xy_m[:, 1])[1]]
    joined, links, link_names = [main], [], []
    for piece in np.unique(component[component != main]):  # a loop over pieces, a few dozen
        link = _link(road.node_xy_m[component == piece], main_xy_m, main_tree)
        if link is not None:
            joined.append(piece)
            links.append(link)
            link_names.append(names[np.argmax(line_component == piece)])
    keep = np.isin(line_component, joined)
    return (
        np.r_[lines[keep], np.array(links, dtype=object)],
        np.r_[names[keep], np.array(link_names, dtype=object)],
        np.r_[kinds[keep], np.full(len(links), "link", dtype=object)],
    )


def _link(
    piece_xy_m: np.ndarray, main_xy_m: np.ndarray, main_tree: cKDTree
) -> shapely.LineString | None:
    """The shortest straight road from a piece's vertices to the network's, if short and dry."""
    distance_m, nearest = main_tree.query(piece_xy_m)
    closest = int(np.argmin(distance_m))
    if distance_m[closest] > MAX_LINK_KM * 1000:
        return None
    ends_m = [piece_xy_m[closest], main_xy_m[nearest[closest]]]
    link = shapely.segmentize(shapely.LineString(ends_m), STEP_KM * 1000)
    link_km = (shapely.get_coordinates(link) - [X0_M, Y0_M]) / 1000
    return None if is_sea(link_km[:, 0], link_km[:, 1]).any() else link
