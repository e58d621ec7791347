#!/usr/bin/env python3
"""Isolation Forest baseline for `npm run model:eval` (scikit-learn, Debian's python3-sklearn).

usage: iforest.py TRAIN.csv TEST.csv OUT.csv SEED QUANTILE

TRAIN.csv and TEST.csv hold one normalised feature vector per line (the inputs the
int8 model sees, written by model/eval.ts). The forest is fitted on TRAIN (normal
data only, as the autoencoder), and its threshold is the QUANTILE of the training
scores (the clean-data quantile rule the autoencoder's threshold uses, without a
margin). OUT.csv gets one line per TEST line: score (higher = more anomalous), alarm (0/1).
"""
import sys

import numpy as np
from sklearn.ensemble import IsolationForest


def main() -> int:
    if len(sys.argv) != 6:
        print(__doc__, file=sys.stderr)
        return 2
    train_file, test_file, out_file, seed, quantile = sys.argv[1:]
    train = np.loadtxt(train_file, delimiter=",", ndmin=2)
    test = np.loadtxt(test_file, delimiter=",", ndmin=2)
    forest = IsolationForest(n_estimators=200, max_samples=256, random_state=int(seed))
    forest.fit(train)
    train_scores = -forest.score_samples(train)
    threshold = float(np.quantile(train_scores, float(quantile)))
    scores = -forest.score_samples(test)
    with open(out_file, "w", encoding="ascii") as out:
        for s in scores:
            out.write(f"{s:.6f},{1 if s > threshold else 0}\n")
    print(f"isolation forest: {len(train)} training vectors, threshold {threshold:.4f}, {int((scores > threshold).sum())} of {len(test)} test vectors alarmed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
