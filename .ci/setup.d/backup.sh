#!/usr/bin/env bash
# Backup capability: pgBackRest for the PITR test (test/backup/pitr.test.ts). Idempotent; nothing else changes.
set -euo pipefail
if ! command -v pgbackrest >/dev/null 2>&1; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq pgbackrest
fi
pgbackrest version
