"""What the costs mean for a subsidy application: cost curves, project areas, sensitivity.

- :mod:`pipeline.planning.cost_curve`: cheapest to costliest, what the costliest shares cost;
- :mod:`pipeline.planning.areas`: project areas, the subsidy need formula, budget selection and
  the application files of ``gapmap areas``;
- :mod:`pipeline.planning.sensitivity`: ``gapmap sensitivity``, the cost stage at ±20 %.
"""
