#!/usr/bin/env bash
# Restore the latest backup into a scratch database, compare with the catalog, pg_amcheck, record the result.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$ROOT"
exec "$NODE" src/backup/cli.ts restore-test "$@"
