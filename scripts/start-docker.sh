#!/usr/bin/env bash
# Starts a Docker engine for the testcontainers drills when none answers:
# Debian's dockerd with the vfs storage driver (overlay mounts are not
# available on every machine this runs on). Waits, bounded, until `docker info`
# answers. Prints the pid of the dockerd it started (nothing when one was
# already running) so the caller can stop exactly that process.
# Usage: scripts/start-docker.sh [LOG_FILE] [TIMEOUT_SECONDS]
set -euo pipefail
log="${1:-/tmp/dbrollback-dockerd.log}"
timeout="${2:-60}"

if docker info >/dev/null 2>&1; then
  exit 0
fi
if ! command -v dockerd >/dev/null 2>&1; then
  echo "dockerd is not installed (apt-get install -y docker.io)" >&2
  exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "starting dockerd needs root" >&2
  exit 1
fi

nohup dockerd --storage-driver=vfs >"$log" 2>&1 </dev/null &
pid=$!
for _ in $(seq 1 "$timeout"); do
  if docker info >/dev/null 2>&1; then
    echo "$pid"
    exit 0
  fi
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "dockerd exited while starting; its log ($log) ends with:" >&2
    tail -n 20 "$log" >&2
    exit 1
  fi
  sleep 1
done
echo "dockerd did not answer within ${timeout} s; its log is $log" >&2
kill "$pid" 2>/dev/null || true
exit 1
