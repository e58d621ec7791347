#!/usr/bin/env bash
# The experiment behind ModelScorer's out-of-range distance (OUT_OF_RANGE_Z; docs/model.md,
# "The out-of-range test"): two-fold cross-validation on the training runs only (train on
# one Ulm run, evaluate on the other, both ways), for each candidate distance, with the
# repository's own model:train and model:eval in a scratch copy of the working tree.
# Prints per fold: F1 of the int8 model and Isolation Forest (links, node), incidents on
# normal rows, and the detection delays beside the agents' rules in the same run.
#
#   bash model/experiments/out-of-range.sh [DISTANCE...]      (default: 8 10 12 16 1000000)
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
fold() { # TRAIN TEST DISTANCE
  rm -rf "$scratch/tree"
  mkdir -p "$scratch/tree"
  tar -C "$root" --exclude=./node_modules --exclude=./dist --exclude=./.git --exclude=./model/.cache -cf - . | tar -C "$scratch/tree" -xf -
  ln -s "$root/node_modules" "$scratch/tree/node_modules"
  cd "$scratch/tree"
  sed -i "s/^export const OUT_OF_RANGE_Z = .*/export const OUT_OF_RANGE_Z = $3;/" runtime/src/model/scorer.ts
  python3 - "$1" "$2" <<'PY'
import json, sys
runs = json.load(open('model/data/runs.json'))
keep = []
for r in runs:
    if r['run'] in (sys.argv[1], sys.argv[2]):
        r['role'] = 'train' if r['run'] == sys.argv[1] else 'test'
        keep.append(r)
json.dump(keep, open('model/data/runs.json', 'w'), indent=1)
PY
  npm run -s model:train >/dev/null
  npm run -s model:eval >/dev/null
  python3 - "$1" "$2" "$3" <<'PY'
import json, statistics, sys
r = json.load(open('model/report.json'))
parts = []
for t in r['targets']:
    f1 = next(k for k in t['kinds'] if k['kind'] == 'all faults')['detectors']
    s = f"{t['target']} F1 int8 {f1['int8']['f1']} / iforest {f1['iforest']['f1']}, false incidents {t['falseIncidents']['int8']}"
    if t['delays']:
        med = lambda k: statistics.median([d['delays'][k] for d in t['delays'] if d['delays'][k] is not None] or [float('nan')])
        s += f", median delay int8 {med('int8')} s / rules {med('rules')} s ("
        s += ' '.join(f"{d['kind']} {d['delays']['int8']}/{d['delays']['rules']}" for d in t['delays']) + ')'
    parts.append(s)
print(f"distance {sys.argv[3]}, train {sys.argv[1]}, test {sys.argv[2]}: " + '; '.join(parts), flush=True)
PY
  cd "$root"
}
for z in "${@:-8 10 12 16 1000000}"; do
  for z1 in $z; do
    fold ulm-b ulm-probes "$z1"
    fold ulm-probes ulm-b "$z1"
  done
done
