#!/usr/bin/env python3
"""Isolation Forest baseline for `npm run model:eval` (scikit-learn, Debian's python3-sklearn).

usage: iforest.py SEED FIT.csv FILE.csv...

Each CSV holds one normalised feature vector per line (the inputs the int8 model sees,
written by model/eval.ts). The forest is fitted on FIT.csv (normal training rows only,
as the autoencoder); for FIT.csv and every FILE.csv it writes FILE.csv.scores, one
anomaly score per line (higher = more anomalous). Thresholds are chosen by model/eval.ts
with the autoencoder's rule (model/lib/selection.ts).
"""
import sys

import numpy as np
from sklearn.ensemble import IsolationForest


def main() -> int:
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    seed = int(sys.argv[1])
    fit_file = sys.argv[2]
    fit = np.loadtxt(fit_file, delimiter=",", ndmin=2)
    forest = IsolationForest(n_estimators=200, max_samples=256, random_state=seed)
    forest.fit(fit)
    for name in sys.argv[2:]:
        data = fit if name == fit_file else np.loadtxt(name, delimiter=",", ndmin=2)
        scores = -forest.score_samples(data)
        with open(f"{name}.scores", "w", encoding="ascii") as out:
            out.write("".join(f"{s:.6f}\n" for s in scores))
    print(f"isolation forest: fitted on {len(fit)} normal vectors, scored {len(sys.argv) - 2} file(s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
