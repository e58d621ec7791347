#!/usr/bin/env bash
# npm run model:label|model:train|model:eval: bundles model/<command>.ts for Node and runs it
# at the repository's root (docs/model.md).
set -euo pipefail
cd "$(dirname "$0")/.."
cmd="$1"
shift
case "$cmd" in label | train | eval) ;; *) echo "usage: scripts/model.sh label|train|eval [args]" >&2; exit 2 ;; esac
# The evaluation compares with scikit-learn's Isolation Forest, from Debian's python3-sklearn
# (model/iforest.py runs under /usr/bin/python3).
if [ "$cmd" = eval ] && ! /usr/bin/python3 -c 'import sklearn' >/dev/null 2>&1; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "[model] npm run model:eval needs Debian's python3-sklearn (run as root, or: apt-get install python3-sklearn)" >&2
    exit 1
  fi
  echo "[model] installing Debian's python3-sklearn (for the Isolation Forest baseline)" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3-sklearn >/dev/null
fi
mkdir -p dist/model
node_modules/.bin/esbuild "model/$cmd.ts" --bundle --platform=node --format=esm --log-level=warning --outfile="dist/model/$cmd.mjs"
exec node "dist/model/$cmd.mjs" "$@"
