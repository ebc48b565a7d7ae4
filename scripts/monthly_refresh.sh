#!/usr/bin/env bash
# The scheduled monthly refresh: one run of gapmap on a config, safe to call from cron.
#
#   0 3 1 * *  /opt/gapmap/scripts/monthly_refresh.sh /srv/gapmap/gapmap.toml >> /var/log/gapmap.log 2>&1
#
# - refuses to start while another refresh holds the lock (flock), so runs never overlap;
# - a failed run exits non-zero and leaves the last published output in place (gapmap
#   publishes by an atomic switch of <output_dir>/current), so cron mails the failure and
#   planners keep seeing last month's maps;
# - GAPMAP (default: the gapmap next to this script's venv, else on PATH) can be overridden.
set -euo pipefail
config="${1:?usage: monthly_refresh.sh CONFIG.toml}"
here="$(cd "$(dirname "$0")/.." && pwd)"
gapmap="${GAPMAP:-$here/.venv/bin/gapmap}"
[ -x "$gapmap" ] || gapmap="$(command -v gapmap)"
lock="${GAPMAP_LOCK:-${TMPDIR:-/tmp}/gapmap-refresh.lock}"

exec 9>"$lock"
if ! flock -n 9; then
  echo "$(date -u +%FT%TZ) gapmap refresh: another run holds $lock; not starting" >&2
  exit 75  # EX_TEMPFAIL
fi
echo "$(date -u +%FT%TZ) gapmap refresh: starting with $config"
status=0
"$gapmap" run --config "$config" || status=$?
echo "$(date -u +%FT%TZ) gapmap refresh: finished with exit code $status"
exit "$status"
