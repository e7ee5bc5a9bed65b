"""Trains the fraud scorer and measures it on a later, held-out window.

    python src/train.py --params params.yaml --out model/ --metrics metrics.json

It reads data/features.csv (dvc.yaml's `features` stage, pulled by `dvc pull`), trains on
`train_window_days` ending `gap_days` before the evaluation window, and writes model/ (the
estimator the scoring service loads) and metrics.json (what mlgen's gate reads).
"""
import argparse
import json
import sys
import time
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
import yaml
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import average_precision_score, roc_curve
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parent))
from features import FEATURES  # noqa: E402  (after the path setup above)


def recall_at_fpr(labels, scores, fpr_limit: float) -> float:
    fpr, tpr, _ = roc_curve(labels, scores)
    return float(tpr[fpr <= fpr_limit].max())


def p95_latency_ms(model, sample: np.ndarray) -> float:
    """One transaction at a time, as the payment path calls the service.

    Measured in this thread's CPU time, not wall time: on a shared CI machine a wall clock
    measures the queue for a core (68 ms at a load of 56 on 2 cores, 1.6 ms when idle), while
    the CPU a score costs is the model's own. The smoke test measures the served latency.
    """
    model.predict_proba(sample[:1])  # warm up: the first call allocates
    timings = []
    for row in sample[:300]:
        start = time.thread_time()
        model.predict_proba(row.reshape(1, -1))
        timings.append((time.thread_time() - start) * 1000)
    return round(float(np.percentile(timings, 95)), 3)


def windows(data: pd.DataFrame, params: dict):
    end = data["ts"].max()
    eval_start = end - pd.Timedelta(days=params["eval_window_days"])
    train_end = eval_start - pd.Timedelta(days=params["gap_days"])
    train_start = train_end - pd.Timedelta(days=params["train_window_days"])
    train = data[(data["ts"] >= train_start) & (data["ts"] < train_end)]
    return train, data[data["ts"] >= eval_start]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--params", default="params.yaml")
    parser.add_argument("--data", default="data/features.csv")
    parser.add_argument("--out", default="model/")
    parser.add_argument("--metrics", default="metrics.json")
    args = parser.parse_args()
    params = yaml.safe_load(Path(args.params).read_text())

    data = pd.read_csv(args.data, parse_dates=["ts"])
    train, test = windows(data, params)
    model = HistGradientBoostingClassifier(**params["model"])
    model.fit(train[FEATURES].to_numpy(), train["is_fraud"].to_numpy())
    scores = model.predict_proba(test[FEATURES].to_numpy())[:, 1]
    metrics = {
        "pr_auc": round(float(average_precision_score(test["is_fraud"], scores)), 4),
        "recall_at_1pct_fpr": round(recall_at_fpr(test["is_fraud"], scores, 0.01), 4),
        "p95_latency_ms": p95_latency_ms(model, test[FEATURES].to_numpy()),
        "train_rows": int(len(train)),
        "eval_rows": int(len(test)),
    }
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    joblib.dump(model, out / "model.joblib")
    (out / "features.json").write_text(json.dumps(FEATURES) + "\n")
    Path(args.metrics).write_text(json.dumps(metrics, indent=2, sort_keys=True) + "\n")
    print(json.dumps(metrics, sort_keys=True))


if __name__ == "__main__":
    # One OpenMP thread: on a few thousand rows thread start-up costs more than the trees, and
    # on a shared CI machine two threads fitting 200 rounds took 35 times as long as one. The
    # service's workers score single-threaded too, so the latency measured is the served one.
    with threadpool_limits(limits=1):
        main()
