#!/usr/bin/env bash
# npm run lab -- [options]: the mesh lab (see docs/lab.md, or --help).
# Builds the lab's bundles (host tool and guest helper) and runs the host tool.
set -euo pipefail
cd "$(dirname "$0")/.."
# The same set-up as npm test: Debian packages, npm ci, quickjs-ng, the runtime build
# (the lab runs dist/x0tta6bl4 on every node). The lab installs its own packages.
bash scripts/setup.sh >&2
esbuild=node_modules/.bin/esbuild
mkdir -p dist/lab
"$esbuild" tests/lab/main.ts --bundle --platform=node --format=esm --log-level=warning --outfile=dist/lab/lab.mjs
"$esbuild" tests/lab/guest.ts --bundle --platform=node --format=esm --log-level=warning --outfile=dist/lab/guest.mjs
exec node dist/lab/lab.mjs "$@"
