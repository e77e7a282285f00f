#!/usr/bin/env bash
# Commits current.sql as the next migration (graphile-migrate commit, checked against a shadow database) and
# moves migrations/down/current.sql to migrations/down/NNNNNN.sql beside it.
#   DATABASE_URL, SHADOW_DATABASE_URL, ROOT_DATABASE_URL must be set (see .gmrc).
# Usage: npm run db:commit -- "message"
set -euo pipefail
cd "$(dirname "$0")/.."
msg=${1:?usage: npm run db:commit -- "message"}
[ -f migrations/down/current.sql ] || { echo "write migrations/down/current.sql (the exact reverse) first" >&2; exit 1; }
node_modules/.bin/graphile-migrate commit -m "$msg"
latest=$(ls migrations/committed | sort | tail -1)
num=${latest%%[-.]*}
git mv -f migrations/down/current.sql "migrations/down/${num}.sql" 2>/dev/null || mv migrations/down/current.sql "migrations/down/${num}.sql"
echo "committed migrations/committed/${latest} with down script migrations/down/${num}.sql"
