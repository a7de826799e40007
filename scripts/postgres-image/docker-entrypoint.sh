#!/bin/bash
# Entrypoint of the locally built postgres image, compatible with the official
# image where drills rely on it: POSTGRES_USER / POSTGRES_PASSWORD /
# POSTGRES_DB create the superuser and database on first start, arguments
# starting with "-" (or after "postgres") go to the server (`postgres -c k=v`),
# and the server is reachable from outside only once initialisation is over
# (the temporary server listens on the socket alone, like the official one).
set -Eeuo pipefail

if [ "${1:0:1}" = '-' ]; then
  set -- postgres "$@"
fi
if [ "$1" != 'postgres' ]; then
  exec "$@"
fi
shift

export PGDATA="${PGDATA:-/var/lib/postgresql/data}"
user="${POSTGRES_USER:-postgres}"
db="${POSTGRES_DB:-$user}"
as_postgres=(setpriv --reuid=postgres --regid=postgres --init-groups)

mkdir -p "$PGDATA" /var/run/postgresql
chown -R postgres:postgres "$PGDATA" /var/run/postgresql
chmod 700 "$PGDATA"

if [ ! -s "$PGDATA/PG_VERSION" ]; then
  if [ -z "${POSTGRES_PASSWORD:-}" ] && [ "${POSTGRES_HOST_AUTH_METHOD:-}" != 'trust' ]; then
    echo 'error: POSTGRES_PASSWORD is not set (or set POSTGRES_HOST_AUTH_METHOD=trust)' >&2
    exit 1
  fi
  pwfile="$(mktemp)"
  printf '%s\n' "${POSTGRES_PASSWORD:-}" >"$pwfile"
  chown postgres "$pwfile"
  "${as_postgres[@]}" initdb -D "$PGDATA" -U "$user" --pwfile="$pwfile" \
    --auth-local=trust --auth-host="${POSTGRES_HOST_AUTH_METHOD:-scram-sha-256}" \
    --encoding=UTF8 --locale=C.UTF-8 ${POSTGRES_INITDB_ARGS:-}
  rm -f "$pwfile"
  printf 'host all all all %s\n' "${POSTGRES_HOST_AUTH_METHOD:-scram-sha-256}" >>"$PGDATA/pg_hba.conf"
  echo "listen_addresses = '*'" >>"$PGDATA/postgresql.conf"

  "${as_postgres[@]}" pg_ctl -D "$PGDATA" -o "-c listen_addresses=''" -w start
  if [ "$db" != 'postgres' ]; then
    # Through stdin: psql quotes the variable as an identifier there, not in -c.
    echo 'CREATE DATABASE :"db"' | "${as_postgres[@]}" psql -v ON_ERROR_STOP=1 --no-psqlrc -U "$user" -d postgres -v db="$db"
  fi
  "${as_postgres[@]}" pg_ctl -D "$PGDATA" -m fast -w stop
  echo 'PostgreSQL init process complete; ready for start up.'
fi

exec "${as_postgres[@]}" postgres -D "$PGDATA" "$@"
