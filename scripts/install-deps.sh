#!/usr/bin/env bash
# Installs what dbrollback needs on a fresh Debian/Ubuntu machine: the
# PostgreSQL server and client programs (initdb, pg_ctl, pg_dump, pg_restore,
# pg_basebackup, amcheck) and the npm packages. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive

if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || ! command -v pg_dump >/dev/null 2>&1; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "PostgreSQL server programs are missing: run 'sudo apt-get install -y postgresql postgresql-contrib' and try again." >&2
    exit 1
  fi
  apt-get update
  apt-get install -y postgresql postgresql-contrib
fi
# The SSL tests make their own self-signed certificates.
if ! command -v openssl >/dev/null 2>&1; then
  if [ "$(id -u)" -eq 0 ]; then
    apt-get install -y openssl || { apt-get update && apt-get install -y openssl; }
  else
    echo "openssl is missing (the SSL tests make certificates with it): run 'sudo apt-get install -y openssl'." >&2
  fi
fi
# Throwaway clusters run as the postgres OS user when we are root (initdb refuses root).
if [ "$(id -u)" -eq 0 ] && ! id postgres >/dev/null 2>&1; then
  useradd --system --home /var/lib/postgresql --shell /bin/bash postgres
fi

npm ci --no-audit --no-fund
