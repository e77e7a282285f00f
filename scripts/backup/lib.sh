# Shared by scripts/backup/*.sh: project root and the pinned Node 24 (node_modules/.bin/node) when present.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
if [ -x "$ROOT/node_modules/.bin/node" ]; then NODE="$ROOT/node_modules/.bin/node"; else NODE="node"; fi
export STANZA="${PGBACKREST_STANZA:-linkflow}"
