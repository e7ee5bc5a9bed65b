"""Trains the churn model; the retrain mode comes from $MLGEN_TRAIN_MODE (set by mlgen).

    python src/train.py --params params.yaml --out model/ --metrics metrics.json
"""
import argparse
import json
import os
from pathlib import Path

import lightgbm as lgb
import mlflow
import pandas as pd
import yaml
from sklearn.metrics import brier_score_loss, roc_auc_score

from features import FEATURES, build_features


def lift_at_top_decile(labels, scores) -> float:
    ranked = pd.DataFrame({"y": labels, "s": scores}).sort_values("s", ascending=False)
    top = ranked.head(max(1, len(ranked) // 10))
    return float(top["y"].mean() / ranked["y"].mean())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--params", default="params.yaml")
    parser.add_argument("--out", default="model/")
    parser.add_argument("--metrics", default="metrics.json")
    args = parser.parse_args()
    params = yaml.safe_load(Path(args.params).read_text())
    mode = os.environ.get("MLGEN_TRAIN_MODE", "full")

    months = params["incremental_months"] if mode == "incremental" else params["history_months"]
    snapshots = pd.read_parquet("data/snapshots.parquet")
    snapshots = snapshots[snapshots["month_index"] < months + params["holdout_months"]]
    holdout = snapshots["month_index"] < params["holdout_months"]
    events = pd.read_parquet("data/events.parquet")
    x = build_features(snapshots, events)
    y = snapshots.set_index("customer_id")["churned"]

    settings = dict(params["model"])
    init_model = None
    if mode == "incremental":
        init_model = mlflow.lightgbm.load_model("models:/churn-propensity/Production").booster_
        settings["n_estimators"] = settings.pop("incremental_estimators")
    else:
        settings.pop("incremental_estimators")
    model = lgb.LGBMClassifier(**settings)
    model.fit(x[~holdout.values], y[~holdout.values], init_model=init_model)

    scores = model.predict_proba(x[holdout.values])[:, 1]
    truth = y[holdout.values]
    metrics = {
        "auc": roc_auc_score(truth, scores),
        "brier": brier_score_loss(truth, scores),
        "top_decile_lift": lift_at_top_decile(truth, scores),
        "rows": int(len(x)),
    }
    Path(args.out).mkdir(parents=True, exist_ok=True)
    model.booster_.save_model(str(Path(args.out) / "model.txt"))
    (Path(args.out) / "features.json").write_text(json.dumps(FEATURES))
    Path(args.metrics).write_text(json.dumps(metrics, indent=2))
    print(f"mode={mode} " + " ".join(f"{k}={v:.4f}" for k, v in metrics.items()))


if __name__ == "__main__":
    main()
