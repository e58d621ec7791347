#!/usr/bin/env bash
# Two-fold cross-validation on the training runs only (train on one Ulm run, evaluate on
# the other, both ways) of candidate changes to the model, each given as a patch against
# the working tree ("none": the tree as it is; "A+B": two patches together). held-out.sh
# does the work (a scratch copy per candidate, the repository's own model:train and
# model:eval) and prints per fold the F1 of the int8 model and Isolation Forest (links,
# node), the model's incidents on normal rows, the detection delays beside the agents'
# rules, and the int8/float agreement (share of inputs with an output more than 4 steps
# from float).
#
#   bash model/experiments/cross-validate.sh [none|PATCH[+PATCH...]]...
set -euo pipefail
cd "$(dirname "$0")/../.."
fold() { # TRAIN TEST VARIANT...
  local train=$1 test=$2
  shift 2
  local candidates=()
  for v in "$@"; do
    if [ "$v" = none ]; then candidates+=("none=$train"); else candidates+=("$v=$train:$v"); fi
  done
  bash model/experiments/held-out.sh "$test" "${candidates[@]}"
}
fold ulm-b ulm-probes "${@:-none}"
fold ulm-probes ulm-b "${@:-none}"
