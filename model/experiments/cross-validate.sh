#!/usr/bin/env bash
# Two-fold cross-validation on the training runs only (train on one Ulm run, evaluate on
# the other, both ways) of candidate changes to the model, each given as a patch against
# the working tree ("none": the tree as it is; "A+B": two patches together). Runs the
# repository's own model:train and model:eval in a scratch copy and prints per fold the
# F1 of the int8 model and Isolation Forest (links, node), the model's incidents on
# normal rows, the detection delays beside the agents' rules, and the int8/float
# agreement (share of inputs with an output more than 4 steps from float).
#
#   bash model/experiments/cross-validate.sh [none|PATCH[+PATCH...]]...
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
# One snapshot of the tree and the patches, taken now: edits made while this runs do not leak in.
mkdir -p "$scratch/base" "$scratch/patches"
tar -C "$root" --exclude=./node_modules --exclude=./dist --exclude=./.git --exclude=./model/.cache -cf - . | tar -C "$scratch/base" -xf -
variants=()
for v in "${@:-none}"; do
  if [ "$v" != none ]; then
    IFS=+ read -ra parts <<<"$v"
    for p in "${parts[@]}"; do cp "$p" "$scratch/patches/$(basename "$p")"; done
  fi
  variants+=("$v")
done
fold() { # TRAIN TEST VARIANT
  rm -rf "$scratch/tree"
  mkdir -p "$scratch/tree"
  cp -a "$scratch/base/." "$scratch/tree/"
  ln -s "$root/node_modules" "$scratch/tree/node_modules"
  cd "$scratch/tree"
  if [ "$3" != none ]; then
    IFS=+ read -ra patches <<<"$3"
    for p in "${patches[@]}"; do patch -s -p1 <"$scratch/patches/$(basename "$p")"; done
  fi
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
    s = f"{t['target']} F1 int8 {f1['int8']['f1']} / iforest {f1['iforest']['f1']}, false incidents {t['falseIncidents']['int8']}, over 4 steps {t['agreement']['over4StepsPercent']} % (same model in float {t['agreement']['sameModel']['over4StepsPercent']} %)"
    if t['delays']:
        med = lambda k: statistics.median([d['delays'][k] for d in t['delays'] if d['delays'][k] is not None] or [float('nan')])
        s += f", median delay int8 {med('int8')} s / rules {med('rules')} s ("
        s += ' '.join(f"{d['kind']} {d['delays']['int8']}/{d['delays']['rules']}" for d in t['delays']) + ')'
    parts.append(s)
print(f"{sys.argv[3]}, train {sys.argv[1]}, test {sys.argv[2]}: " + '; '.join(parts), flush=True)
PY
  cd "$root"
}
for v in "${variants[@]}"; do
  fold ulm-b ulm-probes "$v"
  fold ulm-probes ulm-b "$v"
done
