#!/usr/bin/env bash
# The scheduled monthly refresh: fetch fresh inputs, then one run of gapmap on a config; safe to
# call from cron.
#
#   0 3 1 * *  /opt/gapmap/scripts/monthly_refresh.sh /srv/gapmap/gapmap.toml >> /var/log/gapmap.log 2>&1
#
#   monthly_refresh.sh CONFIG.toml [gapmap run options, e.g. --allow-stale]
#
# 1. refuses to start while another refresh holds the lock (flock), so refreshes never overlap;
# 2. `gapmap fetch --config CONFIG`: downloads the Geonorge files the config's [fetch] section
#    names (nothing when it names no kommuner); a failing fetch stops the refresh before the
#    run, so the last published output stays;
# 3. `gapmap run --config CONFIG`: refuses to publish when an input of [freshness]
#    monthly_inputs is last month's again or too old (exit 79); a failed run leaves the last
#    published output in place (gapmap publishes by an atomic switch of <output_dir>/current),
#    so cron mails the failure and planners keep seeing last month's maps.
#
# Exit codes: 0 published; 69 the fetch failed (its message above; nothing was run);
# 75 busy: another refresh holds the lock, or another gapmap process holds the store;
# 79 refused: stale inputs (fetch new ones, or run again with --allow-stale);
# any other: gapmap run's own (2 an input or config error, 74 a write failed, …; README).
#
# GAPMAP (default: the gapmap next to this script's venv, else on PATH) and GAPMAP_LOCK (the
# lock file) can be overridden.
set -euo pipefail
config="${1:?usage: monthly_refresh.sh CONFIG.toml [gapmap run options]}"
shift
here="$(cd "$(dirname "$0")/.." && pwd)"
gapmap="${GAPMAP:-$here/.venv/bin/gapmap}"
[ -x "$gapmap" ] || gapmap="$(command -v gapmap)"
lock="${GAPMAP_LOCK:-${TMPDIR:-/tmp}/gapmap-refresh.lock}"
say() { echo "$(date -u +%FT%TZ) gapmap refresh: $*"; }

exec 9>"$lock"
if ! flock -n 9; then
  say "another run holds $lock; not starting" >&2
  exit 75  # EX_TEMPFAIL
fi
say "starting with $config"
status=0
"$gapmap" fetch --config "$config" || status=$?
if [ "$status" -ne 0 ]; then
  say "fetch failed (gapmap fetch exit code $status); not running, the published output stays" >&2
  exit 69  # EX_UNAVAILABLE
fi
"$gapmap" run --config "$config" "$@" || status=$?
case "$status" in
  0) say "published" ;;
  75) say "the store is held by another gapmap process; try again later" >&2 ;;
  79) say "refused to publish stale inputs; the published output stays" >&2 ;;
  *) say "the run failed; the published output stays" >&2 ;;
esac
say "finished with exit code $status"
exit "$status"
