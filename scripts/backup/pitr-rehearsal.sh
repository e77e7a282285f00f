#!/usr/bin/env bash
# A throwaway point-in-time-recovery rehearsal, made of the commands of docs/disaster-recovery.md exactly as
# written: this script extracts the fenced block between <!-- pitr-rehearsal:begin --> and
# <!-- pitr-rehearsal:end --> and runs it from the project root (so the docs cannot drift from what runs).
# Run as root or as the postgres OS user. Env (optional): REHEARSAL_DIR, REHEARSAL_PORT, REHEARSAL_RESTORED_PORT,
# PGBIN, PGBACKREST_REPO1_CIPHER_PASS, REHEARSAL_KEEP=1 (keep the directory). Exit 0 and
# "PITR rehearsal OK: ..." when the restore brought back exactly the rows written before the target time.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
block="$(awk '/<!-- pitr-rehearsal:begin -->/{on=1; next} /<!-- pitr-rehearsal:end -->/{on=0} on' "$ROOT/docs/disaster-recovery.md" | sed -e '/^```/d')"
[ -n "$block" ] || { echo "no rehearsal block in docs/disaster-recovery.md" >&2; exit 2; }
command -v pgbackrest > /dev/null || { echo "pgbackrest is not installed (apt-get install pgbackrest)" >&2; exit 2; }
cd "$ROOT"
exec bash -c "$block"
