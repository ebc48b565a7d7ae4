"""pipeline/products/geopackage.py: the run's GeoPackage, its layers, aliases and QGIS styles,
read back the way QGIS and GDAL read them."""

from __future__ import annotations

import ctypes
import json
import os
import shutil
import sqlite3
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
import shapely

from layers.vocabulary import CRS_EPSG
from maps.masts import NEW_SITE_COLOR
from maps.style import CLASS_BY_CODE, TargetSpec
from pipeline.products.geopackage import (
    GeoPackageInputs,
    field_aliases,
    geopackage_layers,
    write_geopackage,
)
from pipeline.products.gpkg_styles import ramp_color
from pipeline.products.qgis_styles import rgba
from pipeline.rollout.choice import MAST_COLUMNS

TARGETS = (
    TargetSpec("no2025", 100, 10, "100/10 Mbit/s (mål 2025)"),
    TargetSpec("gigabit2030", 1000, None, "1 Gbit/s (mål 2030)"),
)
ALL_LAYERS = {
    "adresser_under_mal": "Point",
    "nye_master": "Point",
    "master": "Point",
    "fiber": "MultiLineString",
    "prosjektomrader": "MultiPolygon",
    "kommuner": "MultiPolygon",
    "layer_styles": None,
}
QML_GEOMETRY = {"Point": ("0", "marker"), "MultiLineString": ("1", "line")}
QML_GEOMETRY["MultiPolygon"] = ("2", "fill")


def _results(no2025: list[str]) -> pd.DataFrame:
    """One address per class for no2025 (two served); 0301 holds the first three."""
    n = len(no2025)
    return pd.DataFrame(
        {
            "address_id": range(1, n + 1),
            "kommunenummer": ["0301"] * 3 + ["1103"] * (n - 3),
            "kommunenavn": ["Oslo"] * 3 + ["Stavanger"] * (n - 3),
            "address_text": [f"Vegen {i}" for i in range(n)],
            "households": [1, 2, 3, 4, 5][:n],
            "class_no2025": no2025,
            "class_gigabit2030": ["unserved"] * n,
            "best_technology": ["xdsl"] * n,
            "cost_nok": [1000.0 * (i + 1) for i in range(n)],
            "row_number": range(n),  # not published in the layer
            "geometry": shapely.points(
                [(100.0 * i + 50, 20.0) for i in range(n)]
            ),  # below the labels
        }
    )


def _inputs(**changes: object) -> GeoPackageInputs:
    gap = pd.DataFrame(
        {
            "level": ["kommune", "kommune", "fylke", "total"],
            "kommunenummer": ["0301", "1103", None, None],
            "kommunenavn": ["Oslo", "Stavanger", None, "Totalt"],
            "households": [6, 9, 15, 15],
            "below_target_share_no2025": [0.5, 0.40, 0.44, 0.44],  # 3/6 and 4/9 rounded
        }
    )
    kommuner = gpd.GeoDataFrame(
        {"kommunenummer": ["1103", "0301", "5001"], "kommunenavn": ["Stavanger", "Oslo", "Tom"]},
        geometry=[
            shapely.box(300, 0, 500, 100),
            shapely.box(0, 0, 300, 100),
            shapely.box(0, 100, 9, 109),
        ],
        crs=CRS_EPSG,
    )
    defaults: dict[str, object] = {
        "results": _results(["served", "underserved", "unserved", "unserved", "served"]),
        "targets": TARGETS,
        "map_target": "no2025",
        "gap_table": gap,
        "kommuner": kommuner,
        "areas": gpd.GeoDataFrame(
            {"area_id": ["0301-0001"], "households": [3]},
            geometry=[shapely.box(10, 10, 60, 60)],
            crs=CRS_EPSG,
        ),
        "new_sites": pd.DataFrame(
            {
                "site_id": ["N1", "N2"],
                "x_m": [20.0, 320.0],
                "y_m": [20.0, 30.0],
                "households_taking": [2, 0],
            }
        ),
        "fibre": gpd.GeoDataFrame(
            {"kind": ["trunk", "distribution"]},
            geometry=[
                shapely.LineString([(0, 0), (500, 0)]),
                shapely.LineString([(5, 5), (5, 90)]),
            ],
            crs=CRS_EPSG,
        ),
        "sites": gpd.GeoDataFrame(
            {"site_id": ["A", "B", "C"], "technology": ["fwa", "mobile_4g", "mobile_5g"]},
            geometry=shapely.points([(1, 1), (2, 2), (3, 3)]),
            crs=CRS_EPSG,
        ),
    }
    return GeoPackageInputs(**(defaults | changes))  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def gpkg(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("run")
    assert write_geopackage(folder, geopackage_layers(_inputs())) == "gapmap.gpkg"
    return folder / "gapmap.gpkg"


def _styles(path: Path) -> dict[str, ET.Element]:
    """Each layer's default QML, parsed; fails on a second default for a layer."""
    with sqlite3.connect(path) as connection:
        rows = connection.execute(
            "SELECT f_table_name, f_geometry_column, styleQML, styleSLD FROM layer_styles"
            " WHERE useAsDefault = 1 AND f_table_schema = ''"
        ).fetchall()
    names = [row[0] for row in rows]
    assert len(names) == len(set(names))
    assert all(row[1] == "geom" and ET.fromstring(row[3]) is not None for row in rows)
    return {row[0]: ET.fromstring(row[2].split("\n", 1)[1]) for row in rows}


def test_ogrinfo_lists_every_layer(gpkg: Path) -> None:
    if shutil.which("ogrinfo") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("ogrinfo missing under CI (scripts/install_test_deps.sh installs gdal-bin)")
        pytest.skip("ogrinfo not installed (Debian: apt-get install -y gdal-bin)")
    listing = subprocess.run(
        ["ogrinfo", "-so", "-q", str(gpkg)], capture_output=True, text=True, check=True
    ).stdout
    listed = {
        line.split(": ", 1)[1].split(" (")[0] for line in listing.splitlines() if ": " in line
    }
    assert listed == set(ALL_LAYERS)
    assert "kommuner (Multi Polygon)" in listing and "fiber (Multi Line String)" in listing


def test_layers_hold_the_expected_rows_in_epsg_25833(gpkg: Path) -> None:
    assert dict(pyogrio.list_layers(gpkg)) == ALL_LAYERS
    addresses = gpd.read_file(gpkg, layer="adresser_under_mal")
    assert addresses["address_id"].tolist() == [2, 3, 4]  # not served for no2025
    assert "row_number" not in addresses and addresses.crs.to_epsg() == 25833
    assert list(addresses.columns[:7]) == [
        "address_id",
        "kommunenummer",
        "kommunenavn",
        "address_text",
        "households",
        "class_no2025",
        "class_gigabit2030",
    ]
    kommuner = gpd.read_file(gpkg, layer="kommuner").set_index("kommunenummer")
    assert kommuner.index.tolist() == ["0301", "1103", "5001"]  # all polygons, number order
    assert kommuner["households"].tolist()[:2] == [6, 9]
    assert pd.isna(kommuner.loc["5001", "households"])  # no gap-table row: empty figures
    assert kommuner.loc["0301", "below_target_share_no2025"] == 0.5
    assert "level" not in kommuner
    counts = {name: pyogrio.read_info(gpkg, layer=name)["features"] for name in ALL_LAYERS}
    assert counts == {
        "adresser_under_mal": 3,
        "nye_master": 2,
        "master": 3,
        "fiber": 2,
        "prosjektomrader": 1,
        "kommuner": 3,
        "layer_styles": 6,
    }
    masts = gpd.read_file(gpkg, layer="nye_master")
    assert masts.geometry.x.tolist() == [20.0, 320.0] and masts.crs.to_epsg() == 25833


def test_every_layer_has_one_default_style_naming_its_geometry(gpkg: Path) -> None:
    styles = _styles(gpkg)
    assert set(styles) == set(ALL_LAYERS) - {"layer_styles"}
    for name, root in styles.items():
        code, symbol_type = QML_GEOMETRY[ALL_LAYERS[name]]
        assert root.tag == "qgis" and root.findtext("layerGeometryType") == code, name
        assert {s.get("type") for s in root.iter("symbol")} == {symbol_type}, name


def test_addresses_are_categorised_by_map_target_class_in_the_map_colours(gpkg: Path) -> None:
    renderer = _styles(gpkg)["adresser_under_mal"].find("renderer-v2")
    assert renderer is not None and renderer.get("type") == "categorizedSymbol"
    assert renderer.get("attr") == "class_no2025"
    colours = {}
    for category in renderer.iter("category"):
        symbol = renderer.find(f"symbols/symbol[@name='{category.get('symbol')}']")
        assert symbol is not None
        colours[category.get("value")] = symbol.find(".//Option[@name='color']").get("value")  # type: ignore[union-attr]
    present = set(gpd.read_file(gpkg, layer="adresser_under_mal")["class_no2025"])
    assert present == {"underserved", "unserved"}
    for code in present:
        assert colours[code] == rgba(CLASS_BY_CODE[code].color), code
    assert colours["unserved"] == "213,94,0,255"  # #D55E00, Okabe-Ito vermillion


def test_kommuner_are_graduated_by_share_below_target_with_name_labels(gpkg: Path) -> None:
    root = _styles(gpkg)["kommuner"]
    renderer = root.find("renderer-v2")
    assert renderer is not None and renderer.get("type") == "graduatedSymbol"
    assert renderer.get("attr") == "below_target_share_no2025"
    ranges = [
        (float(r.get("lower", "")), float(r.get("upper", ""))) for r in renderer.iter("range")
    ]
    # largest share 50 % -> the overview's scale 0-50 %, five ranges of 10 points
    assert ranges == [(0.0, 0.1), (0.1, 0.2), (0.2, 0.3), (0.3, 0.4), (0.4, 0.5)]
    labels = [r.get("label") for r in renderer.iter("range")]
    assert labels == [
        f"{r} % under 100/10 Mbit/s" for r in ("0–10", "10–20", "20–30", "30–40", "40–50")
    ]
    fills = [s.find(".//Option[@name='color']").get("value") for s in renderer.iter("symbol")]  # type: ignore[union-attr]
    assert fills[0] == rgba(ramp_color(0.1) + "cc")
    shares = gpd.read_file(gpkg, layer="kommuner")["below_target_share_no2025"].dropna()
    for share in shares:  # each kommune with a share falls in a range (QGIS: lower < v <= upper)
        assert any(low <= share <= high for low, high in ranges), share
    assert root.get("labelsEnabled") == "1"
    assert root.find("labeling/settings/text-style").get("fieldName") == "kommunenavn"  # type: ignore[union-attr]


def test_areas_masts_fibre_and_sites_have_their_styles(gpkg: Path) -> None:
    styles = _styles(gpkg)
    area = styles["prosjektomrader"]
    assert area.find(".//Option[@name='outline_style']").get("value") == "dash"  # type: ignore[union-attr]
    assert area.find(".//Option[@name='style']").get("value") == "no"  # type: ignore[union-attr]
    assert area.find("labeling/settings/text-style").get("fieldName") == "area_id"  # type: ignore[union-attr]
    mast_shapes = [
        o.get("value") for o in styles["nye_master"].iter("Option") if o.get("name") == "name"
    ]
    assert mast_shapes == ["triangle", "line"]
    assert styles["fiber"].find("renderer-v2").get("type") == "singleSymbol"  # type: ignore[union-attr]
    sites = styles["master"].find("renderer-v2")
    assert sites is not None and sites.get("attr") == "technology"
    values = {c.get("value"): c.get("label") for c in sites.iter("category")}
    assert values == {
        "fwa": "Fast trådløst (FWA)",
        "mobile_4g": "Mobil 4G",
        "mobile_5g": "Mobil 5G",
    }


def test_norwegian_aliases_read_back_from_data_columns_and_qml(gpkg: Path) -> None:
    with sqlite3.connect(gpkg) as connection:
        titles = dict(
            connection.execute(
                "SELECT column_name, title FROM gpkg_data_columns WHERE table_name = ?",
                ("adresser_under_mal",),
            ).fetchall()
        )
        extension = connection.execute(
            "SELECT count(*) FROM gpkg_extensions WHERE extension_name = 'gpkg_schema'"
        ).fetchone()
    # the same Norwegian names as the tables' headers (pipeline/products/columns_nb.py)
    assert titles["households"] == "Husstander (antall)"
    assert titles["class_no2025"] == "Klasse (100/10 Mbit/s, mål 2025)"
    assert titles["cost_nok"] == "Kostnad (kr)" and extension == (2,)
    aliases = {a.get("field"): a.get("name") for a in _styles(gpkg)["kommuner"].iter("alias")}
    assert aliases["below_target_share_no2025"] == "Andel under mål (100/10 Mbit/s, mål 2025) (%)"
    assert aliases["kommunenavn"] == "Navn" and aliases["fid"] == "Objekt-ID"


def _gdal_alternative_names(path: Path, layer: str) -> dict[str, str]:
    """Each field's alternative name as GDAL itself reads it (pyogrio does not expose it):
    the OGR C API of the GDAL that pyogrio bundles, through ctypes."""
    libraries = sorted((Path(pyogrio.__file__).parent.parent / "pyogrio.libs").glob("libgdal*"))
    if not libraries:
        pytest.skip("no bundled libgdal beside pyogrio to ask for alternative names")
    gdal = ctypes.CDLL(str(libraries[0]))
    pointer, text = ctypes.c_void_p, ctypes.c_char_p
    for name, restype, argtypes in (
        ("GDALOpenEx", pointer, [text, ctypes.c_uint, pointer, pointer, pointer]),
        ("GDALDatasetGetLayerByName", pointer, [pointer, text]),
        ("OGR_L_GetLayerDefn", pointer, [pointer]),
        ("OGR_FD_GetFieldCount", ctypes.c_int, [pointer]),
        ("OGR_FD_GetFieldDefn", pointer, [pointer, ctypes.c_int]),
        ("OGR_Fld_GetNameRef", text, [pointer]),
        ("OGR_Fld_GetAlternativeNameRef", text, [pointer]),
        ("GDALClose", None, [pointer]),
    ):
        getattr(gdal, name).restype, getattr(gdal, name).argtypes = restype, argtypes
    gdal.GDALAllRegister()
    dataset = gdal.GDALOpenEx(str(path).encode(), 0x04, None, None, None)  # GDAL_OF_VECTOR
    definition = gdal.OGR_L_GetLayerDefn(gdal.GDALDatasetGetLayerByName(dataset, layer.encode()))
    fields = [
        gdal.OGR_FD_GetFieldDefn(definition, i)
        for i in range(gdal.OGR_FD_GetFieldCount(definition))
    ]
    names = {
        gdal.OGR_Fld_GetNameRef(f).decode(): gdal.OGR_Fld_GetAlternativeNameRef(f).decode()
        for f in fields
    }
    gdal.GDALClose(dataset)
    return names


def test_gdal_reads_the_aliases_as_alternative_names(gpkg: Path) -> None:
    if tuple(int(p) for p in pyogrio.__gdal_version_string__.split(".")[:2]) < (3, 7):
        pytest.skip(f"GDAL {pyogrio.__gdal_version_string__} reads no alternative names (3.7+)")
    names = _gdal_alternative_names(gpkg, "adresser_under_mal")
    assert names["households"] == "Husstander (antall)" and names["address_text"] == "Adresse"
    assert names["class_gigabit2030"] == "Klasse (1 Gbit/s, mål 2030)"
    kommuner = _gdal_alternative_names(gpkg, "kommuner")
    assert kommuner["kommunenavn"] == "Navn"


def test_layers_carry_norwegian_titles(gpkg: Path) -> None:
    with sqlite3.connect(gpkg) as connection:
        titles = dict(connection.execute("SELECT table_name, identifier FROM gpkg_contents"))
    assert titles["adresser_under_mal"] == "Adresser under 100/10 Mbit/s"
    assert titles["kommuner"] == "Kommuner: andel husstander under 100/10 Mbit/s"
    assert titles["nye_master"] == "Foreslåtte nye master"


def test_field_aliases_cover_only_fields_with_one() -> None:
    aliases = field_aliases(["households", "class_gigabit2030", "unknown_m"], TARGETS, "address")
    assert aliases == {
        "fid": "Objekt-ID",
        "households": "Husstander (antall)",  # as the address downloads name it
        "class_gigabit2030": "Klasse (1 Gbit/s, mål 2030)",
    }
    # a field of another layer (a site's, an area's) takes the layer's own alias
    assert field_aliases(["households", "antenna_height_m"], TARGETS) == {
        "fid": "Objekt-ID",
        "households": "Husstander",
        "antenna_height_m": "Antennehøyde (m)",
    }


def test_empty_optional_layers_are_omitted_and_an_empty_address_layer_kept(tmp_path: Path) -> None:
    """No areas, no proposed mast, no fibre, no sites and every address served: the file has
    the two core layers (addresses present and empty) and their styles, nothing else."""
    inputs = _inputs(
        results=_results(["served"] * 5),
        areas=None,
        new_sites=pd.DataFrame({c: [] for c in MAST_COLUMNS}),
        fibre=None,
        sites=None,
    )
    write_geopackage(tmp_path, geopackage_layers(inputs))
    path = tmp_path / "gapmap.gpkg"
    layers = dict(pyogrio.list_layers(path))
    assert layers == {
        "adresser_under_mal": "Point",
        "kommuner": "MultiPolygon",
        "layer_styles": None,
    }
    assert pyogrio.read_info(path, layer="adresser_under_mal")["features"] == 0
    assert set(_styles(path)) == {"adresser_under_mal", "kommuner"}


def test_writing_again_replaces_the_file(tmp_path: Path) -> None:
    write_geopackage(tmp_path, geopackage_layers(_inputs()))
    write_geopackage(tmp_path, geopackage_layers(_inputs(fibre=None)))
    path = tmp_path / "gapmap.gpkg"
    assert "fiber" not in dict(pyogrio.list_layers(path))
    assert len(_styles(path)) == 5


def test_an_unknown_map_target_is_refused() -> None:
    with pytest.raises(ValueError, match=r"map target got 'eu', expected one of \['no2025'"):
        geopackage_layers(_inputs(map_target="eu"))


QGIS_PYTHON = Path("/usr/bin/python3")  # Debian's python3-qgis lives beside the system Python
QGIS_SCRIPT = """
import json, os, sys
from qgis.core import QgsApplication, QgsMapRendererParallelJob, QgsMapSettings, QgsVectorLayer
from qgis.PyQt.QtCore import QSize
from qgis.PyQt.QtGui import QColor
app = QgsApplication([], False)
app.initQgis()
path, png, names = sys.argv[1], sys.argv[2], sys.argv[3].split(",")
layers = [QgsVectorLayer(f"{path}|layername={name}", name, "ogr") for name in names]
found = {}
for layer in layers:
    found[layer.name()] = {
        "valid": layer.isValid(),
        "renderer": layer.renderer().type(),
        "labels": layer.labelsEnabled(),
        "aliases": {f.name(): f.alias() for f in layer.fields()},
    }
settings = QgsMapSettings()
settings.setLayers(layers)
settings.setBackgroundColor(QColor(255, 255, 255))
settings.setOutputSize(QSize(500, 100))
settings.setExtent(layers[-1].extent())
settings.setDestinationCrs(layers[-1].crs())
job = QgsMapRendererParallelJob(settings)
job.start()
job.waitForFinished()
image = job.renderedImage()
image.save(png)
size = range(image.width()), range(image.height())
colours = {image.pixelColor(x, y).name() for x in size[0] for y in size[1]}
print(json.dumps({"layers": found, "colours": sorted(colours)}), flush=True)
os._exit(0)  # QGIS may crash tearing down layers at exit
"""


def test_qgis_opens_every_layer_styled_with_aliases(gpkg: Path, tmp_path: Path) -> None:
    """The real proof: QGIS (Debian's python3-qgis, headless) opens each layer with its
    default style from layer_styles and the Norwegian aliases, and draws the class colours.
    Skips where PyQGIS is not installed (CI does not install QGIS: apt-get install
    python3-qgis qgis-providers, about 70 s here)."""
    probe = [str(QGIS_PYTHON), "-c", "import qgis.core"]
    if not QGIS_PYTHON.is_file() or subprocess.run(probe, capture_output=True).returncode:
        pytest.skip("PyQGIS not installed (Debian: apt-get install -y python3-qgis qgis-providers)")
    names = [name for name in ALL_LAYERS if name != "layer_styles"]
    done = subprocess.run(
        [
            str(QGIS_PYTHON),
            "-c",
            QGIS_SCRIPT,
            str(gpkg),
            str(tmp_path / "qgis.png"),
            ",".join(names),
        ],
        capture_output=True,
        text=True,
        check=True,
        env=os.environ | {"QT_QPA_PLATFORM": "offscreen"},
        timeout=120,
    )
    report = json.loads(done.stdout.strip().splitlines()[-1])
    layers = report["layers"]
    assert all(layers[name]["valid"] for name in names)
    renderers = {name: layers[name]["renderer"] for name in names}
    assert renderers == {
        "adresser_under_mal": "categorizedSymbol",
        "nye_master": "singleSymbol",
        "master": "categorizedSymbol",
        "fiber": "singleSymbol",
        "prosjektomrader": "singleSymbol",
        "kommuner": "graduatedSymbol",
    }
    assert layers["kommuner"]["labels"] and layers["prosjektomrader"]["labels"]
    assert layers["adresser_under_mal"]["aliases"]["households"] == "Husstander (antall)"
    assert layers["kommuner"]["aliases"]["below_target_share_no2025"].startswith("Andel under")
    drawn = set(report["colours"])
    assert {
        CLASS_BY_CODE["underserved"].color.lower(),
        CLASS_BY_CODE["unserved"].color.lower(),
    } <= drawn
    assert NEW_SITE_COLOR.lower() in drawn


def test_the_address_layer_carries_the_reasons_with_norwegian_aliases(tmp_path: Path) -> None:
    results = _results(["served", "underserved", "unserved", "unserved", "served"])
    results["reason_no2025"] = [None, "copper_only", "no_offer", "no_offer", None]
    results["reason_evidence_no2025"] = [
        None,
        "Beste tilbud er kobber (xDSL) 40/10 Mbit/s",
        "Ingen tilbud på fil",
        "Ingen tilbud på fil; nærmeste fiber 1 240 m unna",
        None,
    ]
    results["reason_gigabit2030"] = "copper_only"
    results["reason_evidence_gigabit2030"] = "Beste tilbud er kobber (xDSL) 40/10 Mbit/s"
    path = tmp_path / "gapmap.gpkg"
    write_geopackage(tmp_path, geopackage_layers(_inputs(results=results)))
    layer = gpd.read_file(path, layer="adresser_under_mal")
    assert layer["reason_no2025"].tolist() == ["copper_only", "no_offer", "no_offer"]
    assert layer["reason_evidence_no2025"].tolist()[2] == (
        "Ingen tilbud på fil; nærmeste fiber 1 240 m unna"
    )
    columns = list(layer.columns)
    assert columns.index("class_gigabit2030") + 1 == columns.index("reason_no2025")
    aliases = field_aliases(["reason_no2025", "reason_evidence_gigabit2030"], TARGETS, "address")
    assert aliases["reason_no2025"] == "Årsakskode (100/10 Mbit/s, mål 2025)"
    assert aliases["reason_evidence_gigabit2030"] == "Årsak (1 Gbit/s, mål 2030)"
