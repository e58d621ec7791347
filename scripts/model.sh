#!/usr/bin/env bash
# npm run model:label|model:train|model:eval: bundles model/<command>.ts for Node and runs it
# at the repository's root (docs/model.md).
set -euo pipefail
cd "$(dirname "$0")/.."
cmd="$1"
shift
case "$cmd" in label | train | eval) ;; *) echo "usage: scripts/model.sh label|train|eval [args]" >&2; exit 2 ;; esac
mkdir -p dist/model
node_modules/.bin/esbuild "model/$cmd.ts" --bundle --platform=node --format=esm --log-level=warning --outfile="dist/model/$cmd.mjs"
exec node "dist/model/$cmd.mjs" "$@"
