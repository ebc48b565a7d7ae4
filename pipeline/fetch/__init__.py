"""Getting the real inputs (not a stage): ``gapmap fetch`` downloads Kartverket's open files.

- :mod:`pipeline.fetch.geonorge`: Geonorge's URLs and kommune names, the fetch manifest;
- :mod:`pipeline.fetch.download`: one resumable, retried, verified HTTP download;
- :mod:`pipeline.fetch.cache`: what a download leaves on disk, and the cache built on it.
"""
