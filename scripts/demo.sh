#!/usr/bin/env bash
# One command on a fresh machine: install what is missing, build, and run the
# embedded demo (a throwaway PostgreSQL cluster, local directory storage).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
npm run demo
