#!/usr/bin/env bash
# The lab's tests (one VM boot, several scenarios). Called by `npm test`.
# Builds the lab bundles, installs missing Debian packages when root (tests/lab/deps.ts),
# and prints, last, "N passed, N failed"; exits non-zero when a test failed.
# X0_LAB_VERBOSE=1 shows the lab's progress output.
set -euo pipefail
cd "$(dirname "$0")/../.."
esbuild=node_modules/.bin/esbuild
if [ ! -x "$esbuild" ]; then
  echo "lab tests: $esbuild missing (npm install)"
  echo "0 passed, 1 failed"
  exit 1
fi
mkdir -p dist/lab
for pair in guest.ts:guest.mjs tests.ts:tests.mjs main.ts:lab.mjs; do
  # playwright-core (the dashboard test's Chromium) loads files of its own: not bundled.
  if ! "$esbuild" "tests/lab/${pair%%:*}" --bundle --platform=node --format=esm --log-level=warning --external:playwright-core --outfile="dist/lab/${pair##*:}"; then
    echo "lab tests: building tests/lab/${pair%%:*} failed"
    echo "0 passed, 1 failed"
    exit 1
  fi
done
exec node dist/lab/tests.mjs 2>&1
