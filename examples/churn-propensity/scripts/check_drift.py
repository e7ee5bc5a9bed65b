"""The monitor's drift check (pipelines.monitor in mlgen.yaml): are the features moving?

    python scripts/check_drift.py --out drift.json [--recent monitoring/recent_batch.csv]

It compares the features the model last trained on (the snapshot's month before the newest)
with the most recent batch of scored customers, one population stability index (PSI) per
feature, and writes the report mlgen reads:

    {"drift": true|false, "threshold": 0.2, "worst": "<feature>", "psi": {"<feature>": ..., ...}}

The recent batch is `--recent` when that file exists (the team's scoring job exports it;
scripts/recent_batch.py writes one, drifted or not, for tests), else the snapshot's newest
month, which this example's generator draws from the same distribution: no drift.
PSI above 0.2 for any feature is drift; mlgen then runs the retrain pipeline in mode `drift`.
"""
import argparse
import json
import math
import os
import sys
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
from features import FEATURES, build_features  # noqa: E402

THRESHOLD = 0.2
BINS = 10


def psi(expected: pd.Series, actual: pd.Series) -> float:
    """Population stability index of `actual` against `expected`, on the expected deciles."""
    edges = sorted(set(expected.quantile([i / BINS for i in range(1, BINS)]).tolist()))
    bounds = [-math.inf, *edges, math.inf]
    e = pd.cut(expected, bounds, duplicates="drop").value_counts(normalize=True, sort=False) + 1e-6
    a = pd.cut(actual, bounds, duplicates="drop").value_counts(normalize=True, sort=False) + 1e-6
    return float(((a - e) * (a / e).apply(math.log)).sum())


def reference_features(data: Path) -> pd.DataFrame:
    snapshots = pd.read_csv(data / "snapshots.csv")
    events = pd.read_csv(data / "events.csv")
    # The month before the newest: what the model's last training saw as "now".
    return build_features(snapshots[snapshots["month_index"] == 1], events)


def recent_features(data: Path, recent: Path) -> pd.DataFrame:
    if recent.exists():
        return pd.read_csv(recent)[FEATURES]
    active = pd.read_csv(data / "active_customers.csv")
    return build_features(active, pd.read_csv(data / "events.csv"))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    parser.add_argument("--data", default="data/")
    parser.add_argument("--recent", default="monitoring/recent_batch.csv")
    args = parser.parse_args()
    data = Path(args.data)
    reference = reference_features(data)
    current = recent_features(data, Path(args.recent))
    scores = {feature: round(psi(reference[feature], current[feature]), 4) for feature in FEATURES}
    worst = max(scores, key=scores.get)
    report = {"drift": scores[worst] > THRESHOLD, "threshold": THRESHOLD, "worst": worst, "psi": scores,
              "model": os.environ.get("MLGEN_MODEL_VERSION", "latest")}
    Path(args.out).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"model {report['model']}: worst feature {worst} (PSI {scores[worst]:.3f}, threshold {THRESHOLD}): "
          f"{'drift' if report['drift'] else 'no drift'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
