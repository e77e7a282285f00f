#!/usr/bin/env bash
# One-time PITR setup, run as the postgres OS user once postgresql.pitr.conf is active: creates the stanza in
# every repository and checks that WAL archiving reaches them. Env: PGBACKREST_CONFIG, PGBACKREST_STANZA.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
pgbackrest --stanza="$STANZA" stanza-create
pgbackrest --stanza="$STANZA" check
