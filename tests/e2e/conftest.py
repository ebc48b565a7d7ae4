"""The demo run the end-to-end tests share: built and run once per session, then only read."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.console import Console

from pipeline.config import load_config
from pipeline.run import RunResult, run_pipeline
from pipeline.synthetic.demo import prepare_demo


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[RunResult, Path]:
    """``gapmap demo``: the demo region prepared and run; the result and the config's path."""
    config_path = prepare_demo(tmp_path_factory.mktemp("demo"))
    return run_pipeline(load_config(config_path), Console(quiet=True)), config_path
