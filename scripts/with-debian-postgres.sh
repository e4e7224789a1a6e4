#!/usr/bin/env bash
# Runs a command against a throwaway Debian PostgreSQL 15 cluster (the production-style server,
# beside the embedded one), exporting TEST_DATABASE_URL. Installs postgresql-15 if missing.
# Usage: scripts/with-debian-postgres.sh npm run test:unit
set -euo pipefail

PGBIN=/usr/lib/postgresql/15/bin
if [ ! -x "$PGBIN/postgres" ]; then
  echo "Installing Debian's PostgreSQL 15…"
  if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql-15 >/dev/null
fi

dir=$(mktemp -d /tmp/signpost-pg15.XXXXXX)
chmod 755 "$dir"
port=$(( 20000 + RANDOM % 20000 ))
as_pg() { if [ "$(id -u)" -eq 0 ]; then su postgres -s /bin/bash -c "$*"; else bash -c "$*"; fi; }
[ "$(id -u)" -eq 0 ] && chown postgres "$dir"

cleanup() {
  as_pg "$PGBIN/pg_ctl -D '$dir/data' -m fast stop" >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT

as_pg "$PGBIN/initdb -D '$dir/data' -A trust -U signpost --encoding=UTF8 >/dev/null"
as_pg "$PGBIN/pg_ctl -D '$dir/data' -l '$dir/log' -w -o \"-p $port -k '$dir' -c listen_addresses=127.0.0.1 -c fsync=on -c synchronous_commit=on\" start >/dev/null"

export TEST_DATABASE_URL="postgres://signpost@127.0.0.1:$port/postgres"
"$@"
