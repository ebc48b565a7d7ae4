"""Stage 3, premises: who lives at each address — households, holiday homes, businesses.

Sources, strongest first:

1. **Nkom's address register** (``register``: ``address_id``, ``households``,
   ``holiday_homes``): households and holiday homes come from Nkom's own count, so our figures
   are Nkom's by construction; an address absent from it has none. Businesses still come from
   the buildings when given.
2. **Kartverket's building points** (:mod:`layers.buildings`): each building is linked to one
   address, and an address sums its buildings by class (below).
3. **Neither**: households are the address file's own count ("husstander = adresser"), and the
   manifest, the gap table and the maps say so.

Linking a building to an address (each building counts once):

- ``address_id``: the building names the address (Bygningspunkt's ``adresseId``);
- ``cadastre``: the nearest address of the same cadastral unit (kommune, gnr, bnr, fnr; the
  address file has no seksjonsnummer, its ``undernummer`` is a sub-number of a matrikkeladresse);
- ``nearest``: the nearest address within ``[premises].link_tolerance_m``;
- else the building is unlinked (counted).

Building classes by SSB's bygningstype (KLASS 31; :func:`class_of_building_type`):
dwellings 111–159 and 19x; holiday homes 16x (fritidsbolig) and 17x (seterhus, rorbu, koie); no
premises 18x (garage, outbuilding, naust), 22x (energy), 24x (farm and fishery buildings),
42x–44x (telecom, garages, road buildings) and unknown codes; businesses every other code from
211 to 899. Dwellings per building: the file's dwelling count where given, else
:data:`DWELLINGS_BY_TYPE` (an assumption, documented in the README).

An address's ``premises_class``: ``dwelling`` with households > 0, else ``holiday_home``, else
``business``, else ``no_premises``. ``households`` (the figure every target counts) is the sum of
the units of ``[premises].counted_classes``; ``premises_costed`` marks the addresses of
``[premises].costed_classes``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Final

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from pipeline.config import Config
from pipeline.config_premises import PremisesSettings
from pipeline.ingest import Ingested

# Norwegian statement of where the households come from (manifest, gap table, maps)
BASIS_NB: Final[dict[str, str]] = {
    "addresses": "husstander = adresser",
    "buildings": "husstander fra bygningspunkter (Matrikkelen)",
    "register": "husstander og fritidsboliger fra Nkoms adresseregister",
}
LINK_METHODS: Final[tuple[str, ...]] = ("address_id", "cadastre", "nearest")
# Dwellings per building when the file gives no count (assumption; SSB's group names):
# 11x enebolig 1 (112 with a hybel/sokkel unit: 2); 12x tomannsbolig 2; 13x rekkehus, kjedehus,
# "småhus med 3 boliger eller flere": 3; 14x store boligbygg: 5; 15x bofellesskap and 19x: 1.
DWELLINGS_BY_TYPE: Final[dict[str, int]] = {"11": 1, "12": 2, "13": 3, "14": 5, "15": 1, "19": 1}
DWELLINGS_BY_CODE: Final[dict[str, int]] = {"112": 2}
NO_PREMISES_GROUPS: Final[tuple[int, ...]] = (18, 22, 24, 42, 43, 44)
COLUMNS: Final[tuple[str, ...]] = (
    "premises_class",
    "households",
    "dwelling_households",
    "holiday_homes",
    "businesses",
    "premises_linked_by",
    "premises_costed",
)


@dataclass(frozen=True)
class Premises:
    """Per address (aligned to the addresses) the :data:`COLUMNS`, and the stage's counts."""

    columns: pd.DataFrame
    counts: dict[str, Any]


def _per_code(building_type: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """The distinct codes (as int, 0 where not a number) and each building's position among
    them: the code tables are applied to the ~100 distinct codes, not to millions of rows."""
    positions, uniques = pd.factorize(building_type.astype("string").fillna(""))
    numbers = pd.to_numeric(pd.Series(np.asarray(uniques, dtype=object)), errors="coerce")
    return numbers.fillna(0).to_numpy(dtype="int64"), positions


def _class_of_codes(code: np.ndarray) -> np.ndarray:
    group = code // 10
    dwelling = ((code >= 111) & (code <= 159)) | (group == 19)
    holiday = (group == 16) | (group == 17)
    business = (code >= 211) & (code <= 899) & ~np.isin(group, NO_PREMISES_GROUPS)
    return np.select(
        [dwelling, holiday, business], ["dwelling", "holiday_home", "business"], "no_premises"
    ).astype(object)


def class_of_building_type(building_type: pd.Series) -> np.ndarray:
    """``dwelling``, ``holiday_home``, ``business`` or ``no_premises`` per 3-digit code."""
    codes, positions = _per_code(building_type)
    classes: np.ndarray = np.append(_class_of_codes(codes), "no_premises")[positions]
    return classes


def dwellings_of_buildings(building_type: pd.Series, dwellings: pd.Series) -> np.ndarray:
    """Dwellings per building: the file's count where given, else :data:`DWELLINGS_BY_CODE`
    or :data:`DWELLINGS_BY_TYPE` for dwelling codes, 0 for every other class."""
    codes, positions = _per_code(building_type)
    text = pd.Series(codes.astype(str))
    by_type = text.map(DWELLINGS_BY_CODE).fillna(text.str.slice(0, 2).map(DWELLINGS_BY_TYPE))
    assumed_per_code = np.where(_class_of_codes(codes) == "dwelling", by_type.fillna(0), 0)
    assumed = np.append(assumed_per_code, 0).astype("int64")[positions]
    given = _nullable_ints(dwellings)
    count = np.where(given.isna().to_numpy(), assumed, given.fillna(0).to_numpy(dtype="int64"))
    is_dwelling = np.append(_class_of_codes(codes) == "dwelling", False)[positions]
    return np.where(is_dwelling, count, 0)


def _nullable_ints(values: pd.Series) -> pd.Series:
    """``values`` as nullable Int64 (NA where missing)."""
    if isinstance(values.dtype, pd.Int64Dtype):
        return values
    return pd.Series(pd.to_numeric(values, errors="coerce"), index=values.index).astype("Int64")


def _unit_keys(
    kommunenummer: pd.Series, gnr: pd.Series, bnr: pd.Series, fnr: pd.Series, knr_index: pd.Index
) -> np.ndarray:
    """One int64 per cadastral unit (kommune position, gnr, bnr, fnr < 10⁵ each); -1 where the
    kommune is not in ``knr_index`` or gnr or bnr is missing."""
    knr = knr_index.get_indexer(pd.Index(kommunenummer.astype("string").fillna("")))
    parts = [_nullable_ints(v).fillna(-1).to_numpy(dtype="int64") for v in (gnr, bnr, fnr)]
    key = ((knr * 100_000 + parts[0]) * 100_000 + parts[1]) * 100_000 + parts[2].clip(0)
    return np.where((knr >= 0) & (parts[0] >= 0) & (parts[1] >= 0), key, -1)


def _link_by_cadastre(
    addresses: pd.DataFrame, buildings: pd.DataFrame, todo: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Buildings ``todo`` (positions) that share a cadastral unit (kommune — the address file's
    own, the cadastre's numbering — gnr, bnr, fnr) with an address, and the nearest such
    address of each (positions)."""
    knr = addresses.get("kommunenummer_file", addresses["kommunenummer"])
    knr = knr.fillna(addresses["kommunenummer"])
    knr_index = pd.Index(pd.unique(knr.astype("string").fillna("").to_numpy()))
    nothing = pd.Series(pd.NA, index=addresses.index, dtype="Int64")
    address_key = _unit_keys(
        knr,
        addresses.get("gnr", nothing),
        addresses.get("bnr", nothing),
        addresses.get("fnr", nothing),
        knr_index,
    )
    chosen = buildings.iloc[todo]
    building_key = _unit_keys(
        chosen["kommunenummer"], chosen["gnr"], chosen["bnr"], chosen["fnr"], knr_index
    )
    pairs = pd.DataFrame({"key": building_key, "building_index": todo}).loc[building_key >= 0]
    units = pd.DataFrame({"key": address_key, "address_index": np.arange(len(addresses))})
    pairs = pairs.merge(units.loc[address_key >= 0], on="key", how="inner")
    b, a = pairs["building_index"].to_numpy(), pairs["address_index"].to_numpy()
    geometry = buildings.geometry.to_numpy()
    distance_m = np.hypot(
        shapely.get_x(geometry[b]) - addresses["x_m"].to_numpy()[a],
        shapely.get_y(geometry[b]) - addresses["y_m"].to_numpy()[a],
    )
    order = np.lexsort((a, distance_m, b))
    first = np.r_[True, b[order][1:] != b[order][:-1]] if len(order) else order.astype(bool)
    return b[order][first], a[order][first]


def _link_by_nearest(
    addresses: pd.DataFrame, buildings: pd.DataFrame, todo: np.ndarray, tolerance_m: float
) -> tuple[np.ndarray, np.ndarray]:
    """Buildings ``todo`` with an address within ``tolerance_m``, and the nearest (positions)."""
    if tolerance_m <= 0 or len(todo) == 0 or len(addresses) == 0:
        return np.array([], dtype="int64"), np.array([], dtype="int64")
    if isinstance(addresses, gpd.GeoDataFrame):  # the located addresses: their points
        points = np.asarray(addresses.geometry.to_numpy())
    else:
        points = np.asarray(shapely.points(addresses["x_m"], addresses["y_m"]))
    tree = shapely.STRtree(points)
    building_pos, address_pos = tree.query_nearest(
        buildings.geometry.to_numpy()[todo], max_distance=tolerance_m, all_matches=False
    )
    return todo[building_pos], address_pos


def link_buildings(
    addresses: pd.DataFrame, buildings: pd.DataFrame, tolerance_m: float
) -> tuple[np.ndarray, np.ndarray]:
    """Per building the position of its address (-1: unlinked) and how it was linked
    (index into :data:`LINK_METHODS`, -1: unlinked): by ``address_id``, then by cadastral
    unit (nearest address of the unit), then the nearest address within ``tolerance_m``."""
    address_of = np.full(len(buildings), -1, dtype="int64")
    method = np.full(len(buildings), -1, dtype="int64")
    named = pd.Index(addresses["address_id"]).get_indexer(
        _nullable_ints(buildings["address_id"]).fillna(-1).to_numpy(dtype="int64")
    )
    address_of[named >= 0], method[named >= 0] = named[named >= 0], 0
    todo = np.flatnonzero(address_of < 0)
    building_pos, address_pos = _link_by_cadastre(addresses, buildings, todo)
    address_of[building_pos], method[building_pos] = address_pos, 1
    todo = np.flatnonzero(address_of < 0)
    building_pos, address_pos = _link_by_nearest(addresses, buildings, todo, tolerance_m)
    address_of[building_pos], method[building_pos] = address_pos, 2
    return address_of, method


def _per_address(address_of: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    """Sum of ``values`` over the linked buildings of each of ``n`` addresses."""
    linked = address_of >= 0
    summed = np.bincount(address_of[linked], weights=values[linked], minlength=n)
    return np.rint(summed).astype("int64")


def _class_of_addresses(
    dwelling: np.ndarray, holiday: np.ndarray, business: np.ndarray
) -> np.ndarray:
    return np.select(
        [dwelling > 0, holiday > 0, business > 0],
        ["dwelling", "holiday_home", "business"],
        "no_premises",
    ).astype(object)


def premises_from_buildings(
    addresses: pd.DataFrame,
    buildings: pd.DataFrame,
    settings: PremisesSettings,
    dwelling_level: bool = False,
) -> Premises:
    """The premises of each address from the buildings linked to it (:func:`link_buildings`).

    A dwelling address of a dwelling-level address file keeps the file's count (one per
    bruksenhet) instead of the buildings' dwellings. An address no building links to is
    ``unlinked``: with ``unlinked_as = "dwelling"`` it keeps the address file's households.
    """
    n = len(addresses)
    address_of, method = link_buildings(addresses, buildings, settings.link_tolerance_m)
    kind = class_of_building_type(buildings["building_type"])
    dwellings = dwellings_of_buildings(buildings["building_type"], buildings["dwellings"])
    dwelling = _per_address(address_of, dwellings.astype("float64"), n)
    holiday = _per_address(address_of, (kind == "holiday_home").astype("float64"), n)
    business = _per_address(address_of, (kind == "business").astype("float64"), n)
    rank = np.full(n, len(LINK_METHODS), dtype="int64")
    np.minimum.at(rank, address_of[address_of >= 0], method[address_of >= 0])
    unlinked = rank == len(LINK_METHODS)
    own = addresses["households"].to_numpy(dtype="int64")
    if dwelling_level:
        dwelling = np.where(dwelling > 0, np.maximum(own, 1), dwelling)
    if settings.unlinked_as == "dwelling":
        dwelling = np.where(unlinked, own, dwelling)
    linked_by = np.array([*LINK_METHODS, "unlinked"], dtype=object)[rank]
    columns = columns_of_units(addresses.index, dwelling, holiday, business, linked_by, settings)
    counts = {
        "basis": "buildings",
        "buildings": len(buildings),
        **{
            f"buildings_linked_by_{m}": int((method == i).sum()) for i, m in enumerate(LINK_METHODS)
        },
        "buildings_unlinked": int((address_of < 0).sum()),
        "addresses_unlinked": int(unlinked.sum()),
        "buildings_dwellings_assumed": int(
            ((kind == "dwelling") & _nullable_ints(buildings["dwellings"]).isna().to_numpy()).sum()
        ),
    }
    return Premises(columns, counts | _class_counts(columns))


def premises_from_register(
    addresses: pd.DataFrame,
    register: pd.DataFrame,
    settings: PremisesSettings,
    businesses: np.ndarray | None = None,
) -> Premises:
    """Households and holiday homes per address from Nkom's register (``address_id``,
    ``households``, ``holiday_homes``; an address absent from it has none), businesses from
    ``businesses`` (per address, from the buildings) or none."""
    per_address = register.groupby("address_id")[["households", "holiday_homes"]].sum()
    found = per_address.reindex(addresses["address_id"].to_numpy())
    dwelling = found["households"].fillna(0).to_numpy(dtype="int64")
    holiday = found["holiday_homes"].fillna(0).to_numpy(dtype="int64")
    business = np.zeros(len(addresses), dtype="int64") if businesses is None else businesses
    in_register = found["households"].notna().to_numpy()
    linked_by = np.where(in_register, "register", "not_in_register").astype(object)
    columns = columns_of_units(addresses.index, dwelling, holiday, business, linked_by, settings)
    counts = {
        "basis": "register",
        "addresses_not_in_register": int((~in_register).sum()),
        "register_rows_without_address": int(
            (~register["address_id"].isin(addresses["address_id"])).sum()
        ),
    }
    return Premises(columns, counts | _class_counts(columns))


def premises_from_addresses(addresses: pd.DataFrame, settings: PremisesSettings) -> Premises:
    """No buildings, no register: households are the address file's count
    ("husstander = adresser"); no holiday homes nor businesses are told apart."""
    zero = np.zeros(len(addresses), dtype="int64")
    own = addresses["households"].to_numpy(dtype="int64")
    linked_by = np.full(len(addresses), "addresses", dtype=object)
    columns = columns_of_units(addresses.index, own, zero, zero, linked_by, settings)
    return Premises(columns, {"basis": "addresses"} | _class_counts(columns))


def columns_of_units(
    index: pd.Index,
    dwelling: np.ndarray,
    holiday: np.ndarray,
    business: np.ndarray,
    linked_by: np.ndarray,
    settings: PremisesSettings,
) -> pd.DataFrame:
    """The per-address :data:`COLUMNS`: households = Σ units of the counted classes."""
    units = {"dwelling": dwelling, "holiday_home": holiday, "business": business}
    counted = sum((units[c] for c in settings.counted_classes), np.zeros(len(index), "int64"))
    costed = np.zeros(len(index), dtype=bool)
    for name in settings.costed_classes:
        costed |= units[name] > 0
    return pd.DataFrame(
        {
            "premises_class": _class_of_addresses(dwelling, holiday, business),
            "households": counted.astype("int64"),
            "dwelling_households": dwelling.astype("int64"),
            "holiday_homes": holiday.astype("int64"),
            "businesses": business.astype("int64"),
            "premises_linked_by": linked_by,
            "premises_costed": costed,
        },
        index=index,
    )


def _class_counts(columns: pd.DataFrame) -> dict[str, int]:
    by_class = columns["premises_class"].value_counts()
    return {
        **{f"addresses_{c}": int(by_class.get(c, 0)) for c in PREMISES_CLASSES_ORDER},
        "households": int(columns["households"].sum()),
        "dwelling_households": int(columns["dwelling_households"].sum()),
        "holiday_homes": int(columns["holiday_homes"].sum()),
        "businesses": int(columns["businesses"].sum()),
    }


PREMISES_CLASSES_ORDER: Final = ("dwelling", "holiday_home", "business", "no_premises")


def premises_of(config: Config, inputs: Ingested, register: pd.DataFrame | None = None) -> Premises:
    """The premises of the located addresses from the strongest source given (module doc)."""
    addresses, buildings = inputs.addresses, inputs.buildings
    settings = config.premises
    dwelling_level = bool(inputs.metadata.get("addresses", {}).get("dwelling_level", False))
    if register is not None:
        business = None
        if buildings is not None:
            linked = premises_from_buildings(addresses, buildings, settings).columns
            business = linked["businesses"].to_numpy(dtype="int64")
        return premises_from_register(addresses, register, settings, business)
    if buildings is not None:
        return premises_from_buildings(addresses, buildings, settings, dwelling_level)
    return premises_from_addresses(addresses, settings)


def premises_stage(
    config: Config, inputs: Ingested, register: pd.DataFrame | None = None
) -> tuple[Ingested, dict[str, Any]]:
    """The premises stage: the inputs with each address's :data:`COLUMNS` (``households``
    replaced by the counted units), and the counts for the manifest (with ``basis_nb``)."""
    premises = premises_of(config, inputs, register)
    located = inputs.addresses.assign(**{c: premises.columns[c] for c in COLUMNS})
    counts = premises.counts | {"basis_nb": BASIS_NB[str(premises.counts["basis"])]}
    return dataclasses.replace(inputs, addresses=located), counts
