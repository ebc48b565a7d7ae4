"""``python -m pipeline.cli``: the ``gapmap`` command without the installed console script."""

from pipeline.cli import main

main()
