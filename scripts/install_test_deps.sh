#!/usr/bin/env bash
# Install what the browser and file tests need beyond Python packages:
#   - Debian's chromium (Playwright's own browser download does not work offline);
#   - Debian's gdal-bin (ogrinfo reads the published GeoPackage back, as GIS users' tools do);
#   - Folium's CDN assets from the npm registry into a cache folder (scripts/fetch_web_assets.sh).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"

packages=()
if ! command -v chromium >/dev/null 2>&1 && [ ! -x /usr/bin/chromium ]; then
  packages+=(chromium)
fi
if ! command -v ogrinfo >/dev/null 2>&1; then
  packages+=(gdal-bin)
fi
if [ "${#packages[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${packages[@]}" >/dev/null
  elif command -v sudo >/dev/null 2>&1; then
    sudo apt-get update -qq
    sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${packages[@]}" >/dev/null
  else
    echo "install_test_deps: ${packages[*]} missing and I cannot apt-get install (not root, no sudo);" >&2
    echo "  the browser and ogrinfo tests will skip (or fail when CI=true)." >&2
  fi
fi

bash "$here/fetch_web_assets.sh"
