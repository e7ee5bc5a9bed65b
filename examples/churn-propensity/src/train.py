"""Trains the churn model; the retrain mode comes from $MLGEN_TRAIN_MODE (set by mlgen).

    python src/train.py --params params.yaml --out model/ --metrics metrics.json

"full" and "drift" fit from `history_months` of snapshots; "incremental" loads the registry's
@production model and adds `incremental_iter` trees fitted on the newest month (scikit-learn's
warm start), falling back to a full fit before the first release.
"""
import argparse
import json
import os
import sys
from pathlib import Path

import joblib
import pandas as pd
import yaml
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import brier_score_loss, roc_auc_score
from threadpoolctl import threadpool_limits

sys.path[:0] = [str(Path(__file__).resolve().parent), str(Path(__file__).resolve().parents[1] / "scripts")]
from features import FEATURES, build_features  # noqa: E402  (after the path setup above)


def lift_at_top_decile(labels, scores) -> float:
    ranked = pd.DataFrame({"y": list(labels), "s": list(scores)}).sort_values("s", ascending=False)
    top = ranked.head(max(1, len(ranked) // 10))
    return float(top["y"].mean() / ranked["y"].mean())


def production_model():
    """The registry's @production estimator, or None before the first release."""
    import registry  # noqa: F401  (configures MLflow before it loads)

    from mlflow import MlflowClient
    from mlflow.exceptions import MlflowException
    from mlflow.sklearn import load_model

    try:
        MlflowClient().get_model_version_by_alias(registry.NAME, registry.PRODUCTION)
    except MlflowException as error:
        if error.error_code in ("RESOURCE_DOES_NOT_EXIST", "INVALID_PARAMETER_VALUE"):
            return None
        raise
    return load_model(f"models:/{registry.NAME}@{registry.PRODUCTION}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--params", default="params.yaml")
    parser.add_argument("--data", default="data/")
    parser.add_argument("--out", default="model/")
    parser.add_argument("--metrics", default="metrics.json")
    args = parser.parse_args()
    params = yaml.safe_load(Path(args.params).read_text())
    mode = os.environ.get("MLGEN_TRAIN_MODE", "full")

    snapshots = pd.read_csv(Path(args.data) / "snapshots.csv")
    events = pd.read_csv(Path(args.data) / "events.csv")
    first_train_month = 1 + params["holdout_months"]
    months = params["incremental_months"] if mode == "incremental" else params["history_months"]
    holdout = snapshots[(snapshots["month_index"] >= 1) & (snapshots["month_index"] < first_train_month)]
    train = snapshots[(snapshots["month_index"] >= first_train_month) & (snapshots["month_index"] < first_train_month + months)]

    settings = dict(params["model"])
    extra_trees = settings.pop("incremental_iter")
    model = production_model() if mode == "incremental" else None
    if model is not None:
        # Warm start keeps the production trees and fits `extra_trees` more on the new month.
        model.set_params(warm_start=True, max_iter=model.max_iter + extra_trees)
    else:
        if mode == "incremental":
            print("no production model yet: an incremental retrain fits from scratch on its window")
        model = HistGradientBoostingClassifier(**settings)
    model.fit(build_features(train, events).to_numpy(), train["churned"].to_numpy())

    scores = model.predict_proba(build_features(holdout, events).to_numpy())[:, 1]
    truth = holdout["churned"].to_numpy()
    metrics = {
        "auc": round(float(roc_auc_score(truth, scores)), 4),
        "brier": round(float(brier_score_loss(truth, scores)), 4),
        "top_decile_lift": round(lift_at_top_decile(truth, scores), 4),
        "rows": len(train),
    }
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    joblib.dump(model, out / "model.joblib")
    (out / "features.json").write_text(json.dumps(FEATURES) + "\n")
    Path(args.metrics).write_text(json.dumps(metrics, indent=2, sort_keys=True) + "\n")
    print(f"mode={mode} " + " ".join(f"{k}={v}" for k, v in metrics.items()))


if __name__ == "__main__":
    with threadpool_limits(limits=1):   # small data: one OpenMP thread is faster (see fraud-canary)
        main()
