#!/usr/bin/env bash
# npm run model:label|model:train|model:eval: bundles model/<command>.ts for Node and runs it
# at the repository's root (docs/model.md).
set -euo pipefail
cd "$(dirname "$0")/.."
cmd="$1"
shift
case "$cmd" in label | train | eval) ;; *) echo "usage: scripts/model.sh label|train|eval [args]" >&2; exit 2 ;; esac
# The evaluation compares with scikit-learn's Isolation Forest, from Debian's python3-sklearn
# (model/iforest.py runs under /usr/bin/python3; python3-sklearn-lib alone makes "import sklearn"
# succeed, so the check imports what iforest.py uses).
if [ "$cmd" = eval ] && ! /usr/bin/python3 -c 'from sklearn.ensemble import IsolationForest' >/dev/null 2>&1; then
  . scripts/lib/debian-packages.sh
  install_debian_packages model python3-sklearn || exit 1
fi
mkdir -p dist/model
node_modules/.bin/esbuild "model/$cmd.ts" --bundle --platform=node --format=esm --log-level=warning --outfile="dist/model/$cmd.mjs"
exec node "dist/model/$cmd.mjs" "$@"
