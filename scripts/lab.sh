#!/usr/bin/env bash
# npm run lab -- [options]: the mesh lab (see docs/lab.md, or --help).
# Builds the lab's bundles (host tool and guest helper) and runs the host tool.
set -euo pipefail
cd "$(dirname "$0")/.."
esbuild=node_modules/.bin/esbuild
[ -x "$esbuild" ] || { echo "lab: $esbuild missing; run npm install" >&2; exit 2; }
mkdir -p dist/lab
"$esbuild" tests/lab/main.ts --bundle --platform=node --format=esm --log-level=warning --outfile=dist/lab/lab.mjs
"$esbuild" tests/lab/guest.ts --bundle --platform=node --format=esm --log-level=warning --outfile=dist/lab/guest.mjs
exec node dist/lab/lab.mjs "$@"
