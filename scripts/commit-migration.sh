#!/usr/bin/env bash
# Commits the work in progress as the next migration and its down script.
#   migrations/current/NNN-topic.sql       up: graphile-migrate commit joins them in numeric order, each under a
#                                          `--! split: NNN-topic.sql` line, checks the result on the shadow
#                                          database and rewrites data/schema.sql from it (.gmrc hook)
#   migrations/down/current/NNN-topic.sql  down: the exact reverse of the same topic; joined LAST TOPIC FIRST
#                                          into migrations/down/NNNNNN.sql (the undo of a later topic may
#                                          depend on an earlier one still being there)
# Afterwards both folders hold the same topic files again, empty. DATABASE_URL, SHADOW_DATABASE_URL and
# ROOT_DATABASE_URL must be set (see .gmrc).
# Usage: npm run db:commit -- "message"        (undo: npm run db:uncommit)
set -euo pipefail
cd "$(dirname "$0")/.."
msg=${1:?usage: npm run db:commit -- "message"}
up=migrations/current
down=migrations/down/current
topic_re='^[0-9]+(-[-_a-zA-Z0-9]*)?\.sql$'
blank() { [ -z "$(cat "$@" /dev/null | sed -e 's/--.*$//' | tr -d '[:space:]')" ]; }

mapfile -t topics < <(ls "$up" | grep -E "$topic_re" | sort -n)
mapfile -t down_topics < <(ls "$down" 2>/dev/null | grep -E "$topic_re" | sort -rn)
[ ${#topics[@]} -gt 0 ] || { echo "no topic files in $up" >&2; exit 1; }
for f in "${down_topics[@]}"; do
  [ -e "$up/$f" ] || { echo "$down/$f has no counterpart $up/$f" >&2; exit 1; }
done
for f in "${topics[@]}"; do
  if ! blank "$up/$f" && { [ ! -e "$down/$f" ] || blank "$down/$f"; }; then
    echo "$up/$f has changes but $down/$f is blank: write the exact reverse first" >&2; exit 1
  fi
done

# Blank topics would land as empty `--! split:` sections: keep them aside while committing, and put them back
# whatever happens (graphile-migrate restores the others itself when the commit fails).
aside=$(mktemp -d)
restore_topics() {
  for f in "${topics[@]}"; do [ -e "$up/$f" ] || mv "$aside/$f" "$up/$f" 2>/dev/null || : > "$up/$f"; done
  rm -rf "$aside"
}
trap 'status=$?; restore_topics; if [ $status -ne 0 ]; then
  echo "commit failed: rewriting data/schema.sql from the committed migrations" >&2; node_modules/.bin/node scripts/schema-dump.ts >&2 || true
fi' EXIT
for f in "${topics[@]}"; do blank "$up/$f" && mv "$up/$f" "$aside/$f"; done

node_modules/.bin/graphile-migrate commit -m "$msg"
latest=$(ls migrations/committed | sort | tail -1)
num=${latest%%[-.]*}
{
  echo "-- Down of migration ${num}: the exact reverse, topic by topic, last topic first."
  for f in "${down_topics[@]}"; do
    blank "$down/$f" && continue
    echo
    echo "--! split: $f"
    sed -e :a -e '/^\n*$/{$d;N;ba' -e '}' "$down/$f"
  done
} > "migrations/down/${num}.sql"

# graphile-migrate leaves one blank file (1-current.sql) in place of the topics: empty topics come back.
for f in "$up"/*.sql; do
  name=$(basename "$f")
  printf '%s\n' "${topics[@]}" | grep -qxF "$name" || rm -f "$f"
done
for f in "${topics[@]}"; do : > "$up/$f"; : > "$down/$f"; done
echo "committed migrations/committed/${latest} with down script migrations/down/${num}.sql"
