"""Trains the fraud scorer on a GPU and measures it on a later, held-out window.

    python src/train.py --params params.yaml --out model/ --metrics metrics.json
"""
import argparse
import json
import time
from pathlib import Path

import numpy as np
import pandas as pd
import xgboost as xgb
import yaml
from sklearn.metrics import average_precision_score, roc_curve

from features import FEATURES


def recall_at_fpr(labels, scores, fpr_limit: float) -> float:
    fpr, tpr, _ = roc_curve(labels, scores)
    return float(tpr[fpr <= fpr_limit].max())


def p95_latency_ms(booster: xgb.Booster, sample: pd.DataFrame) -> float:
    booster.set_param({"device": "cpu"})  # production scores on CPU
    timings = []
    for _, row in sample.head(2000).iterrows():
        start = time.perf_counter()
        booster.inplace_predict(row.to_frame().T)
        timings.append((time.perf_counter() - start) * 1000)
    return float(np.percentile(timings, 95))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--params", default="params.yaml")
    parser.add_argument("--out", default="model/")
    parser.add_argument("--metrics", default="metrics.json")
    args = parser.parse_args()
    params = yaml.safe_load(Path(args.params).read_text())

    data = pd.read_parquet("data/features.parquet")
    end = data["ts"].max()
    eval_start = end - pd.Timedelta(days=params["eval_window_days"])
    train_end = eval_start - pd.Timedelta(days=params["gap_days"])
    train = data[(data["ts"] < train_end) & (data["ts"] >= train_end - pd.Timedelta(days=params["train_window_days"]))]
    test = data[data["ts"] >= eval_start]

    settings = dict(params["xgboost"])
    rounds = settings.pop("num_boost_round")
    booster = xgb.train(settings, xgb.DMatrix(train[FEATURES], label=train["is_fraud"]), num_boost_round=rounds)
    scores = booster.predict(xgb.DMatrix(test[FEATURES]))
    metrics = {
        "pr_auc": float(average_precision_score(test["is_fraud"], scores)),
        "recall_at_1pct_fpr": recall_at_fpr(test["is_fraud"], scores, 0.01),
        "p95_latency_ms": p95_latency_ms(booster, test[FEATURES]),
        "train_rows": int(len(train)),
    }
    Path(args.out).mkdir(parents=True, exist_ok=True)
    booster.save_model(str(Path(args.out) / "model.ubj"))
    Path(args.metrics).write_text(json.dumps(metrics, indent=2))
    print(json.dumps(metrics))


if __name__ == "__main__":
    main()
