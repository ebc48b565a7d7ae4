"""What a run's map products are built from: the published tables, checked, and each kommune's
share of them.

:class:`MapSources` names and documents the inputs of :func:`maps.publish.write_maps`;
:func:`validate_sources` checks their columns (saying what was got and what was expected);
:class:`KommuneSlices` cuts them into the :class:`maps.kommune.KommuneMapInputs` of each kommune's
map (its addresses, project areas, masts, cost-curve panel, fibre and sites).
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import geopandas as gpd
import numpy as np
import pandas as pd

from layers.errors import InputError
from layers.tables import require_columns
from maps.address_data import encoded_columns
from maps.context import SITE_COLUMNS, clip_fibre, clip_sites, kommune_window, to_metric
from maps.cost_panel import CostCurvePanel, LastShareCost
from maps.kommune import KommuneMapInputs
from maps.style import TargetSpec

FrameT = TypeVar("FrameT", bound=pd.DataFrame)

GAP_TABLE_COLUMNS = (
    "level",
    "kommunenummer",
    "kommunenavn",
    "fylkesnummer",
    "addresses",
    "households",
    "cost_nok",
    "households_below_cost_target",
    "cost_per_household_nok",
)
GAP_TABLE_TARGET_COLUMNS = (
    "served_households_{t}",
    "underserved_households_{t}",
    "unserved_households_{t}",
    "below_target_share_{t}",
)
KOMMUNER_COLUMNS = ("kommunenummer", "kommunenavn", "fylkesnummer", "geometry")
ADDRESS_COLUMNS = (
    "address_id",
    "kommunenummer",
    "address_text",
    "households",
    "lon",
    "lat",
    "best_technology",
    "best_operator",
    "best_down_mbps",
    "best_up_mbps",
    "cost_nok",
)
AREA_COLUMNS = (
    "area_id",
    "kommunenummer",
    "households",
    "cost_nok",
    "cost_per_household_nok",
    "subsidy_need_nok",
    "technology",
    "geometry",
)
COST_CURVE_COLUMNS = (
    "kommunenummer",
    "households",
    "cost_nok",
    "cost_per_household_nok",
    "cumulative_households",
    "cumulative_cost_nok",
)
NEW_SITE_COLUMNS = (
    "site_id",
    "kommunenummer",
    "lon",
    "lat",
    "antenna_height_m",
    "fixed_cost_nok",
    "households_reached",
    "households_taking",
)
# the gap table's "what the costliest share costs" columns: last_<label>_households, ...
_LAST_SHARE_COLUMN = re.compile(r"^last_(\d+(?:_\d+)?)pct_households$")
_KOMMUNENUMMER = re.compile(r"^\d{4}$")


@dataclass(frozen=True, eq=False)
class MapSources:
    """The published tables (and hillshades) of a run that its map products are built from.

    Parameters
    ----------
    gap_table : DataFrame
        One row per kommune plus fylke and total rows (``level``), with households by class
        per target and cost columns.
    kommuner : GeoDataFrame
        Kommune polygons in EPSG:25833.
    addresses : DataFrame
        One row per address with ``lon``/``lat`` (EPSG:4326), best offer, ``class_{t}`` per
        target and ``cost_nok``. ``address_text`` is escaped before it reaches HTML.
    targets : sequence of TargetSpec
        All targets of the run, in display order.
    map_target : str
        Name of the target the maps colour by.
    run_info : mapping of str to str
        ``run_id``, ``generated_at``, ``code_version``, ``data_sources``... stamped on every page.
    hillshades : mapping of str to (Path, bounds), optional
        Per kommunenummer a hillshade PNG of the DTM and its ``[[south, west], [north, east]]``
        (written by the publish stage): the kommune map gets it as an overlay ("Terreng
        (relieff)", embedded) so the terrain shows without web tiles.
    areas : GeoDataFrame, optional
        Subsidy project areas (:func:`pipeline.planning.areas.project_areas`: ``area_id``,
        ``kommunenummer``, ``households``, ``cost_nok``, ``cost_per_household_nok``,
        ``subsidy_need_nok``, ``technology``; metric CRS). Each kommune map gets an overlay
        "Prosjektområder (N)" with the areas of that kommune (N may be 0). None: no overlay.
    cost_curves : DataFrame, optional
        The published cost curve per kommune (the kommune rows of
        ``tables/cost_curve.csv``). Each kommune's info panel gets its curve as a PNG
        (data URI), what the costliest 1 / 5 / 10 % of its costed households cost and the median
        cost per household; a kommune without rows says it has no costed household. None: no
        cost curve section.
    new_sites : DataFrame, optional
        Proposed fixed-wireless masts (``tables/new_sites.csv``: ``site_id``,
        ``kommunenummer``, ``lon``/``lat`` in EPSG:4326, ``antenna_height_m``,
        ``fixed_cost_nok``, ``households_reached``, ``households_taking``). Each kommune map
        gets an overlay "Foreslåtte nye master (N)" with the masts that some household takes
        among those standing in the kommune or taken by its households (a project area may
        cross the border; N may be 0) and a legend line. None: no overlay.
    fibre : GeoDataFrame, optional
        The existing fibre network (lines, any CRS; national). Each kommune map gets the lines
        inside its bounding box, simplified (:func:`maps.context.clip_fibre`), as an overlay
        "Eksisterende fiber". None: no overlay.
    sites : GeoDataFrame, optional
        The existing wireless sites (``site_id``, ``operator``, ``technology``, point
        ``geometry``; optional ``antenna_height_m``, ``max_range_m``). Each kommune map gets
        those inside its bounding box, one overlay per technology. None: no overlay.
    """

    gap_table: pd.DataFrame
    kommuner: gpd.GeoDataFrame
    addresses: pd.DataFrame
    targets: Sequence[TargetSpec]
    map_target: str
    run_info: Mapping[str, str]
    hillshades: Mapping[str, tuple[Path, list[list[float]]]] | None = None
    areas: gpd.GeoDataFrame | None = None
    cost_curves: pd.DataFrame | None = None
    new_sites: pd.DataFrame | None = None
    fibre: gpd.GeoDataFrame | None = None
    sites: gpd.GeoDataFrame | None = None
    # the labels of the [scenarios] whose classes the addresses carry (maps.address_data
    # scenario_column): each kommune map gets the legend's "Hva om" picker
    scenarios: tuple[str, ...] = ()


def validate_sources(sources: MapSources) -> TargetSpec:
    """Check the targets and the columns of the gap table, kommuner and addresses; return the
    map target. (The optional tables are checked when they are cut: :class:`KommuneSlices`.)"""
    names = [t.name for t in sources.targets]
    if not sources.targets or len(set(names)) != len(names):
        msg = f"targets: expected one or more TargetSpec with unique names, got {names}"
        raise InputError(msg)
    if sources.map_target not in names:
        msg = f"map_target {sources.map_target!r} is not one of the targets {names}"
        raise InputError(msg)
    gap_table = sources.gap_table
    target_columns = [c.format(t=t) for t in names for c in GAP_TABLE_TARGET_COLUMNS]
    require_columns(gap_table, [*GAP_TABLE_COLUMNS, *target_columns], "gap_table")
    require_columns(sources.kommuner, KOMMUNER_COLUMNS, "kommuner")
    address_columns = [*ADDRESS_COLUMNS, *(f"class_{t}" for t in names)]
    require_columns(sources.addresses, address_columns, "addresses")
    numbers = gap_table.loc[gap_table["level"] == "kommune", "kommunenummer"]
    bad = [v for v in numbers.tolist() if not (isinstance(v, str) and _KOMMUNENUMMER.match(v))]
    if bad:
        msg = f"gap_table: kommunenummer must be 4-digit strings like '0301', got {bad[:5]}"
        raise InputError(msg)
    return next(t for t in sources.targets if t.name == sources.map_target)


def _kommune_rows(frame: FrameT, groups: Mapping[Hashable, Any], knr: str) -> FrameT:
    """The rows of one kommune (``groups``: kommunenummer -> positions); none when absent."""
    rows = groups.get(knr)
    return frame.iloc[list(rows)] if rows is not None else frame.iloc[0:0]


def _masts_per_kommune(
    new_sites: pd.DataFrame, addresses: pd.DataFrame
) -> dict[Hashable, list[int]]:
    """Rows of the masts each kommune map shows: those standing in it and those its
    households take (a project area may cross the border)."""
    row = np.arange(len(new_sites))
    pairs = [pd.DataFrame({"knr": new_sites["kommunenummer"].astype(str).to_numpy(), "row": row})]
    if {"cost_option", "new_site_id"} <= set(addresses.columns):
        taken = addresses.loc[addresses["cost_option"] == "fwa_new_site"]
        at = pd.Series(row, index=new_sites["site_id"].astype(str).to_numpy())
        taken_row = at.reindex(taken["new_site_id"].astype(str).to_numpy()).to_numpy()
        found = ~np.isnan(taken_row)
        knr = taken["kommunenummer"].astype(str).to_numpy()[found]
        pairs.append(pd.DataFrame({"knr": knr, "row": taken_row[found].astype(np.int64)}))
    both = pd.concat(pairs, ignore_index=True).drop_duplicates().sort_values(["knr", "row"])
    return {str(k): list(v) for k, v in both.groupby("knr", sort=False)["row"]}


def last_shares(gap_table: pd.DataFrame) -> list[tuple[float, str]]:
    """The household shares the gap table states the cost of (``last_1pct_households`` →
    ``(0.01, "1pct")``), smallest first."""
    found = []
    for column in gap_table.columns:
        match = _LAST_SHARE_COLUMN.match(str(column))
        if match:
            label = match.group(1)
            found.append((float(label.replace("_", ".")) / 100.0, f"{label}pct"))
    return sorted(found)


class _CostCurvePanels:
    """The info panel's cost curve of every kommune: its rows of the published curve table
    (drawn where the page is built: :func:`maps.cost_panel.panel_png`), the figures read from
    the gap table."""

    def __init__(self, curves: pd.DataFrame, gap_table: pd.DataFrame) -> None:
        require_columns(curves, COST_CURVE_COLUMNS, "cost_curves")
        require_columns(gap_table, ("median_cost_per_household_nok",), "gap_table")
        self.curves = curves.assign(kommunenummer=curves["kommunenummer"].astype(str))
        self.groups = self.curves.groupby("kommunenummer", sort=False).indices
        self.shares = last_shares(gap_table)

    def panel(self, knr: str, kommunenavn: str, gap_row: Mapping[Any, Any]) -> CostCurvePanel:
        rows = self.groups.get(knr)
        if rows is None:
            return CostCurvePanel(curve=None)
        return CostCurvePanel(
            curve=self.curves.iloc[rows],
            title=f"Kostnadskurve, {kommunenavn}",
            households=float(gap_row["households_below_cost_target"]),
            cost_nok=float(gap_row["cost_nok"]),
            last_shares=tuple(
                LastShareCost(
                    share,
                    float(gap_row[f"last_{label}_households"]),
                    float(gap_row[f"last_{label}_cost_nok"]),
                    float(gap_row[f"last_{label}_cost_per_household_nok"]),
                )
                for share, label in self.shares
            ),
            median_cost_per_household_nok=float(gap_row["median_cost_per_household_nok"]),
        )


class KommuneSlices:
    """Each kommune's share of the published tables, as the inputs of its map.

    Groups the kommune polygons, addresses, project areas, masts and cost curves by kommune once
    (checking the optional tables' columns), so each kommune's share is a few row positions.
    """

    def __init__(self, sources: MapSources) -> None:
        self.sources = sources
        self.kommune_groups = sources.kommuner.groupby("kommunenummer", sort=False).indices
        # only the columns a map reads: each kommune's slice is cut, and sent to a worker, once
        scenarios = len(sources.scenarios)
        shown = dict.fromkeys([*ADDRESS_COLUMNS, *encoded_columns(sources.targets, scenarios)])
        self.addresses = sources.addresses[[c for c in shown if c in sources.addresses.columns]]
        self.address_groups = self.addresses.groupby("kommunenummer", sort=False).indices
        self.area_groups: Mapping[Hashable, Any] = {}
        if sources.areas is not None:
            require_columns(sources.areas, AREA_COLUMNS, "areas")
            areas_knr = sources.areas["kommunenummer"].astype(str)
            self.area_groups = sources.areas.groupby(areas_knr, sort=False).indices
        self.site_groups: Mapping[Hashable, Any] = {}
        if sources.new_sites is not None:
            require_columns(sources.new_sites, NEW_SITE_COLUMNS, "new_sites")
            self.site_groups = _masts_per_kommune(sources.new_sites, sources.addresses)
        self.fibre = to_metric(sources.fibre, "fibre") if sources.fibre is not None else None
        self.sites = None
        if sources.sites is not None:
            require_columns(sources.sites, SITE_COLUMNS, "sites")
            self.sites = to_metric(sources.sites, "sites")
        curves = sources.cost_curves
        self.curve_panels = (
            _CostCurvePanels(curves, sources.gap_table) if curves is not None else None
        )

    def map_inputs(self, gap_row: Mapping[Any, Any], target: TargetSpec) -> KommuneMapInputs:
        """The inputs of the map of the kommune of ``gap_row`` (a kommune row of the gap table)."""
        knr, name = str(gap_row["kommunenummer"]), str(gap_row["kommunenavn"])
        sources, panels = self.sources, self.curve_panels
        areas, new_sites = sources.areas, sources.new_sites
        boundary = _kommune_rows(sources.kommuner, self.kommune_groups, knr)
        window = None if self.fibre is None and self.sites is None else kommune_window(boundary)
        fibre, sites = None, None
        if self.fibre is not None and window is not None:
            fibre = clip_fibre(self.fibre, window)
        if self.sites is not None and window is not None:
            sites = clip_sites(self.sites, window)
        return KommuneMapInputs(
            knr,
            name,
            gap_row,
            boundary,
            _kommune_rows(self.addresses, self.address_groups, knr),
            sources.targets,
            target,
            sources.run_info,
            terrain_png=(sources.hillshades or {}).get(knr),
            areas=_kommune_rows(areas, self.area_groups, knr) if areas is not None else None,
            cost_curve=panels.panel(knr, name, gap_row) if panels is not None else None,
            new_sites=(
                _kommune_rows(new_sites, self.site_groups, knr) if new_sites is not None else None
            ),
            fibre=fibre,
            sites=sites,
            scenarios=tuple(sources.scenarios),
        )
