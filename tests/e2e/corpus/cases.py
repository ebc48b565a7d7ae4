"""The corpus: each case a name, the layer, a damage on a copied run folder and the outcome.

An outcome is either :class:`Fails` (the exit code and a piece of the one-line message that
names the file, row or key) or :class:`Succeeds` (the quarantined rows of a named reason, as
``(layer, piece of the reason): count``). A case whose right outcome waits for another
engineer's work carries ``xfail`` (the finding and its owner: ``rows`` or ``geo``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from tests.e2e.corpus import damage as d

ROWS = "owner: rows"
GEO = "owner: geo"


@dataclass(frozen=True)
class Fails:
    code: int
    text: str


@dataclass(frozen=True)
class Succeeds:
    # (layer, a piece of the reason) -> quarantined rows with that reason
    quarantined: dict[tuple[str, str], int] = field(default_factory=dict)
    # (layer, a piece of the reason) -> the physical line number of its first row
    line: dict[tuple[str, str], int] = field(default_factory=dict)
    # how many addresses the run reports "outside every polygon" (None: not checked)
    outside: int | None = None


@dataclass(frozen=True)
class Case:
    name: str
    layer: str
    damage: Callable[[Path], d.Cleanup]
    expect: Fails | Succeeds
    xfail: str = ""
    base: str = "demo"  # or "real"
    # a function of pipeline/ replaced in the child by one raising this (a fault injection)
    patch: tuple[str, str, str] | None = None
    runs_exit: int = 0  # what ``gapmap runs`` exits with afterwards (0: the store opens)


def _do(*steps: Callable[[Path], object]) -> Callable[[Path], d.Cleanup]:
    def damage(root: Path) -> d.Cleanup:
        cleanups = [step(root) for step in steps]
        found = [c for c in cleanups if callable(c)]
        return found[0] if found else None

    return damage


def _file(name: str, action: Callable[[Path], object]) -> Callable[[Path], object]:
    return lambda root: action(d.data(root) / name)


def _text(name: str, text: str) -> Callable[[Path], object]:
    return lambda root: (d.data(root) / name).write_text(text, encoding="utf-8")


def _rm(name: str) -> Callable[[Path], object]:
    return lambda root: (d.data(root) / name).unlink()


def _cfg(old: str, new: str) -> Callable[[Path], object]:
    return lambda root: d.edit_config(root, old, new)


def _append(text: str) -> Callable[[Path], object]:
    return lambda root: d.append_config(root, text)


A = d.ADDRESSES
KOMMUNER = "kommuner.geojson"
OFFERS_HEADER = "address_id,operator,technology,down_mbps,up_mbps"
BASE_ADDRESSES_QUARANTINED = 10  # the demo region's own bad rows

OFFERS_LINE = 'offers = "dekning.csv"'
CRS84 = "urn:ogc:def:crs:OGC:1.3:CRS84"
UTM33 = "urn:ogc:def:crs:EPSG::25833"
POLYGON_TWO_POINTS = {"type": "Polygon", "coordinates": [[[10.40, 63.25], [10.41, 63.26]]]}
ROWS_5 = range(1000, 1005)
DEMO_FUNDED = 'funded_areas = "tilskudd.geojson"'  # the demo config already names one
FUNDED = 'funded_areas = "tildelt.geojson"'


def _funded(write: Callable[[Path], object]) -> Callable[[Path], object]:
    """Funded areas (the [inputs] ``funded_areas`` layer) as ``write`` leaves tildelt.geojson."""

    def damage(root: Path) -> None:
        d.edit_config(root, DEMO_FUNDED, FUNDED)
        target = d.data(root) / "tildelt.geojson"
        d.write_geojson(target, d.geojson(d.data(root) / KOMMUNER))
        d.feature_properties(target, {"kommunenavn": "navn"})
        write(target)

    return damage


def _latin1_config(root: Path) -> None:
    text = d.config(root).read_text(encoding="utf-8").replace("# gapmap", "# gapmap Ørsta")
    d.config(root).write_bytes(text.encode("latin-1"))


def _latin1_addresses(root: Path) -> None:
    path = d.data(root) / A
    path.write_bytes(path.read_text(encoding="utf-8-sig").encode("latin-1", errors="replace"))


def _crlf_addresses(root: Path) -> None:
    path = d.data(root) / A
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))


def _duplicate_addresses(root: Path) -> None:
    rows = d.lines(d.data(root) / A)
    d.write_lines(d.data(root) / A, rows + rows[1001:1006], bom=True)


def _blank_line_then_bad(root: Path) -> None:
    """A blank line after line 10, then a bad EPSG on data row 20 (physical line 23)."""
    d.address_rows(root, [20], "EPSG-kode", "1234")
    rows = d.lines(d.data(root) / A)
    d.write_lines(d.data(root) / A, [*rows[:10], "", *rows[10:]], bom=True)


def _too_many_bad(root: Path) -> None:
    d.address_rows(root, range(0, 2000), "EPSG-kode", "9999")


def _kommune_with_other_numbers(root: Path) -> None:
    path = d.data(root) / KOMMUNER
    collection = d.geojson(path)
    for i, feature in enumerate(collection["features"]):
        feature["properties"]["kommunenummer"] = f"{5501 + i}"
        feature["properties"]["id"] = f"{5501 + i}"
    d.write_geojson(path, collection)


def _read_only_output(root: Path) -> d.Cleanup:
    return d.make_read_only(root / "runs")


def _file_as_output(root: Path) -> None:
    d.edit_config(root, 'output_dir = ".."', 'output_dir = "../blocker"')
    (root / "blocker").write_text("not a folder\n", encoding="utf-8")


CONFIG_CASES = [
    Case("config-latin1", "config", _do(_latin1_config), Fails(2, "gapmap.toml")),
    Case(
        "config-unknown-key",
        "config",
        _do(_cfg("\ntolerance_m", "\ntolerans_m")),
        Fails(2, "unknown key 'tolerans_m'"),
    ),
    Case(
        "config-bad-value",
        "config",
        _do(_cfg("floor_down_mbps = 30.0", "floor_down_mbps = -30.0")),
        Fails(2, "floor_down_mbps"),
    ),
    Case(
        "config-wrong-type",
        "config",
        _do(_cfg("cpe_height_m = 5.0", 'cpe_height_m = "high"')),
        Fails(2, "cpe_height_m"),
    ),
    Case("config-syntax", "config", _do(_cfg("[locate]", "[locate")), Fails(2, "gapmap.toml")),
    Case(
        "config-missing-file",
        "config",
        _do(lambda root: d.config(root).unlink()),
        Fails(2, "gapmap.toml"),
    ),
    Case(
        "config-missing-input",
        "config",
        _do(_cfg(f'kommuner = "{KOMMUNER}"', 'kommuner = "ingen.geojson"')),
        Fails(2, "ingen.geojson"),
    ),
]

KOMMUNE_CASES = [
    Case(
        "kommuner-empty-file",
        "kommuner",
        _do(_text(KOMMUNER, "")),
        Fails(2, KOMMUNER),
    ),
    Case(
        "kommuner-no-features",
        "kommuner",
        _do(_file(KOMMUNER, d.empty_collection)),
        Fails(2, KOMMUNER),
    ),
    Case(
        "kommuner-utm-labelled-degrees",
        "kommuner",
        _do(_file(KOMMUNER, lambda p: d.reproject_geojson(p, 25833, CRS84))),
        Fails(2, KOMMUNER),
    ),
    Case(
        "kommuner-utm-without-crs",
        "kommuner",
        _do(_file(KOMMUNER, lambda p: d.reproject_geojson(p, 25833, None))),
        Fails(2, KOMMUNER),
    ),
    Case(
        "kommuner-degrees-labelled-utm",
        "kommuner",
        _do(_file(KOMMUNER, lambda p: d.set_crs_member(p, UTM33))),
        Fails(2, f"{KOMMUNER}: coordinates look like degrees (longitude/latitude) although"),
    ),
    Case(
        "kommuner-laea-labelled-utm",
        "kommuner",
        _do(_file(KOMMUNER, lambda p: d.reproject_geojson(p, 3035, UTM33))),
        Fails(2, f"{KOMMUNER}: no feature lies in Norway"),
    ),
    Case(
        "kommuner-lat-lon-order",
        "kommuner",
        _do(_file(KOMMUNER, d.swap_geojson_axes)),
        Fails(2, "the axes look swapped"),
    ),
    Case(
        "kommuner-ring-of-two-points",
        "kommuner",
        _do(_file(KOMMUNER, lambda p: d.break_geometry(p, 3, POLYGON_TWO_POINTS))),
        Succeeds({("kommuner", "Too few points"): 1, ("addresses", "outside every kommune"): 378}),
    ),
    Case(
        "kommuner-missing-column",
        "kommuner",
        _do(
            _file(
                KOMMUNER,
                lambda p: d.feature_properties(p, {"kommunenummer": "kode", "id": "ident"}),
            )
        ),
        Fails(2, "kommunenummer"),
    ),
    Case(
        "kommuner-truncated-json",
        "kommuner",
        _do(_file(KOMMUNER, d.truncate)),
        Fails(2, KOMMUNER),
    ),
    Case(
        "kommuner-not-the-addresses",
        "kommuner",
        _do(_kommune_with_other_numbers),
        Fails(2, KOMMUNER),
    ),
    Case(
        "kommuner-overlap",
        "kommuner",
        _do(
            _file(
                KOMMUNER,
                lambda p: d.duplicate_feature(p, 0, {"kommunenummer": "9909", "id": "9909"}),
            )
        ),
        Fails(2, "9909"),
    ),
    Case(
        "kommuner-invalid-geometry",
        "kommuner",
        _do(_file(KOMMUNER, lambda p: d.twist_ring(p, 4, 10))),
        Fails(2, "overlap by"),  # repaired within 1 %, but now over its neighbour: stopped
    ),
]

ADDRESS_CASES = [
    Case("addresses-empty-file", "addresses", _do(_text(A, "")), Fails(2, A)),
    Case(
        "addresses-header-only",
        "addresses",
        _do(lambda r: d.write_lines(d.data(r) / A, d.lines(d.data(r) / A)[:1])),
        Fails(2, A),
    ),
    Case(
        "addresses-missing-column",
        "addresses",
        _do(
            lambda r: d.write_lines(
                d.data(r) / A,
                [line.replace(";Nord;", ";Nordd;", 1) for line in d.lines(d.data(r) / A)],
            )
        ),
        Fails(2, "Nord"),
    ),
    Case(
        "addresses-bad-epsg",
        "addresses",
        _do(lambda r: d.address_rows(r, ROWS_5, "EPSG-kode", "1234")),
        Succeeds({("addresses", "EPSG-kode: got 1234"): 5}),
    ),
    Case(
        "addresses-text-coordinates",
        "addresses",
        _do(lambda r: d.address_rows(r, ROWS_5, "Nord", "sju")),
        Succeeds({("addresses", "Nord/Øst"): 4 + 5}),
    ),
    Case(
        "addresses-duplicates",
        "addresses",
        _do(_duplicate_addresses),
        Succeeds({("addresses", "duplicate"): 2 + 5}),
    ),
    Case(
        "addresses-crlf-and-bom",
        "addresses",
        _do(_crlf_addresses),
        Succeeds({("addresses", "Nord/Øst"): 4, ("addresses", "duplicate"): 2}),
    ),
    Case("addresses-latin1", "addresses", _do(_latin1_addresses), Fails(2, A)),
    Case(
        "addresses-blank-line",
        "addresses",
        _do(_blank_line_then_bad),
        Succeeds(
            {("addresses", "EPSG-kode: got 1234"): 1}, {("addresses", "EPSG-kode: got 1234"): 23}
        ),
    ),
    Case(
        "addresses-too-many-bad", "addresses", _do(_too_many_bad), Fails(2, "max_quarantined_share")
    ),
    Case(
        "addresses-nan",
        "addresses",
        _do(lambda r: d.address_rows(r, ROWS_5, "Nord", "nan")),
        Succeeds({("addresses", "Nord/Øst"): 4 + 5}),
    ),
    Case(
        "addresses-infinite",
        "addresses",
        _do(lambda r: d.address_rows(r, ROWS_5, "Øst", "inf")),
        Succeeds({("addresses", "Nord/Øst"): 4 + 5}),
    ),
    Case(
        "addresses-outside-norway",
        "addresses",
        _do(lambda r: d.address_rows(r, ROWS_5, "Nord", "1000.5")),
        Succeeds({("addresses", "outside"): 5}),
    ),
    Case(
        "addresses-swapped-axes",
        "addresses",
        _do(lambda r: d.swap_address_axes(r, ROWS_5)),
        Succeeds({("addresses", "swapped"): 5}),
    ),
    Case(
        "addresses-degrees-in-metres",
        "addresses",
        _do(
            lambda r: d.address_rows(r, ROWS_5, "Nord", "63.25"),
            lambda r: d.address_rows(r, ROWS_5, "Øst", "10.4"),
        ),
        Succeeds({("addresses", "degrees"): 5}),
    ),
]

OFFER_CASES = [
    Case(
        "offers-path-is-folder",
        "offers",
        _do(_file("dekning.csv", d.replace_with_folder)),
        Fails(2, "dekning.csv"),
    ),
    Case("offers-empty-file", "offers", _do(_text("dekning.csv", "")), Fails(2, "dekning.csv")),
    Case(
        "offers-header-only",
        "offers",
        _do(_text("dekning.csv", OFFERS_HEADER + "\n")),
        Fails(2, "min_addresses_with_offer_share"),
    ),
    Case(
        "offers-missing-column",
        "offers",
        _do(_text("dekning.csv", "id;x\n1;2\n")),
        Fails(2, "missing columns"),
    ),
    Case(
        "offers-unknown-technology",
        "offers",
        _do(lambda r: d.offer_rows(r, ROWS_5, "technology", "laser")),
        Succeeds({("offers", "technology: got laser"): 5}),
    ),
    Case(
        "offers-absurd-speed",
        "offers",
        _do(lambda r: d.offer_rows(r, ROWS_5, "down_mbps", "1000000000")),
        Succeeds({("offers", "down_mbps: got 1000000000"): 5}),
    ),
    Case(
        "offers-negative-speed",
        "offers",
        _do(lambda r: d.offer_rows(r, ROWS_5, "up_mbps", "-5")),
        Succeeds({("offers", "up_mbps: got -5"): 5}),
    ),
    Case(
        "offers-nan-speed",
        "offers",
        _do(lambda r: d.offer_rows(r, ROWS_5, "down_mbps", "nan")),
        Succeeds({("offers", "down_mbps"): 1 + 5}),
    ),
    Case(
        "offers-unknown-address",
        "offers",
        _do(lambda r: d.offer_rows(r, ROWS_5, "address_id", "424242")),
        Succeeds({("offers", "not in the address layer"): 5}),
    ),
]

SITE_CASES = [
    Case(
        "sites-duplicate-id",
        "sites",
        _do(lambda r: d.site_rows(r, [1], "site_id", "LL-STORLIA-FWA")),
        Succeeds({("sites", "site_id"): 1}),
    ),
    Case(
        "sites-unknown-epsg",
        "sites",
        _do(lambda r: d.site_rows(r, [2], "epsg", "99999")),
        Succeeds({("sites", "epsg"): 1}),
    ),
    Case(
        "sites-bad-height",
        "sites",
        _do(lambda r: d.site_rows(r, [3], "antenna_height_m", "-30")),
        Succeeds({("sites", "antenna_height_m"): 1}),
    ),
    Case(
        "sites-text-height",
        "sites",
        _do(lambda r: d.site_rows(r, [4], "antenna_height_m", "høy")),
        Succeeds({("sites", "antenna_height_m"): 1}),
    ),
    Case("sites-missing-file", "sites", _do(_rm("master.csv")), Fails(2, "master.csv")),
]

FIBRE = "fiber.geojson"
LINE_ONE_POINT = {"type": "LineString", "coordinates": [[10.40, 63.25]]}
MULTILINE_ONE_POINT_PART = {
    "type": "MultiLineString",
    "coordinates": [[[10.40, 63.25], [10.41, 63.26]], [[10.42, 63.27]]],
}
ROADS = "veger.gpkg"
ENOSPC = 'OSError(errno.ENOSPC, "No space left on device", "maps/oversikt.html")'

FIBRE_CASES = [
    Case(
        "fibre-utm-without-crs",
        "fibre",
        _do(_file(FIBRE, lambda p: d.reproject_geojson(p, 25833, None))),
        Fails(2, FIBRE),
    ),
    Case(
        "fibre-empty-file",
        "fibre",
        _do(_text(FIBRE, "")),
        Fails(2, FIBRE),
    ),
    Case("fibre-no-features", "fibre", _do(_file(FIBRE, d.empty_collection)), Succeeds()),
    Case(
        "fibre-invalid-feature",
        "fibre",
        _do(_file(FIBRE, lambda p: d.break_geometry(p, 1, LINE_ONE_POINT))),
        Succeeds({("fibre", "geometry: cannot be built"): 1}),
    ),
    Case(
        "fibre-degrees-labelled-utm",
        "fibre",
        _do(_file(FIBRE, lambda p: d.set_crs_member(p, UTM33))),
        Fails(2, f"{FIBRE}: coordinates look like degrees"),
    ),
    Case(
        "fibre-lat-lon-order",
        "fibre",
        _do(_file(FIBRE, d.swap_geojson_axes)),
        Fails(2, f"{FIBRE}: no feature lies in Norway"),
    ),
    Case(
        "fibre-multiline-part-of-one-point",
        "fibre",
        _do(_file(FIBRE, lambda p: d.break_geometry(p, 2, MULTILINE_ONE_POINT_PART))),
        Succeeds({("fibre", "geometry: cannot be built"): 1}),
    ),
]

DTM = "terreng.tif"
DTM_CASES = [
    Case(
        "dtm-truncated",
        "dtm",
        _do(_file(DTM, lambda p: d.truncate(p, 0.6))),
        Fails(2, DTM),
    ),
    Case("dtm-not-a-tiff", "dtm", _do(_text(DTM, "this is not a GeoTIFF\n")), Fails(2, DTM)),
    Case(
        "dtm-wrong-crs",
        "dtm",
        _do(_file(DTM, lambda p: d.retag_dtm_crs(p, 32632))),
        Fails(2, f"{DTM}: the DTM covers none of the 4,803 addresses"),
    ),
    Case(
        "dtm-nodata-only",
        "dtm",
        _do(_file(DTM, d.dtm_nodata_only)),
        Fails(2, f"{DTM}: the DTM has no elevation (only nodata)"),
    ),
    Case(
        "dtm-covers-part",
        "dtm",
        _do(_file(DTM, lambda p: d.dtm_west_part(p, 0.3))),
        Succeeds(),  # partial cover is allowed: the addresses off it have no terrain
    ),
    Case(
        "dtm-covers-less-than-the-share",
        "dtm",
        _do(
            _file(DTM, lambda p: d.dtm_west_part(p, 0.3)),
            _append("[checks]\nmin_addresses_on_dtm_share = 0.9"),
        ),
        Fails(2, "lower [checks].min_addresses_on_dtm_share to go on anyway"),
    ),
]

FACTORS = "kostnadsfaktorer.csv"
COST_FACTOR_CASES = [
    Case(
        "cost-factor-text",
        "cost factors",
        _do(_text(FACTORS, "kommunenummer,cost_factor\n9904,dyr\n")),
        Succeeds({("kommune_cost_factors", "cost_factor: got dyr"): 1}),
    ),
    Case(
        "cost-factor-negative",
        "cost factors",
        _do(_text(FACTORS, "kommunenummer,cost_factor\n9904,-1\n")),
        Succeeds({("kommune_cost_factors", "cost_factor: got -1"): 1}),
    ),
    Case(
        "cost-factor-twice",
        "cost factors",
        _do(_text(FACTORS, "kommunenummer,cost_factor\n9904,1.4\n9904,2\n")),
        Succeeds({("kommune_cost_factors", "listed twice"): 1}),
    ),
    Case(
        "cost-factor-bad-kommune",
        "cost factors",
        _do(_text(FACTORS, "kommunenummer,cost_factor\n99x4,1.4\n")),
        Succeeds({("kommune_cost_factors", "kommunenummer: got 99x4"): 1}),
    ),
    Case(
        "cost-factor-absurd",
        "cost factors",
        _do(_text(FACTORS, "kommunenummer,cost_factor\n9904,1000\n")),
        Succeeds({("kommune_cost_factors", "cost_factor: got 1000"): 1}),
    ),
    Case(
        "cost-factor-missing-column",
        "cost factors",
        _do(_text(FACTORS, "kommune,faktor\n9904,1.4\n")),
        Fails(2, FACTORS),
    ),
]

AREA_CASES = [
    Case("areas-truncated", "areas", _do(_funded(d.truncate)), Fails(2, "tildelt.geojson")),
    Case(
        "areas-utm-without-crs",
        "areas",
        _do(_funded(lambda p: d.reproject_geojson(p, 25833, None))),
        Fails(2, "tildelt.geojson"),
    ),
    Case(
        "areas-missing-file",
        "areas",
        _do(_funded(lambda p: p.unlink())),
        Fails(2, "tildelt.geojson"),
    ),
    Case(
        "areas-degrees-labelled-utm",
        "areas",
        _do(_funded(lambda p: d.set_crs_member(p, UTM33))),
        Fails(2, "tildelt.geojson: coordinates look like degrees"),
    ),
    Case(
        "areas-ring-of-two-points",
        "areas",
        _do(_funded(lambda p: d.break_geometry(p, 0, POLYGON_TWO_POINTS))),
        Succeeds({("funded_areas", "Too few points"): 1}),
    ),
    Case(
        "roads-not-a-geopackage",
        "roads",
        _do(_text(ROADS, "not a GeoPackage\n")),
        Fails(2, ROADS),
    ),
    Case(
        "roads-degrees-labelled-utm",
        "roads",
        _do(_file(ROADS, lambda p: d.gpkg_in_degrees_labelled(p, 25833))),
        Fails(2, f"{ROADS}: coordinates look like degrees"),
    ),
]

FAULT_CASES = [
    Case("output-read-only", "output", _read_only_output, Fails(73, "permission denied")),
    Case("output-is-a-file", "output", _do(_file_as_output), Fails(73, "blocker")),
    Case(
        "store-corrupt",
        "store",
        _do(d.corrupt_store),
        Fails(65, "gapmap.duckdb"),
        runs_exit=65,
    ),
    Case("store-locked", "store", d.lock_store, Fails(75, "gapmap.duckdb")),
    Case("filesystem-full", "output", d.fill_small_filesystem, Fails(74, "the disk is full")),
    Case(
        "writer-fails",
        "output",
        _do(),
        Fails(74, "the disk is full"),
        patch=("publish", "_write_map_products", ENOSPC),
    ),
    Case(
        "bug-in-a-stage",
        "run",
        _do(),
        Fails(70, "--debug"),
        patch=("aggregate", "aggregate_stage", 'RuntimeError("boom")'),
    ),
]

REAL_A = "adresser.csv"
REAL_K = "Kommuner-M.geojson"


def _real_rows(rows: range, column: str, value: str) -> Callable[[Path], object]:
    return lambda r: d.edit_csv_rows(d.data(r) / REAL_A, ";", rows, column, value, bom=False)


def _real_swapped(root: Path) -> None:
    path = d.data(root) / REAL_A
    text = d.lines(path)
    header = text[0].split(";")
    north, east = header.index("Nord"), header.index("Øst")
    for row in range(1, 4):
        cells = text[row].split(";")
        cells[north], cells[east] = cells[east], cells[north]
        text[row] = ";".join(cells)
    d.write_lines(path, text)


REALDATA_CASES = [
    Case(
        "real-kommuner-truncated",
        "kommuner",
        _do(_file(REAL_K, d.truncate)),
        Fails(2, REAL_K),
        base="real",
    ),
    Case(
        "real-addresses-bad-epsg",
        "addresses",
        _do(_real_rows(range(0, 3), "EPSG-kode", "1234")),
        Succeeds({("addresses", "EPSG-kode: got 1234"): 3}),
        base="real",
    ),
    Case(
        "real-addresses-swapped-axes",
        "addresses",
        _do(_real_swapped),
        Succeeds({("addresses", "swapped"): 3}),
        base="real",
    ),
    Case(
        "real-addresses-header-only",
        "addresses",
        _do(lambda r: d.write_lines(d.data(r) / REAL_A, d.lines(d.data(r) / REAL_A)[:1])),
        Fails(2, REAL_A),
        base="real",
    ),
    Case(
        "real-dtm-elsewhere",
        "dtm",
        _do(
            lambda r: d.edit_config(
                r, 'offers = "dekning.csv"', 'offers = "dekning.csv"\ndtm = "besseggen.tif"'
            )
        ),
        Fails(2, "besseggen.tif: the DTM covers none of the"),
        base="real",
    ),
]

CASES = (
    CONFIG_CASES
    + KOMMUNE_CASES
    + ADDRESS_CASES
    + OFFER_CASES
    + SITE_CASES
    + FIBRE_CASES
    + DTM_CASES
    + COST_FACTOR_CASES
    + AREA_CASES
    + FAULT_CASES
    + REALDATA_CASES
)
