"""tests/browser.py, the headless-Chromium helper: it skips locally and fails under CI."""

from __future__ import annotations

from pathlib import Path

import pytest


def test_browser_helper_skips_locally_and_fails_under_ci(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    try:
        from tests import browser as helper
    except ModuleNotFoundError:
        import browser as helper  # type: ignore[no-redef]
    monkeypatch.setattr(helper, "CHROMIUM_PATH", tmp_path / "no-chromium")
    monkeypatch.setenv("GAPMAP_WEB_ASSETS", str(tmp_path / "no-assets"))
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match=r"no Chromium at .*fetch_web_assets"):
        helper.require_browser_environment()
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="cannot run under CI"):
        helper.require_browser_environment()
