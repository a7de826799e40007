#!/usr/bin/env bash
# The main job, one command on a fresh machine: install what is missing,
# build, and drill the bundled fixtures in throwaway PostgreSQL with local
# directory storage (scripts/drill-demo.mjs), printing the report. Extra
# arguments go to `dbrollback drill` (e.g. --provider local).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
npm run build
node scripts/drill-demo.mjs "$@"
