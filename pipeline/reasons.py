"""A reason for every gap: one code and one bokmål sentence per household below a target.

Every address below a target (class ``underserved`` or ``unserved``) gets exactly one code of a
small closed vocabulary (:data:`REASONS`), the first that holds in this priority order — the
order in which a kommune can act on it:

====  =========================  ==============================================================
 #    code                       holds when (for target :math:`(D, U)`, floor :math:`(D_0, U_0)`)
====  =========================  ==============================================================
 1    ``funded_area``            the address lies in an area granted broadband subsidy
                                 (``area_status = funded``): follow up the funded build
 2    ``planned_area``           it lies in an area of an announced build (``planned``)
 3    ``nkom_lacking``           Nkom's lacking list (trusted) says it lacks :math:`L \\le D`
                                 while its best offer on file claims :math:`v_{down} \\ge L`:
                                 the list overrides the offer; clear the conflict first
 4    ``wireless_blocked``       an operator claims fixed wireless there, but the terrain
                                 blocks the line of every one of *its own* FWA sites in range
                                 (``fwa_claim_status = blocked``, :mod:`pipeline.radio.claims`);
                                 the evidence names that operator's FWA site and where the
                                 terrain cuts its line (``fwa_claim_obstruction_x_m``/``_y_m``),
                                 never a mobile mast: a claim to challenge
 5    ``no_offer``               no counted offer on file
 6    ``copper_only``            the best offer is xDSL (copper, being switched off)
 7    ``below_floor``            the best offer is below the floor (class ``unserved``)
 8    ``fibre_distance``         the cost stage measured the distance to the nearest fibre
                                 (``distance_to_fibre_m``): that is what reaching it takes
 9    ``wireless_out_of_range``  no wireless site has it within range (the nearest is
                                 :math:`d > R` away, :math:`R` that site's range)
 10   ``below_target``           otherwise: an offer above the floor but below the target
====  =========================  ==============================================================

Served addresses get no reason (a missing value). The evidence is a short sentence with the
numbers in Norwegian format (:mod:`layers.numbers_nb`):
"Beste tilbud er kobber (xDSL) 40/10 Mbit/s",
"Terrenget skjærer siktlinjen fra Luftlinjes FWA-mast S123 ved (62,12345 N, 7,12345 Ø)" (WGS 84
degrees),
"Nærmeste fiber 1 240 m unna". Codes come from ``np.select`` over whole columns, the sentences
from pandas string operations over the rows of each code (numbers formatted once per distinct
value), so 2.6 M addresses take seconds, not a loop per address.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer
from scipy.spatial import cKDTree

from layers.numbers_nb import format_int_nb, format_mbps
from layers.vocabulary import CRS_EPSG
from pipeline.config import Config, Target

# code -> bokmål label, in priority order (the first that holds is the household's reason)
REASONS: Final[dict[str, str]] = {
    "funded_area": "I område med innvilget støtte",
    "planned_area": "I område med planlagt utbygging",
    "nkom_lacking": "Nkoms liste sier at dekning mangler",
    "wireless_blocked": "Terrenget stenger for trådløst",
    "no_offer": "Ingen tilbud",
    "copper_only": "Bare kobber (xDSL)",
    "below_floor": "Under grunnkravet",
    "fibre_distance": "Avstand til fiber",
    "wireless_out_of_range": "Ingen trådløs mast innen rekkevidde",
    "below_target": "Tilbud under målet",
}
TECHNOLOGY_NB: Final[dict[str, str]] = {
    "fiber": "fiber",
    "hfc": "kabel-TV (HFC)",
    "xdsl": "kobber (xDSL)",
    "fwa": "fast trådløst (FWA)",
    "mobile_5g": "mobil 5G",
    "mobile_4g": "mobil 4G",
    "satellite": "satellitt",
}
AREA_NB: Final[dict[str, tuple[str, str]]] = {  # status -> (with a name, without one)
    "funded": ("Ligger i støtteområdet «", "Ligger i et område med innvilget støtte"),
    "planned": (
        "Ligger i den planlagte utbyggingen «",
        "Ligger i et område med planlagt utbygging",
    ),
}
BELOW_CLASSES: Final = ("underserved", "unserved")
READ_COLUMNS: Final = (  # the results' columns the reasons read (and class_<target>)
    "x_m",
    "y_m",
    "best_technology",
    "best_down_mbps",
    "best_up_mbps",
    "nkom_lacking_mbps",
    "area_status",
    "fwa_claim_status",
    "fwa_claim_operator",
    "fwa_claim_site_id",
    "fwa_claim_obstruction_x_m",
    "fwa_claim_obstruction_y_m",
    "sites_in_range",
    "los_terrain_ok",
    "distance_to_fibre_m",
)


def formatted(values: np.ndarray, format_one: Callable[[float], str]) -> pd.Series:
    """``format_one`` of every value ("" where NaN), called once per distinct value; the texts
    are taken from the distinct ones in one Arrow ``take`` (no Python string per row)."""
    values = np.asarray(values, dtype="float64")
    finite = np.isfinite(values)
    unique, inverse = np.unique(values[finite], return_inverse=True)
    labels = pd.array([format_one(v) for v in unique.tolist()] + [""], dtype="str")
    codes = np.full(len(values), len(unique), dtype=np.int64)
    codes[finite] = inverse.ravel()
    return pd.Series(labels.take(codes))


def speeds_text(down_mbps: np.ndarray, up_mbps: np.ndarray) -> pd.Series:
    """``"40/10 Mbit/s"`` per row; ``"40/ukjent Mbit/s"`` where the upload is unknown (NaN:
    a speed square's class states none), never "nan"."""
    down, up = formatted(down_mbps, format_mbps), formatted(up_mbps, format_mbps)
    return down + "/" + up.where(up != "", "ukjent") + " Mbit/s"


def lat_lon_text(x_m: np.ndarray, y_m: np.ndarray) -> pd.Series:
    """``"(62,12345 N, 7,12345 Ø)"`` per point (EPSG:25833 metres → WGS 84 degrees)."""
    transformer = Transformer.from_crs(CRS_EPSG, 4326, always_xy=True)
    lon, lat = transformer.transform(np.asarray(x_m, "float64"), np.asarray(y_m, "float64"))
    lat_text = pd.Series(np.char.mod("%.5f", np.round(lat, 5))).str.replace(".", ",")
    lon_text = pd.Series(np.char.mod("%.5f", np.round(lon, 5))).str.replace(".", ",")
    return "(" + lat_text + " N, " + lon_text + " Ø)"


def nearest_site(
    sites: pd.DataFrame | None, x_m: np.ndarray, y_m: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per point the nearest site's id, distance (m) and range (m): one KD-tree query.

    Without sites: None, NaN and NaN.
    """
    n = len(x_m)
    usable = (
        sites.loc[np.isfinite(sites[["x_m", "y_m"]].to_numpy("float64")).all(axis=1)]
        if sites is not None
        else None
    )
    if usable is None or usable.empty or n == 0:
        return np.full(n, None, dtype=object), np.full(n, np.nan), np.full(n, np.nan)
    tree = cKDTree(usable[["x_m", "y_m"]].to_numpy("float64"))
    points = np.column_stack([x_m, y_m]).astype("float64")
    finite = np.isfinite(points).all(axis=1)
    distance_m, index = np.full(n, np.nan), np.zeros(n, dtype=np.int64)
    if finite.any():
        found_m, found = tree.query(points[finite])
        distance_m[finite], index[finite] = found_m, found
    site_id = usable["site_id"].to_numpy(dtype=object)[index]
    site_id[~finite] = None
    range_m = np.where(finite, usable["max_range_m"].to_numpy("float64")[index], np.nan)
    return site_id, distance_m, range_m


def area_per_address(
    areas: gpd.GeoDataFrame | None, status: np.ndarray, x_m: np.ndarray, y_m: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The name ("" when none) and year (NaN when none) of the area whose status the address
    has (the first such area in the file's order where it lies in several)."""
    name, year = np.full(len(status), "", dtype=object), np.full(len(status), np.nan)
    inside = np.flatnonzero(status != "")
    if areas is None or areas.empty or len(inside) == 0:
        return name, year
    tree = shapely.STRtree(np.asarray(shapely.points(x_m[inside], y_m[inside])))
    area_idx, point_idx = tree.query(areas.geometry.to_numpy(), predicate="intersects")
    same = areas["status"].to_numpy()[area_idx] == status[inside][point_idx]
    area_idx, point_idx = area_idx[same], point_idx[same]
    order = np.lexsort((area_idx, point_idx))
    first = order[np.r_[True, np.diff(point_idx[order]) != 0]] if len(order) else order
    at = inside[point_idx[first]]
    name[at] = areas["name"].fillna("").astype(str).to_numpy()[area_idx[first]]
    year[at] = pd.to_numeric(areas["year"], errors="coerce").to_numpy("float64")[area_idx[first]]
    return name, year


def _reason_conditions(
    results: pd.DataFrame, target: Target, config: Config, out_of_range: np.ndarray
) -> list[np.ndarray]:
    """The conditions of :data:`REASONS`, in order, for addresses below ``target``."""
    down = results["best_down_mbps"].to_numpy("float64")
    lacking = results["nkom_lacking_mbps"].to_numpy("float64")
    area = results["area_status"]
    blocked = results["fwa_claim_status"].eq("blocked").fillna(False).to_numpy(dtype=bool)
    trusted = config.coverage.trust_lacking_lists
    return [
        area.eq("funded").fillna(False).to_numpy(dtype=bool),
        area.eq("planned").fillna(False).to_numpy(dtype=bool),
        trusted & (lacking <= target.down_mbps) & (down >= lacking),
        blocked,
        ~np.isfinite(down),
        results["best_technology"].eq("xdsl").fillna(False).to_numpy(dtype=bool),
        results[f"class_{target.name}"].eq("unserved").fillna(False).to_numpy(dtype=bool),
        np.isfinite(results["distance_to_fibre_m"].to_numpy("float64")),
        out_of_range,
        np.ones(len(results), dtype=bool),
    ]


def reason_codes(
    results: pd.DataFrame, target: Target, config: Config, out_of_range: np.ndarray
) -> np.ndarray:
    """Per address the position in :data:`REASONS` of its reason for a gap below ``target``
    (int8), -1 where it is served."""
    below = results[f"class_{target.name}"].isin(BELOW_CLASSES).to_numpy(dtype=bool)
    conditions = [below & c for c in _reason_conditions(results, target, config, out_of_range)]
    return np.select(conditions, np.arange(len(REASONS), dtype=np.int8), np.int8(-1))


def _offer_text(results: pd.DataFrame) -> pd.Series:
    """``"kabel-TV (HFC) 500/50 Mbit/s"``: the best offer's technology and speeds."""
    technology = results["best_technology"].map(TECHNOLOGY_NB).fillna(results["best_technology"])
    speeds = speeds_text(results["best_down_mbps"].to_numpy(), results["best_up_mbps"].to_numpy())
    return technology.fillna("").astype(str).reset_index(drop=True) + " " + speeds


def _metres(values: pd.Series) -> pd.Series:
    """``"1 240 m"``: whole metres (rounded half away from zero before the distinct values
    are formatted, so there are few)."""
    metres = values.to_numpy("float64")
    whole = np.sign(metres) * np.floor(np.abs(metres) + 0.5)
    return formatted(whole, format_int_nb) + " m"


def _area_text(rows: pd.DataFrame, status: str) -> pd.Series:
    """``"Ligger i støtteområdet «Vestvik nord», år 2025"`` (name and year where known)."""
    with_name, without_name = AREA_NB[status]
    name = rows["area_name"].reset_index(drop=True)
    text = pd.Series(without_name, index=name.index).mask(name != "", with_name + name + "»")
    year = formatted(rows["area_year"].to_numpy("float64"), lambda v: str(int(v)))
    return text + (", år " + year).where(year != "", "")


def _blocked_text(rows: pd.DataFrame) -> pd.Series:
    """``"Terrenget skjærer siktlinjen fra Luftlinjes FWA-mast LL-1 ved (62,1 N, 7,1 Ø)"``:
    the claimant's own FWA site that came nearest, never another operator's or a mobile mast."""
    x_m = rows["fwa_claim_obstruction_x_m"].to_numpy("float64")
    point = lat_lon_text(x_m, rows["fwa_claim_obstruction_y_m"].to_numpy())
    site = rows["fwa_claim_site_id"].fillna("").astype(str).reset_index(drop=True)
    operator = rows["fwa_claim_operator"].fillna("").astype(str).reset_index(drop=True)
    text = "Terrenget skjærer siktlinjen fra " + operator + "s FWA-mast " + site + " ved " + point
    fallback = (
        "Oppgitt fast trådløst tilbud fra " + operator + ", men ingen egen FWA-mast har fri sikt"
    )
    return text.where(np.isfinite(x_m), fallback)


def _out_of_range_text(rows: pd.DataFrame) -> pd.Series:
    site = rows["nearest_site_id"].fillna("").astype(str).reset_index(drop=True)
    text = (
        "Nærmeste trådløse mast "
        + site
        + " er "
        + _metres(rows["nearest_site_m"])
        + " unna, utenfor rekkevidden på "
        + _metres(rows["nearest_site_range_m"])
    )
    return text.where(site != "", "Ingen trådløs mast innen rekkevidde")


def evidence_texts(code: str, rows: pd.DataFrame, config: Config) -> pd.Series:
    """The evidence sentence of ``code`` for each of ``rows`` (positional index); the target's
    label is added by the caller for ``below_target``."""
    fibre_m = _metres(rows["distance_to_fibre_m"])
    has_fibre = np.isfinite(rows["distance_to_fibre_m"].to_numpy("float64"))
    if code in ("funded_area", "planned_area"):
        return _area_text(rows, code.removesuffix("_area"))
    if code == "nkom_lacking":
        lacking = formatted(rows["nkom_lacking_mbps"].to_numpy(), format_mbps)
        return (
            "Nkom oppgir at adressen mangler "
            + lacking
            + " Mbit/s, men beste tilbud er "
            + (_offer_text(rows))
        )
    if code == "wireless_blocked":
        return _blocked_text(rows)
    if code == "no_offer":
        return "Ingen tilbud på fil" + ("; nærmeste fiber " + fibre_m + " unna").where(
            has_fibre, ""
        )
    if code == "below_floor":
        floor = str(
            speeds_text(
                np.array([config.classify.floor_down_mbps]),
                np.array([config.classify.floor_up_mbps]),
            ).iloc[0]
        )
        return "Beste tilbud er " + _offer_text(rows) + ", under grunnkravet " + floor
    if code == "fibre_distance":
        return "Nærmeste fiber " + fibre_m + " unna"
    if code == "wireless_out_of_range":
        return _out_of_range_text(rows)
    return "Beste tilbud er " + _offer_text(rows)  # copper_only, below_target


def _context(
    results: pd.DataFrame,
    config: Config,
    sites: pd.DataFrame | None,
    areas: gpd.GeoDataFrame | None,
    below_any: np.ndarray,
) -> pd.DataFrame:
    """The results' columns the reasons read, by position, with the area's name and year and
    the nearest wireless site of the addresses below some target without a site in range."""
    classes = [f"class_{t.name}" for t in config.targets]
    frame = pd.DataFrame(results[[*READ_COLUMNS, *classes]]).reset_index(drop=True)
    x_m, y_m = frame["x_m"].to_numpy("float64"), frame["y_m"].to_numpy("float64")
    in_area = below_any & frame["area_status"].fillna("").ne("").to_numpy(dtype=bool)
    status = np.full(len(frame), "", dtype=object)
    status[in_area] = frame["area_status"][in_area].to_numpy(dtype=object)
    frame["area_name"], frame["area_year"] = area_per_address(areas, status, x_m, y_m)
    none_in_range = below_any & (frame["sites_in_range"].to_numpy() == 0)
    frame["nearest_site_id"] = np.full(len(frame), None, dtype=object)
    frame["nearest_site_m"] = frame["nearest_site_range_m"] = np.nan
    if sites is None:
        terrain_known = frame["los_terrain_ok"].fillna(False).to_numpy(dtype=bool)
        frame["out_of_range"] = none_in_range & terrain_known
        return frame
    chosen = sites.loc[sites["technology"].isin(config.wireless.technologies)]
    at = np.flatnonzero(none_in_range)
    site_id, distance_m, range_m = nearest_site(chosen, x_m[at], y_m[at])
    frame.loc[at, "nearest_site_id"] = site_id
    frame.loc[at, "nearest_site_m"] = distance_m
    frame.loc[at, "nearest_site_range_m"] = range_m
    beyond = ~(frame["nearest_site_m"] <= frame["nearest_site_range_m"]).to_numpy()
    frame["out_of_range"] = none_in_range & beyond
    return frame


def reasons_per_address(
    results: pd.DataFrame,
    config: Config,
    *,
    sites: pd.DataFrame | None = None,
    areas: gpd.GeoDataFrame | None = None,
) -> pd.DataFrame:
    """``reason_<target>`` (a code of :data:`REASONS` or None) and ``reason_evidence_<target>``
    (a bokmål sentence or None) per address, aligned to ``results``' index.

    ``results`` holds the classify, coverage, wireless and cost stages' columns; ``sites`` (the
    canonical site table) names the nearest site of an address out of every site's range, and
    ``areas`` (planned and funded) the area's name and year. The codes and their priority are
    the module docstring's.
    """
    below_any = results[[f"class_{t.name}" for t in config.targets]].isin(BELOW_CLASSES)
    frame = _context(results, config, sites, areas, below_any.any(axis=1).to_numpy(dtype=bool))
    out_of_range = frame["out_of_range"].to_numpy(dtype=bool)
    codes = {t.name: reason_codes(frame, t, config, out_of_range) for t in config.targets}
    sentences: dict[int, tuple[np.ndarray, pd.Series]] = {}
    for index, code in enumerate(REASONS):
        at = np.flatnonzero(np.logical_or.reduce([c == index for c in codes.values()]))
        if len(at):
            sentences[index] = (at, evidence_texts(code, frame.iloc[at], config))
    labels = pd.array(list(REASONS), dtype="str")
    columns: dict[str, pd.api.extensions.ExtensionArray] = {}
    for target in config.targets:
        columns[f"reason_{target.name}"] = labels.take(codes[target.name], allow_fill=True)
        columns[f"reason_evidence_{target.name}"] = _evidence_of(
            codes[target.name], sentences, f", under målet {target.label_nb}"
        )
    return pd.DataFrame(columns, index=results.index)


def _evidence_of(
    codes: np.ndarray, sentences: dict[int, tuple[np.ndarray, pd.Series]], below_target: str
) -> pd.api.extensions.ExtensionArray:
    """Each address's sentence for its code (missing where served), taken from the sentences
    of every code at the positions ``at`` that have it for some target: one Arrow ``take``."""
    positions, texts = [np.zeros(0, dtype=np.int64)], [pd.Series([], dtype="str")]
    last = list(REASONS).index("below_target")
    for index, (at, sentence) in sentences.items():
        rows = np.flatnonzero(codes == index)
        picked = sentence.iloc[np.searchsorted(at, rows)].reset_index(drop=True)
        positions.append(rows)
        texts.append(picked + below_target if index == last else picked)
    stacked = pd.concat(texts, ignore_index=True).astype("str").array
    source = np.full(len(codes), -1, dtype=np.int64)  # where in ``stacked`` each row's text is
    source[np.concatenate(positions)] = np.arange(len(stacked))
    return stacked.take(source, allow_fill=True)
