#!/usr/bin/env bash
# Restore a logical backup into a NEW database (verified by sha256 first; --force to replace an existing one).
#   scripts/backup/restore.sh <latest|backup id|manifest key> [--target DB] [--force] [--source primary|secondary|any] [--jobs N]
# Env: ROOT_DATABASE_URL (superuser of the target cluster), DATABASE_URL (catalog, optional), BACKUP_STORAGE_*, BACKUP_SECONDARY_STORAGE_*.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$ROOT"
exec "$NODE" src/backup/cli.ts restore "$@"
