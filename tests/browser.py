"""Open the map pages in headless Chromium, offline, and record what the page asked for.

Every request is answered locally:

- ``file://`` pages load as usual;
- the CDN URLs Folium 0.20 / branca 0.8 write are answered from the npm cache that
  ``scripts/fetch_web_assets.sh`` fills (mapping in :func:`maps.assets.resolve_asset`);
- map tiles get a 1×1 PNG, and their hosts are recorded (:attr:`PageReport.tile_hosts`);
- anything else is refused and recorded in :attr:`PageReport.unknown_urls`, so a test fails
  when a page starts to load an asset nobody mapped.

:meth:`OfflineBrowser.open_sealed` instead refuses every request but the page's own file (a map
page that must work alone, offline). Console errors and page errors are collected too. Without
Chromium or the asset cache the tests skip with the reason, except under CI (``CI=true``), where
they fail.
"""

from __future__ import annotations

import base64
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from maps.assets import default_assets_dir, is_tile_url, missing_packages, resolve_asset
from tests.fixtures import REPO_ROOT

ARTIFACTS_DIR = REPO_ROOT / "test-artifacts"
CHROMIUM_PATH = Path(os.environ.get("GAPMAP_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORT = {"width": 1280, "height": 800}
# A transparent 1×1 PNG: the maps are shown as they look when tiles do not load.
TILE_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAAC0lEQVR4nGNgAAIAAAUAAXpeqz8AAAAASUVORK5CYII="
)


def _skip_or_fail(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"browser test cannot run under CI: {reason}")
    pytest.skip(reason)


def require_browser_environment() -> Path:
    """Return the asset cache, or skip (fail under CI=true) when something is missing."""
    problems = []
    if not (CHROMIUM_PATH.is_file() and os.access(CHROMIUM_PATH, os.X_OK)):
        problems.append(f"no Chromium at {CHROMIUM_PATH} (Debian: apt-get install -y chromium)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        problems.append("Python package playwright is not installed")
    assets_dir = default_assets_dir()
    missing = missing_packages(assets_dir)
    if missing:
        fetch = (
            "scripts/fetch_web_assets.sh"
            if shutil.which("npm")
            else "install npm, then run scripts/fetch_web_assets.sh"
        )
        problems.append(f"web asset cache {assets_dir} lacks {', '.join(missing)} ({fetch})")
    if problems:
        _skip_or_fail("; ".join(problems))
    return assets_dir


@dataclass
class PageReport:
    """What one page did while it was open."""

    unknown_urls: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    assets_served: list[str] = field(default_factory=list)
    tiles_served: int = 0
    tile_hosts: list[str] = field(default_factory=list)
    blocked_urls: list[str] = field(default_factory=list)

    def problems(self) -> list[str]:
        """Everything a clean page must not have (empty when all is well)."""
        return (
            [f"unknown URL: {u}" for u in self.unknown_urls]
            + [f"console error: {m}" for m in self.console_errors]
            + [f"page error: {m}" for m in self.page_errors]
            + [f"request failed: {m}" for m in self.failed_requests]
        )


class OfflineBrowser:
    """A headless Chromium whose pages load only local files, mapped assets and stub tiles.

    Parameters
    ----------
    browser :
        A Playwright ``Browser``.
    assets_dir : Path or None
        The npm asset cache; None refuses every CDN URL (for pages that must be self-contained).
    """

    def __init__(self, browser: Any, assets_dir: Path | None) -> None:
        self.browser = browser
        self.assets_dir = assets_dir

    def open(
        self,
        url: str,
        wait_for: str = ".leaflet-container",
        init_script: str | None = None,
        viewport: dict[str, int] | None = None,
        java_script: bool = True,
    ) -> tuple[Any, PageReport]:
        """Open ``url`` in a new page; return the page and its (live) report.

        ``wait_for`` is a CSS selector to wait for; ``init_script`` runs before the page's own;
        ``viewport`` defaults to :data:`VIEWPORT`; ``java_script=False`` opens it with
        JavaScript off. Close the page with ``page.context.close()``.
        """
        return self._open(url, wait_for, init_script, viewport, java_script, sealed=False)

    def open_sealed(
        self,
        url: str,
        wait_for: str = ".leaflet-container",
        viewport: dict[str, int] | None = None,
        java_script: bool = True,
    ) -> tuple[Any, PageReport]:
        """Like :meth:`open`, but every request except ``url`` itself is aborted and recorded in
        :attr:`PageReport.blocked_urls` (tiles included): the page must draw from its own file.
        Blocked requests are not counted as problems; assert on ``blocked_urls``."""
        return self._open(url, wait_for, None, viewport, java_script, sealed=True)

    def _open(
        self,
        url: str,
        wait_for: str,
        init_script: str | None,
        viewport: dict[str, int] | None,
        java_script: bool,
        sealed: bool,
    ) -> tuple[Any, PageReport]:
        report = PageReport()
        context = self.browser.new_context(
            viewport=viewport or VIEWPORT, java_script_enabled=java_script
        )
        page = context.new_page()
        if init_script:
            page.add_init_script(init_script)
        page.on("console", lambda msg: _record_console(msg, report))
        page.on("pageerror", lambda error: report.page_errors.append(error.stack or str(error)))
        page.on("requestfailed", lambda request: _record_failed(request, report))
        if sealed:
            page.route("**/*", lambda route: _answer_sealed(route, url, report))
        else:
            page.route("**/*", lambda route: self._answer(route, report))
        page.goto(url, wait_until="load")
        if wait_for:
            page.wait_for_selector(wait_for, state="attached", timeout=15_000)
        return page, report

    def _answer(self, route: Any, report: PageReport) -> None:
        url = route.request.url
        if url.startswith(("file://", "data:", "blob:")):
            route.continue_()
            return
        if is_tile_url(url):
            report.tiles_served += 1
            report.tile_hosts.append(urlsplit(url).netloc)
            route.fulfill(
                status=200,
                body=TILE_PNG,
                content_type="image/png",
                headers={"Access-Control-Allow-Origin": "*"},
            )
            return
        asset = resolve_asset(url, self.assets_dir) if self.assets_dir is not None else None
        if asset is None:
            report.unknown_urls.append(url)
            route.abort("blockedbyclient")
            return
        report.assets_served.append(url)
        route.fulfill(
            status=200,
            body=asset.body(),
            content_type=asset.content_type,
            headers={"Access-Control-Allow-Origin": "*"},
        )


def _answer_sealed(route: Any, page_url: str, report: PageReport) -> None:
    url = route.request.url
    if url == page_url:
        route.continue_()
        return
    report.blocked_urls.append(url)
    route.abort("blockedbyclient")


def _record_console(message: Any, report: PageReport) -> None:
    if message.type == "error":
        if "ERR_BLOCKED_BY_CLIENT" in message.text and report.blocked_urls:
            return  # a request refused on purpose by open_sealed (listed in blocked_urls)
        report.console_errors.append(f"{message.text} ({message.location.get('url', '')})")


def _record_failed(request: Any, report: PageReport) -> None:
    failure = request.failure or ""
    # Requests we refused on purpose are already listed as unknown or blocked URLs.
    if request.url not in report.unknown_urls and request.url not in report.blocked_urls:
        report.failed_requests.append(f"{request.url}: {failure}")


@contextmanager
def offline_browser(assets_dir: Path | None) -> Iterator[OfflineBrowser]:
    """Launch headless Debian Chromium through Playwright; close it afterwards."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM_PATH), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield OfflineBrowser(browser, assets_dir)
        finally:
            browser.close()


def map_variable(page: Any) -> str:
    """Name of the global Leaflet map variable Folium created (the map div's id)."""
    name = page.evaluate("() => document.querySelector('.folium-map')?.id || null")
    assert name, "no .folium-map element on the page"
    assert page.evaluate(f"() => window['{name}'] instanceof L.Map"), f"window.{name} is no L.Map"
    return str(name)


def screenshot(page: Any, name: str, settle_ms: int = 400) -> Path:
    """Save a PNG of the page under ``test-artifacts/`` and return its path.

    Waits ``settle_ms`` first so Leaflet's fade and zoom animations have finished.
    """
    ARTIFACTS_DIR.mkdir(exist_ok=True)
    page.wait_for_timeout(settle_ms)
    path = ARTIFACTS_DIR / name
    page.screenshot(path=str(path))
    return path
