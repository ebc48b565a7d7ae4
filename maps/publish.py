"""Write all map products of a run: index page, overview map and one map per kommune.

The pipeline's publish stage calls :func:`write_maps` with the published tables::

    out/index.html                  plain HTML table, links to every map
    out/maps/oversikt.html          kommune choropleth for the map target
    out/maps/kommune/<knr>.html     one map per kommune of the gap table
    out/assets/...                  only with ``assets="local"``

By default (``assets="inline"``) every map page is one self-contained file: Leaflet & co. are
written into it from the copies in ``maps/vendor/`` (:mod:`maps.inline`), so a single map can be
mailed or copied alone and opens without internet (only the basemap tiles come from the net).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Final, Literal, get_args

import folium
import geopandas as gpd
import pandas as pd

from layers.errors import InputError
from maps import style
from maps.assets import localize_pages
from maps.changes_layer import ChangeSources
from maps.index_page import render_index_page
from maps.inline import inline_assets, prune_unused
from maps.kommune import KommuneMapInputs, kommune_map
from maps.overview import build_overview_map
from maps.piece_cache import NO_PIECES, PieceCache
from maps.render import plain_text_elements, render_page
from maps.sources import KommuneSlices, MapSources, validate_sources
from maps.style import TargetSpec
from maps.worker_pool import Pool, WorkerPool

AssetMode = Literal["inline", "cdn", "local"]
ASSET_MODES: Final[tuple[str, ...]] = get_args(AssetMode)
# Folium names each element ``<kind>_<uuid4 hex>``: a new name on every render
ELEMENT_ID = re.compile(r"(?<=_)[0-9a-f]{32}(?![0-9a-f])")


@dataclass(frozen=True)
class MapPaths:
    """Where :func:`write_maps` wrote each product."""

    index: Path
    overview: Path
    kommuner: dict[str, Path] = field(default_factory=dict)


def save_page(fmap: folium.Map, path: Path, title: str, assets: AssetMode = "inline") -> None:
    """Write the page as every published map is written: titled, Folium's unused assets
    dropped, the used ones inlined when ``inline`` (one self-contained file)."""
    with plain_text_elements():
        style.add_to_head(fmap, f"<title>{style.escape(title)}</title>", "gapmap_title")
        page_html = render_page(fmap).replace("<html>", '<html lang="nb">', 1)
    page_html = stable_element_ids(page_html)
    page_html = inline_assets(page_html) if assets == "inline" else prune_unused(page_html)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(page_html, encoding="utf-8")


def stable_element_ids(page_html: str) -> str:
    """The page with Folium's random element ids numbered in order of first appearance
    (``map_3f2a…`` → ``map_000…001``): the same map is the same bytes, whichever process or
    run renders it."""
    numbers: dict[str, str] = {}

    def number(match: re.Match[str]) -> str:
        return numbers.setdefault(match.group(0), f"{len(numbers) + 1:032x}")

    return ELEMENT_ID.sub(number, page_html)


@dataclass(frozen=True)
class _PageJob:
    """One kommune map to write: its inputs, file and title."""

    inputs: KommuneMapInputs
    path: Path
    title: str


_PageState = tuple[AssetMode, PieceCache]


def _write_kommune_page(state: _PageState, job: _PageJob) -> Path:
    """Build and save one kommune map (in whichever process :func:`map_ordered` chose), its
    pieces of plain text not compiled as templates (:mod:`maps.render`)."""
    assets, pieces = state
    with plain_text_elements():
        save_page(kommune_map(job.inputs, pieces), job.path, job.title, assets)
    return job.path


def _same(*state: Any) -> tuple[Any, ...]:
    return state


@dataclass(frozen=True)
class KommuneWork:
    """How the kommune maps are written: by ``pool``'s processes (default: this one),
    ``done(1)`` per map, the costly pieces kept in ``pieces`` (:mod:`maps.piece_cache`;
    default: none kept)."""

    pool: Pool = field(default_factory=lambda: WorkerPool(1))
    done: Callable[[int], None] | None = None
    pieces: PieceCache = NO_PIECES


def _page_jobs(
    kommune_dir: Path, sources: MapSources, target: TargetSpec, changes: ChangeSources | None
) -> Iterator[_PageJob]:
    """Each kommune row's map inputs (its slice of the tables), one at a time."""
    gap_table = sources.gap_table
    kommune_rows = gap_table[gap_table["level"] == "kommune"].drop_duplicates("kommunenummer")
    slices = KommuneSlices(sources)
    for gap_row in kommune_rows.to_dict("records"):
        inputs = slices.map_inputs(gap_row, target)
        knr, name = inputs.kommunenummer, inputs.kommunenavn
        if changes is not None:
            inputs = replace(inputs, changes=changes.for_kommune(knr))
        title = f"{name} ({knr}) – bredbåndsdekning"
        yield _PageJob(inputs, kommune_dir / f"{knr}.html", title)


def _write_kommune_maps(
    kommune_dir: Path,
    sources: MapSources,
    target: TargetSpec,
    assets: AssetMode,
    changes: ChangeSources | None = None,
    work: KommuneWork = KommuneWork(),
) -> dict[str, Path]:
    """One map per kommune row of the gap table, ``kommune_dir/<knr>.html``; their paths.
    The maps are built by ``work.pool``'s processes (:class:`maps.worker_pool.WorkerPool`);
    the files are the same bytes for any number."""
    kommune_dir.mkdir(parents=True, exist_ok=True)
    written = work.pool.map_ordered(
        _write_kommune_page,
        _page_jobs(kommune_dir, sources, target, changes),
        make_state=_same,
        state_args=(assets, work.pieces),
        done=work.done,
    )
    return {path.stem: path for path in written}


def _write_overview(
    maps_dir: Path,
    sources: MapSources,
    target: TargetSpec,
    kommune_paths: Mapping[str, Path],
    assets: AssetMode,
) -> Path:
    """The overview choropleth, ``maps_dir/oversikt.html``, linking the kommune maps written."""
    overview = build_overview_map(
        sources.gap_table,
        sources.kommuner,
        target,
        sources.run_info,
        kommune_href=lambda knr: f"kommune/{knr}.html" if knr in kommune_paths else None,
        targets=sources.targets,
    )
    path = maps_dir / "oversikt.html"
    save_page(overview, path, "Bredbåndsdekning per kommune – oversikt", assets)
    return path


def _write_index(
    out_dir: Path,
    sources: MapSources,
    target: TargetSpec,
    kommune_paths: Mapping[str, Path],
    changes: ChangeSources | None = None,
) -> Path:
    """The index page, ``out_dir/index.html``, linking the overview and the kommune maps."""
    path = out_dir / "index.html"
    path.write_text(
        render_index_page(
            sources.gap_table,
            sources.targets,
            target,
            sources.run_info,
            kommune_href=lambda knr: f"maps/kommune/{knr}.html" if knr in kommune_paths else None,
            changes=changes,
        ),
        encoding="utf-8",
    )
    return path


def _write_products(
    out_dir: Path,
    sources: MapSources,
    assets: AssetMode,
    assets_dir: Path | None,
    changes: ChangeSources | None = None,
    work: KommuneWork = KommuneWork(),
) -> MapPaths:
    """:func:`write_maps`: check, write the kommune maps, the overview and the index page, then
    copy the web assets next to them when ``assets == "local"``."""
    if assets not in ASSET_MODES:
        msg = f"assets: got {assets!r}, expected one of {', '.join(ASSET_MODES)}"
        raise InputError(msg)
    target = validate_sources(sources)
    kommune_dir = out_dir / "maps" / "kommune"
    kommune_paths = _write_kommune_maps(kommune_dir, sources, target, assets, changes, work)
    overview_path = _write_overview(out_dir / "maps", sources, target, kommune_paths, assets)
    index_path = _write_index(out_dir, sources, target, kommune_paths, changes)
    if assets == "local":
        localize_pages([overview_path, *kommune_paths.values()], out_dir, assets_dir)
    return MapPaths(index=index_path, overview=overview_path, kommuner=kommune_paths)


def write_maps(
    out_dir: Path,
    gap_table: pd.DataFrame,
    kommuner: gpd.GeoDataFrame,
    addresses: pd.DataFrame,
    targets: Sequence[TargetSpec],
    map_target: str,
    run_info: Mapping[str, str],
    *,
    assets: AssetMode = "inline",
    assets_dir: Path | None = None,
    hillshades: Mapping[str, tuple[Path, list[list[float]]]] | None = None,
    areas: gpd.GeoDataFrame | None = None,
    cost_curves: pd.DataFrame | None = None,
    new_sites: pd.DataFrame | None = None,
    fibre: gpd.GeoDataFrame | None = None,
    sites: gpd.GeoDataFrame | None = None,
    changes: ChangeSources | None = None,
    work: KommuneWork = KommuneWork(),
    scenarios: tuple[str, ...] = (),
) -> MapPaths:
    """Write the index page, the overview map and a map per kommune; return :class:`MapPaths`.

    Parameters
    ----------
    out_dir : Path
        Run output folder; ``index.html`` and ``maps/`` are written into it.
    gap_table, kommuner, addresses, targets, map_target, run_info
        The run's published tables, targets and stamp: the fields of
        :class:`maps.sources.MapSources` (documented there).
    assets : {"inline", "cdn", "local"}, keyword-only
        "inline" (default): each page carries its scripts and styles (``maps/vendor/``), one
        file that works offline; "cdn": from public CDNs; "local": copied from ``assets_dir``
        (the npm cache, :func:`maps.assets.default_assets_dir`) into ``out_dir/assets``.
        Folium's assets gapmap does not use are left out in every mode (:mod:`maps.inline`).
    hillshades, areas, cost_curves, new_sites, fibre, sites, changes, scenarios : keyword-only
        The kommune maps' hillshade, project areas, cost curves, proposed masts, existing fibre
        and sites (:class:`maps.sources.MapSources`), the changes since the previous run with
        the trend (:class:`maps.changes_layer.ChangeSources`), None: not shown; the labels of
        the scenarios whose classes ``addresses`` carries (the "Hva om" picker; (): none).
    work : KommuneWork, keyword-only
        Who builds the kommune maps (:class:`KommuneWork`; default: this process, serially).
    """
    sources = MapSources(
        gap_table,
        kommuner,
        addresses,
        targets,
        map_target,
        run_info,
        hillshades=hillshades,
        areas=areas,
        cost_curves=cost_curves,
        new_sites=new_sites,
        fibre=fibre,
        sites=sites,
        scenarios=scenarios,
    )
    return _write_products(Path(out_dir), sources, assets, assets_dir, changes, work)
