#!/usr/bin/env bash
# Starts a local MariaDB for the MySQL/MariaDB step specs and prints its connection string (the last line of output).
# Idempotent: installs Debian's mariadb-server if missing, initialises a data directory of its own once, starts the
# server on 127.0.0.1:3307 unless it is already running, and creates user perfcluster (password perfcluster) and
# database perfcluster_test if missing. Must run as root (CI does).
#   export PERFCLUSTER_TEST_MYSQL="$(scripts/start-mariadb.sh | tail -n 1)"
# Environment: MARIADB_DIR (default /var/lib/perfcluster-mariadb), MARIADB_PORT (default 3307).
set -euo pipefail

DIR=${MARIADB_DIR:-/var/lib/perfcluster-mariadb}
PORT=${MARIADB_PORT:-3307}
SOCKET="$DIR/mysqld.sock"

log() { echo "start-mariadb: $*" >&2; }

if ! command -v mariadbd >/dev/null; then
  log "installing mariadb-server from Debian packages"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq mariadb-server >&2
fi

if [ ! -d "$DIR/data/mysql" ]; then
  log "initialising $DIR"
  mkdir -p "$DIR/data"
  chown -R mysql:mysql "$DIR"
  mariadb-install-db --user=mysql --datadir="$DIR/data" --auth-root-authentication-method=socket --skip-test-db >&2
fi

client() { mariadb --socket="$SOCKET" -uroot "$@"; }

if client -e "SELECT 1" >/dev/null 2>&1; then
  log "already running"
else
  mariadbd --user=mysql --datadir="$DIR/data" --socket="$SOCKET" --port="$PORT" --bind-address=127.0.0.1 \
    --pid-file="$DIR/mysqld.pid" --log-error="$DIR/error.log" --skip-name-resolve >/dev/null 2>&1 &
  for _ in $(seq 150); do client -e "SELECT 1" >/dev/null 2>&1 && break; sleep 0.2; done
  client -e "SELECT 1" >/dev/null || { log "the server did not start; see $DIR/error.log"; exit 1; }
fi

client -e "CREATE DATABASE IF NOT EXISTS perfcluster_test;
  CREATE USER IF NOT EXISTS 'perfcluster'@'127.0.0.1' IDENTIFIED BY 'perfcluster';
  GRANT ALL PRIVILEGES ON perfcluster_test.* TO 'perfcluster'@'127.0.0.1';" >&2

echo "Server=127.0.0.1;Port=$PORT;Database=perfcluster_test;User ID=perfcluster;Password=perfcluster"
