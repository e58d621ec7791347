#!/usr/bin/env bash
# The experiment behind ModelScorer's out-of-range distance (OUT_OF_RANGE_Z; docs/model.md,
# "The out-of-range test"): each candidate distance as a one-line patch to scorer.ts,
# cross-validated between the two training runs by cross-validate.sh (train on one Ulm run,
# evaluate on the other, both ways; F1, incidents on normal rows, delays beside the rules).
#
#   bash model/experiments/out-of-range.sh [DISTANCE...]      (default: 8 10 12 16 1000000)
set -euo pipefail
cd "$(dirname "$0")/../.."
patches=$(mktemp -d)
trap 'rm -rf "$patches"' EXIT
scorer=runtime/src/model/scorer.ts
variants=()
for z in ${@:-8 10 12 16 1000000}; do
  # One distance for both networks, as when the table was made (the tree now has one per network).
  sed "s/^export const OUT_OF_RANGE_Z = .*/export const OUT_OF_RANGE_Z = { link: $z, node: $z } as const;/" "$scorer" >"$patches/scorer.ts"
  diff -u --label "a/$scorer" --label "b/$scorer" "$scorer" "$patches/scorer.ts" >"$patches/out-of-range-$z.patch" || true
  # The tree's own distance needs no patch ("none" in the output).
  if [ -s "$patches/out-of-range-$z.patch" ]; then variants+=("$patches/out-of-range-$z.patch"); else variants+=(none); fi
done
bash model/experiments/cross-validate.sh "${variants[@]}"
