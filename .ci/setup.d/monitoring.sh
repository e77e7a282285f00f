#!/usr/bin/env bash
# CI machine setup for monitoring (issue 9). Idempotent; runs as root before the tests (.ci/run).
#  1. promtool (Debian's prometheus package) for `promtool check rules` / `promtool test rules`.
#  2. pg_stat_statements preloaded on the CI PostgreSQL, so the test template creates the extension and the
#     monitoring tests exercise the "present" path on the shared server too. This RESTARTS the cluster, once:
#     only when the library is not loaded yet. Never run it on a server other sessions are using.
set -euo pipefail

if ! command -v promtool >/dev/null 2>&1; then
  echo "monitoring: installing prometheus (promtool)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq prometheus >/dev/null
fi
promtool --version | head -1

PGVER=${PGVER:-$(ls /etc/postgresql | sort -V | tail -1)}
PSQL=(psql -h 127.0.0.1 -p 5432 -U postgres -d postgres -Atq)
libs=$("${PSQL[@]}" -c "show shared_preload_libraries")
if [[ ",${libs// /}," == *",pg_stat_statements,"* ]]; then
  echo "monitoring: pg_stat_statements already preloaded ($libs)"
  exit 0
fi
new=${libs:+$libs,}pg_stat_statements
echo "monitoring: preloading pg_stat_statements (shared_preload_libraries='$new') and restarting PostgreSQL $PGVER"
"${PSQL[@]}" -c "alter system set shared_preload_libraries = '$new'"
pg_ctlcluster --skip-systemctl-redirect "$PGVER" main restart
for _ in $(seq 1 60); do
  pg_isready -h 127.0.0.1 -p 5432 -q && break
  sleep 1
done
pg_isready -h 127.0.0.1 -p 5432
libs=$("${PSQL[@]}" -c "show shared_preload_libraries")
[[ "$libs" == *pg_stat_statements* ]] || { echo "monitoring: pg_stat_statements still not loaded" >&2; exit 1; }
echo "monitoring: pg_stat_statements loaded"
