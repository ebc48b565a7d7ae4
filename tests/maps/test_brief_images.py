"""maps/brief_images.py: the map thumbnail draws the outline and the classes in the maps'
colours; the cost curve and the data URI."""

from __future__ import annotations

import base64
import io

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from PIL import Image

from maps.brief_images import (
    AREA_COLOR,
    THUMBNAIL_DPI,
    THUMBNAIL_SIZE_IN,
    ThumbnailImage,
    cost_curve_png,
    data_uri_png,
    thumbnail_png,
)
from maps.style import CLASS_BY_CODE


def _pixels(png: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(png)) as image:
        return np.asarray(image.convert("RGB"))


def _has_colour(pixels: np.ndarray, hex_colour: str) -> bool:
    rgb = np.array([int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)])
    return bool((np.abs(pixels.astype(int) - rgb).sum(axis=2) <= 6).any())


def test_thumbnail_shows_each_class_below_the_target_in_its_colour() -> None:
    outline = gpd.GeoSeries([shapely.box(0, 0, 10_000, 4_000)], crs=25833)
    addresses = pd.DataFrame(
        {
            "x_m": [2_000.0, 8_000.0],
            "y_m": [2_000.0, 2_000.0],
            "households": [40, 40],
            "class_no2025": ["unserved", "underserved"],
        }
    )
    pixels = _pixels(thumbnail_png(outline, addresses, "class_no2025"))
    width_in, height_in = THUMBNAIL_SIZE_IN
    assert pixels.shape[:2] == (height_in * THUMBNAIL_DPI, width_in * THUMBNAIL_DPI)
    assert _has_colour(pixels, CLASS_BY_CODE["unserved"].color)
    assert _has_colour(pixels, CLASS_BY_CODE["underserved"].color)
    assert not _has_colour(pixels, CLASS_BY_CODE["served"].color)
    # the unserved dot is left of the middle, the underserved one right of it
    unserved_columns = np.nonzero(
        (np.abs(pixels.astype(int) - [0xD5, 0x5E, 0x00]).sum(axis=2) <= 6).any(axis=0)
    )[0]
    assert unserved_columns.max() < pixels.shape[1] / 2


def test_thumbnail_without_addresses_is_the_outline() -> None:
    outline = gpd.GeoSeries([shapely.box(0, 0, 1_000, 1_000)], crs=25833)
    empty = pd.DataFrame({"x_m": [], "y_m": [], "households": [], "class_no2025": []})
    area = gpd.GeoSeries([shapely.box(200, 200, 600, 600)], crs=25833)
    pixels = _pixels(thumbnail_png(outline, empty, "class_no2025", area))
    assert not _has_colour(pixels, CLASS_BY_CODE["unserved"].color)
    assert _has_colour(pixels, "#333333")  # the boundary
    assert _has_colour(pixels, AREA_COLOR)  # the project area's edge


def test_cost_curve_png_or_none_and_data_uri() -> None:
    curve = pd.DataFrame({"cumulative_households": [1, 3], "cumulative_cost_nok": [1e5, 5e5]})
    png = cost_curve_png(curve, "Kostnad")
    assert png is not None and png[:8] == b"\x89PNG\r\n\x1a\n"
    assert cost_curve_png(curve.iloc[0:0], "Kostnad") is None
    uri = data_uri_png(png)
    assert uri.startswith("data:image/png;base64,")
    assert base64.b64decode(uri.split(",", 1)[1]) == png


def test_a_hole_in_the_kommune_is_not_filled() -> None:
    ring = shapely.box(0, 0, 9_000, 9_000).difference(shapely.box(3_000, 3_000, 6_000, 6_000))
    empty = pd.DataFrame({"x_m": [], "y_m": [], "households": [], "class_no2025": []})
    pixels = _pixels(thumbnail_png(gpd.GeoSeries([ring], crs=25833), empty, "class_no2025"))
    middle, size = pixels.shape[0] // 2, pixels.shape[0]
    assert tuple(pixels[middle, middle]) == (255, 255, 255)  # the hole: the page shows through
    assert tuple(pixels[middle, size // 5]) == (0xF4, 0xF4, 0xF0)  # the kommune's fill


def test_a_reused_thumbnail_image_draws_the_same_bytes_as_a_fresh_figure() -> None:
    """One :class:`ThumbnailImage` over several kommuner (areas, addresses, none) writes each
    PNG byte for byte as a new figure does: nothing of the previous kommune stays."""
    kommuner = [
        (shapely.box(0, 0, 10_000, 4_000), [2_000.0, 8_000.0], ["unserved", "underserved"]),
        (shapely.Polygon([(0, 0), (5_000, 9_000), (9_000, 0)]), [], []),
        (shapely.box(500_000, 6_900_000, 501_000, 6_903_000), [500_500.0], ["unserved"]),
    ]
    image = ThumbnailImage()
    for shape, x_m, classes in kommuner:
        outline = gpd.GeoSeries([shape], crs=25833)
        addresses = pd.DataFrame(
            {
                "x_m": x_m,
                "y_m": [shape.centroid.y] * len(x_m),
                "households": [3] * len(x_m),
                "class_no2025": classes,
            }
        )
        areas = gpd.GeoSeries([shape.centroid.buffer(300)], crs=25833) if x_m else None
        fresh = thumbnail_png(outline, addresses, "class_no2025", areas)
        assert thumbnail_png(outline, addresses, "class_no2025", areas, image) == fresh
