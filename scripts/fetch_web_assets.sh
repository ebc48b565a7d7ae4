#!/usr/bin/env bash
# Install the JavaScript/CSS assets that Folium 0.20 pages load from CDNs, from the npm registry,
# into a local cache folder that is not in git.
#
# The browser tests (tests/browser.py) answer the CDN URLs from this folder, and the publish
# option `assets="local"` (maps/publish.py) copies the needed files next to the published maps
# so planners without internet can open them.
#
# Usage:   scripts/fetch_web_assets.sh            # into .cache/web-assets of the repository
#          GAPMAP_WEB_ASSETS=/some/dir scripts/fetch_web_assets.sh
# Idempotent: a package already present at the pinned version is not fetched again.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
assets_dir="${GAPMAP_WEB_ASSETS:-${repo_root}/.cache/web-assets}"

# Keep in step with maps/assets.py (NPM_PACKAGES) and the CDN URLs of folium/branca.
packages=(
  "leaflet@1.9.3"
  "leaflet.markercluster@1.1.0"
  "leaflet.awesome-markers@2.0.5"  # serves folium's cdnjs 2.0.2 URLs
  "jquery@3.7.1"
  "bootstrap@5.2.2"
  "@fortawesome/fontawesome-free@6.2.0"
  "d3@3.5.5"                        # branca's colormap legend
)

if ! command -v npm >/dev/null 2>&1; then
  echo "fetch_web_assets: npm not found; install Node.js/npm (Debian: apt-get install -y npm)" >&2
  exit 1
fi

installed_version() {
  # Print the version of node_modules/<name>/package.json, or nothing when absent.
  local manifest="${assets_dir}/node_modules/$1/package.json"
  [[ -f "${manifest}" ]] || return 0
  sed -n 's/^[[:space:]]*"version":[[:space:]]*"\([^"]*\)".*/\1/p' "${manifest}" | head -n 1
}

missing=()
for spec in "${packages[@]}"; do
  name="${spec%@*}"
  version="${spec##*@}"
  if [[ "$(installed_version "${name}")" != "${version}" ]]; then
    missing+=("${spec}")
  fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
  echo "fetch_web_assets: all ${#packages[@]} packages present in ${assets_dir}"
  exit 0
fi

mkdir -p "${assets_dir}"
echo "fetch_web_assets: installing ${missing[*]} into ${assets_dir}"
# Install the whole pinned set in one call: npm prunes packages not named on a --no-save install.
npm install --prefix "${assets_dir}" --no-save --no-audit --no-fund --no-package-lock \
  --loglevel=error "${packages[@]}"

for spec in "${packages[@]}"; do
  name="${spec%@*}"
  version="${spec##*@}"
  got="$(installed_version "${name}")"
  if [[ "${got}" != "${version}" ]]; then
    echo "fetch_web_assets: ${name}: expected version ${version}, found '${got}'" >&2
    exit 1
  fi
done
echo "fetch_web_assets: done (${#packages[@]} packages in ${assets_dir})"
