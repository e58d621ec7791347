#!/usr/bin/env bash
# `npm test`: set up what is missing, then run every suite on both engines, the
# native tests (also under ASan/UBSan), the quality gates and the lab. The last
# line is "N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec node tests/run.mjs --all --no-build "$@"
