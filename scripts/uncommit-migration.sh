#!/usr/bin/env bash
# Moves the newest committed migration back into the work in progress (development only; never after another
# database ran it): graphile-migrate uncommit writes its `--! split:` sections back to migrations/current/, and
# its down script is split the same way back into migrations/down/current/. The database at DATABASE_URL keeps
# the schema changes (like `graphile-migrate watch` left them). Both folders must be blank first.
# Usage: npm run db:uncommit
set -euo pipefail
cd "$(dirname "$0")/.."
up=migrations/current
down=migrations/down/current
blank() { [ -z "$(cat "$@" /dev/null | sed -e 's/--.*$//' | tr -d '[:space:]')" ]; }
blank "$down"/*.sql || { echo "$down is not blank: commit or clear it first" >&2; exit 1; }

# graphile-migrate writes back only the topics the migration has sections for: remember them all.
mapfile -t topics < <(ls "$up" "$down" 2>/dev/null | grep -E '^[0-9]+(-[-_a-zA-Z0-9]*)?\.sql$' | sort -un)
latest=$(ls migrations/committed | sort | tail -1)
num=${latest%%[-.]*}
node_modules/.bin/graphile-migrate uncommit
mkdir -p "$down"
if [ -f "migrations/down/${num}.sql" ]; then
  awk -v dir="$down" '
    /^--! split: [0-9]+(-[-_a-zA-Z0-9]*)?\.sql$/ { out = dir "/" $3; printf "" > out; next }
    out != "" { print >> out }
  ' "migrations/down/${num}.sql"
  rm "migrations/down/${num}.sql"
  for f in "$down"/*.sql; do sed -i -e :a -e '/^\n*$/{$d;N;ba' -e '}' "$f"; done
fi
for f in "$up"/*.sql; do name=$(basename "$f"); topics+=("$name"); done
for f in "${topics[@]}"; do [ -e "$up/$f" ] || : > "$up/$f"; [ -e "$down/$f" ] || : > "$down/$f"; done
echo "uncommitted ${latest}: edit $up/ and $down/, then npm run db:commit -- \"message\""
