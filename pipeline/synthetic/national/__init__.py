"""The national-scale synthetic input set: ``gapmap build-national OUT_DIR``.

A realistic input set for ``gapmap run`` over all of Norway (or some kommuner), built from real
public data and a seed; the same sources, options and seed give byte-identical files (the
GeoTIFF's pixels aside: its compression runs on two threads). The whole country takes about a
minute on two cores and peaks at about 2.5 GB. Sources (:mod:`.sources`): SSB's 250 m
population grid, the kommune boundaries and Kartverket's Fylker zip. The steps, one module each:

1. **Addresses** (:mod:`.addresses`, :mod:`.address_columns`, :mod:`.names`) from SSB's 250 m
   population grid (2015, 5.1 M people in 220,171 cells): ``people × households_per_person``
   households per cell, apartment blocks in cells of more than 200 people (a 47th column
   ``households``), the kommune of each address from the real boundaries (points outside every
   polygon redrawn, then snapped to the nearest kommune; the config's ``[locate] tolerance_m``
   is set to the largest such distance). Written as Geonorge's national Matrikkelen Adresse zip
   (46 columns, ``;``, UTF-8 with BOM, CRLF, vegadresse and matrikkeladresse, unique street
   names per kommune), built column-wise with Arrow.
2. **Coverage offers** (:mod:`.offers`) by the urbanity of the address's cell, calibrated to
   Nkom 2024: 99.1 % of households ≥ 100 Mbit/s, 96.2 % gigabit, rural gigabit 82.4 %; plus
   xDSL leftovers, 4G/5G (within range of a site) and satellite rows.
3. **Wireless sites** (:mod:`.sites`): 4G, 5G and FWA sites in populated cells.
4. **Existing fibre** (:mod:`.fibre`): the minimum spanning tree over the most populous 2 km
   blocks (GeoJSON, lon/lat).
5. **Terrain** (:mod:`.terrain`): a synthetic DTM GeoTIFF (EPSG:25833, float32, tiled,
   DEFLATE) over the kommuner, rising from the sea (Kartverket's territorial waters), lowered
   where people live; nodata off the kommune polygons.
6. **Kommune boundaries** copied into the folder, and 7. ``gapmap.toml`` (:mod:`.config`).
8. With ``--roads``, a **road network** ``veger.gpkg`` (:mod:`.roads`, :mod:`.road_geometry`).

:mod:`.build` runs the steps in order and times them; :mod:`.report` prints what was built.
The files are written with :mod:`pipeline.synthetic.writers`, as the demo region's are.
"""
