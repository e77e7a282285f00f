#!/usr/bin/env bash
# Logical backup now: pg_dump -> storage (+ second target), catalog, retention. Env: DATABASE_URL, BACKUP_* (docs/backup.md).
#   scripts/backup/backup.sh [--format custom|directory|auto] [--jobs N]
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$ROOT"
"$NODE" src/backup/cli.ts backup "$@"
[ "${BACKUP_SKIP_PRUNE:-0}" = 1 ] || "$NODE" src/backup/cli.ts prune
