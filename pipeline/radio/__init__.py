"""The engine behind the wireless stage: line of sight over the terrain.

- :mod:`pipeline.radio.dem_window`: an in-memory DEM window and bilinear heights;
- :mod:`pipeline.radio.los`: one profile's Fresnel clearance, earth curvature and obstruction;
- :mod:`pipeline.radio.reach`: candidate (address, site) pairs and the best site per address.
"""
