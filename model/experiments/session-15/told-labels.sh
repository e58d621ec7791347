#!/usr/bin/env bash
# Session 15's oracle check (docs/model-journal.md, "The normaliser, screened and judged"):
#   bash model/experiments/session-15/told-labels.sh   (about 5 minutes; Debian's python3-sklearn)
set -euo pipefail
cd "$(dirname "$0")/../../.."
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
npx esbuild model/experiments/session-15/told-labels-dump.ts --bundle --platform=node --outfile="$out/dump.cjs" --log-level=error
OUT=$out node "$out/dump.cjs" ulm-b ulm-probes bielefeld-faults bielefeld-quiet-probes leipzig-193 leipzig-67 leipzig-68 leipzig-71 leipzig-gs leipzig-gs-quiet leipzig-probes
for t in link node; do echo "== $t"; /usr/bin/python3 model/experiments/session-15/told-labels.py "$t" "$out"; done
