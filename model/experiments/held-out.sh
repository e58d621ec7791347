#!/usr/bin/env bash
# Candidate changes to the model judged on held-out runs, each in its own scratch copy of
# the tree: which runs train (a comma list; "-" keeps model/data/runs.json's roles), an
# optional patch (or "A+B"), and the runs evaluated. Runs the repository's own
# model:train and model:eval and prints, per candidate and per evaluated run, the F1 of the
# int8 model and of Isolation Forest (links, node), the model's false incidents, the
# int8/float agreement, and per link fault the detection delays of the model and of the
# agents' rules. cross-validate.sh uses it for folds between the training runs.
# Written for session 11's pre-registered check on a run nothing had read
# (docs/model-journal.md, "Candidates judged on a new run").
#
#   [X0_SEEDS="9 1 2"] bash model/experiments/held-out.sh TEST_RUNS NAME=TRAIN_RUNS[:PATCH[+PATCH...]]...
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
tests=$1
shift
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
# One snapshot of the tree and the patches, taken now: edits made while this runs do not leak in.
mkdir -p "$scratch/base" "$scratch/patches"
tar -C "$root" --exclude=./node_modules --exclude=./dist --exclude=./.git --exclude=./model/.cache -cf - . | tar -C "$scratch/base" -xf -
for c in "$@"; do
  spec=${c#*=}
  if [[ $spec == *:* ]]; then
    IFS=+ read -ra parts <<<"${spec#*:}"
    for p in "${parts[@]}"; do cp "$p" "$scratch/patches/$(basename "$p")"; done
  fi
done
for c in "$@"; do
  name=${c%%=*}
  spec=${c#*=}
  train=${spec%%:*}
  patches=
  [[ $spec == *:* ]] && patches=${spec#*:}
  rm -rf "$scratch/tree"
  mkdir -p "$scratch/tree"
  cp -a "$scratch/base/." "$scratch/tree/"
  ln -s "$root/node_modules" "$scratch/tree/node_modules"
  cd "$scratch/tree"
  if [ -n "$patches" ]; then
    IFS=+ read -ra ps <<<"$patches"
    for p in "${ps[@]}"; do patch -s -p1 <"$scratch/patches/$(basename "$p")"; done
  fi
  python3 - "$train" "$tests" <<'PY'
import json, sys
runs = json.load(open('model/data/runs.json'))
train = None if sys.argv[1] == '-' else sys.argv[1].split(',')
tests = sys.argv[2].split(',')
keep = []
for r in runs:
    if train is not None:
        if r['run'] in train: r['role'] = 'train'
        elif r['run'] in tests: r['role'] = 'test'
        else: continue
    elif r['role'] != 'train' and r['run'] not in tests: continue
    # A run named to be evaluated is evaluated, also one kept back with the role 'reserve'.
    if r['run'] in tests: r['role'] = 'test'
    keep.append(r)
json.dump(keep, open('model/data/runs.json', 'w'), indent=1)
PY
  # X0_SEEDS="9 1 2": train and evaluate once per training seed, then the means (one seed
  # moves the F1 margins by up to 0.12: docs/model-journal.md, "How much the training seed moves the numbers").
  for seed in ${X0_SEEDS:-default}; do
    seedargs=()
    [ "$seed" = default ] || seedargs=(-- --seed "$seed")
    npm run -s model:train "${seedargs[@]}" >/dev/null
    npm run -s model:eval >/dev/null
    python3 - "$name" "$train" "${patches:-none}" "$seed" "$scratch/seeds.jsonl" <<'PY'
import json, statistics, sys
r = json.load(open('model/report.json'))
seed = '' if sys.argv[4] == 'default' else f", training seed {sys.argv[4]}"
print(f"== {sys.argv[1]}: train {sys.argv[2]}, patches {sys.argv[3]}{seed}")
line = {'name': sys.argv[1], 'seed': sys.argv[4]}  # for the means over seeds
for t in r['targets']:
    f1 = next(k for k in t['kinds'] if k['kind'] == 'all faults')['detectors']
    line[t['target']] = {'int8': f1['int8']['f1'], 'iforest': f1['iforest']['f1'], 'false': t['falseIncidents']['int8']}
    a = t['agreement']
    print(f"  {t['target']} all test runs: F1 int8 {f1['int8']['f1']} / iforest {f1['iforest']['f1']}, false incidents int8 {t['falseIncidents']['int8']} / iforest {t['falseIncidents']['iforest']}, outputs over 4 steps from float {a['over4StepsPercent']} % (same model in float {a['sameModel']['over4StepsPercent']} %)")
    for p in t['perRun']:
        d = p['detectors']
        print(f"    {p['run']}: F1 int8 {d['int8']['f1']} / iforest {d['iforest']['f1']}, false incidents int8 {d['int8']['falseIncidents']} / iforest {d['iforest']['falseIncidents']}")
    for run in sorted({d['run'] for d in t['delays']}):
        ds = [d for d in t['delays'] if d['run'] == run]
        med = lambda k: statistics.median([d['delays'][k] for d in ds if d['delays'][k] is not None] or [float('nan')])
        later = sum(1 for d in ds if d['delays']['rules'] is not None and (d['delays']['int8'] is None or round(d['delays']['int8'] - d['delays']['rules'], 1) > 0.1))
        print(f"    {run} delays: median int8 {med('int8')} s / rules {med('rules')} s, later than the rules by more than 0.1 s {later}, missed by int8 {sum(1 for d in ds if d['delays']['int8'] is None)}: " + ' '.join(f"{d['kind']} {d['delays']['int8']}/{d['delays']['rules']}" for d in ds))
with open(sys.argv[5], 'a') as out:
    out.write(json.dumps(line) + '\n')
PY
  done
  if [ -n "${X0_SEEDS:-}" ]; then
    python3 - "$name" "$scratch/seeds.jsonl" <<'PY'
import json, statistics, sys
rows = [r for r in map(json.loads, open(sys.argv[2])) if r['name'] == sys.argv[1]]
print(f"== {sys.argv[1]}: mean over training seeds {' '.join(r['seed'] for r in rows)}")
for target in ('link', 'node'):
    m = lambda k: round(statistics.mean(r[target][k] for r in rows), 3)
    lo, hi = min(r[target]['int8'] for r in rows), max(r[target]['int8'] for r in rows)
    print(f"  {target}: F1 int8 {m('int8')} (from {lo} to {hi}) / iforest {m('iforest')}, false incidents int8 {m('false')}")
PY
  fi
  cd "$root"
done
