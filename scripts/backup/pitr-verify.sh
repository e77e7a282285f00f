#!/usr/bin/env bash
# Verifies every repository's backups and WAL archive against pgBackRest's recorded checksums.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
for repo in ${PITR_REPOS:-1 2}; do
  pgbackrest --stanza="$STANZA" --repo="$repo" verify
done
