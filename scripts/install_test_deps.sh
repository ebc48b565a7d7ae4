#!/usr/bin/env bash
# Install what the browser tests need beyond Python packages:
#   - Debian's chromium (Playwright's own browser download does not work offline);
#   - LibreOffice Calc and poppler (soffice, pdftotext): the spreadsheet tests open our XLSX;
#   - Folium's CDN assets from the npm registry into a cache folder (scripts/fetch_web_assets.sh).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"

if ! command -v chromium >/dev/null 2>&1 && [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  elif command -v sudo >/dev/null 2>&1; then
    sudo apt-get update -qq
    sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "install_test_deps: chromium is missing and I cannot apt-get install it (not root, no sudo);" >&2
    echo "  the browser tests will skip (or fail when CI=true)." >&2
  fi
fi

# soffice converts the XLSX tables to CSV and PDF, pdftotext/pdftoppm read the PDF
apt_packages=()
command -v soffice >/dev/null 2>&1 || apt_packages+=(libreoffice-calc-nogui)
command -v pdftotext >/dev/null 2>&1 || apt_packages+=(poppler-utils)
if [ "${#apt_packages[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${apt_packages[@]}" >/dev/null
  elif command -v sudo >/dev/null 2>&1; then
    sudo apt-get update -qq
    sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${apt_packages[@]}" >/dev/null
  else
    echo "install_test_deps: ${apt_packages[*]} missing and I cannot apt-get install them;" >&2
    echo "  the LibreOffice tests will skip (or fail when CI=true)." >&2
  fi
fi

bash "$here/fetch_web_assets.sh"
