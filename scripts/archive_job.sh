#!/usr/bin/env bash
# Runs the archiver once (the same code as the nightly graphile-worker task archive_executions) and prints
# its JSON report. Arguments pass through: --team <uuid>, --max-batches N.
# Needs DATABASE_URL (owner) or uses embedded PostgreSQL; storage from ARCHIVE_STORAGE / S3_* / ARCHIVE_DIR.
set -euo pipefail
cd "$(dirname "$0")/.."
NODE=node_modules/.bin/node
[ -x "$NODE" ] || NODE=node
exec "$NODE" src/archive/cli.ts run "$@"
