"""The files the publish stage writes beside the maps: tables, GeoPackage, hillshades.

- :mod:`pipeline.products.tables`: CSV and XLSX tables, the GeoPackage, the FWA challenge list;
- :mod:`pipeline.products.hillshade`: a hillshade PNG of the DTM under each kommune map.
"""
