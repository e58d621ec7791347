#!/usr/bin/env bash
# What the links' out-of-range distance trades: for each distance given, the repository's
# own model:train and model:eval in a scratch copy of the tree with OUT_OF_RANGE_Z.link set
# to it, on the runs model/data/runs.json holds out; prints the F1 of both networks against
# Isolation Forest, the false incidents, and the detection delays against the agents' rules
# fault by fault (docs/model-journal.md, "What the out-of-range distance trades", session 22).
#
#   bash model/experiments/out-of-range-curve.sh 6 8 10 ...
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
[ $# -gt 0 ] || { echo "usage: $0 DISTANCE..." >&2; exit 2; }
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$scratch/base"
tar -C "$root" --exclude=./node_modules --exclude=./dist --exclude=./.git --exclude=./model/.cache -cf - . | tar -C "$scratch/base" -xf -
for z in "$@"; do
  rm -rf "$scratch/tree"
  cp -a "$scratch/base" "$scratch/tree"
  ln -s "$root/node_modules" "$scratch/tree/node_modules"
  cd "$scratch/tree"
  sed -i -E "s/^export const OUT_OF_RANGE_Z = \{ link: [0-9.]+, node: ([0-9.]+) \} as const;/export const OUT_OF_RANGE_Z = { link: $z, node: \1 } as const;/" runtime/src/model/scorer.ts
  grep -q "OUT_OF_RANGE_Z = { link: $z," runtime/src/model/scorer.ts || { echo "cannot set the distance in scorer.ts" >&2; exit 1; }
  npm run -s model:train >/dev/null
  npm run -s model:eval >/dev/null
  python3 - "$z" <<'PY'
import json, statistics, sys
r = json.load(open('model/report.json'))
out = [f"links at {sys.argv[1]} σ:"]
for t in r['targets']:
    k = next(k for k in t['kinds'] if k['kind'] == 'all faults')['detectors']
    out.append(f"{t['target']} F1 {k['int8']['f1']:.3f} (forest {k['iforest']['f1']:.3f}{', not held ' + format(k['iforestUnheld']['f1'], '.3f') if 'iforestUnheld' in k else ''}), false incidents {t['falseIncidents']['int8']}")
def paired(key):
    e = s = l = a = b = 0
    for x in r['targets'][0]['delays']:
        m, q = x['delays'][key], x['delays']['rules']
        if m is None and q is None: continue
        if q is None: a += 1; continue
        if m is None: b += 1; continue
        d = round(m * 10) - round(q * 10)
        if d < -1: e += 1
        elif d > 1: l += 1
        else: s += 1
    det = [x['delays'][key] for x in r['targets'][0]['delays'] if x['delays'][key] is not None]
    return f"median {statistics.median(det):.1f} s, earlier {e} / as early {s} / later {l}, alone {a}, rules alone {b}"
out.append("delays against the rules: " + paired('int8') + "; at the rows' times: " + paired('int8AsRecorded'))
print(' | '.join(out))
PY
  cd "$root"
done
