"""The ``gapmap`` command: ``gapmap demo``, ``gapmap run --config FILE.toml`` and the tools.

Errors a user can fix (bad input, bad config) print one line naming the file, row or key and
exit with code 2; nothing prints a traceback for them.

- :mod:`pipeline.cli.runs`: ``run``, ``demo``, ``runs``;
- :mod:`pipeline.cli.tools`: ``fetch``, ``los``, ``areas``, ``sensitivity``, ``build-national``.
"""

from __future__ import annotations

import sys

import typer

from pipeline.cli import runs, tools

app = typer.Typer(
    help="gapmap: find the households the broadband market leaves behind, per kommune.",
    no_args_is_help=True,
    add_completion=False,
)
for command in (runs.run, runs.demo, runs.runs, tools.fetch, tools.los, tools.areas):
    app.command()(command)
app.command()(tools.sensitivity)
app.command("build-national")(tools.build_national)


def main() -> None:  # pragma: no cover - console entry point wrapper
    sys.exit(app())
