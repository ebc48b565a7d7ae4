"""The addresses of a kommune map as compact columns: one gzip'd binary blob, base64 in the page.

Sized for a kommune of 300,000 addresses (Oslo has 290,000): no Python object per address.
Every field is a little-endian typed array (the page's script takes views of the decompressed
buffer, :mod:`maps.address_layer`), the repeated texts are factorised into lists of escaped
labels that travel as UTF-8 JSON in the same blob:

==============  ==========  ===============================================================
column          type        meaning
==============  ==========  ===============================================================
``lat``         int32       latitude in 1e-5°, delta-coded (first value absolute)
``lon``         int32       longitude in 1e-5°, delta-coded
``street``      uint        index into ``streets`` (the text up to the house number)
``number``      uint        index into ``numbers`` (the house number part, with its space)
``id``          uint32      the adresseId, when every id is a whole number below 2^32
``hh``          uint        households
``tech``        uint        1 + index into ``tech`` (0: no offer)
``operator``    uint        1 + index into ``operators`` (0: none)
``down``        int32       best download in 0.1 Mbit/s, -1 where missing
``up``          int32       best upload in 0.1 Mbit/s, -1 where missing
``class<i>``    uint8       class for target i (index of :data:`maps.style.CLASS_ORDER`; 3: none)
``cost``        int32       ``cost_nok`` in whole kroner, -1 where missing
``wireless``    uint        1 + index into ``wireless`` (0: no line-of-sight line)
``site``        uint        1 + index into ``newSites`` (0: takes no proposed mast)
``reason<i>``   uint        1 + index into ``reasons``: the reason for the gap below target i
                            (0: none, served; the column is absent when the run has no reasons)
``scn<k>_row``  uint32      scenario k (``[scenarios]``): the rows whose class it changes
``scn<k>_val``  uint8       … and their class there: 4 × target index + class code
``texts``       uint8       UTF-8 JSON: ``streets``, ``numbers``, ``tech``, ``operators``,
                            ``wireless``, ``newSites``, ``reasons`` (one list for every target)
                            and ``ids`` (texts when ``id`` is absent)
==============  ==========  ===============================================================

The rows are sorted by 0.01° latitude band, then longitude, so the coordinate deltas stay small
and gzip finds the repeats. Address text = ``streets[street] + numbers[number]`` exactly.
"""

from __future__ import annotations

import base64
import gzip
import html
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from layers.numbers_nb import format_decimal_nb
from maps import style
from maps.piece_cache import NO_PIECES, PieceCache, frame_digest
from maps.style import TargetSpec

COORD_SCALE = 100_000  # 1e-5° ≈ 1.1 m
SPEED_SCALE = 10  # 0.1 Mbit/s
NO_CLASS = len(style.CLASS_ORDER)  # class code of an address with no class for a target
_ALIGN = 8
HOUSE_NUMBER = r"^(.*?)(\s+\d\S*)$"  # "Storgata 12B" -> "Storgata", " 12B"
# The same pattern for Arrow's RE2, vectorised: Python's \s (every character str.isspace()
# holds for), \d (Unicode Nd) and $ (end, or before a final newline) spelled out
_SPACE = (
    r"\t\n\x0b\x0c\r \x1c-\x1f\x{85}\x{a0}\x{1680}\x{2000}-\x{200a}"
    r"\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}"
)
_HOUSE_NUMBER_RE2 = rf"^(?P<street>.*?)(?P<number>[{_SPACE}]+\p{{Nd}}[^{_SPACE}]*)\n?$"
_MAX_INT32 = 2**31 - 1


@dataclass
class AddressRows:
    """A kommune's addresses, encoded for its map (:func:`address_rows`)."""

    payload_b64: str  # base64 of the gzip'd blob
    columns: dict[str, list[Any]]  # name -> [dtype, byte offset, count] in the blob
    count: int  # addresses on the map (located)
    targets: tuple[TargetSpec, ...]
    map_target: TargetSpec
    households_by_target: dict[str, dict[str, int]]  # target name -> class -> households
    unlocated: int  # addresses without coordinates (not on the map)
    unclassified: int = 0  # located addresses without a class for the map target (not shown)
    scenarios: tuple[str, ...] = ()  # the labels of the scenarios the rows carry (the picker)


def escape_series(values: pd.Series) -> pd.Series:
    """HTML-escape a text column (as :func:`maps.style.escape`, quotes too), vectorised."""
    text = values.fillna("").astype("str")
    for raw, entity in (
        ("&", "&amp;"),
        ("<", "&lt;"),
        (">", "&gt;"),
        ('"', "&quot;"),
        ("'", "&#x27;"),
    ):
        text = text.str.replace(raw, entity, regex=False)
    return text


def factorised(values: pd.Series) -> tuple[np.ndarray, list[str]]:
    """``1 + index`` into the escaped unique texts (0 where missing), and those texts."""
    codes, uniques = pd.factorize(values.astype("object"), use_na_sentinel=True)
    labels = [html.escape(str(u), quote=True) for u in uniques]  # once per distinct text
    return smallest_uint(codes.astype(np.int64) + 1), labels


def smallest_uint(values: np.ndarray) -> np.ndarray:
    """Non-negative integers in the narrowest unsigned dtype that holds them."""
    top = int(values.max()) if len(values) else 0
    for dtype in (np.uint8, np.uint16, np.uint32):
        if top <= np.iinfo(dtype).max:
            return values.astype(dtype)
    msg = f"integer column up to {top}; expected at most {np.iinfo(np.uint32).max}"
    raise ValueError(msg)


def scaled_ints(values: pd.Series, scale: float) -> np.ndarray:
    """A numeric column × ``scale``, rounded half away from zero, as int32; -1 where missing."""
    array = pd.to_numeric(values, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    scaled = np.sign(array) * np.floor(np.abs(array) * scale + 0.5)
    return np.where(np.isnan(scaled), -1, np.clip(scaled, -1, _MAX_INT32)).astype(np.int32)


def wireless_texts(frame: pd.DataFrame) -> pd.Series:
    """The popup's wireless line per address (escaped; empty when the run had no LOS check)."""
    if "has_los" not in frame.columns:
        return pd.Series("", index=frame.index, dtype="object")
    site = escape_series(frame["los_site_id"])
    has_los = frame["has_los"].fillna(False).astype(bool)
    in_range = frame["sites_in_range"].fillna(0) > 0
    distance_km = np.round(frame["los_distance_m"].to_numpy(dtype="float64") / 1000.0, 1)
    rounded, inverse = np.unique(np.nan_to_num(distance_km), return_inverse=True)
    km_labels = np.array([format_decimal_nb(v, 1) for v in rounded.tolist()], dtype=object)
    km = pd.Series(km_labels[inverse.ravel()], index=frame.index)
    text = pd.Series("", index=frame.index, dtype="object")
    text = text.mask(in_range & ~has_los, "Ingen sikt til mast (nærmeste: " + site + ")")
    text = text.mask(has_los, "Sikt til mast " + site + " (" + km + " km)")
    if "fwa_doubtful" in frame.columns:
        doubtful = frame["fwa_doubtful"].fillna(False).astype(bool)
        text = text.mask(doubtful, text + " – oppgitt FWA-dekning er tvilsom")
    return text


def reason_columns(
    frame: pd.DataFrame, targets: Sequence[TargetSpec]
) -> tuple[dict[str, np.ndarray], list[str]]:
    """``reason<i>`` per target: 1 + index into one escaped list of the evidence texts of every
    target (0 where served); none when ``frame`` has no ``reason_evidence_<target>`` columns."""
    names = [f"reason_evidence_{t.name}" for t in targets]
    if not set(names) <= set(frame.columns):
        return {}, []
    stacked = pd.concat([frame[name].astype("object") for name in names], ignore_index=True)
    codes, labels = factorised(stacked.where(stacked != ""))
    parts = np.split(codes, len(names))  # the targets one after another
    return {f"reason{i}": smallest_uint(part) for i, part in enumerate(parts)}, labels


def _spatial_order(lat_e5: np.ndarray, lon_e5: np.ndarray) -> np.ndarray:
    """Row order by 0.01° latitude band, then longitude (small deltas for gzip)."""
    return np.lexsort((lon_e5, lat_e5 // 1000))


def _delta(values: np.ndarray) -> np.ndarray:
    return np.diff(values, prepend=np.int64(0)).astype(np.int32)


def split_house_number(address_text: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Street and house-number part of each address text, as :data:`HOUSE_NUMBER` splits it
    (the whole text and "" where it does not match), by Arrow's regex engine."""
    text = address_text.fillna("").astype("str")
    parts = pc.extract_regex(pa.array(text.to_numpy(dtype=object), pa.string()), _HOUSE_NUMBER_RE2)
    matched = parts.is_valid().to_numpy(zero_copy_only=False)
    street = parts.field("street").to_numpy(zero_copy_only=False)
    number = parts.field("number").to_numpy(zero_copy_only=False)
    return (
        pd.Series(np.where(matched, street, text.to_numpy(dtype=object)), index=text.index),
        pd.Series(np.where(matched, number, ""), index=text.index, dtype=object),
    )


def _texts_and_ids(frame: pd.DataFrame) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """Street and number codes (and the ids when numeric) and their label lists."""
    street, number = split_house_number(frame["address_text"])
    street_code, streets = factorised(street)
    number_code, numbers = factorised(number)
    columns = {"street": street_code - 1, "number": number_code - 1}
    texts: dict[str, Any] = {"streets": streets, "numbers": numbers, "ids": None}
    ids = pd.to_numeric(frame["address_id"], errors="coerce").to_numpy(dtype="float64")
    whole = np.isfinite(ids) & (ids == np.floor(ids)) & (ids >= 0) & (ids < 2**32)
    if whole.all():
        columns["id"] = ids.astype(np.uint32)
    else:
        texts["ids"] = escape_series(frame["address_id"]).tolist()
    return {k: smallest_uint(v) if k != "id" else v for k, v in columns.items()}, texts


def _class_codes(frame: pd.DataFrame, target: TargetSpec) -> np.ndarray:
    return _codes(frame[f"class_{target.name}"])


def _codes(values: pd.Series) -> np.ndarray:
    """Each class as its index in :data:`maps.style.CLASS_ORDER` (:data:`NO_CLASS`: none)."""
    classes = values.astype("object").to_numpy()
    codes = np.full(len(values), NO_CLASS, dtype=np.uint8)
    for index, code in enumerate(style.CLASS_ORDER):
        codes[classes == code] = index
    return codes


def scenario_column(index: int, target: TargetSpec) -> str:
    """The addresses' column of scenario ``index``'s class for ``target``."""
    return f"scenario{index}_class_{target.name}"


def _scenario_changes(
    frame: pd.DataFrame, columns: dict[str, np.ndarray], targets: Sequence[TargetSpec]
) -> dict[str, np.ndarray]:
    """Per scenario whose columns ``frame`` has (:func:`scenario_column`), the rows (in the
    columns' order) whose class it changes, and 4 × target index + the class code there."""
    out: dict[str, np.ndarray] = {}
    index = 0
    while scenario_column(index, targets[0]) in frame.columns:
        rows, values = [], []
        for t, target in enumerate(targets):
            codes = _codes(frame[scenario_column(index, target)])
            changed = np.flatnonzero(codes != columns[f"class{t}"])
            rows.append(changed)
            values.append((4 * t + codes[changed]).astype(np.uint8))
        out[f"scn{index}_row"] = np.concatenate(rows).astype(np.uint32)
        out[f"scn{index}_val"] = np.concatenate(values).astype(np.uint8)
        index += 1
    return out


def address_columns(
    frame: pd.DataFrame, targets: Sequence[TargetSpec]
) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """The columns and label lists of located addresses ``frame``, in :func:`_spatial_order`."""
    lat_e5 = np.round(frame["lat"].to_numpy(dtype="float64") * COORD_SCALE).astype(np.int64)
    lon_e5 = np.round(frame["lon"].to_numpy(dtype="float64") * COORD_SCALE).astype(np.int64)
    order = _spatial_order(lat_e5, lon_e5)
    frame = frame.iloc[order]
    columns, texts = _texts_and_ids(frame)
    columns["lat"], columns["lon"] = _delta(lat_e5[order]), _delta(lon_e5[order])
    households = pd.to_numeric(frame["households"], errors="coerce").fillna(0)
    columns["hh"] = smallest_uint(households.clip(lower=0).to_numpy().astype(np.int64))
    columns["tech"], tech_codes = factorised(frame["best_technology"])
    labels = style.TECHNOLOGY_LABELS_NB  # a code without a label is shown as it is (escaped)
    texts["tech"] = [style.escape(labels[c]) if c in labels else c for c in tech_codes]
    columns["operator"], texts["operators"] = factorised(frame["best_operator"])
    columns["down"] = scaled_ints(frame["best_down_mbps"], SPEED_SCALE)
    columns["up"] = scaled_ints(frame["best_up_mbps"], SPEED_SCALE)
    for index, target in enumerate(targets):
        columns[f"class{index}"] = _class_codes(frame, target)
    columns["cost"] = scaled_ints(frame.get("cost_nok", pd.Series(np.nan, frame.index)), 1)
    wireless = wireless_texts(frame)
    columns["wireless"], texts["wireless"] = factorised(wireless.where(wireless != ""))
    takes = pd.Series(False, index=frame.index)
    if {"new_site_id", "cost_option"} <= set(frame.columns):
        takes = (frame["cost_option"] == "fwa_new_site").fillna(False).astype(bool)
        columns["site"], texts["newSites"] = factorised(frame["new_site_id"].where(takes))
    else:
        columns["site"], texts["newSites"] = np.zeros(len(frame), np.uint8), []
    reasons, texts["reasons"] = reason_columns(frame, targets)
    return columns | reasons | _scenario_changes(frame, columns, targets), texts


def pack_columns(
    columns: dict[str, np.ndarray], texts: dict[str, Any]
) -> tuple[bytes, dict[str, list[Any]]]:
    """The columns and the texts (``texts`` column, UTF-8 JSON) as one little-endian blob,
    each column at an offset that is a multiple of 8; and ``name -> [dtype, offset, count]``."""
    parts: list[bytes] = []
    header: dict[str, list[Any]] = {}
    offset = 0
    encoded_texts = json.dumps(texts, ensure_ascii=False, separators=(",", ":")).encode()
    arrays = {**columns, "texts": np.frombuffer(encoded_texts, dtype=np.uint8)}
    for name, array in arrays.items():
        data = np.ascontiguousarray(array, dtype=array.dtype.newbyteorder("<")).tobytes()
        header[name] = [array.dtype.name, offset, len(array)]
        padding = -len(data) % _ALIGN
        parts.append(data + b"\0" * padding)
        offset += len(data) + padding
    return b"".join(parts), header


def unpack_columns(blob: bytes, header: dict[str, list[Any]]) -> dict[str, Any]:
    """What the page's script reads from the blob (for tests and checks): the columns with
    coordinates summed back to 1e-5° and the texts parsed."""
    out: dict[str, Any] = {}
    for name, (dtype, offset, count) in header.items():
        array = np.frombuffer(
            blob, dtype=np.dtype(dtype).newbyteorder("<"), count=count, offset=offset
        )
        out[name] = array
    for name in ("lat", "lon"):
        if name in out:
            out[name] = np.cumsum(out[name].astype(np.int64))
    out["texts"] = json.loads(bytes(out["texts"]).decode("utf-8"))
    return out


def households_by_class(
    addresses: pd.DataFrame, targets: Sequence[TargetSpec]
) -> dict[str, dict[str, int]]:
    """Households per class per target over all the kommune's addresses (as the gap table
    counts them, located or not). Whole households (the usual case) are summed with numpy
    (exact below 2**53, in any order); any others as pandas sums them."""
    households = pd.to_numeric(addresses["households"], errors="coerce").fillna(0)
    values = households.to_numpy(dtype="float64")
    whole = bool(np.all(values == np.floor(values))) and float(np.abs(values).sum()) < 2.0**53
    counts: dict[str, dict[str, int]] = {}
    for target in targets:
        classes = addresses[f"class_{target.name}"]
        if whole:
            codes = classes.to_numpy(dtype=object)
            counts[target.name] = {c: int(values[codes == c].sum()) for c in style.CLASS_ORDER}
            continue
        per_class = households.groupby(classes).sum()
        counts[target.name] = {c: int(per_class.get(c, 0)) for c in style.CLASS_ORDER}
    return counts


ENCODED_COLUMNS = (
    "lat",
    "lon",
    "address_id",
    "address_text",
    "households",
    "best_technology",
    "best_operator",
    "best_down_mbps",
    "best_up_mbps",
    "cost_nok",
    "has_los",
    "los_site_id",
    "los_distance_m",
    "sites_in_range",
    "fwa_doubtful",
    "cost_option",
    "new_site_id",
)


def encoded_columns(targets: Sequence[TargetSpec], scenarios: int = 0) -> list[str]:
    """Every column the address layer's encoding may read (those present are given to it, and
    only those: the piece's key is their digest), with ``scenarios`` scenarios' classes."""
    per_target = [f"{prefix}{t.name}" for prefix in ("class_", "reason_evidence_") for t in targets]
    per_scenario = [scenario_column(k, t) for k in range(scenarios) for t in targets]
    return [*ENCODED_COLUMNS, *per_target, *per_scenario]


def _encoded(frame: pd.DataFrame, targets: Sequence[TargetSpec]) -> bytes:
    """The located addresses' header (JSON) and base64 payload, one line each."""
    columns, texts = address_columns(frame, targets)
    blob, header = pack_columns(columns, texts)
    payload = base64.b64encode(gzip.compress(blob, compresslevel=6, mtime=0))
    return json.dumps(header, separators=(",", ":")).encode() + b"\n" + payload


def address_rows(
    addresses: pd.DataFrame,
    targets: Sequence[TargetSpec],
    map_target: TargetSpec,
    pieces: PieceCache = NO_PIECES,
    scenarios: Sequence[str] = (),
) -> AddressRows:
    """Encode one kommune's located addresses for its map (vectorised; gzip level 6); the
    encoding is read back from ``pieces`` when these rows were encoded before
    (:mod:`maps.piece_cache`). ``scenarios`` are the labels of the scenarios whose classes the
    rows carry (:func:`scenario_column`), for the map's scenario picker."""
    located = addresses["lat"].notna() & addresses["lon"].notna()
    read = [c for c in encoded_columns(targets, len(scenarios)) if c in addresses.columns]
    frame = addresses.loc[located, read]  # all the encoding reads, so all its key needs
    parts = (frame_digest(frame), repr(tuple(targets)))
    encoded = pieces.piece("addresses", parts, lambda: _encoded(frame, targets))
    header_json, payload_ascii = encoded.split(b"\n", 1)
    header = json.loads(header_json)
    payload = payload_ascii.decode("ascii")
    map_classes = frame[f"class_{map_target.name}"].astype("object")
    return AddressRows(
        payload_b64=payload,
        columns=header,
        count=len(frame),
        targets=tuple(targets),
        map_target=map_target,
        households_by_target=households_by_class(addresses, targets),
        unlocated=int((~located).sum()),
        unclassified=int((~map_classes.isin(style.CLASS_ORDER)).sum()),
        scenarios=tuple(scenarios),
    )
