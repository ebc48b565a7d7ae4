"""The ``gapmap`` command: ``gapmap demo``, ``gapmap run --config FILE.toml`` and the tools.

Errors a user can fix (bad input, bad config) print one line naming the file, row or key and
exit with code 2; nothing prints a traceback for them.

- :mod:`pipeline.cli.runs`: ``run``, ``demo``, ``runs``;
- :mod:`pipeline.cli.tools`: ``fetch``, ``los``, ``areas``, ``sensitivity``, ``build-national``;
- :mod:`pipeline.cli.corrections`: ``corrections add``, ``list``, ``withdraw``;
- :mod:`pipeline.cli.scenario`: ``scenario list``, ``run``, ``show``.
"""

from __future__ import annotations

from typing import Annotated

import typer

from layers.errors import fault_of
from pipeline.cli import brief, corrections, runs, scenario, tools
from pipeline.cli.common import DEBUG, fail

app = typer.Typer(
    help="gapmap: find the households the broadband market leaves behind, per kommune.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def options(
    debug: Annotated[
        bool, typer.Option("--debug", help="Show the traceback of an error, not one line.")
    ] = False,
) -> None:
    """gapmap: find the households the broadband market leaves behind, per kommune."""
    DEBUG["traceback"] = debug


for command in (runs.run, runs.demo, runs.runs, tools.fetch, tools.los, tools.areas):
    app.command()(command)
app.command()(tools.sensitivity)
app.command("build-national")(tools.build_national)
app.command()(brief.brief)
app.add_typer(corrections.app, name="corrections")
app.add_typer(scenario.app, name="scenario")


def main() -> None:
    """The ``gapmap`` console command: the app, with anything unexpected reported in one line
    as an internal error (exit 70) unless ``--debug``."""
    try:
        app()
    except Exception as exc:
        fault = fault_of(exc, "gapmap")
        try:
            fail(fault)
        except typer.Exit as done:
            raise SystemExit(done.exit_code) from None
