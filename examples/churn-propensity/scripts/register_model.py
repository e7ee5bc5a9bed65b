"""Registers model/ in the MLflow model registry, tagged with the commit and retrain mode."""
import argparse
import json
from pathlib import Path

import lightgbm as lgb
import mlflow


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--version", required=True, help="the commit SHA ($MLGEN_VERSION)")
    parser.add_argument("--mode", default="full")
    args = parser.parse_args()
    mlflow.set_tracking_uri("https://mlflow.example.com")  # the token comes from MLFLOW_TRACKING_TOKEN
    with mlflow.start_run(run_name=f"churn-{args.version[:8]}"):
        mlflow.log_metrics(json.loads(Path("metrics.json").read_text()))
        mlflow.set_tags({"commit": args.version, "train_mode": args.mode})
        booster = lgb.Booster(model_file="model/model.txt")
        mlflow.lightgbm.log_model(booster, "model", registered_model_name="churn-propensity")


if __name__ == "__main__":
    main()
