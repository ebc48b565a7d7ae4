"""The engines behind the cost stage: how each household below the target would be reached.

- :mod:`pipeline.rollout.trees`: project areas (single linkage) and minimum spanning trees;
- :mod:`pipeline.rollout.fibre`: the fibre option, each household's share of its tree;
- :mod:`pipeline.rollout.road_graph` and :mod:`pipeline.rollout.routing`: routes along roads;
- :mod:`pipeline.rollout.masts`: a candidate fixed-wireless mast per project area;
- :mod:`pipeline.rollout.choice`: the least-cost option per household and the re-planning.
"""
