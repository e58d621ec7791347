#!/usr/bin/env python3
"""Isolation Forest baseline for `npm run model:eval` (scikit-learn, Debian's python3-sklearn).

usage: iforest.py SEED FIT.csv OUT.json

FIT.csv holds one normalised feature vector per line (the normal training inputs the
autoencoder is trained on, written by model/eval.ts). The forest is fitted on them and
written to OUT.json as plain trees, which model/lib/iforest.ts scores row by row inside
the same replay as the autoencoder (its own normaliser, learning clipped while it
alarms). OUT.json also holds scikit-learn's own scores of every 10th fit row, so that
model/eval.ts can check that its scoring gives the same numbers.
"""
import json
import sys

import numpy as np
from sklearn.ensemble import IsolationForest


def tree_json(tree, features) -> dict:
    t = tree.tree_
    return {
        "features": [int(f) for f in features],
        "left": [int(x) for x in t.children_left],
        "right": [int(x) for x in t.children_right],
        "feature": [int(x) for x in t.feature],
        "threshold": [float(x) for x in t.threshold],
        "samples": [int(x) for x in t.n_node_samples],
    }


def main() -> int:
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    seed = int(sys.argv[1])
    fit = np.loadtxt(sys.argv[2], delimiter=",", ndmin=2)
    forest = IsolationForest(n_estimators=200, max_samples=256, random_state=seed)
    forest.fit(fit)
    check = fit[::10]
    out = {
        "sklearn": __import__("sklearn").__version__,
        "maxSamples": int(forest.max_samples_),
        "trees": [tree_json(t, f) for t, f in zip(forest.estimators_, forest.estimators_features_)],
        "check": {"every": 10, "scores": [float(s) for s in -forest.score_samples(check)]},
    }
    with open(sys.argv[3], "w", encoding="ascii") as f:
        json.dump(out, f)
    print(f"isolation forest: fitted on {len(fit)} normal vectors, {len(forest.estimators_)} trees written")
    return 0


if __name__ == "__main__":
    sys.exit(main())
