#!/usr/bin/env bash
# Cache tests (issue 7) start private redis-server processes (a 3-node cluster on 7101-7103, a killable
# standalone on 7110) and use redis-cli --cluster create: both binaries must exist. Idempotent.
set -euo pipefail
if ! command -v redis-server >/dev/null 2>&1 || ! command -v redis-cli >/dev/null 2>&1; then
  apt-get update -qq
  apt-get install -y -qq redis-server redis-tools
fi
