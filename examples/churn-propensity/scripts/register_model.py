"""Registers model/ in the MLflow model registry with its metrics, commit and retrain mode.

    python scripts/register_model.py --version "$MLGEN_VERSION" --mode "$MLGEN_TRAIN_MODE"
"""
import argparse
import json
from pathlib import Path

import registry  # first: it configures MLflow's environment

import joblib
import mlflow
import mlflow.sklearn
from mlflow import MlflowClient


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--version", required=True, help="the commit SHA ($MLGEN_VERSION)")
    parser.add_argument("--mode", default="full", help="the retrain mode ($MLGEN_TRAIN_MODE)")
    args = parser.parse_args()
    model = joblib.load("model/model.joblib")
    mlflow.set_experiment(registry.NAME)
    with mlflow.start_run(run_name=f"churn-{args.version[:8]}-{args.mode}"):
        mlflow.log_metrics(json.loads(Path("metrics.json").read_text()))
        mlflow.set_tags({"commit": args.version, "train_mode": args.mode})
        logged = mlflow.sklearn.log_model(model, name="model", serialization_format="cloudpickle",
                                          registered_model_name=registry.NAME)
    client = MlflowClient()
    version = str(logged.registered_model_version)
    client.set_model_version_tag(registry.NAME, version, "commit", args.version)
    client.set_model_version_tag(registry.NAME, version, "train_mode", args.mode)
    print(f"registered {registry.NAME} v{version} (commit {args.version[:8]}, {args.mode}) in {registry.TRACKING_URI}")


if __name__ == "__main__":
    main()
