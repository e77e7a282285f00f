#!/usr/bin/env bash
# Base backup into each pgBackRest repository (repo1 = primary region, repo2 = second region).
#   scripts/backup/pitr-base-backup.sh [full|diff|incr]      (default: full on Sunday, diff otherwise)
# Env: PGBACKREST_CONFIG, PGBACKREST_STANZA, PITR_REPOS (default "1 2").
set -euo pipefail
. "$(dirname "$0")/lib.sh"
type="${1:-}"
if [ -z "$type" ]; then if [ "$(date -u +%u)" = 7 ]; then type=full; else type=diff; fi; fi
case "$type" in full|diff|incr) ;; *) echo "type must be full, diff or incr" >&2; exit 2;; esac
for repo in ${PITR_REPOS:-1 2}; do
  pgbackrest --stanza="$STANZA" --repo="$repo" --type="$type" backup
done
