"""Run by the data platform each night, outside CI: starts a drift retrain when features move.

It compares this week's feature distributions with the training snapshot (population
stability index) and, above the threshold, fires the `drift-detected` event that mlgen.yaml
maps to `retrain` in mode `drift`. How the event reaches each CI system is in README.md.
"""
import math
import subprocess
import sys

import pandas as pd

THRESHOLD = 0.2


def psi(expected: pd.Series, actual: pd.Series, bins: int = 10) -> float:
    edges = sorted(set(expected.quantile([i / bins for i in range(1, bins)]).tolist()))
    e = pd.cut(expected, [-math.inf, *edges, math.inf]).value_counts(normalize=True, sort=False) + 1e-6
    a = pd.cut(actual, [-math.inf, *edges, math.inf]).value_counts(normalize=True, sort=False) + 1e-6
    return float(((a - e) * (a / e).apply(math.log)).sum())


def main() -> int:
    reference = pd.read_csv("data/reference_features.csv")
    current = pd.read_csv("data/current_features.csv")
    drifted = {c: psi(reference[c], current[c]) for c in reference.columns}
    worst = max(drifted, key=drifted.get)
    print(f"worst feature: {worst} (PSI {drifted[worst]:.3f})")
    if drifted[worst] > THRESHOLD:
        return subprocess.call(["./scripts/trigger_retrain.sh", "drift-detected"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
