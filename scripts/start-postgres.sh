#!/usr/bin/env bash
# Starts a local PostgreSQL for the persistence specs and prints its connection string (the last line of output).
# Idempotent: installs Debian's postgresql if missing, creates the cluster directory once, starts the server on
# 127.0.0.1:5432 unless it is already running, and creates role perfcluster (password perfcluster) and database
# perfcluster_test if missing. Must run as root (CI does); the server itself runs as the postgres user.
#   export PERFCLUSTER_TEST_POSTGRES="$(scripts/start-postgres.sh | tail -n 1)"
# Environment: PGDATA_DIR (default /var/lib/postgresql/perfcluster), PGPORT (default 5432).
set -euo pipefail

DATA_DIR=${PGDATA_DIR:-/var/lib/postgresql/perfcluster}
PORT=${PGPORT:-5432}
ROLE=perfcluster
PASSWORD=perfcluster
DATABASE=perfcluster_test

log() { echo "start-postgres: $*" >&2; }

bin_dir() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

if [ -z "$(bin_dir)" ]; then
  log "installing postgresql from Debian packages"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq postgresql >&2
fi
BIN=$(bin_dir)
as_postgres() { su postgres -s /bin/sh -c "$*"; }

if [ ! -s "$DATA_DIR/PG_VERSION" ]; then
  log "initialising $DATA_DIR"
  mkdir -p "$DATA_DIR"
  chown postgres:postgres "$DATA_DIR"
  chmod 700 "$DATA_DIR"
  as_postgres "'$BIN/initdb' -D '$DATA_DIR' --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8" >&2
fi

# pg_stat_statements is preloaded so the SQL step specs can compare a report's counts with the server's own.
if ! grep -q "^shared_preload_libraries = 'pg_stat_statements'" "$DATA_DIR/postgresql.conf"; then
  echo "shared_preload_libraries = 'pg_stat_statements'" >> "$DATA_DIR/postgresql.conf"
  if as_postgres "'$BIN/pg_ctl' -D '$DATA_DIR' status" >/dev/null 2>&1; then
    log "restarting to load pg_stat_statements"
    as_postgres "'$BIN/pg_ctl' -D '$DATA_DIR' -w -t 30 stop -m fast" >&2
  fi
fi
if as_postgres "'$BIN/pg_ctl' -D '$DATA_DIR' status" >/dev/null 2>&1; then
  log "already running"
else
  # The socket goes to the data directory: /var/run/postgresql may not exist without the Debian service scripts.
  as_postgres "'$BIN/pg_ctl' -D '$DATA_DIR' -l '$DATA_DIR/server.log' -w -t 30 \
    -o \"-c listen_addresses=127.0.0.1 -c port=$PORT -c unix_socket_directories='$DATA_DIR'\" start" >&2
fi

psql_admin() { as_postgres "'$BIN/psql' -h '$DATA_DIR' -p $PORT -v ON_ERROR_STOP=1 -qtAX -d postgres -c \"$1\""; }

if [ "$(psql_admin "SELECT 1 FROM pg_roles WHERE rolname = '$ROLE'")" != "1" ]; then
  log "creating role $ROLE"
  psql_admin "CREATE ROLE $ROLE LOGIN PASSWORD '$PASSWORD'" >&2
fi
if [ "$(psql_admin "SELECT 1 FROM pg_database WHERE datname = '$DATABASE'")" != "1" ]; then
  log "creating database $DATABASE"
  psql_admin "CREATE DATABASE $DATABASE OWNER $ROLE" >&2
fi

psql_db() { as_postgres "'$BIN/psql' -h '$DATA_DIR' -p $PORT -v ON_ERROR_STOP=1 -qtAX -d $DATABASE -c \"$1\""; }
psql_db "CREATE EXTENSION IF NOT EXISTS pg_stat_statements" >&2 || log "pg_stat_statements is not available; the SQL specs count with their own tables only"
psql_db "GRANT pg_read_all_stats TO $ROLE" >&2 || true

echo "Host=127.0.0.1;Port=$PORT;Database=$DATABASE;Username=$ROLE;Password=$PASSWORD"
