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

# The migration tools the tests drive as real programs: Liquibase (the npm
# package bundles its jar; it needs a Java runtime) and Sqitch with its
# PostgreSQL driver (it runs scripts through psql).
missing=()
command -v java >/dev/null 2>&1 || missing+=(default-jre-headless)
command -v sqitch >/dev/null 2>&1 || missing+=(sqitch)
perl -MDBD::Pg -e 1 >/dev/null 2>&1 || missing+=(libdbd-pg-perl)
# The archivers the tests drive as real programs: pgBackRest and Barman Cloud (--archiver).
command -v pgbackrest >/dev/null 2>&1 || missing+=(pgbackrest)
command -v barman-cloud-restore >/dev/null 2>&1 || missing+=(barman-cli-cloud)
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "Missing for the migration-tool tests: ${missing[*]}: run 'sudo apt-get install -y ${missing[*]}' and try again." >&2
    exit 1
  fi
  apt-get install -y "${missing[@]}" || { apt-get update && apt-get install -y "${missing[@]}"; }
fi

npm ci --no-audit --no-fund
# dbmate (the dbmate tool's tests run the real program) is installed here, not listed in package.json: its npm
# package declares one optional package per platform, the registry this runs against serves only linux-x64's,
# so a lock file holding dbmate cannot be complete and `npm ci` refuses it. A dbmate project brings its own.
npm install --no-save --no-package-lock --no-audit --no-fund dbmate@2.36.0
