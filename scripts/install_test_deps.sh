#!/usr/bin/env bash
# Install what the browser and file tests need beyond Python packages (Debian packages, one
# apt run for whatever is missing):
#   - chromium: the browser tests (Playwright's own browser download does not work offline);
#   - gdal-bin: ogrinfo reads the published GeoPackage back, as GIS users' tools do;
#   - libreoffice-calc-nogui and poppler-utils: soffice converts the XLSX tables to CSV and
#     PDF, pdftotext/pdfinfo/pdftoppm read the PDFs (tables and the maps' print view);
#   - Folium's CDN assets from the npm registry into a cache folder (scripts/fetch_web_assets.sh),
#     for the tests of the "cdn" and "local" map modes.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"

packages=()
command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ] || packages+=(chromium)
command -v ogrinfo >/dev/null 2>&1 || packages+=(gdal-bin)
command -v soffice >/dev/null 2>&1 || packages+=(libreoffice-calc-nogui)
command -v pdftotext >/dev/null 2>&1 || packages+=(poppler-utils)
if [ "${#packages[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${packages[@]}" >/dev/null
  elif command -v sudo >/dev/null 2>&1; then
    sudo apt-get update -qq
    sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${packages[@]}" >/dev/null
  else
    echo "install_test_deps: ${packages[*]} missing and I cannot apt-get install them" >&2
    echo "  (not root, no sudo); their tests will skip (or fail when CI=true)." >&2
  fi
fi

bash "$here/fetch_web_assets.sh"
