#!/usr/bin/env bash
# A rejected idea, kept reproducible (docs/model-journal.md, "An error cap per feature (session 10, rejected)"):
# count each feature's reconstruction difference at most CAP int8 steps, so that no single
# feature at the edge of the range raises an alarm alone. Each cap is a one-line patch to
# the scorer's error loop (model:train then picks the threshold on capped errors),
# cross-validated between the two training runs by cross-validate.sh; "none" is the tree.
#
#   bash model/experiments/error-cap.sh [CAP...]      (default: 48 64 90)
set -euo pipefail
cd "$(dirname "$0")/../.."
patches=$(mktemp -d)
trap 'rm -rf "$patches"' EXIT
scorer=runtime/src/model/scorer.ts
grep -q '^      error += dd;$' "$scorer" || { echo "error-cap.sh: the scorer's error loop changed; update the patch" >&2; exit 1; }
variants=(none)
for cap in ${@:-48 64 90}; do
  sed "s/^      error += dd;\$/      error += dd > $((cap * cap)) ? $((cap * cap)) : dd;/" "$scorer" >"$patches/scorer.ts"
  diff -u --label "a/$scorer" --label "b/$scorer" "$scorer" "$patches/scorer.ts" >"$patches/error-cap-$cap.patch" || true
  variants+=("$patches/error-cap-$cap.patch")
done
bash model/experiments/cross-validate.sh "${variants[@]}"
