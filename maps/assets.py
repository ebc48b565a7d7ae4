"""The web assets (JavaScript, CSS, fonts) that Folium pages load, and their local copies.

Folium 0.20 and branca 0.8 write ``<script src>`` and ``<link href>`` tags pointing at public
CDNs. The same files are on the npm registry; ``scripts/fetch_web_assets.sh`` installs them into
a cache folder (default ``.cache/web-assets`` of the repository, or ``$GAPMAP_WEB_ASSETS``).

This module knows how each CDN URL maps to a file of that cache. Two users:

- the browser tests answer every CDN request from the cache (and fail on a URL they do not know,
  so a new asset is noticed);
- :func:`localize_pages` copies the files a set of published pages needs into ``<out>/assets/``
  and rewrites the pages to load them by relative URL, so planners without internet can open the
  maps (only the basemap tiles still come from the network; the maps are readable without them).
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Final
from urllib.parse import urlsplit

REPO_ROOT: Final = Path(__file__).resolve().parents[1]
ASSETS_ENV_VAR: Final = "GAPMAP_WEB_ASSETS"

# npm packages installed by scripts/fetch_web_assets.sh (keep the two lists in step).
NPM_PACKAGES: Final[tuple[str, ...]] = (
    "leaflet@1.9.3",
    "leaflet.markercluster@1.1.0",
    "leaflet.awesome-markers@2.0.5",
    "jquery@3.7.1",
    "bootstrap@5.2.2",
    "@fortawesome/fontawesome-free@6.2.0",
    "d3@3.5.5",
)

# cdnjs library folder (as in the URL) -> npm package; files are looked up in the package's
# dist/ folder first, then at its root (d3 3.x ships d3.min.js at the root).
CDNJS_LIBRARIES: Final[dict[str, str]] = {
    "leaflet.markercluster": "leaflet.markercluster",
    "Leaflet.awesome-markers": "leaflet.awesome-markers",  # cdnjs 2.0.2 == npm 2.0.5 files
    "d3": "d3",
}

# jsDelivr npm packages Folium uses; any file of these packages maps to node_modules/<pkg>/<file>.
JSDELIVR_PACKAGES: Final[frozenset[str]] = frozenset(
    {"leaflet", "bootstrap", "@fortawesome/fontawesome-free"}
)

# Exact URLs answered by a fixed file or a stub stylesheet.
EXACT_URLS: Final[dict[str, str]] = {
    "https://code.jquery.com/jquery-3.7.1.min.js": "jquery/dist/jquery.min.js",
}
# Bootstrap 3 glyphicons (unused by gapmap) and folium's rotate rule for awesome-markers icons.
STUB_STYLESHEETS: Final[dict[str, str]] = {
    "https://netdna.bootstrapcdn.com/bootstrap/3.0.0/css/bootstrap-glyphicons.css": (
        "/* glyphicons: not used by gapmap */\n"
    ),
    "https://cdn.jsdelivr.net/gh/python-visualization/folium/folium/templates/"
    "leaflet.awesome.rotate.min.css": (
        ".awesome-marker i.fa-rotate-0 { transform: rotate(0deg); }\n"
    ),
}

CONTENT_TYPES: Final[dict[str, str]] = {
    ".js": "application/javascript",
    ".css": "text/css",
    ".png": "image/png",
    ".svg": "image/svg+xml",
    ".woff2": "font/woff2",
    ".woff": "font/woff",
    ".ttf": "font/ttf",
    ".eot": "application/vnd.ms-fontobject",
    ".map": "application/json",
    ".html": "text/html",
}

_TILE_PATH = re.compile(r"/\d+/\d+/\d+(@2x)?\.(png|jpe?g|webp)$")
_CSS_URL = re.compile(r"""url\(\s*(['"]?)([^'")]+)\1\s*\)""")
_TAG_URL = re.compile(r"""(<(?:script|link)\b[^>]*?\b(?:src|href)=)(["'])(https?://[^"']+)\2""")


class AssetError(ValueError):
    """A page refers to an asset this module cannot serve, or the asset cache is missing."""


@dataclass(frozen=True)
class ResolvedAsset:
    """What to answer for an asset URL: a file of the cache, or a stub body."""

    url: str
    path: Path | None = None
    stub: str | None = None
    # Where the asset lives below ``assets/`` when pages are localised (package-relative).
    relpath: str = ""

    @property
    def content_type(self) -> str:
        suffix = Path(urlsplit(self.url).path).suffix.lower()
        return CONTENT_TYPES.get(suffix, "application/octet-stream")

    def body(self) -> bytes:
        if self.path is not None:
            return self.path.read_bytes()
        return (self.stub or "").encode("utf-8")


def default_assets_dir() -> Path:
    """The asset cache: ``$GAPMAP_WEB_ASSETS`` or ``<repo>/.cache/web-assets``."""
    env_value = os.environ.get(ASSETS_ENV_VAR)
    return Path(env_value) if env_value else REPO_ROOT / ".cache" / "web-assets"


def missing_packages(assets_dir: Path | None = None) -> list[str]:
    """The npm packages of :data:`NPM_PACKAGES` not installed in the cache (empty when ready)."""
    modules = (assets_dir or default_assets_dir()) / "node_modules"
    missing = []
    for spec in NPM_PACKAGES:
        name = spec.rsplit("@", 1)[0]
        if not (modules / name / "package.json").is_file():
            missing.append(spec)
    return missing


def is_tile_url(url: str) -> bool:
    """True for a slippy-map tile request (``.../{z}/{x}/{y}.png``)."""
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(_TILE_PATH.search(parts.path))


def _split_jsdelivr(path: str) -> tuple[str, str] | None:
    """``/npm/@scope/pkg@1.2/dir/f.css`` -> (``@scope/pkg``, ``dir/f.css``)."""
    match = re.match(r"^/npm/((?:@[^/]+/)?[^/@]+)@[^/]+/(.+)$", path)
    return (match.group(1), match.group(2)) if match else None


def _existing_file(modules: Path, candidates: Iterable[str]) -> tuple[Path, str] | None:
    for relpath in candidates:
        candidate = modules / relpath
        if candidate.is_file():
            return candidate, relpath
    return None


def resolve_asset(url: str, assets_dir: Path | None = None) -> ResolvedAsset | None:
    """Map a CDN URL Folium uses to its local copy; None when the URL is unknown.

    The mapping:

    - ``https://cdn.jsdelivr.net/npm/<pkg>@<ver>/<file>`` -> ``node_modules/<pkg>/<file>``
      (leaflet, bootstrap, @fortawesome/fontawesome-free);
    - ``https://cdnjs.cloudflare.com/ajax/libs/<Lib>/<ver>/<file>`` ->
      ``node_modules/<lib>/dist/<file>`` or ``node_modules/<lib>/<file>``
      (leaflet.markercluster, Leaflet.awesome-markers, d3);
    - ``https://code.jquery.com/jquery-3.7.1.min.js`` -> ``node_modules/jquery/dist/jquery.min.js``;
    - glyphicons CSS and folium's rotate CSS -> small stub stylesheets.
    """
    clean_url = url.split("#", 1)[0].split("?", 1)[0]
    if clean_url in STUB_STYLESHEETS:
        name = Path(urlsplit(clean_url).path).name
        return ResolvedAsset(url, stub=STUB_STYLESHEETS[clean_url], relpath=f"_stubs/{name}")
    modules = (assets_dir or default_assets_dir()) / "node_modules"
    found: tuple[Path, str] | None = None
    if clean_url in EXACT_URLS:
        found = _existing_file(modules, [EXACT_URLS[clean_url]])
    else:
        parts = urlsplit(clean_url)
        if parts.netloc == "cdn.jsdelivr.net":
            split = _split_jsdelivr(parts.path)
            if split is not None and split[0] in JSDELIVR_PACKAGES:
                found = _existing_file(modules, [f"{split[0]}/{split[1]}"])
        elif parts.netloc == "cdnjs.cloudflare.com":
            match = re.match(r"^/ajax/libs/([^/]+)/[^/]+/(.+)$", parts.path)
            if match and match.group(1) in CDNJS_LIBRARIES:
                package = CDNJS_LIBRARIES[match.group(1)]
                file_path = match.group(2)
                found = _existing_file(
                    modules, [f"{package}/dist/{file_path}", f"{package}/{file_path}"]
                )
    if found is None:
        return None
    return ResolvedAsset(url, path=found[0], relpath=found[1])


def _css_dependencies(asset: ResolvedAsset, modules: Path) -> list[tuple[Path, str]]:
    """Files a cached stylesheet refers to by relative ``url(...)`` (images, fonts)."""
    if asset.path is None or asset.path.suffix != ".css":
        return []
    deps = []
    text = asset.path.read_text(encoding="utf-8", errors="replace")
    for match in _CSS_URL.finditer(text):
        ref = match.group(2).strip().split("#", 1)[0].split("?", 1)[0]
        if not ref or ref.startswith(("data:", "http:", "https:", "//", "/")):
            continue
        target = (asset.path.parent / ref).resolve()
        if target.is_file() and modules.resolve() in target.parents:
            deps.append((target, target.relative_to(modules.resolve()).as_posix()))
    return deps


def localize_pages(
    pages: Iterable[Path], out_dir: Path, assets_dir: Path | None = None
) -> list[Path]:
    """Copy the assets the pages load into ``out_dir/assets`` and point the pages at them.

    Every ``<script src>`` / ``<link href>`` to an ``http(s)`` URL must be known to
    :func:`resolve_asset`; otherwise :class:`AssetError` names the page and the URL.
    Returns the asset files written.
    """
    assets_dir = assets_dir or default_assets_dir()
    missing = missing_packages(assets_dir)
    if missing:
        msg = (
            f"web asset cache {assets_dir} lacks {', '.join(missing)}; "
            "run scripts/fetch_web_assets.sh (or set GAPMAP_WEB_ASSETS)"
        )
        raise AssetError(msg)
    modules = assets_dir / "node_modules"
    target_root = out_dir / "assets"
    written: dict[str, Path] = {}

    def install(asset: ResolvedAsset) -> None:
        if asset.relpath in written:
            return
        destination = target_root / asset.relpath
        destination.parent.mkdir(parents=True, exist_ok=True)
        destination.write_bytes(asset.body())
        written[asset.relpath] = destination
        for dep_path, dep_relpath in _css_dependencies(asset, modules):
            if dep_relpath not in written:
                dep_destination = target_root / dep_relpath
                dep_destination.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(dep_path, dep_destination)
                written[dep_relpath] = dep_destination

    for page in pages:
        text = page.read_text(encoding="utf-8")

        def rewrite(match: re.Match[str], page: Path = page) -> str:
            url = match.group(3)
            asset = resolve_asset(url, assets_dir)
            if asset is None:
                msg = f"{page}: no local copy known for asset {url}; add it to maps/assets.py"
                raise AssetError(msg)
            install(asset)
            relative = os.path.relpath(target_root / asset.relpath, page.parent)
            return f"{match.group(1)}{match.group(2)}{Path(relative).as_posix()}{match.group(2)}"

        page.write_text(_TAG_URL.sub(rewrite, text), encoding="utf-8")
    return sorted(written.values())
