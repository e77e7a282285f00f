#!/usr/bin/env bash
# Point-in-time restore into a data directory (new or emptied), then start PostgreSQL on it: it replays WAL
# from the repository up to the target time and promotes. Run as the postgres OS user.
#   scripts/backup/pitr-restore.sh --pgdata DIR --target-time 'YYYY-MM-DD HH:MM:SS+00' [--repo 1|2] [--set LABEL] [--delta]
# Without --target-time: replay to the end of the archived WAL (latest). Env: PGBACKREST_CONFIG, PGBACKREST_STANZA.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
pgdata="" target="" repo="" set="" delta=""
while [ $# -gt 0 ]; do
  case "$1" in
    --pgdata) pgdata="$2"; shift 2;;
    --target-time) target="$2"; shift 2;;
    --repo) repo="$2"; shift 2;;
    --set) set="$2"; shift 2;;
    --delta) delta="--delta"; shift;;
    *) echo "unknown argument $1" >&2; exit 2;;
  esac
done
[ -n "$pgdata" ] || { echo "--pgdata is required" >&2; exit 2; }
args=(--stanza="$STANZA" --pg1-path="$pgdata")
[ -n "$repo" ] && args+=(--repo="$repo")
[ -n "$set" ] && args+=(--set="$set")
[ -n "$delta" ] && args+=("$delta")
if [ -n "$target" ]; then
  args+=(--type=time "--target=$target" --target-action=promote)
else
  args+=(--type=default)
fi
pgbackrest "${args[@]}" restore
echo "restored into $pgdata; start PostgreSQL on it to replay WAL${target:+ up to $target}"
