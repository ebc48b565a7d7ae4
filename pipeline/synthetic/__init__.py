"""Making inputs (not a stage): synthetic input sets in the real formats.

- the demo region of ``gapmap demo`` (:mod:`pipeline.synthetic.demo`, ``region``, ``terrain``,
  ``settlements``, ``offers``, ``roads``);
- the national-scale set of ``gapmap build-national`` (:mod:`pipeline.synthetic.national`);
- :mod:`pipeline.synthetic.writers`: the one set of file writers both use.
"""
